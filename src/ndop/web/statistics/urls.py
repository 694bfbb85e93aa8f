from django.urls import path

from ndop.web.statistics import views

app_name = "statistics"

urlpatterns = [
    path("", views.index, name="index"),
    path("<int:publication_id>/", views.detail, name="detail"),
    path("<int:publication_id>/files/<str:name>", views.download, name="file"),
]
