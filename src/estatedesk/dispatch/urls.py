from django.urls import path

from estatedesk.dispatch import views

urlpatterns = [
    path("", views.board, name="board"),
    path("tickets/<int:ticket_id>/followup/", views.followup, name="followup"),
    path("reviews/", views.review_list, name="reviews"),
    path("reviews/open/", views.review_open, name="review_open"),
    path("reviews/<int:pk>/", views.review_detail, name="review"),
    path("reviews/<int:pk>/complete/", views.review_complete, name="review_complete"),
    path("reviews/items/<int:item_id>/assess/", views.item_assess, name="item_assess"),
    path("reviews/items/<int:item_id>/confirm/", views.item_confirm, name="item_confirm"),
]
