"""Reads on the subject registry: a subject by id, lookups by 身份证 number (via HMAC), name and alias; confirmed
codes; the subjects an API client finds."""

from __future__ import annotations

from django.db.models import Prefetch, Q, QuerySet

from xinyong.core.codes import SubjectKind
from xinyong.core.identifiers import UsccConfirmations, check_org_code, check_ric, normalize_code_input
from xinyong.subjects import crypto
from xinyong.subjects.models import AliasKind, ConfirmedCode, LinkedPerson, Subject
from xinyong.subjects.names import normalize_name
from xinyong.subjects.permissions import subjects_visible_to


def subject_get(*, subject_id: int) -> Subject | None:
    """The subject with this id, or ``None``."""
    return Subject.objects.filter(pk=subject_id).first()


def ric_lookup_hash(*, value: str) -> str | None:
    """The HMAC to look a 身份证 number up by, or None when the text is not a valid number."""
    result = check_ric(value)
    return crypto.ric_hmac(result.normalized) if result.ok else None


def subjects_by_name(*, name: str) -> QuerySet[Subject]:
    """Organisations and 个体工商户 whose current or former name normalises to the same key."""
    key = normalize_name(name)
    if not key:
        return Subject.objects.none()
    # Natural persons are found by ID number only: a name search must not enumerate people.
    return (
        Subject.objects.exclude(kind=SubjectKind.NATURAL_PERSON)
        .filter(
            Q(name_normalized=key) | Q(aliases__kind=AliasKind.FORMER_NAME, aliases__value_normalized=key)
        )
        .distinct()
    )


def subject_search_filter(*, term: str) -> Q:
    """Console search: exact 身份证 number (via HMAC), USCC, legacy code, or a name fragment."""
    term = (term or "").strip()
    code = normalize_code_input(term)
    condition = Q(pk__in=[])
    digest = ric_lookup_hash(value=term) if code[:17].isdigit() and len(code) in (15, 18) else None
    if digest is not None:
        condition |= Q(ric_hmac=digest)
    if code:
        condition |= Q(uscc=code) | Q(aliases__value_normalized=code)
        org_code = check_org_code(code)
        if org_code.ok and org_code.normalized != code:
            condition |= Q(aliases__value_normalized=org_code.normalized)
    key = normalize_name(term)
    if key:
        condition |= Q(name_normalized__contains=key) | Q(
            aliases__kind=AliasKind.FORMER_NAME, aliases__value_normalized__contains=key
        )
    return condition


# ---------------------------------------------------------------------------------------------------
# Confirmed codes (USCCs whose check character is wrong but which are real; docs/identifiers.md)


def uscc_confirmations(*, registration_authority: bool = False) -> UsccConfirmations:
    """The active confirmed codes now, as the ``confirmed`` lookup of ``check_uscc`` (one query).

    ``registration_authority``: the caller validates the subject of a 登记注册 record submitted by its
    registration authority, which vouches for the code it reports.
    """
    codes = dict(ConfirmedCode.objects.filter(revoked_at__isnull=True).values_list("uscc", "source"))
    return UsccConfirmations(codes=codes, registration_authority=registration_authority)


def confirmed_code_active(*, uscc: str) -> ConfirmedCode | None:
    """The active confirmation of a code, if any."""
    code = normalize_code_input(uscc)
    return ConfirmedCode.objects.filter(uscc=code, revoked_at__isnull=True).first() if code else None


def confirmed_codes_list(*, q: str = "", state: str = "") -> QuerySet[ConfirmedCode]:
    """Confirmations, newest first; ``q`` a code or part of one, ``state`` "active", "revoked" or "" for all."""
    rows = ConfirmedCode.objects.select_related("confirmed_by", "revoked_by", "department")
    code = normalize_code_input(q)
    if code:
        rows = rows.filter(uscc__contains=code)
    if state == "active":
        rows = rows.filter(revoked_at__isnull=True)
    elif state == "revoked":
        rows = rows.filter(revoked_at__isnull=False)
    return rows


def _visible_detailed(principal) -> QuerySet[Subject]:
    return subjects_visible_to(principal).prefetch_related(
        "aliases", Prefetch("linked_persons", queryset=LinkedPerson.objects.order_by("role", "-valid_from"))
    )


def subjects_find(
    *, principal, uscc: str = "", name: str = "", ric_digest: str = "", limit: int
) -> list[Subject]:
    """Up to ``limit`` subjects ``principal`` may read matching every given criterion (USCC, name, 身份证 HMAC),
    by id, with their aliases and linked persons."""
    subjects = _visible_detailed(principal)
    if ric_digest:
        subjects = subjects.filter(ric_hmac=ric_digest)
    if uscc.strip():
        subjects = subjects.filter(uscc=normalize_code_input(uscc))
    if name.strip():
        subjects = subjects.filter(pk__in=subjects_by_name(name=name).values("pk"))
    return list(subjects.order_by("pk")[:limit])


def subject_visible_get(*, principal, subject_id: int) -> Subject | None:
    """The subject with this id if ``principal`` may read it, with its aliases and linked persons."""
    return _visible_detailed(principal).filter(pk=subject_id).first()
