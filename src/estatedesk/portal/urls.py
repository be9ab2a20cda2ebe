from django.urls import path

from estatedesk.portal import views

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.login_phone, name="login"),
    path("login/code/", views.login_code, name="login_code"),
    path("logout/", views.logout_view, name="logout"),
    path("new/", views.report, name="report"),
    path("t/<int:pk>/", views.ticket_detail, name="ticket"),
    path("t/<int:pk>/confirm/", views.ticket_confirm, name="confirm"),
    path("t/<int:pk>/reopen/", views.ticket_reopen, name="reopen"),
    path("t/<int:pk>/rate/", views.ticket_rate, name="rate"),
    path("t/<int:pk>/quote/", views.quote_confirm, name="quote_confirm"),
    path("t/<int:pk>/photos/", views.ticket_photos, name="photos"),
    path("suggestions/", views.suggestions, name="suggestions"),
]
