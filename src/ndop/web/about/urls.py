from django.urls import path

from ndop.web.about import views

app_name = "about"

urlpatterns = [
    path("privacy", views.privacy, name="privacy"),
    path("accessibility-statement", views.accessibility, name="accessibility"),
    path("cookies", views.cookies, name="cookies"),
    path("contact-us", views.contact, name="contact"),
    path("feedback", views.feedback, name="feedback"),
]
