from django.urls import path

from hub import views

app_name = "hub"
urlpatterns = [
    path("teams/<slug:slug>/api/", views.schemas, name="schemas"),
    path("teams/<slug:slug>/api/<int:version>/", views.schema, name="schema"),
    path("boards/<int:board_id>/api-report/", views.report, name="report"),
    path("teams/<slug:slug>/hub/", views.hub_page, name="page"),
    path("teams/<slug:slug>/hub/visibility", views.hub_visibility, name="visibility"),
    path("teams/<slug:slug>/hub/<path:name>", views.hub_page, name="file"),
]
