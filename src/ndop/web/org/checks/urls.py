from django.urls import path

from ndop.domain.organisations.accounts import OrganisationRole
from ndop.web.org.access import ORG_PARTS
from ndop.web.org.checks import views

app_name = "org_checks"

urlpatterns = [
    path("", views.upload, name="upload"),
    path("<str:check_id>", views.result, name="result"),
    path("<str:check_id>/download", views.download, name="download"),
]

_PART = ("Check a list of NHS numbers", "org_checks:upload",
         "Upload a .dat or CSV file and download it with the people who have opted out removed.",
         OrganisationRole.CHECKER)
if _PART not in ORG_PARTS:
    ORG_PARTS.append(_PART)
