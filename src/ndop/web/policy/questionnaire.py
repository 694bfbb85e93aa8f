"""Does the opt-out apply to this flow? Questions one at a time, then the decision with its reasons.

The answers live in the session, exactly as the JSON input of the API and `ndop policy decide`
takes them, so the page decides with the same parser and engine. Nothing is written anywhere:
anyone may use the questionnaire without signing in.
"""

from __future__ import annotations

import json
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ndop.domain.common.clock import SystemClock, today
from ndop.domain.policy import InvalidFlow, decide, parse_flow
from ndop.domain.policy.provisions import GUIDANCE, PROVISIONS, REVIEWED, SOURCES, Outcome
from ndop.domain.policy.questions import BY_KEY, Kind, Question, next_question, questions_for, relevant
from ndop.domain.policy.register import citation_of, reason_in_words
from ndop.domain.policy.rules import ORDER
from ndop.web.kit.pages import Service, page
from ndop.web.policy.forms import AnswerForm, FlowDateForm, selected

SESSION_KEY = "policy_answers"
EDITING_KEY = "policy_editing_flow"  # {"id", "name"} while new answers for a registered flow are being given
SERVICE = Service("Does the opt-out apply?", "policy:start")


def answers_of(request: HttpRequest) -> dict[str, Any]:
    return dict(request.session.get(SESSION_KEY, {}))


def save_answers(request: HttpRequest, answers: dict[str, Any]) -> None:
    request.session[SESSION_KEY] = relevant(answers)


def flow_input(answers: dict[str, Any]) -> dict[str, Any]:
    """The JSON input the answers describe (an empty date means today, so it is left out)."""
    return {k: v for k, v in relevant(answers).items() if not (k == "date" and not v)}


def _next_url(answers: dict[str, Any]) -> str:
    following = next_question(answers)
    if following is None:
        return reverse("policy:check_answers")
    return reverse("policy:question", args=[following.key])


def _previous_url(question: Question, answers: dict[str, Any]) -> str:
    asked = questions_for(answers)
    keys = [q.key for q in asked]
    if question.key in keys and keys.index(question.key) > 0:
        return reverse("policy:question", args=[keys[keys.index(question.key) - 1]])
    return reverse("policy:start")


def _page(request: HttpRequest, template: str, context: dict[str, Any], *, back: str | None = None) -> HttpResponse:
    return page(request, SERVICE, template, context, back=back)


@require_GET
def start(request: HttpRequest) -> HttpResponse:
    first = questions_for({})[0]
    return _page(
        request,
        "policy/start.jinja",
        {
            "title": "Does the national data opt-out apply to your data flow?",
            "first_url": reverse("policy:question", args=[first.key]),
            "resume": bool(answers_of(request)),
        },
    )


@require_POST
def start_again(request: HttpRequest) -> HttpResponse:
    request.session.pop(SESSION_KEY, None)
    request.session.pop(EDITING_KEY, None)
    return redirect("policy:question", key=questions_for({})[0].key)


@require_http_methods(["GET", "POST"])
def question(request: HttpRequest, key: str) -> HttpResponse:
    q = BY_KEY.get(key)
    if q is None:
        raise Http404
    answers = answers_of(request)
    if q not in questions_for(answers):
        return HttpResponseRedirect(_next_url(answers))  # not asked for these answers
    pending = next_question(answers)
    asked_keys = [x.key for x in questions_for(answers)]
    if pending is not None and asked_keys.index(pending.key) < asked_keys.index(q.key):
        return HttpResponseRedirect(_next_url(answers))  # an earlier question is not answered yet
    form = _question_form(request, q, answers.get(q.key))
    if form.is_bound and form.is_valid():
        answers[q.key] = form.cleaned_data["date"] if isinstance(form, FlowDateForm) else form.answer
        save_answers(request, answers)
        return HttpResponseRedirect(_next_url(relevant(answers)))
    return _page(request, "policy/question.jinja", {"title": q.text, "q": q, "form": form},
                 back=_previous_url(q, answers))


