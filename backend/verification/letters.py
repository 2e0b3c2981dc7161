"""The activation letter as a PDF: one A4 page per letter, address in a French DL window envelope.

La Poste's windowed envelopes (DL 110×220, window on the right) show a 100×45 mm block
about 100 mm from the left edge and 45 mm from the top of an A4 page folded in three.
Core PDF fonts cover Latin-1, which is enough for French; other characters are replaced.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from fpdf import FPDF

MONTHS = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
          "septembre", "octobre", "novembre", "décembre"]


@dataclass(frozen=True)
class LetterContent:
    recipient_name: str
    address_block: str  # lines separated by "\n" (without the name)
    community_name: str
    code: str
    expires_at: datetime
    app_url: str
    issued_at: datetime


def french_date(d: datetime) -> str:
    return f"{d.day} {MONTHS[d.month - 1]} {d.year}"


def format_code(code: str) -> str:
    return f"{code[:4]}-{code[4:]}"


def _latin1(text: str) -> str:
    return (text.replace("’", "'").replace("œ", "oe").replace("Œ", "OE").replace("—", "-").replace("–", "-")
            .replace("…", "...").encode("latin-1", "replace").decode("latin-1"))


def letter_lines(letter: LetterContent) -> list[str]:
    """The letter's text body (also written to the dev outbox as plain text)."""
    return [
        f"Bonjour {letter.recipient_name},",
        "",
        f"Vous avez demandé à rejoindre le quartier « {letter.community_name} » sur Vigie,",
        "le réseau de voisins vigilants et solidaires. Ce courrier confirme que vous habitez",
        "bien à l'adresse indiquée. Voici votre code d'activation personnel :",
        "",
        f"CODE : {format_code(letter.code)}",
        "",
        "Pour activer votre compte :",
        f"  1. Ouvrez Vigie sur votre téléphone ou à l'adresse {letter.app_url}",
        "  2. Connectez-vous avec votre adresse e-mail et votre mot de passe.",
        "  3. Touchez « Activer mon compte » et recopiez le code ci-dessus",
        "     (les tirets et les espaces ne comptent pas).",
        "",
        f"Ce code est valable jusqu'au {french_date(letter.expires_at)}. Ne le communiquez à personne :",
        "aucun membre de Vigie ni de la mairie ne vous le demandera.",
        "Après 5 essais erronés, le code est bloqué pendant une heure.",
        "Code perdu ou expiré ? Depuis l'application, demandez l'envoi d'un nouveau courrier.",
        "",
        "Bienvenue parmi vos voisins !",
        "L'équipe Vigie",
    ]


def render_letters(letters: list[LetterContent]) -> bytes:
    """One PDF, one A4 page per letter."""
    pdf = FPDF(format="A4", unit="mm")
    pdf.set_auto_page_break(False)
    pdf.set_title("Vigie - courriers d'activation")
    pdf.set_creator("Vigie")
    for letter in letters:
        pdf.add_page()
        # Sender, top left.
        pdf.set_font("Helvetica", "B", 14)
        pdf.set_xy(20, 15)
        pdf.cell(0, 7, "Vigie - voisins vigilants et solidaires")
        pdf.set_font("Helvetica", "", 10)
        pdf.set_xy(20, 22)
        pdf.cell(0, 5, _latin1(f"Quartier {letter.community_name}"))
        # Recipient block placed for the envelope window.
        pdf.set_font("Helvetica", "", 11)
        pdf.set_xy(105, 50)
        block = "\n".join([letter.recipient_name.upper(), *[l.upper() for l in letter.address_block.splitlines() if l]])
        pdf.multi_cell(90, 5.5, _latin1(block))
        # Date and subject.
        pdf.set_xy(20, 100)
        pdf.cell(0, 6, _latin1(f"Le {french_date(letter.issued_at)}"))
        pdf.set_font("Helvetica", "B", 12)
        pdf.set_xy(20, 110)
        pdf.cell(0, 6, _latin1("Objet : votre code d'activation Vigie"))
        pdf.set_font("Helvetica", "", 11)
        y = 122.0
        for line in letter_lines(letter):
            if line.startswith("CODE : "):
                pdf.set_font("Courier", "B", 24)
                pdf.set_xy(20, y)
                pdf.cell(170, 14, _latin1(line), border=1, align="C")
                pdf.set_font("Helvetica", "", 11)
                y += 16
                continue
            pdf.set_xy(20, y)
            pdf.cell(0, 5.5, _latin1(line))
            y += 5.5
        # Fold marks for a letter folded in three.
        pdf.set_draw_color(160, 160, 160)
        for fold in (99, 198):
            pdf.line(3, fold, 7, fold)
    return bytes(pdf.output())
