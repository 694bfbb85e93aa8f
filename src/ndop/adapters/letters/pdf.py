"""Letters as PDFs in the NHS letter layout.

Layout (A4, millimetres from the top-left): the NHS logo top right; the recipient's address in the window of
a C5/DL window envelope, inside GOV.UK Notify's precompiled-letter address area (24.6 from the left, 39.5
from the top, 95.4 wide, 26.8 high); the return address, date and reference on the right; the body in 12 pt
Helvetica (an Arial-like sans serif, as NHS print guidance asks) with 1.35 line spacing; the helpline in the
footer. Accessible as far as a PDF without tags goes: real text in reading order (never images of text), a
document title shown by readers, author, subject, the language (en-GB), high contrast (ADR 0053).

The layout is computed once, as a list of drawing operations (`layout`), with reportlab's font metrics and
line-wrapping (cached: most paragraphs are the same in every letter of a kind). Two writers draw it:
- `write_pdf` writes the single-page PDF itself (a dozen objects: the standard fonts are not embedded), about
  ten times faster than reportlab's document machinery (bench/letters.py); used for every letter;
- reportlab's canvas (`draw`), for the day's print run, and as the reference the fast writer is tested against.
"""

from __future__ import annotations

import io
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from reportlab import rl_config
from reportlab.lib.colors import HexColor
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from ndop.domain.letters.letters import HELPLINE, RETURN_ADDRESS, TEXT_RELAY, Letter, text_of

# reportlab ASCII85-encodes compressed streams by default, in pure Python; readers, printers and Notify all
# take binary streams.
rl_config.useA85 = 0

NHS_BLUE = (0.0, 0.369, 0.722)  # #005EB8
TEXT = (0.129, 0.169, 0.196)  # #212B32
WHITE = (1.0, 1.0, 1.0)
WIDTH, HEIGHT = A4
LEFT = 24.6 * mm
RIGHT = WIDTH - 20 * mm
BODY_WIDTH = RIGHT - LEFT
FONT, BOLD, LOGO = "Helvetica", "Helvetica-Bold", "Helvetica-BoldOblique"
SIZE, LEADING = 12, 16.2
TITLE_AUTHOR = "NHS England, National Data Opt-out"


@dataclass(frozen=True, slots=True)
class Rect:
    x: float
    y: float
    w: float
    h: float
    colour: tuple[float, float, float]


@dataclass(frozen=True, slots=True)
class Text:
    x: float  # the left edge (already moved for right-aligned and centred text)
    y: float
    font: str
    size: float
    text: str
    colour: tuple[float, float, float] = TEXT


Op = Rect | Text


@lru_cache(maxsize=4096)
def _wrap(text: str, font: str, size: float, width: float) -> tuple[str, ...]:
    return tuple(simpleSplit(text, font, size, width))


def _right(x: float, y: float, font: str, size: float, text: str) -> Text:
    return Text(x - stringWidth(text, font, size), y, font, size, text)


def _date(letter: Letter) -> str:
    day = letter.created_at.date()
    return f"{day.day} {day:%B %Y}"


def layout(letter: Letter) -> tuple[str, list[Op]]:
    """The letter's title and its drawing operations, in reading order."""
    text = text_of(letter)
    ops: list[Op] = [Rect(RIGHT - 28 * mm, HEIGHT - 26 * mm, 28 * mm, 11.5 * mm, NHS_BLUE)]
    logo_w = stringWidth("NHS", LOGO, 26)
    ops.append(Text(RIGHT - 14 * mm - logo_w / 2, HEIGHT - 23.2 * mm, LOGO, 26, "NHS", WHITE))
    y = HEIGHT - 34 * mm
    for line in RETURN_ADDRESS:
        ops.append(_right(RIGHT, y, FONT, 10, line))
        y -= 12.5
    y -= 8
    ops.append(_right(RIGHT, y, FONT, 10, f"Date: {_date(letter)}"))
    y -= 12.5
    ops.append(_right(RIGHT, y, BOLD, 10, f"Reference: {letter.reference}"))
    if letter.nhs_number is not None:
        y -= 12.5
        ops.append(_right(RIGHT, y, FONT, 10, f"NHS number: {letter.nhs_number.display}"))
    # The recipient, in the window: 7 lines at most, 10 pt, so 26.8 mm holds them.
    y = HEIGHT - 39.5 * mm - 10
    for line in letter.recipient.address_block[:7]:
        ops.append(Text(LEFT, y, FONT, 10, line[:60]))
        y -= 11.5
    y = HEIGHT - 85 * mm
    for line in _wrap(text.title, BOLD, 15, BODY_WIDTH):
        ops.append(Text(LEFT, y, BOLD, 15, line))
        y -= 20
    y -= 6
    ops.append(Text(LEFT, y, FONT, SIZE, f"Dear {letter.recipient.name},"))
    y -= LEADING * 1.6
    for paragraph in text.paragraphs:
        for line in _wrap(paragraph, FONT, SIZE, BODY_WIDTH):
            ops.append(Text(LEFT, y, FONT, SIZE, line))
            y -= LEADING
        y -= LEADING * 0.6
    y -= LEADING
    ops.append(Text(LEFT, y, FONT, SIZE, "Yours sincerely,"))
    ops.append(Text(LEFT, y - LEADING * 1.6, FONT, SIZE, "The National Data Opt-out team"))
    ops.append(Rect(LEFT, 22 * mm, BODY_WIDTH, 0.6, NHS_BLUE))
    ops.append(Text(LEFT, 17 * mm, FONT, 10,
                    f"Helpline {HELPLINE}, Monday to Friday 9am to 5pm. Text relay {TEXT_RELAY}."))
    ops.append(Text(LEFT, 12.5 * mm, FONT, 10,
                    "Ask us for this letter in large print, braille, audio or another language."))
    return text.title, ops


