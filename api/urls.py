"""/api/: the schema, its interactive docs, and version 1 (a /api/v2/ can live beside it)."""

from csp.decorators import csp_update
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from api import views

app_name = "api"

v1 = [
    path("auth/token/", views.TokenView.as_view(), name="token"),
    path("auth/token/refresh/", views.RefreshView.as_view(), name="token-refresh"),
    path("auth/token/revoke/", views.RevokeView.as_view(), name="token-revoke"),
    path("auth/ticket/", views.TicketView.as_view(), name="ticket"),
    path("me/", views.MeView.as_view(), name="me"),
    path("teams/", views.TeamsView.as_view(), name="teams"),
    path("teams/<slug:slug>/members/", views.MembersView.as_view(), name="members"),
    path("teams/<slug:slug>/invites/", views.InvitesView.as_view(), name="invites"),
    path("invites/<str:token>/accept/", views.AcceptInviteView.as_view(), name="accept-invite"),
    path("mentions/", views.MentionsView.as_view(), name="mentions"),
    path("mentions/seen/", views.MentionsSeenView.as_view(), name="mentions-seen"),
    path("search/", views.SearchView.as_view(), name="search"),
    path("search/cards/", views.CardSearchView.as_view(), name="search-cards"),
    path("search/similar/", views.SimilarSolvedView.as_view(), name="search-similar"),
    path("dms/", views.DirectsView.as_view(), name="dms"),
    path("dms/<slug:slug>/", views.DirectView.as_view(), name="dm"),
    path("dms/<slug:slug>/leave/", views.LeaveDirectView.as_view(), name="dm-leave"),
    path("queue/", views.QueueView.as_view(), name="queue"),
    path("queue/<int:message_id>/claim/", views.ClaimView.as_view(), name="claim"),
    path("rooms/", views.RoomsView.as_view(), name="rooms"),
    path("rooms/<slug:slug>/", views.RoomView.as_view(), name="room"),
    path("rooms/<slug:slug>/read/", views.ReadView.as_view(), name="read"),
    path("rooms/<slug:slug>/messages/", views.MessagesView.as_view(), name="messages"),
    path(
        "rooms/<slug:slug>/messages/<int:message_id>/",
        views.MessageView.as_view(),
        name="message",
    ),
    path(
        "rooms/<slug:slug>/messages/<int:message_id>/reactions/",
        views.ReactionsView.as_view(),
        name="reactions",
    ),
    path("rooms/<slug:slug>/attachments/", views.AttachmentsView.as_view(), name="attachments"),
    path(
        "rooms/<slug:slug>/attachments/<int:attachment_id>/",
        views.AttachmentView.as_view(),
        name="attachment",
    ),
    path(
        "rooms/<slug:slug>/messages/<int:message_id>/resolved/",
        views.ResolveView.as_view(),
        name="resolved",
    ),
    path(
        "rooms/<slug:slug>/messages/<int:message_id>/accepted/",
        views.AcceptedView.as_view(),
        name="accepted",
    ),
    path(
        "rooms/<slug:slug>/messages/<int:message_id>/verified/",
        views.VerifiedView.as_view(),
        name="verified",
    ),
    path(
        "rooms/<slug:slug>/messages/<int:message_id>/card/",
        views.PromoteView.as_view(),
        name="promote",
    ),
    path(
        "rooms/<slug:slug>/messages/<int:message_id>/previews/<int:preview_id>/",
        views.PreviewView.as_view(),
        name="preview",
    ),
    path("rooms/<slug:slug>/pins/", views.PinsView.as_view(), name="pins"),
    path(
        "rooms/<slug:slug>/messages/<int:message_id>/pinned/",
        views.PinnedView.as_view(),
        name="pinned",
    ),
    path("boards/", views.BoardsView.as_view(), name="boards"),
    path("boards/<int:board_id>/", views.BoardView.as_view(), name="board"),
    path("boards/<int:board_id>/cards/", views.CardsView.as_view(), name="cards"),
    path("boards/<int:board_id>/columns/", views.ColumnsView.as_view(), name="columns"),
    path("boards/<int:board_id>/activity/", views.ActivityView.as_view(), name="activity"),
    path("boards/<int:board_id>/export/", views.ExportView.as_view(), name="export"),
    path(
        "boards/<int:board_id>/columns/<int:column_id>/",
        views.ColumnView.as_view(),
        name="column",
    ),
    path("cards/<int:card_id>/", views.CardView.as_view(), name="card"),
    path("teams/<slug:slug>/schemas/", views.ApiSchemasView.as_view(), name="schemas"),
    path(
        "teams/<slug:slug>/schemas/<int:version>/",
        views.ApiSchemaView.as_view(),
        name="schema",
    ),
    path("teams/<slug:slug>/hub/", views.HubView.as_view(), name="hub"),
    path("boards/<int:board_id>/api-reports/", views.ApiReportsView.as_view(), name="api-reports"),
    path("cards/<int:card_id>/comments/", views.CommentsView.as_view(), name="comments"),
    path("comments/<int:comment_id>/", views.CommentView.as_view(), name="comment"),
    path("exports/", views.ExportsView.as_view(), name="exports"),
    path("exports/<int:export_id>/", views.ExportDetailView.as_view(), name="export-detail"),
    path("exports/<int:export_id>/file/", views.ExportFileView.as_view(), name="export-file"),
]

docs = SpectacularSwaggerSplitView.as_view(url_name="api:schema")

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # Swagger UI sets style attributes as it draws: allowed on this page only.
    path("docs/", csp_update({"style-src": ["'unsafe-inline'"]})(docs), name="docs"),
    path("v1/", include(v1)),
]
