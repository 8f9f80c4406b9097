"""The consent texts the public agrees to online, by version. A text, once used, never changes:
a new wording is a new version (the consent record keeps the version the person agreed to)."""

from __future__ import annotations

CURRENT_VERSION = "online-2026-12"

TEXTS: dict[str, str] = {
    "online-2026-12": (
        "本人自愿在线申请救助帮扶，并同意：\n"
        "1. 乡镇（街道）民政服务站和县级民政部门使用我填写的姓名、身份证号码、电话、住址和困难情况，"
        "核实我的情况、与我电话联系并办理申请；\n"
        "2. 为帮我解决困难，民政部门可将我的姓名、性别、出生日期、电话和住址提供给本县救助帮扶网络中的"
        "慈善组织，用于转介、供需匹配和事后回访；\n"
        "3. 本同意自提交之日起一年内有效，我可随时致电乡镇民政服务站撤回，撤回后不再向慈善组织提供我的信息。\n"
        "我保证所填信息真实。"
    ),
}

# Only when ticked: the person may receive text messages about their own case.
CONTACT_TEXT = "我同意通过短信接收本申请的办理进度（受理、转介结果），短信不含我的姓名和身份证号码。"
