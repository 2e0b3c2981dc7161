"""The activation letter as a PDF: one A4 page per letter, address in a French DL window envelope.

La Poste's windowed envelopes (DL 110×220, window on the right) show a 100×45 mm block
about 100 mm from the left edge and 45 mm from the top of an A4 page folded in three.

Written for readers with poor eyesight: body text at 13 pt, the code at 30 pt in a monospaced
face inside a box. Text is set in DejaVu (Debian's fonts-dejavu-core, installed by
scripts/bootstrap.sh), which covers Latin Extended (« Œ », « ł »), Vietnamese and Arabic; Arabic
names are shaped and ordered right to left by HarfBuzz (uharfbuzz). Without DejaVu the letter
falls back to the PDF core fonts, which only print Latin-1 (other characters become « ? »), and a
warning names the package to install.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from fpdf import FPDF
from fpdf.errors import FPDFException

from babel.dates import format_date

from backend.lib.french import PARIS, date_in_words

log = logging.getLogger(__name__)

# Where Debian (fonts-dejavu-core), Fedora/Arch and a manual install put DejaVu.
FONT_DIRS = (
    Path("/usr/share/fonts/truetype/dejavu"),
    Path("/usr/share/fonts/dejavu"),
    Path("/usr/share/fonts/TTF"),
    Path("/usr/local/share/fonts"),
)
FONT_FILES = {"sans": "DejaVuSans.ttf", "sans-bold": "DejaVuSans-Bold.ttf", "mono": "DejaVuSansMono-Bold.ttf"}
FONT_PACKAGE = "fonts-dejavu-core"

BODY_SIZE = 13  # pt; the issue's 81-year-old reader could not read the former 10–11 pt
BODY_LINE = 6.4  # mm
CODE_SIZE = 30  # pt

# The PWA's own words (pwa/i18n/fr.json), so the letter names the buttons the reader will see;
# tests/verification/test_activation_letter.py checks they still match the catalogue.
BUTTON_ENTER_CODE = "J'ai reçu mon courrier\u00a0: saisir le code"  # home.enterCode
BUTTON_ACTIVATE = "Activer mon compte"  # activation.submit
BUTTON_REISSUE = "Je n'ai pas reçu de courrier / renvoyer un code"  # activation.reissueButton
# The same buttons in English (pwa/i18n/en.json), for a member whose locale is "en".
BUTTONS_EN = {"enter_code": "I have my letter: enter the code", "activate": "Activate my account",
              "reissue": "I have not received a letter / send a new code"}

CODE_MARK = "\x00code"


@dataclass(frozen=True)
class LetterContent:
    recipient_name: str
    address_block: str  # lines separated by "\n" (without the name)
    community_name: str
    code: str
    expires_at: datetime
    app_url: str
    issued_at: datetime
    locale: str = "fr"  # the member's language (User.locale): "fr" or "en"


def format_code(code: str) -> str:
    return f"{code[:4]}-{code[4:]}"


def find_fonts(dirs: tuple[Path, ...] = FONT_DIRS) -> dict[str, Path] | None:
    """The DejaVu files the letter is set in, or None when one is missing."""
    for folder in dirs:
        found = {role: folder / name for role, name in FONT_FILES.items()}
        if all(path.is_file() for path in found.values()):
            return found
    return None


def _latin1(text: str) -> str:
    return (text.replace("’", "'").replace("“", '"').replace("”", '"').replace("œ", "oe").replace("Œ", "OE").replace("—", "-").replace("–", "-")
            .replace("…", "...").encode("latin-1", "replace").decode("latin-1"))


def _quoted(words: str) -> str:
    """« words » with no-break spaces, so a line never starts with a lone guillemet."""
    return f"«\u00a0{words}\u00a0»"


def _english_date(when: datetime) -> str:
    """« 2 December 2026 », in Paris time."""
    return format_date(when.astimezone(PARIS) if when.tzinfo else when, "d MMMM y", locale="en_GB")


def letter_words(letter: LetterContent) -> dict[str, str]:
    """The words around the body: sender, neighbourhood, date line, subject, the code's label."""
    if letter.locale == "en":
        return {"sender": "Vigie - watchful and caring neighbours", "community": f"Neighbourhood {letter.community_name}",
                "date": _english_date(letter.issued_at), "subject": "Subject: your Vigie activation code",
                "code": "CODE: "}
    return {"sender": "Vigie - voisins vigilants et solidaires", "community": f"Quartier {letter.community_name}",
            "date": f"Le {date_in_words(letter.issued_at)}", "subject": "Objet : votre code d'activation Vigie",
            "code": "CODE : "}


