from django.urls import path

from estatedesk.emergencies import views

urlpatterns = [
    path("", views.case_list, name="list"),
    path("new/", views.case_new, name="new"),
    path("<int:pk>/", views.case_detail, name="detail"),
    path("<int:pk>/live/", views.case_live, name="live"),
    path("<int:pk>/timeline/", views.case_timeline, name="timeline"),
    path("<int:pk>/pages/<int:page_id>/ack/", views.page_ack, name="page_ack"),
    path("<int:pk>/pages/<int:page_id>/phone/", views.page_ack_phone, name="page_ack_phone"),
    path("<int:pk>/steps/<int:record_id>/", views.step_done, name="step"),
    path("<int:pk>/responders/", views.responders_notify, name="responders"),
    path(
        "<int:pk>/responders/<int:responder_id>/",
        views.responder_status,
        name="responder_status",
    ),
    path("<int:pk>/instructions/", views.instruction_add, name="instruction"),
    path("<int:pk>/take-over/", views.take_over, name="take_over"),
    path("<int:pk>/report-up/", views.report_up, name="report_up"),
    path("<int:pk>/settle/", views.settle, name="settle"),
    path("<int:pk>/sign-off/", views.sign_off, name="sign_off"),
    path("ack/<str:token>/", views.ack_link, name="ack_link"),
]
