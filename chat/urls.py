from django.urls import path

from chat import views

app_name = "chat"
urlpatterns = [
    path("", views.rooms, name="rooms"),
    path("<slug:slug>/", views.room, name="room"),
    path("<slug:slug>/messages", views.messages, name="messages"),
    path("<slug:slug>/post", views.post, name="post"),
]
