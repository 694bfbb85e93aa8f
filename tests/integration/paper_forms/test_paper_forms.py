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
    root = reader.trailer["/Root"]
    assert bool(root["/MarkInfo"]["/Marked"])
    assert root["/Lang"] == "en-GB"
    assert reader.metadata is not None and reader.metadata.title.startswith(form.title)
    assert bool(root["/ViewerPreferences"]["/DisplayDocTitle"])
    assert b"pdfuaid:part" in root["/Metadata"].get_object().get_data()  # declares PDF/UA-1
    kinds = structure_kinds(root["/StructTreeRoot"].get_object())
    assert {"/H1", "/H2", "/P", "/L", "/LI"} <= kinds


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
