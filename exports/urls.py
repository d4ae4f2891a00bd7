from django.urls import path

from exports import views

app_name = "exports"
urlpatterns = [
    path("", views.exports, name="list"),
    path("<int:export_id>/download", views.download, name="download"),
]
