"""Pages of the archives app. Thin: fetch with an access check, validate, call one service,
render. Files are only ever sent inline, watermarked, uncached, and never as a download."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from estatedesk.archives import files, selectors, services
from estatedesk.archives import rules as access
from estatedesk.archives.enums import (
    AccessAction,
    ContactState,
    KeyState,
    MoveInState,
    SignatureMethod,
)
from estatedesk.archives.forms import (
    ContactLogForm,
    ContactRequestForm,
    GrantOpenForm,
    GrantRequestForm,
    HandOverForm,
    KeyForm,
    LendForm,
    MoveInItemForm,
    MoveInStartForm,
    MoveInUpdateForm,
    RecordRangeForm,
    RefuseForm,
    ReplaceForm,
    ReturnForm,
    SignatureForm,
    UnitPickForm,
    UploadForm,
)
from estatedesk.core import clock
from estatedesk.core.errors import DeskError, NotFound, PermissionDenied, ValidationFailed
from estatedesk.core.masking import phone_for
from estatedesk.org import roles
from estatedesk.org.selectors import sites_for_user
from estatedesk.web.decorators import staff_required

PAGE_SIZE = 25


def _page(request: HttpRequest, rows: QuerySet[Any], param: str = "page") -> Page:
    return Paginator(rows, PAGE_SIZE).get_page(request.GET.get(param))


def _fail(request: HttpRequest, exc: DeskError, form: Any = None) -> None:
    """Show a refused service call on the page, keeping what the user typed."""
    if form is not None:
        form.add_error(None, exc.detail)
    else:
        messages.error(request, exc.detail)


def _no_download(request: HttpRequest) -> None:
    """AR-3: no copies. A request asking for a download is refused outright."""
    if "download" in request.GET or "dl" in request.GET:
        raise PermissionDenied(_("业户档案不提供下载（AR-3），只能在页面内查阅。"))


def _inline(response: HttpResponse) -> HttpResponse:
    response["Content-Disposition"] = "inline"
    response["Cache-Control"] = "no-store, private, max-age=0"
    response["Pragma"] = "no-cache"
    return response


# --- archive (AR-1, AR-3) ----------------------------------------------------------------


@staff_required(access.ARCHIVE_READERS)
def index(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "")
    desk_sites = roles.site_ids_with(request.user, access.ARCHIVE_DESK)
    requester_sites = sites_for_user(request.user, access.GRANT_REQUESTERS).exclude(
        pk__in=desk_sites
    )
    units = (
        _page(request, selectors.archive_units(request.user, query=query)) if desk_sites else None
    )
    pick = UnitPickForm(request.GET if "unit_label" in request.GET else None, sites=requester_sites)
    if pick.is_bound and pick.is_valid():
        return redirect("archives:grant_request", unit_id=pick.cleaned_data["unit"].pk)
    return render(
        request,
        "archives/index.html",
        {
            "units": units,
            "query": query,
            "extra": urlencode({"q": query}) + "&",
            "pick": pick if requester_sites.exists() else None,
        },
    )


@staff_required(access.ARCHIVE_READERS)
def unit_archive(request: HttpRequest, unit_id: int) -> HttpResponse:
    try:
        archive = selectors.archive_access_for_user(request.user, unit_id)
    except selectors.GrantRequired as exc:
        unit = selectors.get_unit_for_user(request.user, unit_id, roles.ALL_STAFF)
        return render(
            request,
            "archives/grant_required.html",
            {"unit": unit, "detail": exc.detail},
            status=403,
        )
    unit = archive.unit
    services.access_log_record(
        unit=unit, viewer=request.user, grant=archive.grant, action=AccessAction.LIST
    )
    context: dict[str, Any] = {
        "unit": unit,
        "archive": archive,
        "documents": selectors.documents_of_unit(unit),
    }
    if archive.by_desk:
        residents = selectors.residents_of_unit(unit)
        context.update(
            residents=[(r, phone_for(r.phone, may_see=True)) for r in residents],
            keys=selectors.key_register(request.user, unit_id=unit.pk),
            move_ins=selectors.move_ins_of_unit(unit),
        )
    return render(request, "archives/unit.html", context)


@staff_required(access.ARCHIVE_DESK)
@require_http_methods(["GET", "POST"])
def document_upload(request: HttpRequest, unit_id: int) -> HttpResponse:
    unit = selectors.get_unit_for_user(request.user, unit_id, access.ARCHIVE_DESK)
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            document = services.document_upload(
                unit=unit,
                kind=form.cleaned_data["kind"],
                title=form.cleaned_data["title"],
                file=upload,
                name=upload.name,
                note=form.cleaned_data["note"],
                actor=request.user,
            )
        except DeskError as exc:
            _fail(request, exc, form)
        else:
            messages.success(request, _("文件已归档：%(title)s。") % {"title": document.title})
            return redirect("archives:unit", unit_id=unit.pk)
    return render(
        request,
        "archives/upload.html",
        {"unit": unit, "form": form, "max_mb": _max_mb()},
    )


def _max_mb() -> float:
    return round(int(settings.UPLOAD_MAX_BYTES) / 1024 / 1024, 1)


@staff_required(access.ARCHIVE_DESK)
@require_http_methods(["GET", "POST"])
def document_replace(request: HttpRequest, document_id: int) -> HttpResponse:
    document, archive = selectors.get_document_for_user(request.user, document_id)
    if not archive.by_desk:
        raise PermissionDenied()
    form = ReplaceForm(
        request.POST or None,
        request.FILES or None,
        initial={"expected_version": document.current_version},
    )
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            services.document_replace(
                document=document,
                expected_version=form.cleaned_data["expected_version"],
                file=upload,
                name=upload.name,
                note=form.cleaned_data["note"],
                actor=request.user,
            )
        except DeskError as exc:
            _fail(request, exc, form)
        else:
            messages.success(request, _("已替换，原文件保留在历史版本中。"))
            return redirect("archives:unit", unit_id=document.unit_id)
    return render(
        request,
        "archives/replace.html",
        {"document": document, "form": form, "max_mb": _max_mb()},
    )


@staff_required(access.ARCHIVE_READERS)
def document_view(request: HttpRequest, document_id: int) -> HttpResponse:
    """The in-page viewer: watermarked images, no download link (AR-3)."""
    _no_download(request)
    document, archive = selectors.get_document_for_user(request.user, document_id)
    number = _int(request.GET.get("v")) or document.current_version
    version = selectors.get_version(document, number)
    return render(
        request,
        "archives/viewer.html",
        {
            "document": document,
            "version": version,
            "versions": document.versions.order_by("-number"),
            "archive": archive,
        },
    )


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


@staff_required(access.ARCHIVE_READERS)
def document_image(request: HttpRequest, document_id: int, number: int) -> HttpResponse:
    """AR-3: the page as a PNG with the viewer and the time burned in; logged per request."""
    _no_download(request)
    document, archive = selectors.get_document_for_user(request.user, document_id)
    version = selectors.get_version(document, number)
    if not version.is_image:
        raise PermissionDenied(_("PDF 文件不能以图片方式查阅。"))
    stamp = files.watermark_text(
        viewer_label=request.user.get_username(),
        at_label=clock.localtime().strftime("%Y-%m-%d %H:%M"),
        grant_id=archive.grant.pk if archive.grant else None,
    )
    png = files.render_watermarked(files.read(version.storage_name), text=stamp)
    services.access_log_record(
        unit=document.unit,
        viewer=request.user,
        grant=archive.grant,
        action=AccessAction.VIEW,
        version=version,
    )
    return _inline(HttpResponse(png, content_type="image/png"))


@staff_required(access.ARCHIVE_DESK)
def document_pdf(request: HttpRequest, document_id: int, number: int) -> HttpResponse:
    """PDFs cannot be rasterised with a watermark in pure Python, so they are shown inline to
    the CS desk only (never under a grant); the view is logged like any other."""
    _no_download(request)
    document, archive = selectors.get_document_for_user(request.user, document_id)
    if not archive.by_desk:
        raise PermissionDenied(_("PDF 文件仅限客服中心人员查阅。"))
    version = selectors.get_version(document, number)
    if version.is_image:
        raise PermissionDenied()
    content = files.read(version.storage_name)
    services.access_log_record(
        unit=document.unit,
        viewer=request.user,
        grant=None,
        action=AccessAction.VIEW,
        version=version,
    )
    response = _inline(HttpResponse(content, content_type="application/pdf"))
    # The viewer page embeds the PDF in an iframe: allow framing by our own pages only.
    response["X-Frame-Options"] = "SAMEORIGIN"
    response._csp_replace = {"frame-ancestors": ["'self'"]}  # type: ignore[attr-defined]
    return response


# --- grants (AR-3) -----------------------------------------------------------------------


@staff_required(access.ARCHIVE_READERS)
def grants(request: HttpRequest) -> HttpResponse:
    is_desk = bool(roles.site_ids_with(request.user, access.ARCHIVE_DESK))
    return render(
        request,
        "archives/grants.html",
        {
            "queue": _page(request, selectors.grant_queue(request.user), "qpage")
            if is_desk
            else None,
            "mine": _page(request, selectors.grants_of_requester(request.user))
            if roles.site_ids_with(request.user, access.GRANT_REQUESTERS)
            else None,
            "now": clock.now(),
            "refuse_form": RefuseForm(),
        },
    )


@staff_required(access.GRANT_REQUESTERS)
@require_http_methods(["GET", "POST"])
def grant_request(request: HttpRequest, unit_id: int) -> HttpResponse:
    unit = selectors.get_unit_for_user(request.user, unit_id, access.GRANT_REQUESTERS)
    form = GrantRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.grant_request(
                unit=unit, purpose=form.cleaned_data["purpose"], actor=request.user
            )
        except DeskError as exc:
            _fail(request, exc, form)
        else:
            messages.success(request, _("已提交申请，请到客服中心由工作人员陪同开启查阅。"))
            return redirect("archives:grants")
    return render(request, "archives/grant_request.html", {"unit": unit, "form": form})


@staff_required(access.ARCHIVE_DESK)
@require_http_methods(["GET", "POST"])
def grant_open(request: HttpRequest, grant_id: int) -> HttpResponse:
    grant = selectors.get_grant_for_user(request.user, grant_id)
    if not roles.has_role(request.user, grant.site_id, access.ARCHIVE_DESK):
        raise PermissionDenied()
    companions = selectors.desk_staff(grant.site_id)
    form = GrantOpenForm(
        request.POST or None, companions=companions, initial={"companion": request.user.pk}
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.grant_open(
                grant=grant,
                companion=form.cleaned_data["companion"],
                minutes=form.cleaned_data["minutes"],
                actor=request.user,
            )
        except DeskError as exc:
            _fail(request, exc, form)
        else:
            messages.success(request, _("已开启陪同查阅时段。"))
            return redirect("archives:grants")
    return render(request, "archives/grant_open.html", {"grant": grant, "form": form})


@staff_required(access.ARCHIVE_DESK)
@require_POST
def grant_refuse(request: HttpRequest, grant_id: int) -> HttpResponse:
    grant = selectors.get_grant_for_user(request.user, grant_id)
    form = RefuseForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationFailed(_("请填写拒绝理由。"))
        services.grant_refuse(grant=grant, reason=form.cleaned_data["reason"], actor=request.user)
        messages.success(request, _("已拒绝该申请。"))
    except DeskError as exc:
        _fail(request, exc)
    return redirect("archives:grants")


@staff_required(access.ARCHIVE_READERS)
@require_POST
def grant_cancel(request: HttpRequest, grant_id: int) -> HttpResponse:
    grant = selectors.get_grant_for_user(request.user, grant_id)
    try:
        services.grant_cancel(grant=grant, actor=request.user)
        messages.success(request, _("申请已撤回。"))
    except DeskError as exc:
        _fail(request, exc)
    return redirect("archives:grants")


@staff_required(access.ARCHIVE_READERS)
@require_POST
def grant_close(request: HttpRequest, grant_id: int) -> HttpResponse:
    grant = selectors.get_grant_for_user(request.user, grant_id)
    try:
        services.grant_close(grant=grant, actor=request.user)
        messages.success(request, _("查阅已结束。"))
    except DeskError as exc:
        _fail(request, exc)
    return redirect("archives:grants")


@staff_required(access.ACCESS_LOG_READERS)
def access_log(request: HttpRequest) -> HttpResponse:
    unit_query = request.GET.get("unit", "")
    logs = _page(request, selectors.access_logs(request.user, unit_query=unit_query))
    return render(
        request,
        "archives/access_log.html",
        {"logs": logs, "unit_query": unit_query, "extra": urlencode({"unit": unit_query}) + "&"},
    )


# --- contact through the front desk (AR-3) -----------------------------------------------


@staff_required(access.CONTACT_REQUESTERS)
def contacts(request: HttpRequest) -> HttpResponse:
    is_handler = bool(roles.site_ids_with(request.user, access.CONTACT_HANDLERS))
    state = request.GET.get("state", ContactState.OPEN)
    if state not in ContactState.values:
        state = ContactState.OPEN
    queue = None
    if is_handler:
        queue = _page(
            request,
            selectors.contact_queue(request.user, state=state).prefetch_related("unit__residents"),
            "qpage",
        )
        for row in queue:
            may_see = roles.may_see_personal_data(request.user, row.site_id)
            row.phones = [
                (r.name, phone_for(r.phone, may_see=may_see))
                for r in ([row.resident] if row.resident else row.unit.residents.all())
            ]
    mine = _page(request, selectors.contact_requests_of(request.user))
    return render(
        request,
        "archives/contacts.html",
        {
            "queue": queue,
            "mine": mine,
            "state": state,
            "states": ContactState.choices,
            "extra": urlencode({"state": state}) + "&",
        },
    )


@staff_required(access.CONTACT_REQUESTERS)
@require_http_methods(["GET", "POST"])
def contact_new(request: HttpRequest) -> HttpResponse:
    sites = sites_for_user(request.user, access.CONTACT_REQUESTERS)
    form = ContactRequestForm(request.POST or None, sites=sites, initial=_unit_initial(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.contact_request_create(
                unit=form.cleaned_data["unit"],
                resident=None,
                reason=form.cleaned_data["reason"],
                actor=request.user,
            )
        except DeskError as exc:
            _fail(request, exc, form)
        else:
            messages.success(request, _("已转客服前台代为联系，结果会显示在此列表中。"))
            return redirect("archives:contacts")
    return render(request, "archives/contact_new.html", {"form": form})


def _unit_initial(request: HttpRequest) -> dict[str, Any]:
    unit_id = _int(request.GET.get("unit"))
    if unit_id is None:
        return {}
    try:
        unit = selectors.get_unit_for_user(request.user, unit_id, roles.ALL_STAFF)
    except DeskError:
        return {}
    return {"site": unit.site_id, "unit_label": unit.label}


@staff_required(access.CONTACT_HANDLERS)
@require_http_methods(["GET", "POST"])
def contact_log(request: HttpRequest, request_id: int) -> HttpResponse:
    contact = selectors.get_contact_request_for_handler(request.user, request_id)
    form = ContactLogForm(request.POST or None, initial={"expected_version": contact.version})
    if request.method == "POST" and form.is_valid():
        try:
            services.contact_request_log_call(
                request=contact,
                expected_version=form.cleaned_data["expected_version"],
                outcome=form.cleaned_data["outcome"],
                note=form.cleaned_data["note"],
                actor=request.user,
            )
        except DeskError as exc:
            _fail(request, exc, form)
        else:
            messages.success(request, _("联系结果已记录。"))
            return redirect("archives:contacts")
    may_see = roles.may_see_personal_data(request.user, contact.site_id)
    people = [contact.resident] if contact.resident else selectors.residents_of_unit(contact.unit)
    phones = [(r.name, phone_for(r.phone, may_see=may_see)) for r in people]
    return render(
        request, "archives/contact_log.html", {"contact": contact, "form": form, "phones": phones}
    )


# --- move-in (AR-4, AR-2) ----------------------------------------------------------------


@staff_required(access.MOVE_IN_DESK)
def move_ins(request: HttpRequest) -> HttpResponse:
    state = request.GET.get("state", "")
    rows = _page(request, selectors.move_ins(request.user, state=state))
    return render(
        request,
        "archives/move_ins.html",
        {"rows": rows, "state": state, "states": MoveInState.choices},
    )


@staff_required(access.MOVE_IN_DESK)
@require_http_methods(["GET", "POST"])
def move_in_start(request: HttpRequest, unit_id: int) -> HttpResponse:
    unit = selectors.get_unit_for_user(request.user, unit_id, access.MOVE_IN_DESK)
    form = MoveInStartForm(request.POST or None, residents=selectors.residents_of_unit(unit))
    if request.method == "POST" and form.is_valid():
        try:
            move_in = services.move_in_start(
                unit=unit,
                resident=form.cleaned_data["resident"],
                id_type=form.cleaned_data["id_type"],
                id_number=form.cleaned_data["id_number"],
                actor=request.user,
            )
        except DeskError as exc:
            _fail(request, exc, form)
        else:
            return redirect("archives:move_in", move_in_id=move_in.pk)
    return render(request, "archives/move_in_start.html", {"unit": unit, "form": form})


@staff_required(access.MOVE_IN_DESK)
@require_http_methods(["GET", "POST"])
def move_in_detail(request: HttpRequest, move_in_id: int) -> HttpResponse:
    move_in = selectors.get_move_in_for_user(request.user, move_in_id)
    form = MoveInUpdateForm(
        request.POST or None,
        initial={
            "expected_version": move_in.version,
            "id_type": move_in.id_type,
            "lease_checked": move_in.lease_checked,
            "registration_done": move_in.registration_done,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.move_in_update(
                move_in=move_in,
                expected_version=form.cleaned_data["expected_version"],
                id_type=form.cleaned_data["id_type"],
                id_number=form.cleaned_data["id_number"],
                lease_checked=form.cleaned_data["lease_checked"],
                registration_done=form.cleaned_data["registration_done"],
                actor=request.user,
            )
        except DeskError as exc:
            _fail(request, exc, form)
        else:
            messages.success(request, _("入伙资料已保存。"))
            return redirect("archives:move_in", move_in_id=move_in.pk)
    items = list(move_in.items.all())
    return render(
        request,
        "archives/move_in.html",
        {
            "move_in": move_in,
            "items": items,
            "form": form,
            "item_form": MoveInItemForm(),
            "missing": services.move_in_missing(move_in, items),
            "phone": phone_for(
                move_in.resident.phone,
                may_see=roles.may_see_personal_data(request.user, move_in.site_id),
            ),
        },
    )


@staff_required(access.MOVE_IN_DESK)
@require_POST
def move_in_item_add(request: HttpRequest, move_in_id: int) -> HttpResponse:
    move_in = selectors.get_move_in_for_user(request.user, move_in_id)
    form = MoveInItemForm(request.POST)
    if form.is_valid():
        try:
            services.move_in_item_add(move_in=move_in, actor=request.user, **form.cleaned_data)
            messages.success(request, _("已登记，请住户签收。"))
        except DeskError as exc:
            _fail(request, exc)
    else:
        messages.error(request, _("物品信息有误：请填写类别、物品和 1-99 的数量。"))
    return redirect("archives:move_in", move_in_id=move_in.pk)


@staff_required(access.MOVE_IN_DESK)
@require_http_methods(["GET", "POST"])
def move_in_item_sign(request: HttpRequest, move_in_id: int, item_id: int) -> HttpResponse:
    move_in = selectors.get_move_in_for_user(request.user, move_in_id)
    item = next((i for i in move_in.items.all() if i.pk == item_id), None)
    if item is None:
        raise NotFound()
    form = SignatureForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.move_in_item_confirm(
                item=item,
                method=form.cleaned_data["method"],
                typed_text=form.cleaned_data["typed_text"],
                drawn=form.cleaned_data["drawn"],
                actor=request.user,
            )
        except DeskError as exc:
            _fail(request, exc, form)
        else:
            messages.success(request, _("住户已签收：%(item)s。") % {"item": item.description})
            return redirect("archives:move_in", move_in_id=move_in.pk)
    return render(
        request,
        "archives/sign.html",
        {
            "form": form,
            "signer": move_in.resident.name,
            "title": _("住户签收：%(item)s") % {"item": item.description},
            "back": reverse("archives:move_in", args=[move_in.pk]),
            "typed": SignatureMethod.TYPED,
        },
    )


@staff_required(access.MOVE_IN_DESK)
@require_POST
def move_in_complete(request: HttpRequest, move_in_id: int) -> HttpResponse:
    move_in = selectors.get_move_in_for_user(request.user, move_in_id)
    try:
        services.move_in_complete(
            move_in=move_in,
            expected_version=_int(request.POST.get("expected_version")) or 0,
            actor=request.user,
        )
        messages.success(request, _("入伙手续已完成。"))
    except DeskError as exc:
        _fail(request, exc)
    return redirect("archives:move_in", move_in_id=move_in.pk)


@staff_required(access.KEY_KEEPERS)
def signature_image(request: HttpRequest, signature_id: int) -> HttpResponse:
    _no_download(request)
    signature = selectors.get_signature_for_user(request.user, signature_id)
    return _inline(HttpResponse(files.read(signature.image_name), content_type="image/png"))


# --- keys (AR-5) -------------------------------------------------------------------------


@staff_required(access.KEY_VIEWERS)
def keys(request: HttpRequest) -> HttpResponse:
    state = request.GET.get("state", "")
    overdue = request.GET.get("overdue") == "1"
    rows = _page(request, selectors.key_register(request.user, state=state, overdue_only=overdue))
    now = clock.now()
    for key in rows:
        key.loan = selectors.open_loan(key)
        key.overdue = key.loan is not None and key.loan.is_overdue_at(now)
    return render(
        request,
        "archives/keys.html",
        {
            "rows": rows,
            "state": state,
            "overdue": overdue,
            "states": KeyState.choices,
            "can_keep": bool(roles.site_ids_with(request.user, access.KEY_KEEPERS)),
        },
    )


@staff_required(access.KEY_KEEPERS)
@require_http_methods(["GET", "POST"])
def key_new(request: HttpRequest) -> HttpResponse:
    sites = sites_for_user(request.user, access.KEY_KEEPERS)
    form = KeyForm(request.POST or None, sites=sites, initial=_unit_initial(request))
    if request.method == "POST" and form.is_valid():
        try:
            key = services.key_register(
                unit=form.cleaned_data["unit"],
                tag=form.cleaned_data["tag"],
                label=form.cleaned_data["label"],
                copies=form.cleaned_data["copies"],
                actor=request.user,
            )
        except DeskError as exc:
            _fail(request, exc, form)
        else:
            messages.success(request, _("钥匙 %(tag)s 已登记。") % {"tag": key.tag})
            return redirect("archives:keys")
    return render(request, "archives/key_new.html", {"form": form})


@staff_required(access.KEY_KEEPERS)
@require_http_methods(["GET", "POST"])
def key_lend(request: HttpRequest, key_id: int) -> HttpResponse:
    key = selectors.get_key_for_user(request.user, key_id, access.KEY_KEEPERS)
    form = LendForm(
        request.POST or None,
        staff=selectors.site_staff(key.site_id),
        initial={"expected_version": key.version},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.key_lend(
                key=key,
                expected_version=data["expected_version"],
                borrower_name=data["borrower_name"],
                borrower_user=data["borrower_user"],
                borrower_org=data["borrower_org"],
                purpose=data["purpose"],
                due_at=data["due_at"],
                actor=request.user,
            )
        except DeskError as exc:
            _fail(request, exc, form)
        else:
            messages.success(request, _("钥匙 %(tag)s 已借出。") % {"tag": key.tag})
            return redirect("archives:keys")
    return render(request, "archives/key_lend.html", {"key": key, "form": form})


@staff_required(access.KEY_KEEPERS)
@require_http_methods(["GET", "POST"])
def key_return(request: HttpRequest, key_id: int) -> HttpResponse:
    key = selectors.get_key_for_user(request.user, key_id, access.KEY_KEEPERS)
    loan = selectors.open_loan(key)
    form = ReturnForm(request.POST or None, initial={"expected_version": key.version})
    if request.method == "POST" and form.is_valid():
        try:
            services.key_return(
                key=key,
                expected_version=form.cleaned_data["expected_version"],
                note=form.cleaned_data["note"],
                actor=request.user,
            )
        except DeskError as exc:
            _fail(request, exc, form)
        else:
            messages.success(request, _("钥匙 %(tag)s 已归还。") % {"tag": key.tag})
            return redirect("archives:keys")
    return render(
        request,
        "archives/key_return.html",
        {"key": key, "loan": loan, "form": form, "now": clock.now()},
    )


@staff_required(access.KEY_KEEPERS)
@require_http_methods(["GET", "POST"])
def key_hand_over(request: HttpRequest, key_id: int) -> HttpResponse:
    key = selectors.get_key_for_user(request.user, key_id, access.KEY_KEEPERS)
    form = HandOverForm(
        request.POST or None,
        owners=selectors.owners_of_unit(key.unit_id),
        initial={"expected_version": key.version, "method": SignatureMethod.DRAWN},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.key_hand_over(
                key=key,
                expected_version=data["expected_version"],
                resident=data["resident"],
                formalities_ref=data["formalities_ref"],
                method=data["method"],
                typed_text=data["typed_text"],
                drawn=data["drawn"],
                actor=request.user,
            )
        except DeskError as exc:
            _fail(request, exc, form)
        else:
            messages.success(request, _("钥匙 %(tag)s 已移交业主。") % {"tag": key.tag})
            return redirect("archives:keys")
    return render(
        request,
        "archives/key_hand_over.html",
        {"key": key, "form": form, "typed": SignatureMethod.TYPED},
    )


@staff_required(access.KEY_VIEWERS)
def key_record(request: HttpRequest) -> HttpResponse:
    """AR-5: the printable 《钥匙出借记录表》 for one site and a date range."""
    sites = sites_for_user(request.user, access.KEY_VIEWERS)
    today = clock.today()
    data = request.GET if "start" in request.GET else None
    form = RecordRangeForm(
        data,
        sites=sites,
        initial={"site": sites.first(), "start": today.replace(day=1), "end": today},
    )
    site = sites.first()
    start, end = today.replace(day=1), today
    if form.is_bound and form.is_valid():
        site, start, end = (form.cleaned_data[k] for k in ("site", "start", "end"))
    loans: list[Any] = []
    if site is not None:
        zone = clock.local_zone()
        loans = list(
            selectors.loan_record(
                request.user,
                site_id=site.pk,
                start=dt.datetime.combine(start, dt.time.min, tzinfo=zone),
                end=dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=zone),
            )
        )
    return render(
        request,
        "archives/key_record.html",
        {"form": form, "site": site, "start": start, "end": end, "loans": loans},
    )
