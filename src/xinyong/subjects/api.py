"""Read API of the subject registry: ``GET /api/subjects/`` and ``GET /api/subjects/{id}``.

Organisations and 个体工商户 are looked up by USCC or by name (normalised exact match; former names count).
Natural persons are found only by their exact 身份证 number (``ric``), never by name, and are visible only
to clients that can see a record about them. 身份证 numbers are always masked in responses. A lookup by
``ric`` and any answer about a natural person is audited with the client as actor and needs a purpose
(``X-Purpose`` header or ``purpose`` parameter, see ``xinyong.core.api``); without one: 400.
"""

from __future__ import annotations

import datetime as dt

from ninja import Router, Schema

from xinyong.accounts.api_auth import ApiKeyAuth
from xinyong.core.api import PURPOSE_REQUIRED, ErrorOut, error, request_purpose
from xinyong.core.codes import SubjectKind
from xinyong.subjects.models import Subject
from xinyong.subjects.selectors import ric_lookup_hash, subject_visible_get, subjects_find
from xinyong.subjects.services import subject_view_audit, subjects_query_audit

router = Router(tags=["主体"])

MAX_RESULTS = 50


class AliasOut(Schema):
    kind: str
    kind_name: str
    value: str


class LinkedPersonOut(Schema):
    role: str
    role_name: str
    name: str
    ric_masked: str
    valid_from: dt.date | None
    valid_to: dt.date | None


class SubjectOut(Schema):
    id: int
    kind: str
    kind_name: str
    name: str
    uscc: str | None
    ric_masked: str
    org_type: str
    uscc_category: str
    uscc_category_name: str
    aliases: list[AliasOut]
    linked_persons: list[LinkedPersonOut]


class SubjectListOut(Schema):
    count: int
    results: list[SubjectOut]


def _subject_out(subject: Subject) -> dict:
    return {
        "id": subject.pk,
        "kind": subject.kind,
        "kind_name": subject.get_kind_display(),
        "name": subject.name,
        "uscc": subject.uscc,
        "ric_masked": subject.ric_masked,
        "org_type": subject.org_type,
        "uscc_category": subject.uscc_category,
        "uscc_category_name": subject.uscc_category_name,
        "aliases": [
            {"kind": a.kind, "kind_name": a.get_kind_display(), "value": a.value}
            for a in subject.aliases.all()
        ],
        "linked_persons": [
            {
                "role": p.role,
                "role_name": p.get_role_display(),
                "name": p.name,
                "ric_masked": p.ric_masked,
                "valid_from": p.valid_from,
                "valid_to": p.valid_to,
            }
            for p in subject.linked_persons.all()
        ],
    }


@router.get(
    "/",
    auth=ApiKeyAuth("subjects:read"),
    response={200: SubjectListOut, 400: ErrorOut},
    summary="查询主体",
)
def find_subjects(
    request,
    uscc: str | None = None,
    name: str | None = None,
    ric: str | None = None,
    purpose: str | None = None,
):
    """Exact lookup by USCC, by name (organisations and 个体工商户), or by 身份证 number (natural persons)."""
    if not any(v and v.strip() for v in (uscc, name, ric)):
        return error(
            400,
            "query_required",
            "请至少提供一个查询条件：uscc（统一社会信用代码）、name（名称）或 ric（身份证号码）",
        )
    stated = request_purpose(request)
    digest = ""
    if ric and ric.strip():
        if not stated:
            return error(400, *PURPOSE_REQUIRED)
        digest = ric_lookup_hash(value=ric)
        if digest is None:
            return error(400, "ric_invalid", "身份证号码格式或校验码不正确，请核对后重新查询")
    results = subjects_find(
        principal=request.auth, uscc=uscc or "", name=name or "", ric_digest=digest, limit=MAX_RESULTS
    )
    persons = [s for s in results if s.kind == SubjectKind.NATURAL_PERSON]
    if persons or (ric and ric.strip()):
        if not stated:
            return error(400, *PURPOSE_REQUIRED)
        subjects_query_audit(
            actor=request.auth, persons=persons, by="ric" if ric else "code", purpose=stated, request=request
        )
    return {"count": len(results), "results": [_subject_out(s) for s in results]}


@router.get(
    "/{int:subject_id}",
    auth=ApiKeyAuth("subjects:read"),
    response={200: SubjectOut, 400: ErrorOut, 404: ErrorOut},
    summary="主体详情",
)
def get_subject(request, subject_id: int, purpose: str | None = None):
    """One subject with its aliases and linked persons (身份证 numbers masked)."""
    subject = subject_visible_get(principal=request.auth, subject_id=subject_id)
    if subject is None:
        return error(404, "subject_not_found", "未找到该主体，或本接口客户端无权查看")
    if subject.kind == SubjectKind.NATURAL_PERSON:
        stated = request_purpose(request)
        if not stated:
            return error(400, *PURPOSE_REQUIRED)
        subject_view_audit(subject=subject, actor=request.auth, purpose=stated, request=request)
    return _subject_out(subject)
