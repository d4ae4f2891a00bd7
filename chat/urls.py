from django.urls import path
from django.views.generic import RedirectView

from chat import views

app_name = "chat"
urlpatterns = [
    path("", views.rooms, name="rooms"),
    path("mentions/", views.mentions, name="mentions"),
    path("mentions/seen", views.mentions_seen, name="mentions_seen"),
    # Search covers cards too now (/search/); old links and bookmarks still land there.
    path("search/", RedirectView.as_view(pattern_name="search", query_string=True, permanent=True)),
    path("<slug:slug>/", views.room, name="room"),
    path("<slug:slug>/messages", views.messages, name="messages"),
    path("<slug:slug>/post", views.post, name="post"),
    path("<slug:slug>/topic", views.topic, name="topic"),
    path("<slug:slug>/pins", views.pins, name="pins"),
    path("<slug:slug>/messages/<int:message_id>/pin", views.pin, name="pin"),
    path("<slug:slug>/threads/<int:message_id>/", views.thread, name="thread"),
    path("<slug:slug>/messages/<int:message_id>/promote", views.promote, name="promote"),
    path("<slug:slug>/messages/<int:message_id>/history", views.history, name="history"),
    path("<slug:slug>/archive", views.archive, name="archive"),
    path("<slug:slug>/attachments", views.upload, name="upload"),
    path(
        "<slug:slug>/attachments/<int:attachment_id>/remove",
        views.remove_upload,
        name="remove_upload",
    ),
    path("<slug:slug>/files/<int:attachment_id>", views.attachment, name="attachment"),
    path(
        "<slug:slug>/files/<int:attachment_id>/thumbnail",
        views.attachment_thumbnail,
        name="attachment_thumbnail",
    ),
    path(
        "<slug:slug>/previews/<int:preview_id>/image",
        views.preview_image,
        name="preview_image",
    ),
    path("<slug:slug>/people", views.people, name="people"),
]
