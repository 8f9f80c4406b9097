"""阿里云短信服务 (dysmsapi, API version 2017-05-25) as an SMS backend: ``SendSms`` to send,
``QuerySendDetails`` for the delivery receipts.

Requests are RPC-style and signed as Aliyun documents ("签名机制", signature version 1.0):

1. every parameter but ``Signature`` (the common ones — AccessKeyId, Action, Format, RegionId,
   SignatureMethod=HMAC-SHA1, SignatureNonce, SignatureVersion=1.0, Timestamp in UTC
   ``YYYY-MM-DDThh:mm:ssZ``, Version — and the action's own) is sorted by name;
2. names and values are percent-encoded per RFC 3986 (UTF-8; unreserved ``A-Z a-z 0-9 - _ . ~``
   kept, everything else ``%XY`` in upper case: a space is ``%20``, ``*`` is ``%2A``, ``~`` stays)
   and joined as ``name=value`` with ``&`` — the canonicalized query string;
3. ``StringToSign = HTTPMethod + "&" + percentEncode("/") + "&" + percentEncode(canonicalized)``;
4. ``Signature = Base64(HMAC-SHA1(key = AccessKeySecret + "&", StringToSign))``, added as a parameter.

Settings: ``SMS_ALIYUN_ACCESS_KEY_ID``, ``SMS_ALIYUN_ACCESS_KEY_SECRET``, ``SMS_SIGN_NAME`` (the
approved signature, e.g. 延川县民政局), ``SMS_TEMPLATES`` (template codes), ``SMS_ALIYUN_ENDPOINT``
(default ``https://dysmsapi.aliyuncs.com/``; the tests point it at a local fake), ``SMS_TIMEOUT_SECONDS``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import urllib.error
import urllib.parse
import urllib.request
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from core.sms import Receipt, SmsPermanentError, SmsTemporaryError, mask_phone_for_log, template_code

logger = logging.getLogger("core.sms")

API_VERSION = "2017-05-25"

# Aliyun's error codes, what each means for whoever reads the log, and whether a retry can help.
# (https://help.aliyun.com/document_detail/101346.html, 短信服务错误码)
TEMPORARY_CODES: dict[str, str] = {
    "isv.BUSINESS_LIMIT_CONTROL": "the provider throttles this number (too many messages a minute/hour)",
    "Throttling.User": "the provider throttles this account (too many requests)",
    "Throttling": "the provider throttles requests",
    "isp.SYSTEM_ERROR": "the provider's system had an error",
    "isp.RAM_PERMISSION_DENY": "the provider refused for now (RAM permission check unavailable)",
    "ServiceUnavailable": "the provider is unavailable",
    "InternalError": "the provider had an internal error",
}
PERMANENT_CODES: dict[str, str] = {
    "isv.MOBILE_NUMBER_ILLEGAL": "the phone number is not a valid mainland mobile number",
    "isv.MOBILE_COUNT_OVER_LIMIT": "too many phone numbers in one request",
    "isv.SMS_SIGNATURE_ILLEGAL": "the signature name (SMS_SIGN_NAME) is not approved for this account",
    "isv.SMS_SIGN_ILLEGAL": "the signature name (SMS_SIGN_NAME) is not approved for this account",
    "isv.SMS_TEMPLATE_ILLEGAL": "the template code (SMS_TEMPLATES) is not approved for this account",
    "isv.TEMPLATE_MISSING_PARAMETERS": "the template needs a parameter the message did not give",
    "isv.INVALID_PARAMETERS": "a parameter was refused as invalid",
    "isv.PARAM_LENGTH_LIMIT": "a template parameter is longer than the provider allows",
    "isv.AMOUNT_NOT_ENOUGH": "the account's balance is used up: top it up",
    "isv.OUT_OF_SERVICE": "the account is suspended (arrears)",
    "isv.BLACK_KEY_CONTROL_LIMIT": "the text contains a word the provider blocks",
    "isv.DAY_LIMIT_CONTROL": "this number reached the provider's daily limit",
    "isv.ACCOUNT_NOT_EXISTS": "the account does not exist",
    "isv.ACCOUNT_ABNORMAL": "the account is abnormal",
    "SignatureDoesNotMatch": "the request signature was refused: check SMS_ALIYUN_ACCESS_KEY_SECRET",
    "InvalidAccessKeyId.NotFound": "the AccessKey ID (SMS_ALIYUN_ACCESS_KEY_ID) is unknown",
    "InvalidAccessKeyId.Inactive": "the AccessKey ID (SMS_ALIYUN_ACCESS_KEY_ID) is disabled",
    "SignatureNonceUsed": "the request nonce was used before",
    "InvalidTimeStamp.Expired": "the request timestamp is too far from the provider's clock: check the server time",
    "MissingParameter": "a required parameter is missing",
}

# QuerySendDetails' SendStatus: 1 waiting for the phone's receipt, 2 failed, 3 delivered.
SEND_STATUS_WAITING, SEND_STATUS_FAILED, SEND_STATUS_DELIVERED = 1, 2, 3


def percent_encode(value: str) -> str:
    """RFC 3986 encoding as Aliyun's signature requires (``quote`` keeps only the unreserved set)."""
    return urllib.parse.quote(str(value).encode("utf-8"), safe="-_.~")


