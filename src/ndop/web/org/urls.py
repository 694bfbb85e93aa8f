from django.urls import path

from ndop.web.org import views

app_name = "org"

urlpatterns = [
    path("", views.home, name="home"),
    path("sign-in", views.sign_in, name="sign-in"),
    path("sign-out", views.sign_out, name="sign-out"),
    path("signed-out", views.signed_out, name="signed-out"),
]
