"""The standard import template (DESIGN §7): the columns of each kind, their Chinese aliases,
which are required, the codes of the enum columns with their Chinese words, and the parsers.

A header cell may be the English name (`customer_ref`), the Chinese alias (`客户编号`), or both as
the downloadable template writes them (`客户编号 customer_ref`, a trailing `*` for required).
"""

import re
from dataclasses import dataclass, field

from inscrm.i18n import N_
from inscrm.validators import (
    Invalid,
    parse_date,
    parse_money,
    parse_phone,
    parse_plate,
)

# Codes with the Chinese words (and other spellings) an import may use for them.
ENUMS = {
    "customer_kind": {"individual": ("个人",), "corporate": ("单位", "企业", "公司")},
    "id_type": {
        "resident_id": ("身份证", "居民身份证"),
        "uscc": ("统一社会信用代码", "信用代码"),
        "passport": ("护照",),
        "other": ("其他",),
    },
    "source": {
        "canvass": ("排摸",),
        "yellow_pages": ("黄页",),
        "dealer": ("车商",),
        "guarantor": ("担保公司",),
        "walk_in": ("上门",),
        "referral": ("转介绍",),
        "core_system": ("核心系统",),
        "intermediary": ("中介",),
    },
    "credit": {"good": ("良好",), "bad": ("不良",), "unknown": ("未知",)},
    "intermediary_type": {
        "parttime_agency": ("兼业代理",),
        "agency": ("专业代理",),
        "broker": ("经纪",),
    },
    "channel": {
        "direct": ("直接",),
        "agency": ("代理",),
        "broker": ("经纪",),
        "tender": ("招标",),
    },
    "claim_status": {
        "open": ("未决",),
        "closed": ("已决",),
        "declined": ("拒赔",),
        "withdrawn": ("注销",),
    },
    "activity_kind": {
        "call": ("电话",),
        "visit": ("拜访",),
        "message": ("短信",),
        "service": ("服务",),
        "complaint": ("投诉",),
    },
    "outcome": {
        "interested": ("有意向",),
        "quoted": ("已报价",),
        "not_interested": ("无意向",),
        "won": ("成交",),
        "lost": ("流失",),
        "none": ("无",),
    },
    "blacklist_reason": {
        "fraud": ("恶意骗赔",),
        "hard_to_negotiate": ("难于协商",),
        "catastrophe": ("大灾前投保",),
        "other": ("其他",),
    },
}
BOOLEANS = {
    True: ("1", "是", "y", "yes", "true", "t"),
    False: ("0", "否", "n", "no", "false", "f"),
}
PROSPECT_SOURCES = ("yellow_pages", "dealer", "guarantor", "canvass")


def _index(words_by_code):
    index = {}
    for code, words in words_by_code.items():
        index[str(code).lower()] = code
        for word in words:
            index[word.lower()] = code
    return index


_ENUM_INDEX = {name: _index(codes) for name, codes in ENUMS.items()}
_BOOL_INDEX = _index(BOOLEANS)


def parse_text(value, limit=200):
    text = value.strip()
    if len(text) > limit:
        raise Invalid(N_("Too long: at most %(limit)s characters."), limit=limit)
    return text


def parse_ref(value):
    """A reference in the source system: letters, digits and the usual punctuation."""
    ref = parse_text(value, 64)
    if any(c in ref for c in "\r\n\t"):
        raise Invalid(N_("A reference cannot contain line breaks or tabs."))
    return ref


# The values an enum column takes, as a msgid: the codes in English, the words in Chinese.
CHOICES = {
    "customer_kind": N_("individual, corporate"),
    "id_type": N_("resident_id, uscc, passport, other"),
    "source": N_("canvass, yellow_pages, dealer, guarantor, walk_in, referral, core_system, "
                 "intermediary"),
    "credit": N_("good, bad, unknown"),
    "intermediary_type": N_("parttime_agency, agency, broker"),
    "channel": N_("direct, agency, broker, tender"),
    "claim_status": N_("open, closed, declined, withdrawn"),
    "activity_kind": N_("call, visit, message, service, complaint"),
    "outcome": N_("interested, quoted, not_interested, won, lost, none"),
    "blacklist_reason": N_("fraud, hard_to_negotiate, catastrophe, other"),
}


def enum_parser(name):
    index = _ENUM_INDEX[name]

    def parse(value):
        code = index.get(value.strip().lower())
        if code is None:
            refusal = Invalid(N_("Unknown value %(value)s; expected one of %(choices)s."),
                              value=value.strip(), choices=CHOICES[name])
            refusal.words = ("choices",)
            raise refusal
        return code

    return parse


def parse_bool(value):
    answer = _BOOL_INDEX.get(value.strip().lower())
    if answer is None:
        raise Invalid(N_("Not a yes/no value (1/0, 是/否)."))
    return answer


def parse_username(value):
    return parse_text(value, 64)


@dataclass(frozen=True)
class Column:
    name: str
    zh: str
    parse: object = parse_text
    required: bool = False
    enum: str | None = None  # the ENUMS list whose codes the column takes
    example: str = ""

    @property
    def header(self):
        """How the downloadable template writes it: 客户编号 customer_ref (* when required)."""
        return f"{self.zh} {self.name}{' *' if self.required else ''}"


def _col(name, zh, parse=parse_text, required=False, example="", enum=None):
    if enum is not None:
        parse = enum_parser(enum)
    return Column(name, zh, parse, required, enum, example)


@dataclass(frozen=True)
class Kind:
    name: str
    zh: str
    columns: tuple
    keys: tuple = field(default=())  # the columns that identify a row for upserts

    def column(self, name):
        return next(c for c in self.columns if c.name == name)

    @property
    def required(self):
        return [c.name for c in self.columns if c.required]


