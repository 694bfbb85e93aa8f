from django.urls import path

from ndop.web.staff import views

app_name = "staff"

urlpatterns = [
    path("", views.home, name="home"),
    path("sign-in", views.sign_in, name="sign-in"),
    path("sign-out", views.sign_out, name="sign-out"),
    path("find", views.find, name="find"),
    path("person", views.person, name="person"),
    path("phone", views.record_phone, name="phone"),
    path("approvals", views.approvals_page, name="approvals"),
    path("queue", views.queue, name="queue"),
    path("cases/<str:reference>", views.case, name="case"),
]