def _question_form(request: HttpRequest, q: Question, answered: Any) -> AnswerForm | FlowDateForm:
    data = request.POST if request.method == "POST" else None
    if q.kind is Kind.DATE:
        return FlowDateForm(data) if data is not None else FlowDateForm.showing(answered or "")
    return AnswerForm(data, question=q, initial={q.key: selected(q, answered)})


def summary_rows(answers: dict[str, Any], *, change: bool) -> list[dict[str, Any]]:
    rows = []
    for q in questions_for(answers):
        row: dict[str, Any] = {"key": {"text": q.short}, "value": {"text": q.label_for(answers.get(q.key))}}
        if change:
            row["actions"] = {
                "items": [
                    {
                        "href": reverse("policy:question", args=[q.key]),
                        "text": "Change",
                        "visuallyHiddenText": q.short.lower(),
                    }
                ]
            }
        rows.append(row)
    return rows


@require_GET
def check_answers(request: HttpRequest) -> HttpResponse:
    answers = answers_of(request)
    if next_question(answers) is not None:
        return HttpResponseRedirect(_next_url(answers))
    return _page(
        request,
        "policy/check_answers.jinja",
        {
            "title": "Check your answers",
            "rows": summary_rows(answers, change=True),
        },
        back=_previous_url(questions_for(answers)[-1], answers),
    )


def reasons_view(reasons: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Reasons as the page shows them: with the provision's title and source links where it still exists."""
    shown = []
    for reason in reasons:
        code = str(reason.get("code"))
        provision = PROVISIONS.get(code)
        tags = provision.sources if provision else ()
        shown.append(
            {
                "title": reason_in_words(code),
                "code": code,
                "explanation": reason.get("explanation"),
                "citation": citation_of(code, reason.get("citation")),
                "sources": [{"tag": t, "title": SOURCES[t][0], "url": SOURCES[t][1]} for t in tags],
            }
        )
    return shown


def decision_context(answers: dict[str, Any]) -> dict[str, Any]:
    """What the decision page shows; raises InvalidFlow when the answers are incomplete."""
    flow_json = flow_input(answers)
    result = decide(parse_flow(flow_json, today=today(SystemClock()))).as_dict()
    return {
        "decision": result,
        "reasons": reasons_view(result["reasons"]),  # type: ignore[arg-type]
        "rows": summary_rows(answers, change=False),
        "flow_json": json.dumps(flow_json, indent=2),
    }


@require_GET
def decision(request: HttpRequest) -> HttpResponse:
    answers = answers_of(request)
    try:
        context = decision_context(answers)
    except InvalidFlow:
        return HttpResponseRedirect(_next_url(answers))
    applies = context["decision"]["applies"]
    title = "The national data opt-out applies" if applies else "The national data opt-out does not apply"
    return _page(
        request,
        "policy/decision.jinja",
        {
            "title": title,
            **context,
            "editing": request.session.get(EDITING_KEY),
        },
        back="policy:check_answers",
    )


@require_GET
def rules(request: HttpRequest) -> HttpResponse:
    """The rules in the order they are tried, with their citations (the same data as docs/policy-rules.md)."""
    rows = []
    for number, rule in enumerate(ORDER, start=1):
        provision = PROVISIONS[rule.code]
        rows.append(
            {
                "number": number,
                "rule": rule,
                "provision": provision,
                "applies": provision.outcome is Outcome.APPLIES,
                "sources": [{"tag": s, "title": SOURCES[s][0], "url": SOURCES[s][1]} for s in provision.sources],
            }
        )
    return _page(
        request,
        "policy/rules.jinja",
        {
            "title": "How the tool decides",
            "rows": rows,
            "guidance": GUIDANCE,
            "reviewed": REVIEWED,
        },
        back="policy:start",
    )
