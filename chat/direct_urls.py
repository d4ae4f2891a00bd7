"""/dm/: my direct conversations; each one is a room page at its own address."""

from django.urls import path

from chat import views

app_name = "direct"
urlpatterns = [
    path("", views.direct, name="list"),
    path("<slug:slug>/", views.room, name="room"),
    path("<slug:slug>/name", views.rename_direct, name="rename"),
    path("<slug:slug>/leave", views.leave_direct, name="leave"),
]
