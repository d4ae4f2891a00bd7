from django.urls import path

from boards import views

app_name = "boards"
urlpatterns = [
    path("", views.boards, name="list"),
    path("<int:board_id>/", views.detail, name="detail"),
]
