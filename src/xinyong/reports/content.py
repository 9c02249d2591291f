"""What a credit report shows: the snapshot built from a subject's records, section by section.

The sections follow the national public credit information report (公共信用信息报告): 基础信息, 行政管理信息
(行政许可、行政处罚), 严重失信主体名单, 经营异常名录, 信用承诺, 信用评价, 守信激励, 其他. Records are placed by
their catalog item's category (``catalog.CatalogCategory``), so a new catalog item lands in the right section
without code changes.

Which records (the one rule per version, never re-implemented here):

- 公开版: ``records_visible_to(principal=None, as_of=...)`` — THE public set (``records.selectors.records_public``);
- 授权版: every record of the subject whose disclosure scope is 公开, 政务共享 or 授权查询 and whose effective
  status on ``as_of`` is 有效 (not revoked, withdrawn or past its window). 不公开 records never appear.

Personal data: no 身份证 number is ever shown in full (the registry keeps only the masked form readable, the
record fields keep ID numbers masked, and a last pass masks anything that still looks like one). In the
public version fields the catalog marks as non-public or personal are left out and a natural person's name is
masked. The snapshot is plain JSON (strings, integers, lists, dicts) so its canonical form and hash are the
same on SQLite and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import Exists, OuterRef, Q, QuerySet

from xinyong.catalog.models import CatalogCategory
from xinyong.catalog.spec import FieldType
from xinyong.core.codes import DisclosureScope, SubjectKind
from xinyong.core.masking import mask_name, mask_ric
from xinyong.lists.models import ListEntry
from xinyong.lists.selectors import LIST_ITEM_CODES, entries_in_force_q
from xinyong.records.models import CreditRecord, EffectiveStatus
from xinyong.records.selectors import records_visible_to, records_with_effective_status
from xinyong.reports.models import ReportKind
from xinyong.subjects.models import AliasKind, LinkedPerson, OrganisationType, Subject

CONTENT_FORMAT = 1
REPORT_TITLE = "公共信用信息报告"
DEFAULT_PLATFORM_NAME = "公共信用信息共享平台"
NO_INFORMATION = "未查询到相关信息。"

AUTHORISED_SCOPES = (DisclosureScope.PUBLIC, DisclosureScope.SHARED, DisclosureScope.AUTHORISED)

# Core field roles shown in their own columns or describing the subject itself (already in 基础信息).
IDENTITY_ROLES = frozenset(
    {
        "subject_name",
        "subject_kind",
        "subject_uscc",
        "subject_reg_no",
        "subject_org_code",
        "subject_id_type",
        "subject_id_number",
        "legal_representative",
        "document_number",
        "decision_date",
        "deciding_authority",
        "deciding_authority_uscc",
        "source_department_name",
        "source_department_uscc",
    }
)
# Exchange bookkeeping of the national templates (地方编码, 数据更新时间戳): no meaning for a reader.
TECHNICAL_FIELD_CODES = frozenset({"DFBM", "SJC"})
# Personal ID numbers are never printed, not even masked: the subject is identified in 基础信息.
ID_FIELD_TYPES = frozenset({FieldType.RIC, FieldType.ID_NUMBER})

# 18-digit (or legacy 15-digit) runs that may be 身份证 numbers; masked when they hold a plausible birth date.
RIC_MIN_BIRTH_DATE = dt.date(1900, 1, 1)
RIC_LIKE_RE = re.compile(r"(?<![0-9A-Za-z])(\d{17}[\dXx]|\d{15})(?![0-9A-Za-z])")


@dataclass(frozen=True)
class SectionSpec:
    code: str
    title: str
    categories: tuple[str, ...]
    # (item code, title) groups shown even when empty, in this order; other items follow by code.
    fixed_groups: tuple[tuple[str, str], ...] = ()
    note: str = ""
    public_note: str = ""


SECTIONS: tuple[SectionSpec, ...] = (
    SectionSpec(
        "basic",
        "基础信息",
        (CatalogCategory.REGISTRATION,),
        note="主体的登记注册基本信息。",
    ),
    SectionSpec(
        "administrative",
        "行政管理信息",
        (CatalogCategory.ADMINISTRATIVE,),
        fixed_groups=(("license", "行政许可"), ("penalty", "行政处罚")),
        note="行政机关依法作出的行政许可、行政处罚等行政管理信息。",
        public_note="行政处罚信息按规定的公示期限公示，期满或经信用修复后不再公示。",
    ),
    SectionSpec(
        "serious_dishonesty",
        "严重失信主体名单",
        (CatalogCategory.SERIOUS_DISHONESTY,),
        note="依法依规被列入严重失信主体名单的信息。",
    ),
    SectionSpec(
        "abnormal",
        "经营异常名录",
        (CatalogCategory.ABNORMAL,),
        note="被列入经营异常名录（个体工商户标记为经营异常状态）的信息。",
    ),
    SectionSpec(
        "commitment",
        "信用承诺",
        (CatalogCategory.COMMITMENT,),
        note="主体作出的信用承诺及其履行情况。",
    ),
    SectionSpec(
        "evaluation",
        "信用评价",
        (CatalogCategory.EVALUATION,),
        note=(
            "本平台尚未开展公共信用综合评价，本报告不包含本平台作出的信用评价结果或等级。"
            "以下仅列示有关部门依法作出并报送本平台的信用评价结果（如有）。"
        ),
    ),
    SectionSpec(
        "honour",
        "守信激励",
        (CatalogCategory.HONOUR,),
        note="各级人民政府及其部门授予的诚实守信相关荣誉和表彰信息。",
    ),
    SectionSpec(
        "other",
        "其他",
        (
            CatalogCategory.JUDICIAL,
            CatalogCategory.QUALIFICATION,
            CatalogCategory.CONTRACT,
            CatalogCategory.COMPLIANCE,
            CatalogCategory.VOLUNTARY,
        ),
        note="司法裁判及执行、职业资格、合同履行、遵守法律法规情况等其他公共信用信息。",
    ),
)
SECTION_NUMERALS = "一二三四五六七八九十"


def platform_name() -> str:
    """The name printed as the issuer of reports."""
    return getattr(settings, "PLATFORM_NAME", DEFAULT_PLATFORM_NAME)


# ---------------------------------------------------------------------------------------------------------
# Records


def report_records(*, subject: Subject, kind: str, as_of: dt.date) -> QuerySet[CreditRecord]:
    """The records a report of ``kind`` about ``subject`` shows on ``as_of`` (see the module docstring)."""
    if kind == ReportKind.PUBLIC:
        records = records_visible_to(principal=None, as_of=as_of).filter(subject=subject)
    else:
        records = CreditRecord.objects.filter(
            Q(subject=subject, disclosure_scope__in=AUTHORISED_SCOPES)
            & records_with_effective_status(status=EffectiveStatus.EFFECTIVE, as_of=as_of)
        )
    return (
        records.filter(list_records_shown_q(as_of=as_of))
        .select_related("item", "item_version", "department", "current_version")
        .order_by("-decision_date", "-id")
    )


def list_records_shown_q(*, as_of: dt.date) -> Q:
    """Records of the list items (严重失信主体名单, 经营异常名录, 守信激励) appear through their list entries:
    a record with an entry in force on ``as_of`` is shown, one whose entries ended (removed, expired,
    repaired, left the red list) or are not yet in force is not; a record that maps to no list type (no
    entry) is shown as a record. Records of other items are unaffected (docs/lists.md)."""
    entries = ListEntry.objects.filter(record_id=OuterRef("pk"))
    return (
        ~Q(item__code__in=LIST_ITEM_CODES)
        | ~Exists(entries)
        | Exists(entries.filter(entries_in_force_q(as_of=as_of)))
    )


def list_entries_of(*, records: Iterable[CreditRecord], as_of: dt.date) -> dict[int, ListEntry]:
    """The entry in force on ``as_of`` of each of these list records (by record id)."""
    ids = [r.pk for r in records if r.item.code in LIST_ITEM_CODES]
    if not ids:
        return {}
    found = ListEntry.objects.filter(entries_in_force_q(as_of=as_of), record_id__in=ids).select_related(
        "list_type"
    )
    return {entry.record_id: entry for entry in found}


# ---------------------------------------------------------------------------------------------------------
# Masking


class _Masker:
    """Masks personal data in every text of a report: ID numbers always, a person's name in the public version."""

    def __init__(self, *, subject: Subject, public: bool, as_of: dt.date) -> None:
        self.as_of = as_of
        self.person_name = ""
        self.person_mask = ""
        if public and subject.kind == SubjectKind.NATURAL_PERSON:
            name = "".join(subject.name.split())
            if len(name) >= 2:
                self.person_name, self.person_mask = name, mask_name(name)

    def _ric(self, match: re.Match) -> str:
        text = match.group(0)
        return mask_ric(text) if self._looks_like_ric(text) else text

    def _looks_like_ric(self, text: str) -> bool:
        """A birth date where a 身份证 number has one: mistyped check digits are personal data too."""
        birth = text[6:14] if len(text) == 18 else "19" + text[6:12]
        try:
            day = dt.date(int(birth[:4]), int(birth[4:6]), int(birth[6:8]))
        except ValueError:
            return False
        return RIC_MIN_BIRTH_DATE <= day <= self.as_of

    def text(self, value: str) -> str:
        if self.person_name and self.person_name in value:
            value = value.replace(self.person_name, self.person_mask)
        if any(ch.isdigit() for ch in value):
            value = RIC_LIKE_RE.sub(self._ric, value)
        return value


