"""Expected publication windows (docs/publication-rules.md) of 行政处罚 records under the shipped rule sets.

Each case: the record's inputs and the window it must get. Dates are worked out by hand from the rules
(periods in calendar months from the decision date; the last day is the same day number N months later,
or the month's last day; repair may be applied for from the day after the minimum period).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace

D = dt.date


@dataclass(frozen=True)
class Case:
    id: str
    decision: dt.date
    kinds: str
    severity: str = "general"
    department: str = "dept-a"
    fields: dict = field(default_factory=dict)
    # expected
    publishable: bool = True
    until: dt.date | None = None
    repair_from: dt.date | None = None
    no_early_stop: bool = False
    rule_set: str = ""
    rule: str = ""  # a part of the rule text


CASES = [
    # --- 令第36号 (from 2026-04-01; the default for new decisions) --------------------------------------
    Case(
        "36-serious",
        D(2026, 5, 20),
        "罚款",
        "serious",
        until=D(2029, 5, 20),
        repair_from=D(2027, 5, 21),
        rule_set="ndrc-36",
        rule="ndrc-36 v1 严重",
    ),
    Case(
        "36-general",
        D(2026, 5, 20),
        "罚款",
        until=D(2027, 5, 20),
        repair_from=D(2026, 8, 21),
        rule_set="ndrc-36",
        rule="ndrc-36 v1 一般",
    ),
    Case(
        "36-blank-severity-is-general",
        D(2026, 5, 20),
        "罚款",
        "",
        until=D(2027, 5, 20),
        repair_from=D(2026, 8, 21),
        rule_set="ndrc-36",
        rule="一般",
    ),
    Case(
        "36-minor-not-published",
        D(2026, 5, 20),
        "罚款",
        "minor",
        publishable=False,
        until=D(2026, 8, 20),
        rule_set="ndrc-36",
        rule="轻微",
    ),
    Case(
        "36-first-day",
        D(2026, 4, 1),
        "罚款",
        until=D(2027, 4, 1),
        repair_from=D(2026, 7, 2),
        rule_set="ndrc-36",
    ),
    Case(
        "36-warning-only",
        D(2026, 5, 20),
        "警告",
        "serious",
        publishable=False,
        until=D(2026, 8, 20),
        rule_set="ndrc-36",
        rule="仅受到警告",
    ),
    Case(
        "36-warning-and-fine-longest",
        D(2026, 5, 20),
        "警告；罚款",
        until=D(2027, 5, 20),
        repair_from=D(2026, 8, 21),
        rule_set="ndrc-36",
        rule="多种处罚取最长期限",
    ),
    Case(
        "36-samr-criticism",
        D(2026, 5, 20),
        "通报批评",
        department="samr",
        until=D(2026, 8, 20),
        rule_set="ndrc-36",
        rule="市场监管部门",
    ),
    Case(
        "36-samr-criticism-and-warning",
        D(2026, 5, 20),
        "警告、通报批评",
        department="samr",
        until=D(2026, 8, 20),
        rule_set="ndrc-36",
        rule="市场监管部门",
    ),
    Case(
        "36-criticism-other-department",
        D(2026, 5, 20),
        "通报批评",
        until=D(2027, 5, 20),
        repair_from=D(2026, 8, 21),
        rule_set="ndrc-36",
        rule="一般",
    ),
    Case(
        "36-samr-fine-without-threshold",
        D(2026, 5, 20),
        "罚款",
        department="samr",
        fields={"CF_NR_FK": "0.1"},
        until=D(2027, 5, 20),
        repair_from=D(2026, 8, 21),
        rule_set="ndrc-36",
    ),
    Case(
        "36-samr-criticism-and-fine",
        D(2026, 5, 20),
        "通报批评,罚款",
        department="samr",
        fields={"CF_NR_FK": "0.1"},
        until=D(2027, 5, 20),
        repair_from=D(2026, 8, 21),
        rule_set="ndrc-36",
    ),
    Case(
        "36-revoke-licence-no-early-stop",
        D(2026, 5, 20),
        "罚款；吊销许可证件",
        "serious",
        fields={"CF_YXQ": "2099-12-31"},
        until=D(2029, 5, 20),
        no_early_stop=True,
        rule_set="ndrc-36",
    ),
    Case(
        "36-synonym-revoke-business-licence",
        D(2026, 5, 20),
        "吊销营业执照",
        "serious",
        until=D(2029, 5, 20),
        no_early_stop=True,
        rule_set="ndrc-36",
    ),
    Case(
        "36-suspension-ends-after-minimum",
        D(2026, 5, 20),
        "责令停产停业",
        fields={"CF_YXQ": "2026-11-20"},
        until=D(2027, 5, 20),
        repair_from=D(2026, 11, 21),
        no_early_stop=True,
        rule_set="ndrc-36",
    ),
    Case(
        "36-suspension-ends-before-minimum",
        D(2026, 5, 20),
        "责令停产停业",
        "serious",
        fields={"CF_YXQ": "2026-11-20"},
        until=D(2029, 5, 20),
        repair_from=D(2027, 5, 21),
        no_early_stop=True,
        rule_set="ndrc-36",
    ),
    Case(
        "36-restrict-practice-beyond-publication",
        D(2026, 5, 20),
        "限制从业",
        fields={"CF_YXQ": "2031-05-20"},
        until=D(2027, 5, 20),
        no_early_stop=True,
        rule_set="ndrc-36",
    ),
    Case(
        "36-end-of-month",
        D(2027, 1, 31),
        "罚款",
        until=D(2028, 1, 31),
        repair_from=D(2027, 5, 1),
        rule_set="ndrc-36",
    ),
    # --- 令第58号 (2023-05-01 – 2026-03-31) -------------------------------------------------------------
    Case(
        "58-first-day",
        D(2023, 5, 1),
        "罚款",
        until=D(2026, 5, 1),
        repair_from=D(2023, 8, 2),
        rule_set="ndrc-58",
        rule="ndrc-58 v1",
    ),
    Case(
        "58-last-day",
        D(2026, 3, 31),
        "罚款",
        "serious",
        until=D(2029, 3, 31),
        repair_from=D(2026, 7, 1),
        rule_set="ndrc-58",
    ),
    Case(
        "58-minor-published",
        D(2024, 3, 15),
        "罚款",
        "minor",
        until=D(2027, 3, 15),
        repair_from=D(2024, 6, 16),
        rule_set="ndrc-58",
    ),
    Case(
        "58-end-of-february",
        D(2024, 2, 29),
        "罚款",
        until=D(2027, 2, 28),
        repair_from=D(2024, 5, 30),
        rule_set="ndrc-58",
    ),
    Case(
        "58-end-of-month-short",
        D(2024, 1, 31),
        "罚款",
        until=D(2027, 1, 31),
        repair_from=D(2024, 5, 1),
        rule_set="ndrc-58",
    ),
    Case(
        "58-fire-department",
        D(2024, 3, 15),
        "罚款",
        department="fire",
        until=D(2027, 3, 15),
        repair_from=D(2025, 3, 16),
        rule_set="ndrc-58",
        rule="消防领域",
    ),
    Case(
        "58-safety-department",
        D(2024, 3, 15),
        "罚款",
        department="emergency",
        until=D(2027, 3, 15),
        repair_from=D(2025, 3, 16),
        rule_set="ndrc-58",
        rule="安全生产领域",
    ),
    Case(
        "58-special-equipment-by-legal-basis",
        D(2024, 3, 15),
        "罚款",
        department="samr",
        fields={"CF_YJ": "《中华人民共和国特种设备安全法》第八十四条"},
        until=D(2027, 3, 15),
        repair_from=D(2025, 3, 16),
        rule_set="ndrc-58",
        rule="特种设备领域",
    ),
    Case(
        "58-warning-only",
        D(2024, 3, 15),
        "警告",
        department="fire",
        publishable=False,
        until=D(2024, 6, 15),
        rule_set="ndrc-58",
        rule="仅受到警告",
    ),
    Case(
        "58-samr-criticism",
        D(2024, 3, 15),
        "通报批评",
        department="samr",
        until=D(2024, 6, 15),
        rule_set="ndrc-58",
    ),
    Case(
        "58-no-early-stop",
        D(2024, 3, 15),
        "降低资质等级",
        until=D(2027, 3, 15),
        no_early_stop=True,
        rule_set="ndrc-58",
    ),
    # --- 发改办财金〔2019〕527号 (2019-07 – 2023-04-30; earlier decisions fall back to it) ---------------
    Case(
        "527-general",
        D(2021, 1, 31),
        "罚款",
        until=D(2022, 1, 31),
        repair_from=D(2021, 5, 1),
        rule_set="ndrc-527",
        rule="ndrc-527 v1 一般",
    ),
    Case(
        "527-serious",
        D(2021, 1, 31),
        "罚款",
        "serious",
        until=D(2024, 1, 31),
        repair_from=D(2021, 8, 1),
        rule_set="ndrc-527",
        rule="严重",
    ),
    Case(
        "527-minor-as-general",
        D(2021, 1, 31),
        "罚款",
        "minor",
        until=D(2022, 1, 31),
        repair_from=D(2021, 5, 1),
        rule_set="ndrc-527",
    ),
    Case(
        "527-last-day",
        D(2023, 4, 30),
        "罚款",
        until=D(2024, 4, 30),
        repair_from=D(2023, 7, 31),
        rule_set="ndrc-527",
    ),
    Case(
        "527-first-day",
        D(2019, 7, 1),
        "罚款",
        "serious",
        until=D(2022, 7, 1),
        repair_from=D(2020, 1, 2),
        rule_set="ndrc-527",
    ),
    Case(
        "527-before-first-rule-set",
        D(2018, 12, 31),
        "罚款",
        until=D(2019, 12, 31),
        repair_from=D(2019, 4, 1),
        rule_set="ndrc-527",
    ),
    Case(
        "527-warning-only",
        D(2021, 1, 31),
        "警告",
        publishable=False,
        until=D(2021, 4, 30),
        rule_set="ndrc-527",
    ),
    Case(
        "527-samr-criticism-not-special",
        D(2021, 1, 31),
        "通报批评",
        department="samr",
        until=D(2022, 1, 31),
        repair_from=D(2021, 5, 1),
        rule_set="ndrc-527",
    ),
    Case(
        "527-no-early-stop",
        D(2021, 1, 31),
        "限制开展生产经营活动",
        "serious",
        until=D(2024, 1, 31),
        no_early_stop=True,
        rule_set="ndrc-527",
    ),
]
CASE_IDS = [case.id for case in CASES]


def case_fields(case: Case) -> dict:
    return {"CF_CFLB": case.kinds, **case.fields}


# ---------------------------------------------------------------------------------------------------
# The shipped rule sets and items straight from the YAML fixtures (no database), for fast pure tests.


def _fixtures():
    import yaml

    from xinyong.catalog.services import DEFAULT_FIXTURES_DIR

    root = Path(DEFAULT_FIXTURES_DIR)
    rule_sets = yaml.safe_load((root / "rule_sets.yaml").read_text(encoding="utf-8"))["rule_sets"]
    code_lists = yaml.safe_load((root / "code_lists.yaml").read_text(encoding="utf-8"))["code_lists"]
    items = {}
    for path in sorted((root / "items").glob("*.yaml")):
        for item in yaml.safe_load(path.read_text(encoding="utf-8"))["items"]:
            items[item["code"]] = item
    return rule_sets, {cl["code"]: cl for cl in code_lists}, items


def yaml_rule_sets() -> list[SimpleNamespace]:
    rule_sets, _lists, _items = _fixtures()
    return [
        SimpleNamespace(
            code=rs["code"],
            version=1,
            family=rs.get("family", "disclosure"),
            in_force_from=rs["in_force_from"],
            in_force_to=rs.get("in_force_to"),
            rules=rs["rules"],
        )
        for rs in rule_sets
    ]


def yaml_item(code: str, **overrides) -> SimpleNamespace:
    """An unsaved stand-in for the item's catalog version, with its code lists embedded like the loader does."""
    _rule_sets, lists, items = _fixtures()
    item = items[code]
    used = {f["code_list"] for f in item["fields"] if f.get("code_list")}
    values = {
        "pk": None,
        "content_hash": "",
        "rule_set_code": item.get("rule_set") or "",
        "core_fields": item.get("core_fields") or {},
        "fields": item["fields"],
        "code_lists": {c: {"name": lists[c]["name"], "entries": lists[c]["entries"]} for c in used},
        "severity_rules": item.get("severity_rules") or {},
    }
    values.update(overrides)
    return SimpleNamespace(**values)
