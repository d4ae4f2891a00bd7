"""Top-level URLs: the shell, sign-in, health, and each app's own."""

from django.contrib import admin
from django.urls import include, path

from api.gql.views import graphql_view
from nexus_live import metrics, views

urlpatterns = [
    path("", views.home, name="home"),
    path("search/", views.search, name="search"),
    path("healthz", views.healthz, name="healthz"),
    path("readyz", views.readyz, name="readyz"),
    path("metrics", metrics.metrics_view, name="metrics"),
    path("accounts/", include("allauth.urls")),
    path("", include("accounts.urls")),
    path("teams/<slug:slug>/webhooks/", include("webhooks.urls")),
    path("rooms/", include("chat.urls")),
    path("dm/", include("chat.direct_urls")),
    path("boards/", include("boards.urls")),
    path("api/", include("api.urls")),
    path("graphql/", graphql_view, name="graphql"),
    path("admin/", admin.site.urls),
]