def _display(value: Any) -> str:
    """A field value as text: lists joined with 、, everything else as its string."""
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return "、".join(_display(v) for v in value if _display(v))
    if isinstance(value, dict):
        return "；".join(f"{k}：{_display(v)}" for k, v in value.items() if _display(v))
    if isinstance(value, bool):
        return "是" if value else "否"
    return str(value).strip()


# ---------------------------------------------------------------------------------------------------------
# Rows


class _FieldPlan:
    """Which fields of one item version a report shows, in catalog order, with their labels."""

    def __init__(self, item_version, *, public: bool) -> None:
        roles = item_version.core_fields or {}
        hidden = {code for role, code in roles.items() if role in IDENTITY_ROLES}
        self.roles = roles
        self.shown: list[tuple[str, str]] = []
        for spec in item_version.fields or []:
            if not isinstance(spec, dict) or not spec.get("code"):
                continue
            code = spec["code"]
            if code in hidden or code in TECHNICAL_FIELD_CODES or spec.get("type") in ID_FIELD_TYPES:
                continue
            if public and (spec.get("public", True) is False or spec.get("personal")):
                continue
            self.shown.append((code, spec.get("name") or code))

    def shows_role(self, role: str) -> bool:
        """True when the field holding core role ``role`` is among the fields shown."""
        code = self.roles.get(role)
        return bool(code) and any(shown == code for shown, _ in self.shown)

    def value(self, fields: dict, role: str) -> str:
        code = self.roles.get(role)
        return _display(fields.get(code)) if code else ""


