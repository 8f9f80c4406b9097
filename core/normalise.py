"""One way to read what people type: spreadsheet cells, form fields and API values alike.

Offices fill their sheets by hand in Excel or WPS, or export them from other systems, so the same
value comes in many spellings: full-width digits (１３８…), stray and zero-width spaces, dates as
2024年3月5日 or an Excel serial, amounts as 5000元 or 1.2万元, relations as 妻 or 长子. Every import
and every form that parses these things calls the functions here, so one spelling is accepted (or
refused, with the same message) everywhere.
"""

from __future__ import annotations

import datetime
import re
import unicodedata
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

# Invisible characters that arrive with copied text: zero-width spaces and joiners, the byte-order
# mark, soft hyphens and the bidirectional controls (a right-to-left override can disguise a name).
_INVISIBLE = dict.fromkeys(
    [
        *(0x00AD, 0x180E, 0x200B, 0x200C, 0x200D, 0x200E, 0x200F, 0x2060, 0x2061, 0x2062, 0x2063, 0x2064, 0xFEFF),
        *range(0x202A, 0x202F),
        *range(0x2066, 0x206A),
    ]
)
# Full-width ASCII (！ to ～) is the half-width character + 0xFEE0; the ideographic space is a space.
_HALF_WIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}
_SPACES = re.compile(r"\s+")


def text(value: object) -> str:
    """A cell or field as plain text: invisible characters gone, spaces collapsed, ends trimmed.

    Chinese punctuation in free text (，。（）) is kept; use :func:`code` for values made of
    letters and digits, where full-width forms are converted too.
    """
    if value is None:
        return ""
    raw = str(value).translate(_INVISIBLE).replace("\u3000", " ").replace("\xa0", " ")
    return _SPACES.sub(" ", raw).strip()


def code(value: object) -> str:
    """A value made of letters, digits and signs (ID number, phone, code, amount): half-width throughout."""
    return unicodedata.normalize("NFKC", text(value).translate(_HALF_WIDTH))


def header(value: object) -> str:
    """A column header as compared with a column's names: half-width, no spaces, no * marks, lower case."""
    return code(value).replace(" ", "").strip("*").lower()


def key(value: object) -> str:
    """A coded value (relation, programme, status) as looked up in a table: like :func:`header`."""
    return header(value)


# --- ID numbers ---------------------------------------------------------------------------------
_SCIENTIFIC = re.compile(r"^\d(\.\d+)?e\+?\d+$", re.IGNORECASE)


def numeric_id_error(shown: str) -> ValidationError:
    return ValidationError(
        _(
            "This ID number was stored as a number, and Excel keeps only 15 significant digits, so its last "
            "digits are lost (the cell holds %(value)s). Format the column as Text, then type or paste the ID "
            "numbers again."
        )
        % {"value": shown},
        code="id_numeric",
    )


def excel_number(value: float | int) -> str:
    """A number as Excel keeps it: 15 significant digits (4.51029196711093E+17)."""
    return format(float(value), ".15G")


def excel_general(value: float | int) -> str:
    """A large number as a General cell shows it (4.51029E+17): what the user sees, and too few
    digits to give the ID number away in a message, a page or the error list stored with the batch."""
    return format(float(value), ".6G")


# 18 digits whose last three are 000: what a number column keeps of an ID number (Excel's 15
# significant digits, then zeros) when it is shown in full (Number format, or a .csv Excel saved).
_ZEROED = re.compile(r"^\d{15}000$")


def zeroed_id(value: object) -> bool:
    """Whether the text may be an ID number Excel cut to 15 digits (451029196711093000). About one
    real ID number in 1,100 ends in 000 too, so one such value proves nothing: the imports refuse it
    when the column shows the loss (:func:`core.spreadsheets.zeroed_id_columns`) or its check fails."""
    return bool(_ZEROED.match(code(value).replace(" ", "")))


