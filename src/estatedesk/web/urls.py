from django.contrib.auth import views as auth_views
from django.urls import path

from estatedesk.web import views

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("org/import/", views.import_units, name="import_units"),
    path("org/import/template.xlsx", views.import_template_download, name="import_template"),
    path("account/tokens/", views.api_tokens, name="api_tokens"),
    path(
        "account/tokens/<int:token_id>/revoke/",
        views.api_token_revoke_view,
        name="api_token_revoke",
    ),
]
