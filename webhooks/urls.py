from django.urls import path

from webhooks import views

app_name = "webhooks"
urlpatterns = [
    path("", views.endpoints, name="list"),
    path("<int:endpoint_id>/", views.detail, name="detail"),
    path("<int:endpoint_id>/<str:op>/", views.endpoint_op, name="op"),
    path(
        "<int:endpoint_id>/deliveries/<int:delivery_id>/redeliver/",
        views.redeliver,
        name="redeliver",
    ),
]