def _row(record: CreditRecord, plan: _FieldPlan, masker: _Masker, *, authorised: bool) -> dict[str, Any]:
    version = record.current_version
    fields = (version.fields if version is not None else {}) or {}
    details = []
    for code, label in plan.shown:
        text = _display(fields.get(code))
        if text:
            details.append([label, masker.text(text)])
    row: dict[str, Any] = {
        "document_number": masker.text(record.document_number),
        "decision_date": record.decision_date.isoformat(),
        "authority": masker.text(plan.value(fields, "deciding_authority")),
        "source": record.department.name,
        "details": details,
    }
    if authorised and record.severity and not plan.shows_role("severity"):
        # The catalog keeps the severity tier (失信严重程度) out of public disclosure.
        row["severity"] = record.get_severity_display()
    if record.publish_until is not None and record.item_version.rule_set_code:
        row["publish_until"] = record.publish_until.isoformat()
    if authorised and record.disclosure_scope != DisclosureScope.PUBLIC:
        row["scope"] = record.get_disclosure_scope_display()
    if record.disputed:
        # 异议标注: an objection is open (docs/objections.md); the report says so beside the record.
        row["disputed"] = True
    return row


def _entry_details(entry: ListEntry) -> list[list[str]]:
    """What a list entry adds to its record's row: the list type and the listing period."""
    until = entry.effective_until.isoformat() if entry.effective_until else "至移出之日"
    start = entry.effective_from.isoformat() if entry.effective_from else ""
    return [["名单类型", entry.list_type.name], ["列入日期", start], ["有效期至", until]]


