"""The one forms approach: Django forms, rendered with the NHS.UK design system's macros.

A page's form is a `NhsForm`: Django does the binding, cleaning and errors; the form says what each
field means (label, hint, choices, the messages). The template says how it looks, in one call per
field: `{{ field(form["nhs_number"], width=10, inputmode="numeric") }}`, or `{{ date_input(form, ...) }}`
for a day/month/year group. The call builds the macro's parameters from the bound field: id, name,
the value typed (cut to the field's limit), the first error, the label and the hint; the keyword
arguments are the macro's own parameters, merged over those. The names and ids a page renders are
therefore the ones the form reads, by construction.

What the design-system parameters a field always has (a page heading, a width, an input mode) are
declared with the field, `design={...}`, as Manage Breast Screening declares them; a date group's in the
form's `date_design`. That is also what makes the render cache safe (ADR 33): a field's HTML is cached
only when everything in it comes from the form class (an unbound form, no initial values, the declared
label, hint and choices, and no parameters from the template), so nothing a person typed, nothing from
their record and nothing from the session can be in it.

The error summary is `form.error_summary`: the first message of each field, in field order, each
linking to its input; `kit.pages.page` puts it at the top of the page.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from typing import Any

from django import forms
from django.core import validators
from jinja2 import Environment, pass_environment
from markupsafe import Markup

from ndop.web.kit.pages import Problem


class NhsForm(forms.Form):
    """A Django form whose ids are its field names (`#nhs_number`), with the design system's error summary."""

    date_design: dict[str, Any] = {}  # the dateInput parameters of the form's day/month/year group, if any

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "%s")
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)

    @property
    def error_summary(self) -> list[Problem]:
        if not self.is_bound:
            return []
        return [{"text": str(self[name].errors[0]), "href": f"#{self[name].auto_id}"}
                for name in self.fields if self[name].errors]

    def first_error(self, name: str) -> str | None:
        errors = self[name].errors if self.is_bound else []
        return str(errors[0]) if errors else None

    def only_error(self, name: str, message: str) -> None:
        """Replace every error with this one (a rate limit, a refused sign-in): the one thing to fix."""
        self.is_valid()
        self.errors.clear()
        self.add_error(name, message)


class Text(forms.CharField):
    """Text of at most `limit` characters kept (longer input is cut, not refused: the messages say what to fix)."""

    def __init__(self, *, limit: int = 100, design: dict[str, Any] | None = None, **kwargs: Any) -> None:
        self.limit = limit
        self.design = design or {}
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)
        # Django's null-character check would add its own English message beside the form's one message
        # for the field; each form's own cleaning already refuses what is not a name, number or date.
        self.validators = [v for v in self.validators if not isinstance(v, validators.ProhibitNullCharactersValidator)]

    def to_python(self, value: Any) -> str:
        return str(super().to_python(str(value or "")[: self.limit]))


class Radios(forms.ChoiceField):
    """One of a list of options, shown as radios; `hints` gives an option a hint of its own."""

    widget = forms.RadioSelect

    def __init__(self, *, message: str, hints: dict[str, str] | None = None, design: dict[str, Any] | None = None,
                 **kwargs: Any) -> None:
        self.hints = hints or {}
        self.design = design or {}
        kwargs["error_messages"] = {"required": message, "invalid_choice": message}
        super().__init__(**kwargs)


class Checkboxes(forms.MultipleChoiceField):
    """Any number of a list of options, shown as checkboxes; one message for none ticked or one not offered."""

    widget = forms.CheckboxSelectMultiple

    def __init__(self, *, message: str, design: dict[str, Any] | None = None, **kwargs: Any) -> None:
        self.design = design or {}
        kwargs["error_messages"] = {"required": message, "invalid_choice": message, "invalid_list": message}
        super().__init__(**kwargs)


# --------------------------------------------------------------------------- rendering

_MACROS = {
    "input": "nhsuk/components/input/macro.jinja",
    "textarea": "nhsuk/components/textarea/macro.jinja",
    "radios": "nhsuk/components/radios/macro.jinja",
    "checkboxes": "nhsuk/components/checkboxes/macro.jinja",
    "fileUpload": "nhsuk/components/file-upload/macro.jinja",
    "dateInput": "nhsuk/components/date-input/macro.jinja",
}


def _macro(env: Environment, name: str, params: dict[str, Any]) -> Markup:
    return Markup(getattr(env.get_template(_MACROS[name]).module, name)(params))


# The design system's macros are most of a form page's CPU time (docs/benchmarks: a date input is about
# 20 ms uncached, 0.1 ms cached), so the HTML of a field made only of its form class is kept (see above).
_CACHE: dict[tuple[Any, ...], Markup] = {}
_CACHE_MAX = 256
_lock = threading.Lock()


