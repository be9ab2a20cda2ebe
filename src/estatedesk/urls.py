"""URL configuration: each app's ``urls.py`` is mounted under its label; web owns the root."""

from __future__ import annotations

from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path

from estatedesk.api import api
from estatedesk.core.discovery import app_modules

PREFIXES = {"web": "", "portal": "r/"}

urlpatterns: list[URLPattern | URLResolver] = [
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
]
for label, module in app_modules("urls"):
    prefix = PREFIXES.get(label, f"{label}/")
    urlpatterns.append(path(prefix, include((module.urlpatterns, label), namespace=label)))

admin.site.site_header = "estatedesk 物业客户服务中心"
admin.site.site_title = "estatedesk"