def _sections(
    records: Iterable[CreditRecord],
    masker: _Masker,
    *,
    public: bool,
    entries: dict[int, ListEntry] | None = None,
) -> list[dict[str, Any]]:
    by_category: dict[str, dict[str, dict[str, Any]]] = {}
    plans: dict[int, _FieldPlan] = {}
    for record in records:
        plan = plans.get(record.item_version_id)
        if plan is None:
            plan = plans[record.item_version_id] = _FieldPlan(record.item_version, public=public)
        groups = by_category.setdefault(record.item.category, {})
        group = groups.setdefault(
            record.item.code, {"item": record.item.code, "title": record.item.name, "rows": []}
        )
        row = _row(record, plan, masker, authorised=not public)
        if entries and record.pk in entries:
            row["details"] = _entry_details(entries[record.pk]) + row["details"]
        group["rows"].append(row)

    sections = []
    for index, spec in enumerate(SECTIONS):
        found: dict[str, dict[str, Any]] = {}
        for category in spec.categories:
            found.update(by_category.get(category, {}))
        groups = []
        for code, title in spec.fixed_groups:
            group = found.pop(code, None) or {"item": code, "title": title, "rows": []}
            group["title"] = title
            groups.append(group)
        groups.extend(found[code] for code in sorted(found))
        for group in groups:
            group["count"] = len(group["rows"])
        note = spec.note
        if public and spec.public_note:
            note = f"{note}{spec.public_note}"
        sections.append(
            {
                "code": spec.code,
                "number": SECTION_NUMERALS[index],
                "title": spec.title,
                "note": note,
                "count": sum(g["count"] for g in groups),
                "groups": groups,
            }
        )
    return sections


# ---------------------------------------------------------------------------------------------------------
# Subject


def _subject_block(
    subject: Subject, masker: _Masker, *, public: bool, as_of: dt.date, records: list[CreditRecord]
) -> dict[str, Any]:
    """What the registry knows about the subject (shown under 基础信息), with its name and code for the head."""
    person = subject.kind == SubjectKind.NATURAL_PERSON
    name = mask_name(subject.name) if (public and person) else subject.name
    details: list[list[str]] = [["名称" if not person else "姓名", name]]
    details.append(["主体类别", subject.get_kind_display()])
    if person:
        # The registry keeps the full number encrypted; only the masked form is ever printed.
        details.append(["身份证号码", subject.ric_masked or "—"])
    else:
        details.append(["统一社会信用代码", subject.uscc or "—"])
        if subject.org_type and subject.org_type != OrganisationType.OTHER:
            details.append(["组织类型", subject.get_org_type_display()])
        if subject.uscc_category_name and subject.uscc_category_name != subject.get_org_type_display():
            details.append(["机构类别", subject.uscc_category_name])
        linked = _linked_persons(subject, as_of=as_of)
        if not linked:
            linked = _representative_on_record(subject, records, public=public)
        for label, value in linked:
            details.append([label, masker.text(value)])
        former = list(
            subject.aliases.filter(kind=AliasKind.FORMER_NAME)
            .order_by("first_seen")
            .values_list("value", flat=True)
        )
        if former:
            details.append(["曾用名", "、".join(former)])
        labels = dict(AliasKind.choices)
        codes = [
            f"{labels.get(kind, kind)}：{value}"
            for kind, value in subject.aliases.exclude(kind=AliasKind.FORMER_NAME)
            .order_by("kind", "first_seen")
            .values_list("kind", "value")
        ]
        if codes:
            details.append(["原登记代码", "；".join(codes)])
    return {
        "name": name,
        "kind": subject.kind,
        "kind_label": subject.get_kind_display(),
        "code": subject.display_code,
        "details": details,
    }


def _field_shown(item_version, code: str, *, public: bool) -> bool:
    """False for a field the catalog keeps out of the public version (not public, or personal)."""
    if not public:
        return True
    spec = next((f for f in item_version.fields or [] if isinstance(f, dict) and f.get("code") == code), {})
    return spec.get("public", True) is not False and not spec.get("personal")


