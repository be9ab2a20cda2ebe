"""Channel adapters against local stand-ins: the WeCom robot and the SMS providers' APIs on a
local HTTP server, the SDK request objects checked field by field. No outside network."""

from __future__ import annotations

import json
from typing import Any

import pytest

from estatedesk.core import clock
from estatedesk.notify import conf, jobs
from estatedesk.notify.channels import DeliveryError, aliyun, sms, tencent, wecom
from estatedesk.notify.enums import Channel, State
from estatedesk.notify.models import Notification
from estatedesk.notify.services import notification_send
from estatedesk.org.enums import Role


@pytest.fixture
def aliyun_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NOTIFY_SMS_PROVIDER", "aliyun")
    monkeypatch.setenv("NOTIFY_SMS_SIGN_NAME", "示例物业")
    monkeypatch.setenv("NOTIFY_SMS_TEMPLATE_CODE", "SMS_465000001")
    monkeypatch.setenv("NOTIFY_ALIYUN_ACCESS_KEY_ID", "test-key-id")
    monkeypatch.setenv("NOTIFY_ALIYUN_ACCESS_KEY_SECRET", "test-key-secret")


@pytest.fixture
def tencent_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NOTIFY_SMS_PROVIDER", "tencent")
    monkeypatch.setenv("NOTIFY_SMS_SIGN_NAME", "示例物业")
    monkeypatch.setenv("NOTIFY_SMS_TEMPLATE_CODE", "1234567")
    monkeypatch.setenv("NOTIFY_TENCENT_SECRET_ID", "test-secret-id")
    monkeypatch.setenv("NOTIFY_TENCENT_SECRET_KEY", "test-secret-key")
    monkeypatch.setenv("NOTIFY_TENCENT_SMS_APP_ID", "1400000001")


def progress_sms(site: Any, phone: str = "13800138000", body: str = "") -> Notification:
    return notification_send(
        site=site,
        topic="ticket.progress",
        title="您的报修BS2603020001已派工",
        body=body or "维修师傅将于今天16:00前上门，如有疑问请致电服务中心。",
        phone=phone,
    )[0]


