"""Issue #16 item 6: the Aliyun SMS adapter against a local fake of dysmsapi — a real HTTP server on
localhost that checks each request's signature as Aliyun documents it (written here again, apart
from the adapter's code, as the answer key) and answers with Aliyun's codes.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import re
import threading
import urllib.parse
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from django.utils import timezone

from beneficiaries.models import TextMessage, TextMessageStatus
from beneficiaries.texting import text_message_send, text_receipts_poll, text_send_now
from core.sms import SmsPermanentError, SmsTemporaryError
from core.sms_aliyun import AliyunSMSBackend
from tests.factories import make_person

pytestmark = [pytest.mark.serial]

KEY_ID, SECRET = "LTAI-test-key", "test-secret/with+odd*chars"
UNRESERVED = re.compile(r"[A-Za-z0-9\-_.~]")


def _enc(text: str) -> str:
    """RFC 3986 as Aliyun's 签名机制 page spells it: UTF-8, unreserved kept, the rest %XY upper case."""
    return "".join(ch if UNRESERVED.fullmatch(ch) else "".join(f"%{b:02X}" for b in ch.encode()) for ch in text)


def _expected_signature(method: str, params: dict[str, str], secret: str) -> str:
    canonical = "&".join(f"{_enc(k)}={_enc(v)}" for k, v in sorted(params.items()))
    to_sign = f"{method}&{_enc('/')}&{_enc(canonical)}"
    return base64.b64encode(hmac.new(f"{secret}&".encode(), to_sign.encode(), hashlib.sha1).digest()).decode()


class FakeDysms:
    """Scripted answers per action; every request is recorded and its signature checked."""

    def __init__(self) -> None:
        self.requests: list[dict[str, str]] = []
        self.script: dict[str, list[tuple[int, dict[str, Any]]]] = {"SendSms": [], "QuerySendDetails": []}
        self.nonces: set[str] = set()

    def answer(self, params: dict[str, str]) -> tuple[int, dict[str, Any]]:
        signature = params.pop("Signature", "")
        if signature != _expected_signature("POST", params, SECRET):
            return 400, {"Code": "SignatureDoesNotMatch", "Message": "Specified signature is not matched"}
        common = {
            "AccessKeyId": KEY_ID,
            "Format": "JSON",
            "SignatureMethod": "HMAC-SHA1",
            "SignatureVersion": "1.0",
            "Version": "2017-05-25",
            "RegionId": "cn-hangzhou",
        }
        if any(params.get(k) != v for k, v in common.items()):
            return 400, {"Code": "MissingParameter", "Message": "common parameter wrong"}
        if not re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", params.get("Timestamp", "")):
            return 400, {"Code": "InvalidTimeStamp.Format", "Message": "bad timestamp"}
        if params["SignatureNonce"] in self.nonces:
            return 400, {"Code": "SignatureNonceUsed", "Message": "nonce used"}
        self.nonces.add(params["SignatureNonce"])
        self.requests.append(params)
        queue = self.script.get(params.get("Action", ""), [])
        if queue:
            return queue.pop(0)
        return 200, {"Code": "OK", "Message": "OK", "RequestId": "R1", "BizId": f"biz-{len(self.requests)}"}


@pytest.fixture
def fake() -> Iterator[tuple[FakeDysms, str]]:
    state = FakeDysms()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            params = dict(urllib.parse.parse_qsl(self.rfile.read(length).decode(), keep_blank_values=True))
            status, body = state.answer(params)
            raw = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state, f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


@pytest.fixture
def aliyun(settings: Any, fake: tuple[FakeDysms, str]) -> FakeDysms:
    state, url = fake
    settings.SMS_BACKEND = "core.sms_aliyun.AliyunSMSBackend"
    settings.SMS_ALIYUN_ACCESS_KEY_ID = KEY_ID
    settings.SMS_ALIYUN_ACCESS_KEY_SECRET = SECRET
    settings.SMS_ALIYUN_ENDPOINT = url
    settings.SMS_SIGN_NAME = "延川县民政局"
    settings.SMS_TIMEOUT_SECONDS = 2
    settings.SMS_TEMPLATES = {
        "application_received": {"code": "SMS_460001", "params": ["reference", "hours"]},
        "staff_notice": {"code": "SMS_460009", "params": ["title"]},
    }
    return state


def _queued(world: Any) -> TextMessage:
    person = make_person(world.our_village)
    return TextMessage.objects.create(
        phone="13912345678",
        phone_masked="139****5678",
        template="application_received",
        params={"reference": "SQ20261207000001", "hours": "72"},
        text="您的申请已受理",
        person=person,
    )


def test_a_send_is_signed_as_aliyun_documents_and_carries_the_template(aliyun: FakeDysms, db: None) -> None:
    biz_id = AliyunSMSBackend().send(
        phone="13912345678", template="application_received", params={"reference": "SQ1 *~", "hours": "72"}
    )
    assert biz_id == "biz-1"
    sent = aliyun.requests[0]
    assert (sent["Action"], sent["PhoneNumbers"], sent["SignName"], sent["TemplateCode"]) == (
        "SendSms",
        "13912345678",
        "延川县民政局",
        "SMS_460001",
    )
    assert json.loads(sent["TemplateParam"]) == {"reference": "SQ1 *~", "hours": "72"}


def test_a_wrong_secret_is_refused_by_the_provider_and_not_retried(aliyun: FakeDysms, settings: Any, db: None) -> None:
    settings.SMS_ALIYUN_ACCESS_KEY_SECRET = "wrong"
    with pytest.raises(SmsPermanentError) as refused:
        AliyunSMSBackend().send(
            phone="13912345678", template="application_received", params={"reference": "x", "hours": "1"}
        )
    assert refused.value.code == "SignatureDoesNotMatch" and "SMS_ALIYUN_ACCESS_KEY_SECRET" in refused.value.meaning


