from django.urls import path

from estatedesk.reports import views

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("export/<slug:key>.xlsx", views.export_table, name="export"),
    path("kpis/", views.kpi_page, name="kpis"),
    path("kpis.xlsx", views.kpi_export, name="kpis_export"),
    path("kpis/drill/", views.kpi_drill, name="kpi_drill"),
    path("exceptions/", views.exception_list, name="exceptions"),
    path("exceptions.xlsx", views.exception_export, name="exceptions_export"),
    path("exceptions/<int:clock_id>/", views.exception_fill, name="exception_fill"),
    path("pack/", views.pack, name="pack"),
    path("surveys/", views.survey_list, name="surveys"),
    path("surveys/new/", views.survey_new, name="survey_new"),
    path("surveys/<int:pk>/", views.survey_detail, name="survey"),
    path("surveys/<int:pk>/questions/", views.survey_question_add, name="survey_question_add"),
    path(
        "surveys/<int:pk>/questions/<int:question_id>/remove/",
        views.survey_question_remove,
        name="survey_question_remove",
    ),
    path("surveys/<int:pk>/<str:action>/", views.survey_action, name="survey_action"),
    path("survey/", views.survey_resident_list, name="survey_resident"),
    path("survey/<int:pk>/", views.survey_answer, name="survey_answer"),
    path("training/", views.training_list, name="training"),
    path("training/new/", views.training_new, name="training_new"),
    path("training/<int:pk>/", views.training_detail, name="training_detail"),
    path("records/", views.records, name="records"),
    path("records/hold/", views.legal_hold, name="legal_hold"),
    path("records/archive/", views.archive_create, name="archive_create"),
    path("records/archives/<int:pk>/<str:fmt>/", views.archive_download, name="archive_download"),
]