def _representative_on_record(
    subject: Subject, records: list[CreditRecord], *, public: bool
) -> list[tuple[str, str]]:
    """The legal representative (经营者 of a 个体工商户) named by the newest record that names one, when the
    registry has no linked person: the record columns leave that field out because 基础信息 shows it."""
    label = "经营者" if subject.kind == SubjectKind.INDIVIDUAL_BUSINESS else "法定代表人（负责人）"
    for record in records:  # newest decision first
        code = (record.item_version.core_fields or {}).get("legal_representative")
        if not code or not _field_shown(record.item_version, code, public=public):
            continue
        version = record.current_version
        value = _display((version.fields or {}).get(code)) if version is not None else ""
        if value:
            return [(label, value)]
    return []


def _linked_persons(subject: Subject, *, as_of: dt.date) -> list[tuple[str, str]]:
    people = (
        LinkedPerson.objects.filter(subject=subject)
        .filter(Q(valid_from__isnull=True) | Q(valid_from__lte=as_of))
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=as_of))
        .order_by("role", "-valid_from", "-id")
    )
    seen: set[str] = set()
    out = []
    for person in people:
        if person.role in seen:
            continue
        seen.add(person.role)
        out.append((person.get_role_display(), person.name))
    return out


# ---------------------------------------------------------------------------------------------------------
# Statements


def _statements(*, public: bool, issuer: str, as_of: dt.date) -> list[str]:
    date = f"{as_of.year}年{as_of.month}月{as_of.day}日"
    lines = [
        f"本报告由{issuer}根据各数据来源单位依法归集的公共信用信息出具，所载信息截至{date}（信息截止日期）。",
    ]
    if public:
        lines.append(
            "本报告为公开版，仅包含依法向社会公开且在公示期内的信息；已过公示期、已撤销或已撤回的信息，以及依法"
            "不予公开的信息，不在本报告中列示。涉及自然人的姓名、身份证号码等个人信息已作去标识化处理。"
        )
    else:
        lines.append(
            "本报告为授权版，依据当事人授权出具，包含依法公开、政务共享和授权查询的有效信息（不含已过公示期、"
            "已撤销或已撤回的信息）。本报告仅供被授权方在授权范围和期限内用于授权用途，未经当事人同意，不得向"
            "第三方提供或用于其他用途。"
        )
    lines += [
        "本平台尚未开展公共信用综合评价，报告中的“信用评价”部分不包含本平台作出的评价结果或等级。",
        "信息主体对报告所载信息有异议的，可以向本平台或数据来源单位提出异议申请；符合条件的，可以依法申请信用修复。",
        "本报告可凭报告编号和验证码在本平台“信用报告核验”页面核验真伪；请同时核对页脚所印内容摘要（SHA-256）"
        "与核验结果是否一致。",
    ]
    return lines


# ---------------------------------------------------------------------------------------------------------
# The snapshot


def report_content_build(
    *,
    subject: Subject,
    kind: str,
    as_of: dt.date,
    authorisation=None,
    records: Iterable[CreditRecord] | None = None,
) -> tuple[dict[str, Any], int]:
    """The snapshot of a report (without its number and issue time) and the number of records it shows."""
    public = kind == ReportKind.PUBLIC
    masker = _Masker(subject=subject, public=public, as_of=as_of)
    rows = list(records if records is not None else report_records(subject=subject, kind=kind, as_of=as_of))
    issuer = platform_name()
    sections = _sections(rows, masker, public=public, entries=list_entries_of(records=rows, as_of=as_of))
    content: dict[str, Any] = {
        "format": CONTENT_FORMAT,
        "title": REPORT_TITLE,
        "kind": kind,
        "kind_label": ReportKind(kind).label,
        "issuer": issuer,
        "as_of": as_of.isoformat(),
        "subject": _subject_block(subject, masker, public=public, as_of=as_of, records=rows),
        "authorisation": None,
        "summary": [[s["title"], s["count"]] for s in sections if s["code"] != "basic"],
        "sections": sections,
        "statements": _statements(public=public, issuer=issuer, as_of=as_of),
    }
    if authorisation is not None:
        content["authorisation"] = {
            "grantee": authorisation.grantee_name,
            "grantee_kind": authorisation.get_grantee_kind_display(),
            "purpose": authorisation.purpose,
            "scope": authorisation.scope_labels,
            "valid_from": authorisation.valid_from.isoformat(),
            "valid_until": authorisation.valid_until.isoformat(),
        }
    return content, len(rows)