KINDS = {
    "customers": Kind("customers", "客户", (
        _col("customer_ref", "客户编号", parse_ref, True, "C0001"),
        _col("kind", "客户类型", required=True, example="个人", enum="customer_kind"),
        _col("name", "客户名称", required=True, example="张三"),
        _col("id_type", "证件类型", example="身份证", enum="id_type"),
        _col("id_number", "证件号码", example="330402198001010011"),
        _col("phone", "联系电话", parse_phone, example="13812345678"),
        _col("address", "地址", example="嘉兴市南湖区中山路1号"),
        _col("township", "乡镇", example="新丰镇"),
        _col("industry", "行业", example="制造业"),
        _col("source", "来源", example="核心系统", enum="source"),
        _col("credit", "信用", example="良好", enum="credit"),
        _col("intermediary_type", "中介类型", enum="intermediary_type"),
        _col("manager", "客户经理", parse_username, example="agent01"),
        _col("plate", "车牌号", parse_plate, example="浙F12345"),
    ), keys=("customer_ref",)),
    "policies": Kind("policies", "保单", (
        _col("policy_no", "保单号", parse_ref, True, "P2025000001"),
        _col("customer_ref", "客户编号", parse_ref, True, "C0001"),
        _col("product", "险种", example="商业车险"),
        _col("channel", "渠道", example="直接", enum="channel"),
        _col("intermediary_ref", "中介编号", parse_ref),
        _col("insurer", "承保公司"),
        _col("premium", "保费", parse_money, True, "3,456.70"),
        _col("sum_insured", "保额", parse_money, example="500000"),
        _col("start_date", "起保日期", parse_date, True, "2025-01-01"),
        _col("end_date", "终保日期", parse_date, True, "2025-12-31"),
        _col("cancelled", "退保", parse_bool, example="否"),
        _col("renewal_of", "续保原保单号", parse_ref),
        _col("plate", "车牌号", parse_plate, example="浙F12345"),
    ), keys=("policy_no",)),
    "claims": Kind("claims", "赔案", (
        _col("claim_no", "赔案号", parse_ref, True, "R2025000001"),
        _col("policy_no", "保单号", parse_ref, True, "P2025000001"),
        _col("loss_date", "出险日期", parse_date, True, "2025-03-15"),
        _col("report_date", "报案日期", parse_date, example="2025-03-16"),
        _col("paid", "已决赔款", parse_money, example="1,200.00"),
        _col("reserve", "未决赔款", parse_money, example="0"),
        _col("status", "状态", example="已决", enum="claim_status"),
        _col("cause", "出险原因", example="碰撞"),
        _col("fraud_suspected", "疑似欺诈", parse_bool, example="否"),
    ), keys=("claim_no",)),
    "activities": Kind("activities", "联系记录", (
        _col("customer_ref", "客户编号", parse_ref, True, "C0001"),
        _col("date", "日期", parse_date, True, "2025-04-01"),
        _col("kind", "方式", required=True, example="电话", enum="activity_kind"),
        _col("outcome", "结果", example="有意向", enum="outcome"),
        _col("user", "经办人", parse_username, example="agent01"),
        _col("notes", "备注", lambda v: parse_text(v, 2000), example="续保意向强"),
    )),
    "blacklist": Kind("blacklist", "黑名单", (
        _col("customer_ref", "客户编号", parse_ref, True, "C0001"),
        _col("reason", "原因", required=True, example="恶意骗赔", enum="blacklist_reason"),
        _col("unit", "上报单位", example="理赔部"),
        _col("date", "日期", parse_date, True, "2025-05-01"),
        _col("notes", "备注", lambda v: parse_text(v, 2000)),
    )),
}
MAX_COLUMNS = 100  # no template kind comes near; a wider sheet is not an import file


def column_names(kind, language):
    """{column: name} a reader of `language` knows the columns of `kind` by: the Chinese
    headers for Chinese, the codes (the English headers) otherwise."""
    if language != "zh" or kind not in KINDS:
        return {}
    return {column.name: column.zh for column in KINDS[kind].columns}


def kind_name(kind, language):
    """A kind of file as a reader of `language` calls it: 客户, or customers."""
    return KINDS[kind].zh if language == "zh" and kind in KINDS else kind


def reader_params(params, language):
    """A refusal's figures for its reader: a kind and its columns named in `language`."""
    params = dict(params)
    kind = params.get("kind")
    if kind in KINDS:
        names = column_names(kind, language)
        if isinstance(params.get("columns"), str):
            params["columns"] = ", ".join(names.get(c, c) for c in params["columns"].split(", "))
        params["kind"] = kind_name(kind, language)
    return params


def header_name(cell, kind):
    """The template column a header cell names for this kind, or None."""
    text = re.sub(r"[\s*（）()]+", " ", str(cell or "")).strip()
    if not text:
        return None
    for column in kind.columns:
        if text.lower() == column.name or text == column.zh:
            return column.name
    for word in text.split(" "):
        for column in kind.columns:
            if word.lower() == column.name or word == column.zh:
                return column.name
    return None


def map_headers(headers, kind):
    """{position: column name} for the header cells this kind knows."""
    mapping = {}
    for position, cell in enumerate(headers):
        name = header_name(cell, kind)
        if name is not None and name not in mapping.values():
            mapping[position] = name
    return mapping


def detect_kind(headers, hint=""):
    """The kind whose required columns the headers all name, the best-covered one first;
    `hint` (the file name) breaks ties. None when no kind fits."""
    fits = []
    for kind in KINDS.values():
        names = set(map_headers(headers, kind).values())
        if set(kind.required) <= names:
            fits.append((len(names), kind.name in hint.lower(), kind.name))
    return max(fits)[2] if fits else None
