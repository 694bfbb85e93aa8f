"""The policy pages' forms (kit.forms): one question of the questionnaire, the flow's date, a flow's name."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms

from ndop.domain.common.dates import parse_month
from ndop.domain.policy.questions import Kind, Question
from ndop.domain.policy.register import FlowDetails, InvalidFlowDetails
from ndop.web.kit.forms import NhsForm, Radios, Text

_YES_NO = {"true": True, "false": False}


class AnswerForm(NhsForm):
    """One question with options (a choice, or yes or no), its field named after the question's key."""

    def __init__(self, *args: Any, question: Question, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.question = question
        self.fields[question.key] = Radios(
            label=question.text, help_text=question.hint, message=question.error,
            choices=[(o.value, o.label) for o in question.options],
            hints={o.value: o.hint for o in question.options if o.hint},
        )

    @property
    def answer(self) -> Any:
        raw = self.cleaned_data[self.question.key]
        return _YES_NO[raw] if self.question.kind is Kind.YES_NO else raw


def selected(question: Question, value: Any) -> str:
    """How an answer kept in the session shows as the option to select."""
    return {True: "true", False: "false"}.get(value, value) if question.kind is Kind.YES_NO else (value or "")


class FlowDateForm(NhsForm):
    """The date of the flow, day/month/year (`date-day` ...), or nothing for today: `cleaned_data["date"]`."""

    prefix = "date"
    day = Text(limit=4, label="Day")
    month = Text(limit=12, label="Month")  # "September" is a month too (domain.common.dates)
    year = Text(limit=6, label="Year")

    @classmethod
    def showing(cls, iso: str) -> FlowDateForm:
        """The form showing a date already answered (an empty one for today)."""
        if not iso:
            return cls()
        d = date.fromisoformat(iso)
        return cls(initial={"day": str(d.day), "month": str(d.month), "year": str(d.year)})

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        typed = [data.get(part, "") for part in ("day", "month", "year")]
        data["date"] = ""
        if not any(typed):
            return data
        if not all(typed):
            self.add_error("day", "Enter a full date with a day, month and year, or leave it empty for today")
            return data
        try:
            day = date(int(typed[2]), parse_month(typed[1]) or 0, int(typed[0]))
        except ValueError:
            self.add_error("day", "Enter a real date, for example 23 11 2026")
            return data
        if not 2000 <= day.year <= 2100:
            self.add_error("day", "Enter a year between 2000 and 2100")
            return data
        data["date"] = day.isoformat()
        return data


class FlowDetailsForm(NhsForm):
    """A flow's name and description, checked by the domain's `FlowDetails` (`cleaned_data["details"]`)."""

    name = forms.CharField(required=False, strip=False, label="Name of the data flow",
                           help_text="A name your organisation will recognise, for example: Monthly extract to CPRD.")
    description = forms.CharField(
        required=False, strip=False, label="Description (optional)", widget=forms.Textarea,
        help_text="What data goes where, how often, and any reference such as a data sharing agreement or CAG number.")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        try:
            data["details"] = FlowDetails.clean(data.get("name", ""), data.get("description", ""))
        except InvalidFlowDetails as exc:
            self.add_error(exc.field, exc.message)
        return data