# -- the fast writer ------------------------------------------------------------------------------

_FONTS = {FONT: b"F1", BOLD: b"F2", LOGO: b"F3"}


def _string(text: str) -> bytes:
    """A PDF literal string in WinAnsiEncoding (what the standard fonts use)."""
    raw = text.encode("cp1252", errors="replace")
    return b"(" + raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)") + b")"


def _rgb(colour: tuple[float, float, float]) -> bytes:
    return b"%.3f %.3f %.3f" % colour


def _content(ops: list[Op]) -> bytes:
    out = []
    for op in ops:
        if isinstance(op, Rect):
            out.append(b"%s rg %.2f %.2f %.2f %.2f re f" % (_rgb(op.colour), op.x, op.y, op.w, op.h))
        else:
            out.append(b"BT %s rg /%s %g Tf %.2f %.2f Td %s Tj ET"
                       % (_rgb(op.colour), _FONTS[op.font], op.size, op.x, op.y, _string(op.text)))
    return b"\n".join(out)


def write_pdf(title: str, ops: list[Op]) -> bytes:
    """A one-page PDF 1.4 file: catalog (language, title shown), page, three standard fonts, content, info."""
    stream = zlib.compress(_content(ops), 6)
    font = b"<< /Type /Font /Subtype /Type1 /BaseFont /%s /Encoding /WinAnsiEncoding >>"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R /Lang (en-GB) /ViewerPreferences << /DisplayDocTitle true >> >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %.4f %.4f] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R /F2 6 0 R /F3 7 0 R >> >> >>" % (WIDTH, HEIGHT),
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n%s\nendstream" % (len(stream), stream),
        font % FONT.encode(), font % BOLD.encode(), font % LOGO.encode(),
        b"<< /Title %s /Author %s /Subject (National Data Opt-out letter) /Creator (ndop) >>"
        % (_string(title), _string(TITLE_AUTHOR)),
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R /Info %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1, len(objects), xref)
    return bytes(out)


# -- reportlab's canvas ---------------------------------------------------------------------------


def draw(c: Canvas, ops: list[Op]) -> None:
    for op in ops:
        c.setFillColor(HexColor(_hex(op.colour)))
        if isinstance(op, Rect):
            c.rect(op.x, op.y, op.w, op.h, stroke=0, fill=1)
        else:
            c.setFont(op.font, op.size)
            c.drawString(op.x, op.y, op.text)


def _hex(colour: tuple[float, float, float]) -> str:
    return "#" + "".join(f"{round(v * 255):02X}" for v in colour)


def _describe(c: Canvas, title: str) -> None:
    c.setTitle(title)
    c.setAuthor(TITLE_AUTHOR)
    c.setSubject("National Data Opt-out letter")
    c.setCreator("ndop")
    c.setViewerPreference("DisplayDocTitle", "true")  # readers show the title, not the file name


class ReportlabLetterRenderer:
    """Renders with the fast writer; `via_canvas=True` draws the same layout with reportlab's canvas."""

    def __init__(self, *, via_canvas: bool = False) -> None:
        self._via_canvas = via_canvas

    def render(self, letter: Letter) -> bytes:
        title, ops = layout(letter)
        if not self._via_canvas:
            return write_pdf(title, ops)
        out = io.BytesIO()
        c = Canvas(out, pagesize=A4, pageCompression=1, invariant=True, lang="en-GB")
        _describe(c, title)
        draw(c, ops)
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
        draw(c, layout(letter)[1])
        c.showPage()
    c.save()
    return out.getvalue()