def _class_only(form: NhsForm, names: Iterable[str], extra: dict[str, Any]) -> tuple[Any, ...] | None:
    """The cache key when the fields' HTML can come only from the form class, else None."""
    names = tuple(names)
    if extra or form.is_bound or form.initial:
        return None
    declared = type(form).base_fields
    for name in names:
        mine, theirs = form.fields[name], declared.get(name)
        if theirs is None or mine.initial not in (None, "") or _shown(mine) != _shown(theirs):
            return None
    return type(form), form.prefix, form.auto_id, names


def _shown(f: forms.Field) -> tuple[Any, ...]:
    return f.label, f.help_text, list(getattr(f, "choices", ())), getattr(f, "design", None)


def _cached(key: tuple[Any, ...] | None, render: Any) -> Markup:
    if key is None:
        return Markup(render())
    html = _CACHE.get(key)
    if html is None:
        html = Markup(render())
        with _lock:
            if len(_CACHE) < _CACHE_MAX:
                _CACHE[key] = html
    return html


def _merge(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    """`extra` over `base`, nested parameters (label, hint, fieldset.legend) merged rather than replaced."""
    out = dict(base)
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


def _typed(bound: forms.BoundField) -> str:
    value = bound.value()
    text = "" if value is None else str(value)
    return text[: getattr(bound.field, "limit", len(text))]


def _common(bound: forms.BoundField) -> dict[str, Any]:
    params: dict[str, Any] = {"id": bound.auto_id, "name": bound.html_name}
    if bound.help_text:
        params["hint"] = {"text": str(bound.help_text)}
    if bound.errors:
        params["errorMessage"] = {"text": str(bound.errors[0])}
    return params


@pass_environment
def field(env: Environment, bound: forms.BoundField, **extra: Any) -> Markup:
    """The design system's component for one field: input, textarea, radios, checkboxes or file upload."""
    key = _class_only(bound.form, [bound.name], extra)  # type: ignore[arg-type]
    return _cached(key, lambda: _field(env, bound, _merge(getattr(bound.field, "design", {}), extra)))


def _field(env: Environment, bound: forms.BoundField, extra: dict[str, Any]) -> Markup:
    widget = bound.field.widget
    params = _common(bound)
    label = {"text": str(bound.label)}
    if isinstance(widget, forms.CheckboxSelectMultiple):
        ticked = {str(v) for v in (bound.value() or [])}
        params.update(idPrefix=params.pop("id"), fieldset={"legend": label}, items=[
            {"value": str(value), "text": str(text), "checked": str(value) in ticked}
            for value, text in bound.field.choices  # type: ignore[attr-defined]
        ])
        return _macro(env, "checkboxes", _merge(params, extra))
    if isinstance(widget, forms.RadioSelect):
        current = _typed(bound)
        hints = getattr(bound.field, "hints", {})
        params.update(idPrefix=params.pop("id"), fieldset={"legend": label}, items=[
            {"value": str(value), "text": str(text), "checked": str(value) == current,
             **({"hint": {"text": hints[str(value)]}} if str(value) in hints else {})}
            for value, text in bound.field.choices  # type: ignore[attr-defined]
        ])
        return _macro(env, "radios", _merge(params, extra))
    params["label"] = label
    if isinstance(widget, forms.ClearableFileInput | forms.FileInput):
        return _macro(env, "fileUpload", _merge(params, extra))
    if isinstance(widget, forms.Textarea):
        return _macro(env, "textarea", _merge({**params, "value": _typed(bound)}, extra))
    input_type = getattr(widget, "input_type", "text")
    if input_type != "password":  # a password is never sent back to the browser
        params["value"] = _typed(bound)
    params["type"] = input_type
    return _macro(env, "input", _merge(params, extra))


@pass_environment
def date_input(env: Environment, form: NhsForm, id: str, parts: Iterable[str] = ("day", "month", "year"),
               **extra: Any) -> Markup:
    """A day/month/year group from three of the form's fields, with the group's first error."""
    key = _class_only(form, parts, extra)
    return _cached(key and (*key, id), lambda: _date_input(env, form, id, parts, _merge(form.date_design, extra)))


def _date_input(env: Environment, form: NhsForm, id: str, parts: Iterable[str], extra: dict[str, Any]) -> Markup:
    bounds = [form[name] for name in parts]
    error = next((str(b.errors[0]) for b in bounds if b.errors), None)
    widths = {"day": 2, "month": 2, "year": 4}
    item_extra = extra.pop("items", {})
    items = [{"id": b.auto_id, "name": b.html_name, "label": str(b.label), "value": _typed(b),
              "width": widths.get(b.name, 2), "classes": "nhsuk-input--error" if error else "",
              **item_extra.get(b.name, {})} for b in bounds]
    params: dict[str, Any] = {"id": id, "items": items}
    if error:
        params["errorMessage"] = {"text": error}
    return _macro(env, "dateInput", _merge(params, extra))


JINJA_GLOBALS = {"field": field, "date_input": date_input}
