"""Catalog schemas built straight from the shipped YAML fixtures (no database), and a typical penalty row."""

from __future__ import annotations

import datetime as dt
import functools
import random
from typing import Any

import yaml

from xinyong.catalog.services import DEFAULT_FIXTURES_DIR
from xinyong.catalog.spec import ItemSchema
from xinyong.core.identifiers import generate_ric, generate_uscc

AS_OF = dt.date(2026, 6, 15)


@functools.cache
def _code_lists() -> dict[str, dict[str, Any]]:
    data = yaml.safe_load((DEFAULT_FIXTURES_DIR / "code_lists.yaml").read_text(encoding="utf-8"))
    return {cl["code"]: {"name": cl["name"], "entries": cl["entries"]} for cl in data["code_lists"]}


@functools.cache
def item_data(code: str) -> dict[str, Any]:
    data = yaml.safe_load((DEFAULT_FIXTURES_DIR / "items" / f"{code}.yaml").read_text(encoding="utf-8"))
    return data["items"][0]


def schema_from(item: dict[str, Any]) -> ItemSchema:
    lists = _code_lists()
    used = {f["code_list"] for f in item["fields"] if f.get("code_list")}
    return ItemSchema.build(
        item_code=item["code"],
        version_number=1,
        fields=item["fields"],
        code_lists={c: lists[c] for c in used},
        core_fields=item.get("core_fields"),
        ignored_legacy_columns=item.get("ignored_legacy_columns") or (),
        legacy_defaults=item.get("legacy_defaults") or (),
    )


@functools.cache
def schema(code: str) -> ItemSchema:
    """The shipped item ``code`` (penalty, license …) as an ItemSchema."""
    return schema_from(item_data(code))


RNG = random.Random(20260615)
COMPANY_USCC = generate_uscc(RNG, category="91")
SHOP_USCC = generate_uscc(RNG, category="92")
AUTHORITY_USCC = generate_uscc(RNG, category="11")
PERSON_RIC = generate_ric(RNG, birth_date=dt.date(1980, 2, 29), sex="F")


def penalty_row(**overrides: Any) -> dict[str, Any]:
    """A valid 行政处罚 row of an enterprise, keyed by field code; ``None`` in overrides removes a field."""
    row: dict[str, Any] = {
        "CF_XDR_MC": "某某食品有限公司",
        "CF_XDR_LB": "法人及非法人组织",
        "CF_XDR_SHXYM": COMPANY_USCC,
        "CF_FRDB": "张三",
        "CF_WSH": "甲市监罚〔2026〕12号",
        "CF_WFXW": "销售过期食品",
        "CF_SY": "当事人销售超过保质期的食品",
        "CF_YJ": "《中华人民共和国食品安全法》第一百二十四条",
        "CF_CFLB": "警告;罚款",
        "CF_NR": "警告，并处罚款 5000 元",
        "CF_NR_FK": "0.5",
        "CF_JDRQ": "2026-05-01",
        "CF_YXQ": "2027-05-01",
        "CF_CFJG": "甲市市场监督管理局",
        "CF_CFJGDM": AUTHORITY_USCC,
        "CF_SJLY": "甲市市场监督管理局",
        "CF_SJLYDM": AUTHORITY_USCC,
    }
    for key, value in overrides.items():
        if value is None:
            row.pop(key, None)
        else:
            row[key] = value
    return row


def person_row(**overrides: Any) -> dict[str, Any]:
    base = penalty_row(
        CF_XDR_MC="李四",
        CF_XDR_LB="自然人",
        CF_XDR_SHXYM=None,
        CF_FRDB=None,
        CF_XDR_ZJLX="身份证",
        CF_XDR_ZJHM=PERSON_RIC,
    )
    base.update({k: v for k, v in overrides.items() if v is not None})
    for k, v in overrides.items():
        if v is None:
            base.pop(k, None)
    return base


def columns_for(item: ItemSchema) -> dict[str, str]:
    """Every field fed by a column named with its Chinese name."""
    return {f.code: f.name for f in item.fields}