def scientific(value: object) -> bool:
    """Whether the text is a number in scientific notation (4.51029E+17): a number column's ID number."""
    return bool(_SCIENTIFIC.match(code(value).replace(" ", "")))


def id_number(value: object) -> str:
    """An 18-character ID number as text; a number (or its scientific spelling) is refused, never rounded."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        raise numeric_id_error(excel_general(value))
    cleaned = code(value).replace(" ", "").replace("-", "").upper()
    if _SCIENTIFIC.match(cleaned):
        raise numeric_id_error(excel_general(float(cleaned)))
    return cleaned


# --- phones -------------------------------------------------------------------------------------
_LANDLINE = re.compile(r"^\(?(0\d{2,3})\)?[-.]?(\d{7,8})$")


def phone(value: object) -> str:
    """+86 138-9111-2345, 138 9111 2345, (0911) 8112301 → 13891112345, 0911-8112301. Not validated here."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    cleaned = code(value).replace(" ", "")
    for prefix in ("+86", "0086", "(+86)", "(86)"):
        if cleaned.startswith(prefix):
            cleaned = cleaned[len(prefix) :].lstrip("-")
            break
    else:
        if re.fullmatch(r"86-?1\d{10}", cleaned.replace(" ", "")):
            cleaned = cleaned[2:].lstrip("-")
    digits = re.sub(r"[-.()]", "", cleaned)
    if re.fullmatch(r"1\d{10}", digits):
        return digits
    landline = _LANDLINE.match(cleaned)
    if landline:
        return f"{landline.group(1)}-{landline.group(2)}"
    return cleaned


# --- dates --------------------------------------------------------------------------------------
_EXCEL_EPOCH = datetime.date(1899, 12, 30)
_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
_TIME = re.compile(r"[ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?$")


def date_error(shown: str) -> ValidationError:
    return ValidationError(
        _("“%(value)s” is not a date; write it as 2024-03-05 (2024年3月5日, 2024/3/5 and 2024.3.5 are read too).")
        % {"value": shown},
        code="date",
    )


def date(value: object) -> datetime.date | None:
    """A date from a date cell, an Excel serial number or text in the usual spellings; None when empty."""
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return _serial(float(value), str(value))
    raw = code(value)
    if not raw:
        return None
    cleaned = _TIME.sub("", raw)
    if re.fullmatch(r"\d{8}", cleaned):
        cleaned = f"{cleaned[:4]}-{cleaned[4:6]}-{cleaned[6:]}"
    elif re.fullmatch(r"\d{4,5}(\.\d+)?", cleaned):
        return _serial(float(cleaned), raw)  # an Excel serial that came through as text (a .csv)
    found = _DATE.match(cleaned)
    if not found:
        raise date_error(raw)
    try:
        return datetime.date(int(found.group(1)), int(found.group(2)), int(found.group(3)))
    except ValueError:
        raise date_error(raw) from None


def _serial(number: float, shown: str) -> datetime.date:
    # Serials from 1950 to 2100; anything else in a date column is not a date someone meant.
    if not 18264 <= number <= 73051:
        raise date_error(shown)
    return _EXCEL_EPOCH + datetime.timedelta(days=int(number))


# --- money and counts ---------------------------------------------------------------------------
_CURRENCY = ("人民币", "rmb", "cny", "¥", "￥", "元整", "元")


def money_error(shown: str) -> ValidationError:
    return ValidationError(
        _("“%(value)s” is not an amount in yuan; write it as 1200, 1200.50, 1,200元 or 1.2万元.") % {"value": shown},
        code="money",
    )


