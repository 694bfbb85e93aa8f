from django.urls import path

from ndop.web.patient import choice, codes, dev, history, identity, nhs_login

app_name = "patient"

urlpatterns = [
    path("", identity.start, name="start"),
    path("nhs-number", identity.nhs_number, name="nhs_number"),
    path("name-and-postcode", identity.name_and_postcode, name="name_and_postcode"),
    path("date-of-birth", identity.date_of_birth, name="date_of_birth"),
    path("no-match", identity.no_match, name="no_match"),
    path("under-13", identity.under_13, name="under_13"),
    path("cannot-continue", identity.cannot_continue, name="cannot_continue"),
    path("no-contact-details", identity.no_contact_details, name="no_contact_details"),
    path("paused", identity.paused, name="paused"),
    path("session-expired", identity.session_expired, name="session_expired"),
    path("send-code", codes.send_code, name="send_code"),
    path("send-code/again", codes.resend_code, name="resend_code"),
    path("security-code", codes.security_code, name="security_code"),
    path("locked-out", codes.locked_out, name="locked_out"),
    path("nhs-login", nhs_login.start, name="nhs_login"),
    path("nhs-login/callback", nhs_login.callback, name="nhs_login_callback"),
    path("nhs-login/another-way", nhs_login.fallback, name="nhs_login_fallback"),
    path("your-choice", choice.your_choice, name="your_choice"),
    path("your-choice-history", history.your_history, name="your_history"),
    path("check", choice.check, name="check"),
    path("confirmation", choice.confirmation, name="confirmation"),
    path("not-changed", choice.not_changed, name="not_changed"),
    path("dev/outbox", dev.outbox, name="outbox"),
]
