"""The rules every resolution of a subject follows: legacy codes as aliases, the organisation's category.

The subject loader (``subjects.bulk``) applies them when it resolves the subjects of a chunk of rows; the
identifier rules themselves (USCC, 身份证, 组织机构代码) live in ``core.identifiers`` (docs/identifiers.md).
"""

from __future__ import annotations

from collections.abc import Mapping

from xinyong.core.codes import SubjectKind
from xinyong.core.identifiers import IdIssue, UsccResult, check_org_code, normalize_code_input
from xinyong.subjects.models import AliasKind, OrganisationType

# Codes a subject was known by before its USCC, kept as aliases so that old records and searches find it.
LEGACY_CODE_KINDS = (
    AliasKind.REG_NO,
    AliasKind.ORG_CODE,
    AliasKind.TAX_NO,
    AliasKind.PUBLIC_INSTITUTION_CERT,
    AliasKind.SOCIAL_ORG_CERT,
)

# USCC positions 1–2 → organisation subtype. Pairs not listed (外交, 司法行政, 军队 …) stay "other".
_ORG_TYPE_BY_CATEGORY = {
    "11": OrganisationType.GOVERNMENT_BODY,
    "12": OrganisationType.PUBLIC_INSTITUTION,
    "13": OrganisationType.SOCIAL_ORGANISATION,
    "51": OrganisationType.SOCIAL_ORGANISATION,
    "52": OrganisationType.SOCIAL_ORGANISATION,
    "53": OrganisationType.SOCIAL_ORGANISATION,
    "59": OrganisationType.SOCIAL_ORGANISATION,
    "81": OrganisationType.SOCIAL_ORGANISATION,
    "91": OrganisationType.ENTERPRISE,
}


def organisation_category(*, result: UsccResult, kind: str) -> dict[str, str]:
    """Category code, its zh name and the organisation subtype of a checked USCC (docs/identifiers.md)."""
    category = result.category or ""
    name = result.category_name or ""
    org_type = ""
    if kind == SubjectKind.ORGANISATION and name:
        # A known category outside the mapped pairs (外交, 司法行政, 军队 …) is "other"; an unknown one stays blank.
        org_type = _ORG_TYPE_BY_CATEGORY.get(category, OrganisationType.OTHER)
    return {"uscc_category": category, "uscc_category_name": name, "org_type": org_type}


def legacy_codes_normalize(
    *, legacy_codes: Mapping[str, str] | None, warnings: list[IdIssue]
) -> dict[str, str]:
    """Normalised legacy codes by alias kind; an unusable 组织机构代码 becomes a warning, not a rejection.

    See docs/identifiers.md, "Warnings per row".
    """
    codes: dict[str, str] = {}
    for kind, raw in (legacy_codes or {}).items():
        if kind not in LEGACY_CODE_KINDS:
            raise ValueError(f"unknown legacy code kind {kind!r}")
        value = normalize_code_input(raw or "")
        if not value:
            continue
        if kind == AliasKind.ORG_CODE:
            result = check_org_code(value)
            if not result.ok:
                warnings.extend(
                    IdIssue(issue.code, f"组织机构代码未登记为别名：{issue.message}")
                    for issue in result.errors
                )
                continue
            value = result.normalized or value
        codes[kind] = value
    return codes
