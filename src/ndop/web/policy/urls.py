from django.urls import path

from ndop.web.policy import questionnaire

app_name = "policy"

urlpatterns = [
    path("", questionnaire.start, name="start"),
    path("questions/<slug:key>", questionnaire.question, name="question"),
    path("check-answers", questionnaire.check_answers, name="check_answers"),
    path("decision", questionnaire.decision, name="decision"),
    path("rules", questionnaire.rules, name="rules"),
    path("start-again", questionnaire.start_again, name="start_again"),
]
