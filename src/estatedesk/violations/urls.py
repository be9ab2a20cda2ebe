from django.urls import path

from estatedesk.violations import views

urlpatterns = [
    path("", views.case_list, name="case_list"),
    path("new/", views.case_create, name="case_create"),
    path("residents/", views.unit_residents, name="unit_residents"),
    path("register/", views.register, name="register"),
    path("finance/", views.finance, name="finance"),
    path("finance/<int:pk>/download/", views.finance_download, name="finance_download"),
    path("settings/", views.settings_page, name="settings"),
    path("<int:pk>/", views.case_detail, name="case_detail"),
    path("<int:pk>/measures/", views.measure_add, name="measure_add"),
    path("<int:pk>/decisions/", views.penalty_add, name="penalty_add"),
    path("<int:pk>/documents/", views.document_add, name="document_add"),
    path("<int:pk>/upgrade/", views.case_upgrade, name="case_upgrade"),
    path("<int:pk>/resolve/", views.case_resolve, name="case_resolve"),
    path("<int:pk>/evidence/", views.evidence_upload, name="evidence_upload"),
    path("evidence/<int:evidence_pk>/", views.evidence_file, name="evidence_file"),
    path("documents/<int:pk>/print/", views.document_print, name="document_print"),
    path("cutoffs/<int:measure_pk>/visit/", views.cutoff_visit, name="cutoff_visit"),
    path("cutoffs/<int:measure_pk>/execute/", views.cutoff_execute, name="cutoff_execute"),
    path("tasks/<int:task_pk>/done/", views.task_done, name="task_done"),
]