def canonicalized_query(params: dict[str, str]) -> str:
    return "&".join(f"{percent_encode(name)}={percent_encode(params[name])}" for name in sorted(params))


def string_to_sign(method: str, params: dict[str, str]) -> str:
    return f"{method}&{percent_encode('/')}&{percent_encode(canonicalized_query(params))}"


def signature(method: str, params: dict[str, str], secret: str) -> str:
    digest = hmac.new(f"{secret}&".encode(), string_to_sign(method, params).encode("utf-8"), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def _setting(name: str) -> str:
    value = str(getattr(settings, name, "") or "")
    if not value:
        raise ImproperlyConfigured(f"{name} must be set to send text messages through Aliyun")
    return value


class AliyunSMSBackend:
    method = "POST"

    def __init__(self) -> None:
        self.access_key_id = _setting("SMS_ALIYUN_ACCESS_KEY_ID")
        self.access_key_secret = _setting("SMS_ALIYUN_ACCESS_KEY_SECRET")
        self.sign_name = _setting("SMS_SIGN_NAME")
        self.endpoint = getattr(settings, "SMS_ALIYUN_ENDPOINT", "") or "https://dysmsapi.aliyuncs.com/"
        if urllib.parse.urlsplit(self.endpoint).scheme not in ("https", "http"):
            raise ImproperlyConfigured("SMS_ALIYUN_ENDPOINT must be an http(s) address")
        self.timeout = float(getattr(settings, "SMS_TIMEOUT_SECONDS", 10))
        self.region_id = getattr(settings, "SMS_ALIYUN_REGION_ID", "") or "cn-hangzhou"

    # --- requests ---------------------------------------------------------------------------
    def signed_params(self, action: str, params: dict[str, str], *, now: datetime | None = None) -> dict[str, str]:
        moment = (now or datetime.now(tz=UTC)).astimezone(UTC)
        common = {
            "AccessKeyId": self.access_key_id,
            "Action": action,
            "Format": "JSON",
            "RegionId": self.region_id,
            "SignatureMethod": "HMAC-SHA1",
            "SignatureNonce": uuid.uuid4().hex,
            "SignatureVersion": "1.0",
            "Timestamp": moment.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "Version": API_VERSION,
        }
        signed = {**common, **params}
        signed["Signature"] = signature(self.method, signed, self.access_key_secret)
        return signed

    def call(self, action: str, params: dict[str, str]) -> dict[str, Any]:
        """One signed request; the parsed JSON answer when its ``Code`` is ``OK``, else the mapped error."""
        body = urllib.parse.urlencode(self.signed_params(action, params)).encode()
        request = urllib.request.Request(  # noqa: S310 - the scheme is checked in __init__
            self.endpoint,
            data=body,
            method=self.method,
            headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8", "Accept": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310  # nosec B310
                raw = response.read()
        except urllib.error.HTTPError as error:  # Aliyun answers errors with 4xx/5xx and the JSON body
            raw = error.read()
            if error.code >= 500 and not raw:
                raise SmsTemporaryError(f"http_{error.code}", "the provider answered with a server error") from None
        except (urllib.error.URLError, TimeoutError, OSError) as error:
            raise SmsTemporaryError("transport", f"the provider could not be reached ({error})") from None
        try:
            answer: dict[str, Any] = json.loads(raw.decode("utf-8"))
        except (ValueError, UnicodeDecodeError):
            raise SmsTemporaryError("bad_answer", "the provider's answer was not JSON") from None
        code = str(answer.get("Code", ""))
        if code == "OK":
            return answer
        if code in PERMANENT_CODES:
            raise SmsPermanentError(code, PERMANENT_CODES[code])
        if code in TEMPORARY_CODES or code.startswith(("isp.", "Throttling")):
            raise SmsTemporaryError(code, TEMPORARY_CODES.get(code, "the provider asks to try again later"))
        raise SmsPermanentError(code or "unknown", str(answer.get("Message", "the provider refused the message"))[:200])

    # --- the backend interface ------------------------------------------------------------
    def send(self, *, phone: str, template: str, params: dict[str, str], text: str = "") -> str:
        code, names = template_code(template)
        missing = [name for name in names if name not in params]
        if missing:
            raise SmsPermanentError("template_params", f"template “{template}” needs {', '.join(missing)}")
        answer = self.call(
            "SendSms",
            {
                "PhoneNumbers": phone,
                "SignName": self.sign_name,
                "TemplateCode": code,
                "TemplateParam": json.dumps({name: str(params[name]) for name in names}, ensure_ascii=False),
            },
        )
        biz_id = str(answer.get("BizId", ""))
        logger.info("SMS to %s accepted by Aliyun (template %s, BizId %s)", mask_phone_for_log(phone), code, biz_id)
        return biz_id

    def receipts(self, *, items: list[tuple[str, str, datetime]]) -> list[Receipt]:
        """``items``: (BizId, phone, sent at). One QuerySendDetails per message (the API asks by
        phone and day); a message the provider does not list yet is left for the next poll."""
        found: list[Receipt] = []
        for biz_id, phone, sent_at in items:
            day = (sent_at.astimezone(UTC) + timedelta(hours=8)).strftime("%Y%m%d")  # SendDate is Beijing time
            answer = self.call(
                "QuerySendDetails",
                {"PhoneNumber": phone, "BizId": biz_id, "SendDate": day, "PageSize": "10", "CurrentPage": "1"},
            )
            details = (answer.get("SmsSendDetailDTOs") or {}).get("SmsSendDetailDTO") or []
            for detail in details:
                status = int(detail.get("SendStatus", SEND_STATUS_WAITING))
                if status == SEND_STATUS_WAITING:
                    found.append(Receipt(provider_id=biz_id, delivered=None))
                    continue
                found.append(
                    Receipt(
                        provider_id=biz_id,
                        delivered=status == SEND_STATUS_DELIVERED,
                        code=str(detail.get("ErrCode", "")),
                        at=_beijing_time(str(detail.get("ReceiveDate", ""))),
                    )
                )
        return found


def _beijing_time(text: str) -> datetime | None:
    try:
        local = datetime.strptime(text, "%Y-%m-%d %H:%M:%S")  # noqa: DTZ007 - Beijing time, made aware below
    except ValueError:
        return None
    return (local - timedelta(hours=8)).replace(tzinfo=UTC)
