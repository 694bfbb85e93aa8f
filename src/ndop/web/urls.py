from django.urls import include, path

from ndop.web import landing
from ndop.web.api.app import api
from ndop.web.paper_forms import views as paper_forms

handler404 = "ndop.web.kit.errors.not_found"
handler500 = "ndop.web.kit.errors.server_error"

urlpatterns = [
    path("", landing.landing, name="landing"),
    path("healthz", landing.healthz, name="healthz"),
    path("api/", api.urls),
    path("", include("ndop.web.about.urls")),
    path("org/", include("ndop.web.org.urls")),
    path("org/check/", include("ndop.web.org.checks.urls")),
    path("policy/", include("ndop.web.policy.urls")),
    path("staff/", include("ndop.web.staff.urls")),
    path("your-data-matters/", include("ndop.web.patient.urls")),
    path("forms/", paper_forms.index, name="forms"),
    path("forms/<str:filename>", paper_forms.pdf, name="form-pdf"),
    path("statistics/", include("ndop.web.statistics.urls")),
]