def test_throttling_is_retried_with_backoff_then_sent(
    aliyun: FakeDysms, world: Any, caplog: pytest.LogCaptureFixture
) -> None:
    aliyun.script["SendSms"].append((400, {"Code": "isv.BUSINESS_LIMIT_CONTROL", "Message": "触发分钟级流控"}))
    message = _queued(world)
    now = timezone.now()
    with caplog.at_level(logging.WARNING, logger="beneficiaries.texting"):
        assert text_message_send(message_id=message.pk, now=now) == "retry"
    message.refresh_from_db()
    assert (message.status, message.error_code, message.attempts) == ("queued", "isv.BUSINESS_LIMIT_CONTROL", 1)
    assert message.next_attempt_at is not None and message.next_attempt_at > now
    assert "throttles this number" in caplog.text and "13912345678" not in caplog.text
    assert text_message_send(message_id=message.pk, now=now) == "skipped"  # not due yet
    assert text_message_send(message_id=message.pk, now=now + timedelta(hours=1)) == "sent"
    message.refresh_from_db()
    assert (message.status, message.provider_id, message.attempts) == ("sent", "biz-2", 2)


def test_a_wrong_number_fails_at_once_with_a_clear_log_line(
    aliyun: FakeDysms, world: Any, caplog: pytest.LogCaptureFixture
) -> None:
    aliyun.script["SendSms"].append((200, {"Code": "isv.MOBILE_NUMBER_ILLEGAL", "Message": "非法手机号"}))
    message = _queued(world)
    with caplog.at_level(logging.ERROR, logger="beneficiaries.texting"):
        assert text_message_send(message_id=message.pk) == "failed"
    message.refresh_from_db()
    assert (message.status, message.error_code) == ("failed", "isv.MOBILE_NUMBER_ILLEGAL")
    assert "isv.MOBILE_NUMBER_ILLEGAL — the phone number is not a valid mainland mobile number" in caplog.text


def test_retries_stop_at_the_limit(aliyun: FakeDysms, world: Any, settings: Any) -> None:
    settings.SMS_MAX_ATTEMPTS = 2
    aliyun.script["SendSms"].extend([(503, {"Code": "isp.SYSTEM_ERROR", "Message": "busy"})] * 2)
    message = _queued(world)
    later = timezone.now()
    assert text_message_send(message_id=message.pk, now=later) == "retry"
    assert text_message_send(message_id=message.pk, now=later + timedelta(hours=1)) == "failed"
    message.refresh_from_db()
    assert (message.status, message.attempts, message.error_code) == ("failed", 2, "isp.SYSTEM_ERROR")


def test_an_unreachable_provider_is_a_transport_error_to_retry(settings: Any, world: Any, aliyun: FakeDysms) -> None:
    settings.SMS_ALIYUN_ENDPOINT = "http://127.0.0.1:9/"  # discard port: nothing listens
    with pytest.raises(SmsTemporaryError) as down:
        AliyunSMSBackend().send(
            phone="13912345678", template="application_received", params={"reference": "x", "hours": "1"}
        )
    assert down.value.code == "transport"


def test_a_template_without_a_configured_code_fails_for_good(aliyun: FakeDysms, world: Any) -> None:
    message = _queued(world)
    TextMessage.objects.filter(pk=message.pk).update(template="referral_accepted")
    assert text_message_send(message_id=message.pk) == "failed"
    assert TextMessage.objects.get(pk=message.pk).error_code == "template_not_configured"
    assert aliyun.requests == []


def test_delivery_receipts_are_polled_and_recorded_per_message(aliyun: FakeDysms, world: Any) -> None:
    delivered, undelivered, waiting = (_queued(world) for _ in range(3))
    for message in (delivered, undelivered, waiting):
        assert text_message_send(message_id=message.pk) == "sent"
    aliyun.script["QuerySendDetails"] = [
        (200, {"Code": "OK", "SmsSendDetailDTOs": {"SmsSendDetailDTO": [
            {"SendStatus": 3, "ErrCode": "DELIVERED", "ReceiveDate": "2026-12-07 10:00:05"}]}}),
        (200, {"Code": "OK", "SmsSendDetailDTOs": {"SmsSendDetailDTO": [
            {"SendStatus": 2, "ErrCode": "MK:0001", "ReceiveDate": "2026-12-07 10:00:09"}]}}),
        (200, {"Code": "OK", "SmsSendDetailDTOs": {"SmsSendDetailDTO": [{"SendStatus": 1, "ErrCode": ""}]}}),
    ]  # fmt: skip
    assert text_receipts_poll() == 2
    statuses = dict(TextMessage.objects.values_list("pk", "status"))
    assert statuses == {
        delivered.pk: TextMessageStatus.DELIVERED,
        undelivered.pk: TextMessageStatus.UNDELIVERED,
        waiting.pk: TextMessageStatus.SENT,
    }
    query = aliyun.requests[-3]
    assert query["Action"] == "QuerySendDetails" and query["BizId"] == "biz-1" and len(query["SendDate"]) == 8
    assert TextMessage.objects.get(pk=undelivered.pk).error_code == "MK:0001"


def test_a_staff_notification_goes_through_the_approved_staff_template(aliyun: FakeDysms, db: None) -> None:
    message = text_send_now(
        phone="13700001111", template="staff_notice", params={"title": "紧急需求 12"}, text="紧急需求 12"
    )
    assert message.status == "sending" or TextMessage.objects.get(pk=message.pk).status == "sent"
    assert aliyun.requests[0]["TemplateCode"] == "SMS_460009"
    assert json.loads(aliyun.requests[0]["TemplateParam"]) == {"title": "紧急需求 12"}
