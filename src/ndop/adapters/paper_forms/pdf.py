"""The paper forms as tagged PDF/UA-1 documents, drawn by WeasyPrint from HTML built from the forms' data
(ADR 66): real text in a real font, headings, lists and reading order in the structure tree, the document
language and title set, so that a screen reader reads the form and a search finds its words."""

from __future__ import annotations

from jinja2 import Environment, select_autoescape

from ndop.domain.paper_forms.forms import PaperForm, SendTo

_TEMPLATE = """<!DOCTYPE html>
<html lang="en-GB">
<head>
<meta charset="utf-8">
<title>{{ form.title }}: National Data Opt-out</title>
<meta name="author" content="National Data Opt-out">
<meta name="description" content="{{ form.for_whom }}">
<style>
@page { size: A4; margin: 18mm 18mm 20mm 18mm;
        @bottom-center { content: "{{ form.title }}, page " counter(page) " of " counter(pages);
                         font: 9pt "Liberation Sans", Arial, sans-serif; color: #4c6272; } }
body { font: 11pt/1.4 "Liberation Sans", Arial, sans-serif; color: #212b32; }
h1 { font-size: 20pt; margin: 0 0 4mm; }
h2 { font-size: 13pt; margin: 6mm 0 2mm; padding-top: 2mm; border-top: 1pt solid #005eb8; }
p { margin: 0 0 2mm; }
.field { margin: 0 0 3mm; break-inside: avoid; }
.label { font-weight: bold; display: block; }
.hint { color: #4c6272; display: block; font-size: 10pt; }
.write { display: block; border: 1pt solid #212b32; height: 8mm; margin-top: 1mm; }
.sign { height: 18mm; }
.box { display: inline-block; width: 4mm; height: 4mm; border: 1pt solid #212b32; margin-right: 2mm;
       vertical-align: -0.5mm; }
ul.options { list-style: none; padding: 0; margin: 1mm 0 0; }
ul.options li { margin: 0 0 1.5mm; }
.send { border: 2pt solid #005eb8; padding: 3mm 4mm; break-inside: avoid; }
</style>
</head>
<body>
<h1>{{ form.title }}</h1>
<p>National Data Opt-out. {{ form.for_whom }}</p>
<p>Write in capital letters in black ink. Parts marked (optional) can be left empty.</p>
{% for section in form.sections %}
<h2>{{ section.heading }}</h2>
{% if section.intro %}<p>{{ section.intro }}</p>{% endif %}
{% for f in section.fields %}
<div class="field">
  <span class="label">{{ f.label }}{% if f.optional %} (optional){% endif %}</span>
  {% if f.hint %}<span class="hint">{{ f.hint }}</span>{% endif %}
  {% if f.kind == "one_of" %}
  <span class="hint">Tick one box.</span>
  <ul class="options">{% for o in f.options %}<li><span class="box"></span>{{ o }}</li>{% endfor %}</ul>
  {% elif f.kind == "signature" %}<span class="write sign"></span>
  {% elif f.kind == "date" %}<span class="write" style="width: 60mm"></span>
  {% else %}{% for _ in range(f.lines) %}<span class="write"></span>{% endfor %}{% endif %}
</div>
{% endfor %}
{% endfor %}
{% if form.enclose %}
<h2>What to send with the form</h2>
<ul>{% for item in form.enclose %}<li>{{ item }}</li>{% endfor %}</ul>
{% endif %}
<h2>Where to send the form</h2>
<div class="send">
<p>By email: scan or photograph the signed form and send it to {{ send_to.email }}</p>
<p>By post:</p>
<address>{% for line in send_to.address %}{{ line }}<br>{% endfor %}</address>
<p>It can take up to {{ send_to.takes_days }} days to process the form once it arrives.
Questions: call 0300 303 5678 (text relay 18001 0300 303 5678), Monday to Friday 9am to 5pm, except bank holidays.</p>
</div>
</body>
</html>
"""

_ENV = Environment(autoescape=select_autoescape(default=True, default_for_string=True))


def form_html(form: PaperForm, send_to: SendTo) -> str:
    return _ENV.from_string(_TEMPLATE).render(form=form, send_to=send_to)


class WeasyPrintFormRenderer:
    """PDF/UA-1 (tagged, with the language, title and metadata the variant requires)."""

    def render(self, form: PaperForm, send_to: SendTo) -> bytes:
        from weasyprint import HTML  # imported when a form is drawn: it loads pango

        pdf = HTML(string=form_html(form, send_to)).write_pdf(pdf_variant="pdf/ua-1")
        assert pdf is not None
        return bytes(pdf)
