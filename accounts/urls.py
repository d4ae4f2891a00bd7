from django.urls import path

from accounts import views

app_name = "accounts"
urlpatterns = [
    path("profile/", views.profile, name="profile"),
    path("teams/", views.teams, name="teams"),
    path("teams/<slug:slug>/", views.team, name="team"),
    path("teams/<slug:slug>/invites/", views.invite_create, name="invite_create"),
    path(
        "teams/<slug:slug>/invites/<int:invite_id>/revoke/",
        views.invite_revoke,
        name="invite_revoke",
    ),
    path("teams/<slug:slug>/members/<int:user_id>/role/", views.member_role, name="member_role"),
    path(
        "teams/<slug:slug>/members/<int:user_id>/remove/",
        views.member_remove,
        name="member_remove",
    ),
    path("teams/<slug:slug>/leave/", views.team_leave, name="leave"),
    path("invites/<str:token>/", views.invite, name="invite"),
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
]
