"""The paper forms: the PDFs hold every field of the forms' data as real text and are tagged PDF/UA-1; the
`/forms/` page shows the same fields; every page that sends people to the form links to it with the address."""

from __future__ import annotations

import io
import re

import pypdf
import pytest
from django.test import Client
from django.urls import reverse

from ndop import container
from ndop.domain.paper_forms.forms import FORMS, SEND_TO, PaperForm


def words(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def expected_texts(form: PaperForm) -> list[str]:
    """Every piece of text the contact centre's fields and the instructions need, from the forms' data."""
    texts = [form.title, *form.enclose, SEND_TO.email, *SEND_TO.address]
    for section in form.sections:
        texts.append(section.heading)
        for field in section.fields:
            texts += [field.label, *field.options] + ([field.hint] if field.hint else [])
    return texts


@pytest.fixture(scope="module")
def pdfs() -> dict[str, bytes]:
    renderer = container.paper_form_renderer()
    return {form.slug: renderer.render(form, SEND_TO) for form in FORMS}


@pytest.mark.parametrize("form", FORMS, ids=lambda f: f.slug)
def test_pdf_text_holds_every_field(pdfs, form) -> None:
    reader = pypdf.PdfReader(io.BytesIO(pdfs[form.slug]))
    text = words(" ".join(page.extract_text() for page in reader.pages))
    missing = [t for t in expected_texts(form) if words(t) not in text]
    assert missing == []


@pytest.mark.parametrize("form", FORMS, ids=lambda f: f.slug)
def test_pdf_is_tagged_with_language_title_and_headings(pdfs, form) -> None:
    reader = pypdf.PdfReader(io.BytesIO(pdfs[form.slug]))
    assert tagging_problems(reader) == []
    assert reader.metadata is not None and reader.metadata.title.startswith(form.title)


def test_the_tagging_check_finds_an_untagged_pdf() -> None:
    """The check above can fail: a plain reportlab page (real text, no tags) does not pass it."""
    from reportlab.pdfgen.canvas import Canvas

    out = io.BytesIO()
    canvas = Canvas(out)
    canvas.drawString(72, 720, "Make and manage your choice")
    canvas.save()
    problems = tagging_problems(pypdf.PdfReader(io.BytesIO(out.getvalue())))
    assert "not marked" in problems and "no structure tree" in problems


def tagging_problems(reader: pypdf.PdfReader) -> list[str]:
    """What stops the PDF from being tagged PDF/UA, as far as these checks see."""
    root = reader.trailer["/Root"]
    problems = []
    if not ("/MarkInfo" in root and bool(root["/MarkInfo"].get("/Marked"))):
        problems.append("not marked")
    if root.get("/Lang") != "en-GB":
        problems.append("no language")
    if not ("/ViewerPreferences" in root and bool(root["/ViewerPreferences"].get("/DisplayDocTitle"))):
        problems.append("title not shown")
    if "/Metadata" not in root or b"pdfuaid:part" not in root["/Metadata"].get_object().get_data():
        problems.append("no PDF/UA identification")
    if "/StructTreeRoot" not in root:
        problems.append("no structure tree")
    elif not {"/H1", "/H2", "/P", "/L", "/LI"} <= structure_kinds(root["/StructTreeRoot"].get_object()):
        problems.append("no headings, paragraphs and lists in the tree")
    for number, page in enumerate(reader.pages, 1):
        if "/StructParents" not in page or page.get("/Tabs") != "/S":
            problems.append(f"page {number}: content not tied to the structure tree")
        if b"BDC" not in page.get_contents().get_data():
            problems.append(f"page {number}: no marked content")
        for font in page["/Resources"]["/Font"].values():  # every font embedded (PDF/UA 7.21)
            font = font.get_object()
            descendant = font["/DescendantFonts"][0].get_object() if "/DescendantFonts" in font else font
            descriptor = descendant.get("/FontDescriptor")
            if descriptor is None or not any(k.startswith("/FontFile") for k in descriptor.get_object()):
                problems.append(f"page {number}: font {font['/BaseFont']} not embedded")
    return problems


def structure_kinds(node, seen=None) -> set[str]:
    """The structure types (H1, P, L ...) in the PDF's structure tree."""
    seen = set() if seen is None else seen
    node = node.get_object() if hasattr(node, "get_object") else node
    if isinstance(node, pypdf.generic.ArrayObject):
        for child in node:
            structure_kinds(child, seen)
    elif isinstance(node, pypdf.generic.DictionaryObject):
        if "/S" in node:
            seen.add(str(node["/S"]))
        if "/K" in node:
            structure_kinds(node["/K"], seen)
    return seen


def test_forms_page_lists_every_field_and_links_each_pdf() -> None:
    response = Client().get(reverse("forms"))
    assert response.status_code == 200
    html = response.content.decode()
    text = words(re.sub(r"<[^>]+>", " ", html).replace("&#39;", "'").replace("&quot;", '"'))
    for form in FORMS:
        assert f'href="/forms/{form.filename}"' in html
        missing = [t for t in expected_texts(form) if words(t) not in text]
        assert missing == [], form.slug


@pytest.mark.parametrize("form", FORMS, ids=lambda f: f.slug)
def test_form_pdf_is_served(form) -> None:
    response = Client().get(reverse("form-pdf", args=[form.filename]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")


def test_unknown_form_is_not_found() -> None:
    assert Client().get("/forms/secrets.pdf").status_code == 404
    assert Client().get("/forms/../settings.py").status_code == 404


@pytest.mark.django_db
def test_patient_pages_that_offer_the_form_link_it_and_give_the_address() -> None:
    html = Client().get(reverse("patient:start")).content.decode()
    assert 'send it by post or email' in html
    assert f'href="{reverse("forms")}"' in html
    for line in SEND_TO.address:
        assert line in html
    assert SEND_TO.email in html
    assert f'href="{reverse("forms")}#form-make-a-choice-for-someone-else"' in html  # the proxies' form too
