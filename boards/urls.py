from django.urls import path

from boards import views

app_name = "boards"
urlpatterns = [
    path("", views.boards, name="list"),
    path("similar/", views.similar, name="similar"),
    path("<int:board_id>/", views.detail, name="detail"),
    path("<int:board_id>/activity/", views.activity, name="activity"),
    path("<int:board_id>/archived/", views.archived, name="archived"),
    path("<int:board_id>/export.<str:fmt>", views.export, name="export"),
    path("<int:board_id>/cards/", views.add_card, name="add_card"),
    path("<int:board_id>/cards/<int:card_id>/", views.card, name="card"),
    path("<int:board_id>/cards/<int:card_id>/archive", views.archive, name="archive"),
    path("<int:board_id>/cards/<int:card_id>/comments/", views.comment, name="comment"),
    path("<int:board_id>/columns/", views.add_column, name="add_column"),
    path("<int:board_id>/columns/<int:column_id>/", views.column, name="column"),
    path("<int:board_id>/labels/", views.add_label, name="add_label"),
    path("<int:board_id>/labels/<int:label_id>/", views.label, name="label"),
]