def _english_lines(letter: LetterContent) -> list[str]:
    def quoted(words: str) -> str:
        return f"“{words}”"

    return [
        f"Hello {letter.recipient_name},",
        "",
        f"You asked to join the {quoted(letter.community_name)} neighbourhood on Vigie, the network of watchful "
        "and caring neighbours. This letter confirms that you live at the address you gave.",
        "",
        "Here is your personal activation code:",
        f"CODE: {format_code(letter.code)}",
        "",
        "To activate your account:",
        f"1. Open Vigie on your phone or computer, at: {letter.app_url}",
        "2. Log in with your e-mail address and your password.",
        f"3. On the home page, tap the button {quoted(BUTTONS_EN['enter_code'])}.",
        f"4. Copy the code above (dashes and spaces do not count), then tap {quoted(BUTTONS_EN['activate'])}.",
        "",
        f"This code is valid until {_english_date(letter.expires_at)}. Do not give it to anyone: nobody from "
        "Vigie or the mairie will ever ask you for it. After 5 wrong tries, the code is locked for an hour.",
        f"Code lost or expired? In the app, tap {quoted(BUTTONS_EN['reissue'])}.",
        "",
        "Welcome among your neighbours!",
        "The Vigie team",
    ]


def letter_lines(letter: LetterContent) -> list[str]:
    """The letter's body, one paragraph an item (also written to the dev outbox as plain text)."""
    if letter.locale == "en":
        return _english_lines(letter)
    return [
        f"Bonjour {letter.recipient_name},",
        "",
        f"Vous avez demandé à rejoindre le quartier {_quoted(letter.community_name)} sur Vigie, le réseau de voisins "
        "vigilants et solidaires. Ce courrier confirme que vous habitez bien à l'adresse indiquée.",
        "",
        "Voici votre code d'activation personnel :",
        f"CODE : {format_code(letter.code)}",
        "",
        "Pour activer votre compte :",
        f"1. Ouvrez Vigie sur votre téléphone ou votre ordinateur, à l'adresse : {letter.app_url}",
        "2. Connectez-vous avec votre adresse e-mail et votre mot de passe.",
        f"3. Sur la page d'accueil, touchez le bouton {_quoted(BUTTON_ENTER_CODE)}.",
        f"4. Recopiez le code ci-dessus (les tirets et les espaces ne comptent pas), puis touchez {_quoted(BUTTON_ACTIVATE)}.",
        "",
        f"Ce code est valable jusqu'au {date_in_words(letter.expires_at)}. Ne le communiquez à personne : aucun "
        "membre de Vigie ni de la mairie ne vous le demandera. Après 5 essais erronés, le code est bloqué "
        "pendant une heure.",
        f"Code perdu ou expiré ? Dans l'application, touchez {_quoted(BUTTON_REISSUE)}.",
        "",
        "Bienvenue parmi vos voisins !",
        "L'équipe Vigie",
    ]


