from django.urls import path

from ndop.web.policy import questionnaire, register

app_name = "policy"

urlpatterns = [
    path("", questionnaire.start, name="start"),
    path("questions/<slug:key>", questionnaire.question, name="question"),
    path("check-answers", questionnaire.check_answers, name="check_answers"),
    path("decision", questionnaire.decision, name="decision"),
    path("rules", questionnaire.rules, name="rules"),
    path("register/", register.home, name="register"),
    path("register/new", register.new, name="register_new"),
    path("register/export.csv", register.export, name="register_export"),
    path("register/<uuid:flow_id>", register.flow, name="register_flow"),
    path("register/<uuid:flow_id>/versions/<int:number>", register.version, name="register_version"),
    path("register/<uuid:flow_id>/details", register.details, name="register_details"),
    path("register/<uuid:flow_id>/change-answers", register.change_answers, name="register_change_answers"),
    path("register/<uuid:flow_id>/answers", register.save_answers, name="register_save_answers"),
    path("start-again", questionnaire.start_again, name="start_again"),
]
