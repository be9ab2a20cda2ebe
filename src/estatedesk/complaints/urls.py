from django.urls import path

from estatedesk.complaints import views

urlpatterns = [
    path("", views.complaint_list, name="list"),
    path("new/", views.complaint_new, name="new"),
    path("<int:pk>/", views.complaint_detail, name="detail"),
    path("<int:pk>/act/<str:action>/", views.complaint_action, name="act"),
    path(
        "<int:pk>/extensions/<int:extension_id>/decide/",
        views.extension_decide,
        name="extension_decide",
    ),
    path("<int:pk>/capa/<str:step>/", views.capa_step, name="capa"),
    path("<int:pk>/form/", views.form_print, name="form_print"),
    path("<int:pk>/record/", views.record_print, name="record_print"),
    path("capa/", views.capa_list, name="capa_list"),
    path("weekly/", views.weekly_list, name="weekly_list"),
    path("weekly/<int:pk>/", views.weekly_detail, name="weekly_detail"),
    path("weekly/<int:pk>/check/", views.weekly_check, name="weekly_check"),
    path("monthly/", views.monthly_list, name="monthly_list"),
    path("monthly/<int:pk>/", views.monthly_detail, name="monthly_detail"),
    path("monthly/<int:pk>/print/", views.monthly_print, name="monthly_print"),
    path("monthly/<int:pk>/<str:step>/", views.monthly_step, name="monthly_step"),
]
