from django.urls import path

from estatedesk.duty import views

urlpatterns = [
    path("", views.log, name="log"),
    path("entries/<int:pk>/", views.entry, name="entry"),
    path("roster/", views.roster, name="roster"),
    path("roster/assign/", views.roster_assign, name="roster_assign"),
    path("roster/fill/", views.roster_fill, name="roster_fill"),
    path("roster/assignments/<int:pk>/remove/", views.roster_unassign, name="roster_unassign"),
    path("roster/<int:pk>/publish/", views.roster_publish, name="roster_publish"),
    path("changes/", views.changes, name="changes"),
    path("changes/new/<int:assignment_id>/", views.change_request, name="change_request"),
    path("changes/<int:pk>/", views.change, name="change"),
    path("oncall/", views.oncall, name="oncall"),
    path("oncall/<int:pk>/remove/", views.oncall_remove, name="oncall_remove"),
    path("handover/", views.handover_home, name="handover_home"),
    path("handover/<int:pk>/", views.handover, name="handover"),
    path("signoff/", views.signoff, name="signoff"),
    path("signoff/<str:day>/", views.signoff_day, name="signoff_day"),
    path("print/log/<str:day>/", views.print_log, name="print_log"),
    path("print/handover/<int:pk>/", views.print_handover, name="print_handover"),
    path("print/roster/", views.print_roster, name="print_roster"),
]
