from django.urls import path

from estatedesk.triage import views

urlpatterns = [
    path("", views.index, name="index"),
]
