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
    path("queue/", include("chat.queue_urls")),
    path("boards/", include("boards.urls")),
    path("exports/", include("exports.urls")),
    path("", include("hub.urls")),
    path("api/", include("api.urls")),
    path("graphql/", graphql_view, name="graphql"),
    path("admin/", admin.site.urls),
]

# Error pages in the app's look; htmx requests get a short fragment instead (nexus_live/errors.py).
handler400 = "nexus_live.errors.bad_request"
handler403 = "nexus_live.errors.permission_denied"
handler404 = "nexus_live.errors.page_not_found"
handler500 = "nexus_live.errors.server_error"