@pytest.mark.django_db
def test_wecom_robot_receives_text_mentioning_the_staff_phone(
    site: Any, make_staff: Any, http_server: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NOTIFY_WECOM_WEBHOOK", f"{http_server.url}/cgi-bin/webhook/send?key=abc")
    staff = make_staff(site, Role.DEPT_STAFF)
    from estatedesk.notify.models import NotificationPreference

    NotificationPreference.objects.create(user=staff, phone="13900001111", wecom_enabled=True)
    rows = notification_send(
        site=site,
        topic="clock.breached",
        title="工单 BS2603020001 响应已超时",
        body="24小时响应时限已过（RQ-6）。",
        url="/tickets/1/",
        user=staff,
    )
    assert [r.channel for r in rows] == [Channel.INAPP, Channel.WECOM]
    assert jobs.deliver(now=clock.now()) == 2
    [received] = http_server.requests
    assert received.path == "/cgi-bin/webhook/send"
    assert received.query == {"key": ["abc"]}
    assert received.headers["content-type"] == "application/json; charset=utf-8"
    assert received.json() == {
        "msgtype": "text",
        "text": {
            "content": "工单 BS2603020001 响应已超时\n24小时响应时限已过（RQ-6）。\n"
            "http://127.0.0.1:8000/tickets/1/",
            "mentioned_mobile_list": ["13900001111"],
        },
    }
    assert set(Notification.objects.values_list("state", flat=True)) == {State.SENT}


@pytest.mark.django_db
def test_wecom_error_code_fails_the_delivery(
    site: Any, http_server: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NOTIFY_WECOM_WEBHOOK", f"{http_server.url}/send?key=bad")
    http_server.reply = lambda _r: (200, {"errcode": 93000, "errmsg": "invalid webhook url"})
    notification_send(
        site=site, topic="t", title="测试", body="", phone="13800138000", channels=["wecom"]
    )
    assert jobs.deliver(now=clock.now()) == 1
    row = Notification.objects.get()
    assert row.state == State.FAILED
    assert row.last_error == "DeliveryError: WeCom refused: 93000 invalid webhook url"


@pytest.mark.django_db
def test_wecom_without_webhook_fails_visibly(site: Any) -> None:
    row = notification_send(
        site=site, topic="t", title="测试", body="", phone="13800138000", channels=["wecom"]
    )[0]
    with pytest.raises(DeliveryError, match="NOTIFY_WECOM_WEBHOOK is not configured"):
        wecom.send(row)


@pytest.mark.django_db
def test_aliyun_request_carries_phone_sign_template_and_params_rq9(
    site: Any, aliyun_env: None
) -> None:
    """RQ-9: the resident's progress SMS as Alibaba Cloud's SendSms request."""
    row = progress_sms(site, phone="+86 138-0013-8000")
    request = aliyun.build_request(row, conf.get())
    assert request.phone_numbers == "13800138000"
    assert request.sign_name == "示例物业"
    assert request.template_code == "SMS_465000001"
    assert json.loads(request.template_param) == {
        "title": "您的报修BS2603020001已派工",
        "content": "维修师傅将于今天16:00前上门，如有疑问请致电服务中心。",
    }
    assert request.out_id == str(row.pk)


@pytest.mark.django_db
def test_sms_params_are_cut_to_the_provider_limit(site: Any, aliyun_env: None) -> None:
    row = progress_sms(site, body="很长的内容" * 20)
    params = json.loads(aliyun.build_request(row, conf.get()).template_param)
    assert params["content"] == ("很长的内容" * 7)[:34] + "…"
    assert len(params["content"]) == 35


def _page_sms(site: Any) -> Notification:
    link = "https://desk.example.cn/e/ack/" + "k" * 60 + "/"
    return notification_send(
        site=site,
        topic="emergency.page",
        title="紧急事件：5栋电梯困人",
        body=f"请立即处理，10 分钟内无人确认将呼叫下一级。 确认收到：{link}",
        url=link,
        phone="13800138000",
        channels=["sms"],
    )[0]


@pytest.mark.django_db
def test_acknowledgement_link_travels_whole_in_the_link_template_em2(
    site: Any, aliyun_env: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """EM-2: the page's acknowledgement link is not cut to the variable limit: it goes as the
    link template's own variable; without that template the plain one is used."""
    row = _page_sms(site)
    plain = aliyun.build_request(row, conf.get())
    assert plain.template_code == "SMS_465000001"
    assert set(json.loads(plain.template_param)) == {"title", "content"}
    monkeypatch.setenv("NOTIFY_SMS_LINK_TEMPLATE_CODE", "SMS_465000002")
    request = aliyun.build_request(row, conf.get())
    assert request.template_code == "SMS_465000002"
    assert json.loads(request.template_param) == {
        "title": "紧急事件：5栋电梯困人",
        "content": "请立即处理，10 分钟内无人确认将呼叫下一级。 确认收到",
        "link": row.url,
    }


@pytest.mark.django_db
def test_tencent_link_template_gets_the_link_as_its_third_variable_em2(
    site: Any, tencent_env: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NOTIFY_SMS_LINK_TEMPLATE_CODE", "7654321")
    row = _page_sms(site)
    request = tencent.build_request(row, conf.get())
    assert (request.TemplateId, request.TemplateParamSet[2]) == ("7654321", row.url)


@pytest.mark.django_db
def test_aliyun_send_posts_to_the_endpoint_and_accepts_ok(
    site: Any, aliyun_env: None, http_server: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NOTIFY_ALIYUN_ENDPOINT", http_server.url)
    http_server.reply = lambda _r: (
        200,
        {"Code": "OK", "Message": "OK", "BizId": "900619746936498440^0", "RequestId": "R1"},
    )
    progress_sms(site)
    assert jobs.deliver(now=clock.now()) == 1
    [received] = http_server.requests
    assert received.headers["x-acs-action"] == "SendSms"
    assert received.headers["authorization"].startswith("ACS3-HMAC-SHA256 Credential=test-key-id,")
    assert received.query["PhoneNumbers"] == ["13800138000"]
    assert received.query["SignName"] == ["示例物业"]
    assert received.query["TemplateCode"] == ["SMS_465000001"]
    assert json.loads(received.query["TemplateParam"][0])["title"] == "您的报修BS2603020001已派工"
    assert Notification.objects.get().state == State.SENT


@pytest.mark.django_db
def test_aliyun_refusal_is_a_failed_attempt(
    site: Any, aliyun_env: None, http_server: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NOTIFY_ALIYUN_ENDPOINT", http_server.url)
    http_server.reply = lambda _r: (
        200,
        {"Code": "isv.BUSINESS_LIMIT_CONTROL", "Message": "触发流控", "RequestId": "R2"},
    )
    progress_sms(site)
    jobs.deliver(now=clock.now())
    row = Notification.objects.get()
    assert row.state == State.FAILED
    assert (
        row.last_error == "DeliveryError: Aliyun SMS refused: isv.BUSINESS_LIMIT_CONTROL 触发流控"
    )


@pytest.mark.django_db
def test_tencent_request_carries_phone_sign_template_and_params_rq9(
    site: Any, tencent_env: None
) -> None:
    """RQ-9: the resident's progress SMS as Tencent Cloud's SendSms request."""
    row = progress_sms(site)
    request = tencent.build_request(row, conf.get())
    assert request.PhoneNumberSet == ["+8613800138000"]
    assert request.SmsSdkAppId == "1400000001"
    assert request.SignName == "示例物业"
    assert request.TemplateId == "1234567"
    assert request.TemplateParamSet == [
        "您的报修BS2603020001已派工",
        "维修师傅将于今天16:00前上门，如有疑问请致电服务中心。",
    ]
    assert request.SessionContext == str(row.pk)


@pytest.mark.django_db
def test_tencent_send_posts_to_the_endpoint_and_accepts_ok(
    site: Any, tencent_env: None, http_server: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NOTIFY_TENCENT_ENDPOINT", http_server.url)
    http_server.reply = lambda _r: (
        200,
        {
            "Response": {
                "SendStatusSet": [
                    {
                        "SerialNo": "2640:1",
                        "PhoneNumber": "+8613800138000",
                        "Fee": 1,
                        "SessionContext": "",
                        "Code": "Ok",
                        "Message": "send success",
                        "IsoCode": "CN",
                    }
                ],
                "RequestId": "R3",
            }
        },
    )
    progress_sms(site)
    assert jobs.deliver(now=clock.now()) == 1
    [received] = http_server.requests
    assert received.headers["x-tc-action"] == "SendSms"
    body = received.json()
    assert body["PhoneNumberSet"] == ["+8613800138000"]
    assert body["TemplateId"] == "1234567"
    assert Notification.objects.get().state == State.SENT


@pytest.mark.django_db
def test_sms_provider_missing_settings_fail_with_the_variable_name(
    site: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NOTIFY_SMS_PROVIDER", "aliyun")
    progress_sms(site)
    jobs.deliver(now=clock.now())
    row = Notification.objects.get()
    assert row.state == State.FAILED
    assert row.last_error == "DeliveryError: NOTIFY_SMS_SIGN_NAME is not configured"


@pytest.mark.django_db
def test_console_sms_is_the_default_and_logs(site: Any, caplog: Any) -> None:
    progress_sms(site)
    with caplog.at_level("INFO", logger="estatedesk.notify.console"):
        assert jobs.deliver(now=clock.now()) == 1
    assert Notification.objects.get().state == State.SENT
    assert "您的报修BS2603020001已派工" in caplog.text
    assert "phone:13800138000" in caplog.text


@pytest.mark.parametrize(
    ("raw", "digits", "e164"),
    [
        ("13800138000", "13800138000", "+8613800138000"),
        ("+86 138-0013-8000", "13800138000", "+8613800138000"),
        ("008613800138000", "13800138000", "+8613800138000"),
        ("+85291234567", "85291234567", "+85291234567"),
    ],
)
def test_phone_formats(raw: str, digits: str, e164: str) -> None:
    assert sms.mainland_digits(raw) == digits
    assert tencent.e164(raw) == e164