class _Letters:
    """Fonts chosen once per PDF: DejaVu (any script) or the core fonts (Latin-1 only)."""

    def __init__(self, pdf: FPDF, fonts: dict[str, Path] | None):
        self.pdf = pdf
        self.unicode = fonts is not None
        if fonts:
            pdf.add_font("Sans", "", str(fonts["sans"]))
            pdf.add_font("Sans", "B", str(fonts["sans-bold"]))
            pdf.add_font("Mono", "B", str(fonts["mono"]))
            self.sans, self.mono = "Sans", "Mono"
            try:
                # Left-to-right paragraphs; an Arabic name inside is still shaped and set right to left.
                pdf.set_text_shaping(True, direction="ltr")
            except FPDFException:  # uharfbuzz missing: Latin and Vietnamese still print, Arabic unjoined
                log.warning("uharfbuzz is not installed: Arabic names on activation letters are not shaped")
        else:
            self.sans, self.mono = "Helvetica", "Courier"

    def text(self, value: str) -> str:
        return value if self.unicode else _latin1(value)

    def font(self, family: str, style: str, size: float) -> None:
        self.pdf.set_font(family, style, size)


def render_letters(letters: list[LetterContent], fonts: dict[str, Path] | None = None) -> bytes:
    """One PDF, one A4 page per letter (`fonts`: the files to use, default DejaVu found on the system)."""
    fonts = fonts or find_fonts(FONT_DIRS)
    if fonts is None:
        log.warning("DejaVu fonts not found (install %s): activation letters use the core PDF fonts, "
                    "names outside Latin-1 print as « ? »", FONT_PACKAGE)
    pdf = FPDF(format="A4", unit="mm")
    pdf.set_auto_page_break(False)
    pdf.set_title("Vigie - courriers d'activation")
    pdf.set_creator("Vigie")
    out = _Letters(pdf, fonts)
    for letter in letters:
        words = letter_words(letter)
        pdf.add_page()
        # Sender, top left.
        out.font(out.sans, "B", 14)
        pdf.set_xy(20, 15)
        pdf.cell(0, 7, words["sender"])
        out.font(out.sans, "", BODY_SIZE)
        pdf.set_xy(20, 23)
        pdf.multi_cell(80, BODY_LINE, out.text(words["community"]), align="L")
        # Recipient block placed for the envelope window (at most 6 lines of 5.5 mm: 33 mm of 45).
        out.font(out.sans, "", 12)
        pdf.set_xy(105, 50)
        block = "\n".join([letter.recipient_name.upper(), *[l.upper() for l in letter.address_block.splitlines() if l]])
        pdf.multi_cell(90, 5.5, out.text(block), align="L")
        # Date and subject, just under the first fold.
        out.font(out.sans, "", BODY_SIZE)
        pdf.set_xy(20, 101)
        pdf.cell(170, BODY_LINE, out.text(words["date"]), align="R")
        out.font(out.sans, "B", 14)
        pdf.set_xy(20, 109)
        pdf.cell(0, 7, out.text(words["subject"]))
        out.font(out.sans, "", BODY_SIZE)
        y = 120.0
        for line in letter_lines(letter):
            if line.startswith(words["code"]):
                # A small « CODE : » and the code, large and monospaced, on one baseline in a box.
                pdf.rect(30, y + 1, 150, 19)
                baseline = y + 14
                out.font(out.sans, "B", 14)
                pdf.text(38, baseline, words["code"])
                code_x = 38 + pdf.get_string_width(words["code"]) + 6
                out.font(out.mono, "B", CODE_SIZE)
                pdf.set_char_spacing(2)
                pdf.text(code_x, baseline, format_code(letter.code))
                pdf.set_char_spacing(0)
                out.font(out.sans, "", BODY_SIZE)
                y += 24
                continue
            if not line:
                y += BODY_LINE / 2
                continue
            indent = 6 if line[:2] in {"1.", "2.", "3.", "4."} else 0
            pdf.set_xy(20 + indent, y)
            pdf.multi_cell(170 - indent, BODY_LINE, out.text(line), align="L")
            y = pdf.get_y()
        # Fold marks for a letter folded in three.
        pdf.set_draw_color(160, 160, 160)
        for fold in (99, 198):
            pdf.line(3, fold, 7, fold)
    return bytes(pdf.output())
