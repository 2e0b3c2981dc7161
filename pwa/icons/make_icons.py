"""Draw Vigie's PNG icons (a white shield with a V) with Pillow.

Run from anywhere: `.venv/bin/python pwa/icons/make_icons.py`; the PNGs are written beside
this script and committed. Shapes are drawn 4x larger and scaled down for smooth edges.
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw

HERE = Path(__file__).resolve().parent
BLUE = (10, 77, 140, 255)
RED = (179, 22, 27, 255)
WHITE = (255, 255, 255, 255)
SUPERSAMPLE = 4


def bezier(p0, p1, p2, steps=24):
    """Points of a quadratic Bézier curve from p0 to p2 pulled towards p1."""
    return [
        (
            (1 - t) ** 2 * p0[0] + 2 * (1 - t) * t * p1[0] + t**2 * p2[0],
            (1 - t) ** 2 * p0[1] + 2 * (1 - t) * t * p1[1] + t**2 * p2[1],
        )
        for t in (i / steps for i in range(steps + 1))
    ]


def shield_outline(scale: float):
    """The shield as unit-square points, scaled around the centre (0.5, 0.5)."""
    top, shoulder, waist, tip = 0.17, 0.23, 0.55, 0.88
    left, right = 0.23, 0.77
    points = [(left, shoulder)]
    points += bezier((left, shoulder), (0.36, shoulder), (0.5, top))  # left shoulder to top
    points += bezier((0.5, top), (0.64, shoulder), (right, shoulder))
    points += [(right, waist)]
    points += bezier((right, waist), (right, 0.76), (0.5, tip))  # right flank to the tip
    points += bezier((0.5, tip), (left, 0.76), (left, waist))
    return [(0.5 + (x - 0.5) * scale, 0.5 + (y - 0.5) * scale) for x, y in points]


def letter_v(scale: float):
    """A bold V as a polygon, in unit-square points around the centre."""
    half = 0.055  # half the stroke width
    points = [
        (0.335 - half, 0.33), (0.335 + half, 0.33), (0.5, 0.635),
        (0.665 - half, 0.33), (0.665 + half, 0.33), (0.5 + half * 0.9, 0.72),
        (0.5 - half * 0.9, 0.72),
    ]
    return [(0.5 + (x - 0.5) * scale, 0.5 + (y - 0.5) * scale) for x, y in points]


def canvas(size: int):
    big = size * SUPERSAMPLE
    image = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    return image, ImageDraw.Draw(image), big


def to_pixels(points, big: int):
    return [(x * big, y * big) for x, y in points]


PALETTE = 64  # a few flat colours and their anti-aliased edges: a palette PNG is ~4x smaller


def finish(image: Image.Image, size: int, name: str) -> None:
    small = image.resize((size, size), Image.LANCZOS)
    small.quantize(colors=PALETTE, method=Image.Quantize.FASTOCTREE).save(HERE / name, optimize=True)
    print(f"wrote {name}")


def shield_icon(size: int, name: str, *, maskable: bool = False, rounded: bool = True) -> None:
    """The app icon: blue background, white shield, blue V."""
    image, draw, big = canvas(size)
    if maskable or not rounded:
        draw.rectangle((0, 0, big, big), fill=BLUE)  # full bleed: the platform crops it
    else:
        draw.rounded_rectangle((0, 0, big - 1, big - 1), radius=big * 0.18, fill=BLUE)
    scale = 0.8 if maskable else 1.0  # maskable: keep the shield inside the 80 % safe circle
    draw.polygon(to_pixels(shield_outline(scale), big), fill=WHITE)
    draw.polygon(to_pixels(letter_v(scale), big), fill=BLUE)
    finish(image, size, name)


def badge_icon(size: int, name: str) -> None:
    """Notification badge: only the alpha channel counts (Android draws it in one colour), so a
    white shield with the V cut out, on transparency."""
    image, draw, big = canvas(size)
    draw.polygon(to_pixels(shield_outline(1.1), big), fill=WHITE)
    draw.polygon(to_pixels(letter_v(1.1), big), fill=(0, 0, 0, 0))
    finish(image, size, name)


def alert_shortcut(size: int, name: str) -> None:
    """Shortcut "Donner l'alerte": red disc, white triangle with a red exclamation mark."""
    image, draw, big = canvas(size)
    draw.ellipse((0, 0, big - 1, big - 1), fill=RED)
    draw.polygon(to_pixels([(0.5, 0.18), (0.84, 0.78), (0.16, 0.78)], big), fill=WHITE)
    draw.rounded_rectangle(to_pixels([(0.455, 0.36), (0.545, 0.6)], big), radius=big * 0.03, fill=RED)
    draw.ellipse(to_pixels([(0.45, 0.64), (0.55, 0.74)], big), fill=RED)
    finish(image, size, name)


def gazette_shortcut(size: int, name: str) -> None:
    """Shortcut "Gazette": blue disc, white newspaper page with blue lines."""
    image, draw, big = canvas(size)
    draw.ellipse((0, 0, big - 1, big - 1), fill=BLUE)
    draw.rounded_rectangle(to_pixels([(0.26, 0.24), (0.74, 0.76)], big), radius=big * 0.03, fill=WHITE)
    draw.rectangle(to_pixels([(0.33, 0.31), (0.67, 0.41)], big), fill=BLUE)
    for top in (0.47, 0.56, 0.65):
        draw.rectangle(to_pixels([(0.33, top), (0.67, top + 0.045)], big), fill=BLUE)
    finish(image, size, name)


def main() -> None:
    shield_icon(192, "icon-192.png")
    shield_icon(512, "icon-512.png")
    shield_icon(512, "icon-maskable-512.png", maskable=True)
    shield_icon(180, "apple-touch-icon.png", rounded=False)
    badge_icon(96, "badge-96.png")
    alert_shortcut(96, "shortcut-alert-96.png")
    gazette_shortcut(96, "shortcut-gazette-96.png")


if __name__ == "__main__":
    main()