def money(value: object) -> Decimal | None:
    """An amount in yuan, to the fen: 5000, 5000元, 5,000.00, ¥5000, 1.2万元 → Decimal; None when empty."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        amount = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
        shown = str(value)
    else:
        shown = text(value)
        raw = code(value).replace(" ", "").replace(",", "").lower()
        if not raw:
            return None
        multiplier = Decimal(1)
        for unit in _CURRENCY:
            raw = raw.removeprefix(unit) if unit in ("¥", "￥", "人民币", "rmb", "cny") else raw.removesuffix(unit)
        if raw.endswith("万"):
            multiplier, raw = Decimal(10000), raw[:-1]
        try:
            amount = Decimal(raw) * multiplier
        except InvalidOperation:
            raise money_error(shown) from None
    if not amount.is_finite() or amount < 0 or amount >= Decimal("1e12"):
        raise money_error(shown)
    return amount.quantize(Decimal("0.01"))


def whole_number(value: object) -> int | None:
    """A count or an age: 3, 3.0, ３, 3人 → 3; None when empty."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    raw = code(value).replace(",", "").replace(" ", "").removesuffix("人").removesuffix("岁")
    if not raw:
        return None
    try:
        number = Decimal(raw)
    except InvalidOperation:
        raise ValidationError(_("“%(value)s” is not a number.") % {"value": text(value)}, code="number") from None
    if not number.is_finite() or number != number.to_integral_value() or abs(number) > 10**9:
        raise ValidationError(_("“%(value)s” is not a whole number.") % {"value": text(value)}, code="number")
    return int(number)


