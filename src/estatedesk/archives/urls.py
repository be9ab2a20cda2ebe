from django.urls import path

from estatedesk.archives import views

urlpatterns = [
    path("", views.index, name="index"),
    path("units/<int:unit_id>/", views.unit_archive, name="unit"),
    path("units/<int:unit_id>/upload/", views.document_upload, name="upload"),
    path("documents/<int:document_id>/", views.document_view, name="document"),
    path("documents/<int:document_id>/replace/", views.document_replace, name="replace"),
    path(
        "documents/<int:document_id>/v<int:number>/page.png",
        views.document_image,
        name="document_image",
    ),
    path("documents/<int:document_id>/v<int:number>/pdf", views.document_pdf, name="document_pdf"),
    path("grants/", views.grants, name="grants"),
    path("grants/request/<int:unit_id>/", views.grant_request, name="grant_request"),
    path("grants/<int:grant_id>/open/", views.grant_open, name="grant_open"),
    path("grants/<int:grant_id>/refuse/", views.grant_refuse, name="grant_refuse"),
    path("grants/<int:grant_id>/cancel/", views.grant_cancel, name="grant_cancel"),
    path("grants/<int:grant_id>/close/", views.grant_close, name="grant_close"),
    path("access-log/", views.access_log, name="access_log"),
    path("contacts/", views.contacts, name="contacts"),
    path("contacts/new/", views.contact_new, name="contact_new"),
    path("contacts/<int:request_id>/call/", views.contact_log, name="contact_log"),
    path("move-ins/", views.move_ins, name="move_ins"),
    path("move-ins/start/<int:unit_id>/", views.move_in_start, name="move_in_start"),
    path("move-ins/<int:move_in_id>/", views.move_in_detail, name="move_in"),
    path("move-ins/<int:move_in_id>/items/", views.move_in_item_add, name="move_in_item_add"),
    path(
        "move-ins/<int:move_in_id>/items/<int:item_id>/sign/",
        views.move_in_item_sign,
        name="move_in_item_sign",
    ),
    path("move-ins/<int:move_in_id>/complete/", views.move_in_complete, name="move_in_complete"),
    path("signatures/<int:signature_id>.png", views.signature_image, name="signature"),
    path("keys/", views.keys, name="keys"),
    path("keys/new/", views.key_new, name="key_new"),
    path("keys/record/", views.key_record, name="key_record"),
    path("keys/<int:key_id>/lend/", views.key_lend, name="key_lend"),
    path("keys/<int:key_id>/return/", views.key_return, name="key_return"),
    path("keys/<int:key_id>/hand-over/", views.key_hand_over, name="key_hand_over"),
]
