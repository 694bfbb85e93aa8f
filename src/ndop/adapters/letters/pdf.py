"""Letters as PDFs in the NHS letter layout, drawn with reportlab's canvas.

Layout (A4, millimetres from the top-left): the NHS logo top right; the recipient's address in the window of
a C5/DL window envelope, inside GOV.UK Notify's precompiled-letter address area (24.6 from the left, 39.5
from the top, 95.4 wide, 26.8 high); the return address, date and reference on the right; the body in 12 pt
Helvetica (an Arial-like sans serif, as NHS print guidance asks) with 1.35 line spacing; the helpline in the
footer. Accessible as far as reportlab goes: real text in reading order (never images of text), a document
title, author, subject and language, high contrast. reportlab does not write tagged PDF (ADR 0053).

Speed (bench/letters.py): the canvas is drawn directly, not through platypus' flowables, and the wrapping of
each paragraph is cached (most paragraphs are the same in every letter of a kind), so a letter costs a few
milliseconds.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from functools import lru_cache

from reportlab.lib.colors import HexColor, white
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.lib.utils import simpleSplit
from reportlab.pdfgen.canvas import Canvas

from ndop.domain.letters.letters import HELPLINE, RETURN_ADDRESS, TEXT_RELAY, Letter, text_of

NHS_BLUE = HexColor("#005EB8")
TEXT = HexColor("#212B32")
WIDTH, HEIGHT = A4
LEFT = 24.6 * mm
RIGHT = WIDTH - 20 * mm
BODY_WIDTH = RIGHT - LEFT
FONT, BOLD = "Helvetica", "Helvetica-Bold"
SIZE, LEADING = 12, 16.2


@lru_cache(maxsize=4096)
def _wrap(text: str, font: str, size: float, width: float) -> tuple[str, ...]:
    return tuple(simpleSplit(text, font, size, width))


def _date(letter: Letter) -> str:
    day = letter.created_at.date()
    return f"{day.day} {day:%B %Y}"


def draw(c: Canvas, letter: Letter) -> None:
    """Draw `letter` on the canvas's current page."""
    text = text_of(letter)
    # The NHS logo: white italic letters on an NHS Blue lozenge (a drawn shape, so it prints sharp).
    c.setFillColor(NHS_BLUE)
    c.rect(RIGHT - 28 * mm, HEIGHT - 26 * mm, 28 * mm, 11.5 * mm, stroke=0, fill=1)
    c.setFillColor(white)
    c.setFont("Helvetica-BoldOblique", 26)
    c.drawCentredString(RIGHT - 14 * mm, HEIGHT - 23.2 * mm, "NHS")
    c.setFillColor(TEXT)
    # Return address, date and reference: right-aligned, clear of the address window.
    c.setFont(FONT, 10)
    y = HEIGHT - 34 * mm
    for line in RETURN_ADDRESS:
        c.drawRightString(RIGHT, y, line)
        y -= 12.5
    y -= 8
    c.drawRightString(RIGHT, y, f"Date: {_date(letter)}")
    y -= 12.5
    c.setFont(BOLD, 10)
    c.drawRightString(RIGHT, y, f"Reference: {letter.reference}")
    if letter.nhs_number is not None:
        y -= 12.5
        c.setFont(FONT, 10)
        c.drawRightString(RIGHT, y, f"NHS number: {letter.nhs_number.display}")
    # The recipient, in the window: 7 lines at most, 10 pt, so 26.8 mm holds them.
    c.setFont(FONT, 10)
    y = HEIGHT - 39.5 * mm - 10
    for line in letter.recipient.address_block[:7]:
        c.drawString(LEFT, y, line[:60])
        y -= 11.5
    # The body.
    y = HEIGHT - 85 * mm
    c.setFont(BOLD, 15)
    for line in _wrap(text.title, BOLD, 15, BODY_WIDTH):
        c.drawString(LEFT, y, line)
        y -= 20
    y -= 6
    c.setFont(FONT, SIZE)
    greeting = f"Dear {letter.recipient.name},"
    c.drawString(LEFT, y, greeting)
    y -= LEADING * 1.6
    for paragraph in text.paragraphs:
        for line in _wrap(paragraph, FONT, SIZE, BODY_WIDTH):
            c.drawString(LEFT, y, line)
            y -= LEADING
        y -= LEADING * 0.6
    y -= LEADING
    c.drawString(LEFT, y, "Yours sincerely,")
    c.drawString(LEFT, y - LEADING * 1.6, "The National Data Opt-out team")
    # Footer: how to reach us.
    c.setFillColor(NHS_BLUE)
    c.rect(LEFT, 22 * mm, BODY_WIDTH, 0.6, stroke=0, fill=1)
    c.setFillColor(TEXT)
    c.setFont(FONT, 10)
    c.drawString(LEFT, 17 * mm, f"Helpline {HELPLINE}, Monday to Friday 9am to 5pm. Text relay {TEXT_RELAY}.")
    c.drawString(LEFT, 12.5 * mm, "Ask us for this letter in large print, braille, audio or another language.")


def _describe(c: Canvas, title: str) -> None:
    c.setTitle(title)
    c.setAuthor("NHS England, National Data Opt-out")
    c.setSubject("National Data Opt-out letter")
    c.setCreator("ndop")
    c.setViewerPreference("DisplayDocTitle", "true")  # readers show the title, not the file name


class ReportlabLetterRenderer:
    def __init__(self, *, compress: bool = True) -> None:
        self._compress = compress

    def render(self, letter: Letter) -> bytes:
        out = io.BytesIO()
        c = Canvas(out, pagesize=A4, pageCompression=int(self._compress), invariant=True, lang="en-GB")
        _describe(c, text_of(letter).title)
        draw(c, letter)
        c.showPage()
        c.save()
        return out.getvalue()

    def render_many(self, letters: Sequence[Letter]) -> list[bytes]:
        return [self.render(letter) for letter in letters]


def render_print_run(letters: Sequence[Letter], title: str) -> bytes:
    """Every letter on its own page of one PDF, for a print run."""
    out = io.BytesIO()
    c = Canvas(out, pagesize=A4, pageCompression=1, invariant=True, lang="en-GB")
    _describe(c, title)
    for letter in letters:
        draw(c, letter)
        c.showPage()
    c.save()
    return out.getvalue()