# --- coded values: what sheets write for each code ----------------------------------------------
# The codes are those of core.codes and beneficiaries.models; kept as plain strings so that this
# module stays at the bottom of the layers.
NO_SYNONYMS: Mapping[str, str] = {}
RELATION_SYNONYMS: Mapping[str, str] = {
    **dict.fromkeys(["户主", "本人", "户主本人", "户长"], "head"),
    **dict.fromkeys(["配偶", "妻", "妻子", "夫", "丈夫", "老伴", "爱人"], "spouse"),
    **dict.fromkeys(
        [
            "子女",
            "子",
            "女",
            "儿子",
            "女儿",
            "长子",
            "次子",
            "三子",
            "四子",
            "五子",
            "长女",
            "次女",
            "三女",
            "四女",
            "五女",
            "独生子",
            "独生女",
            "养子",
            "养女",
            "继子",
            "继女",
            "之子",
            "之女",
        ],
        "child",
    ),
    **dict.fromkeys(["父母", "父亲", "母亲", "父", "母", "爸爸", "妈妈", "公公", "婆婆", "岳父", "岳母"], "parent"),
    **dict.fromkeys(["孙子女", "孙子", "孙女", "外孙", "外孙子", "外孙女", "曾孙", "曾孙女"], "grandchild"),
    **dict.fromkeys(["祖父母", "祖父", "祖母", "外祖父", "外祖母", "爷爷", "奶奶", "姥爷", "姥姥"], "grandparent"),
    **dict.fromkeys(["兄弟姐妹", "兄", "弟", "姐", "妹", "哥哥", "弟弟", "姐姐", "妹妹", "兄弟", "姐妹"], "sibling"),
    **dict.fromkeys(
        ["其他", "儿媳", "女婿", "侄子", "侄女", "外甥", "外甥女", "孙媳妇", "其他亲属", "非亲属"], "other"
    ),
}
PROGRAMME_SYNONYMS: Mapping[str, str] = {
    **dict.fromkeys(
        [
            "低保",
            "低保户",
            "低保金",
            "农村低保",
            "城市低保",
            "城乡低保",
            "城镇低保",
            "最低生活保障",
            "最低生活保障金",
            "农村最低生活保障",
            "城市最低生活保障",
            "城乡居民最低生活保障",
        ],
        "dibao",
    ),
    **dict.fromkeys(
        [
            "特困",
            "特困供养",
            "特困人员",
            "特困人员供养",
            "特困人员救助供养",
            "五保",
            "五保户",
            "五保供养",
            "分散供养",
            "集中供养",
        ],
        "tekun",
    ),
    **dict.fromkeys(["受灾人员救助", "受灾救助", "灾害救助", "自然灾害救助", "救灾"], "disaster"),
    **dict.fromkeys(["医疗救助", "医疗", "大病救助", "重特大疾病医疗救助"], "medical"),
    **dict.fromkeys(["教育救助", "教育", "助学", "助学金"], "education"),
    **dict.fromkeys(["住房救助", "住房", "危房改造", "农村危房改造"], "housing"),
    **dict.fromkeys(["就业救助", "就业"], "employment"),
    **dict.fromkeys(["临时救助", "临时", "急难救助", "救急难"], "temporary"),
    **dict.fromkeys(
        ["儿童基本生活保障", "孤儿基本生活费", "事实无人抚养儿童基本生活补贴", "孤儿基本生活保障"], "child_basic_living"
    ),
}
STATUS_SYNONYMS: Mapping[str, str] = {
    **dict.fromkeys(["低保", "低保户", "低保对象", "农村低保", "城市低保", "城乡低保", "最低生活保障"], "dibao"),
    **dict.fromkeys(["特困", "特困供养", "特困人员", "特困供养人员", "五保", "五保户"], "tekun"),
    **dict.fromkeys(["低边", "低保边缘", "低保边缘户", "低保边缘家庭", "低收入", "边缘户"], "dibao_edge"),
    **dict.fromkeys(["支出型困难", "支出型困难家庭", "支出型贫困"], "expenditure_hardship"),
    **dict.fromkeys(["孤儿"], "orphan"),
    **dict.fromkeys(["事实无人抚养儿童", "事实无人抚养"], "de_facto_unsupported_child"),
    **dict.fromkeys(
        [
            "防止返贫监测",
            "防返贫监测",
            "监测对象",
            "防止返贫监测对象",
            "脱贫不稳定户",
            "边缘易致贫户",
            "突发严重困难户",
        ],
        "relapse_monitoring",
    ),
    **dict.fromkeys(["临时救助", "临时救助对象"], "temporary_assistance"),
}
VULNERABILITY_SYNONYMS: Mapping[str, str] = {
    **dict.fromkeys(["失能", "失能老人", "半失能", "失能半失能", "不能自理", "生活不能自理"], "elderly_no_self_care"),
    **dict.fromkeys(["未成年", "未成年人", "儿童"], "minor"),
    **dict.fromkeys(["残疾", "残疾人", "重度残疾", "持证残疾人"], "disabled"),
    **dict.fromkeys(["重病", "大病", "重病患者", "重大疾病", "慢性病", "长期患病"], "serious_illness"),
}
CATEGORY_SYNONYMS: Mapping[str, str] = {
    **dict.fromkeys(["生活", "基本生活", "生活救助", "生活困难"], "living"),
    **dict.fromkeys(["医疗", "看病", "医疗救助", "就医", "大病"], "medical"),
    **dict.fromkeys(["教育", "上学", "助学", "教育救助"], "education"),
    **dict.fromkeys(["住房", "住房救助", "危房"], "housing"),
    **dict.fromkeys(["就业", "就业帮扶", "找工作"], "employment"),
    **dict.fromkeys(["照料", "访视照料", "生活照料", "照护"], "care"),
    **dict.fromkeys(["心理", "心理慰藉", "心理疏导"], "psychological"),
    **dict.fromkeys(["康复", "康复训练"], "rehabilitation"),
    **dict.fromkeys(["法律", "法律援助"], "legal"),
    **dict.fromkeys(["物资", "实物"], "goods"),
    **dict.fromkeys(["其他", "其它"], "other"),
}
URGENCY_SYNONYMS: Mapping[str, str] = {
    **dict.fromkeys(["常规", "一般", "普通", "不急"], "routine"),
    **dict.fromkeys(["紧急", "急", "较急"], "urgent"),
    **dict.fromkeys(["特急", "非常紧急", "十分紧急", "急难"], "emergency"),
}
