"""Writes of commitments (信用承诺): signing, follow-up, fulfilment and breach (docs/commitments.md)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction

from xinyong.accounts.services import audit_log
from xinyong.core.errors import CodedError
from xinyong.dueprocess.cases.models import CaseKind
from xinyong.dueprocess.cases.services import case_event_add, case_number
from xinyong.dueprocess.commitments.models import (
    Commitment,
    CommitmentKind,
    CommitmentState,
    CommitmentTemplate,
)
from xinyong.dueprocess.subject_accounts.models import SubjectAccount

COMMITMENT_PREFIX = "CN"


class CommitmentError(CodedError):
    pass


def commitment_sign(
    *,
    subject,
    kind: str,
    matter_name: str,
    text: str,
    signatory: str,
    department,
    on_date: dt.date,
    actor: Any,
    matter_code: str = "",
    template: CommitmentTemplate | None = None,
    fulfilment_due: dt.date | None = None,
) -> Commitment:
    """Record a signed commitment (in progress until followed up); numbered, audited, with its history."""
    text = (text or "").strip()
    signatory = (signatory or "").strip()
    if kind not in CommitmentKind.values:
        raise CommitmentError("commitment_kind_invalid", "承诺类型无效")
    if not text:
        raise CommitmentError("commitment_text_required", "请填写承诺内容")
    if not signatory:
        raise CommitmentError("commitment_signatory_required", "请填写签署人姓名")
    if fulfilment_due is not None and fulfilment_due < on_date:
        raise CommitmentError("commitment_due_before_signing", "履行期限不能早于承诺日期")
    with transaction.atomic():
        commitment = Commitment.objects.create(
            number=f"{COMMITMENT_PREFIX}-pending-{subject.pk}-{dt.datetime.now().timestamp()}",
            subject=subject,
            kind=kind,
            template=template,
            matter_code=matter_code,
            matter_name=(matter_name or "").strip()[:200],
            text=text,
            signatory=signatory[:100],
            signed_on=on_date,
            account=actor if isinstance(actor, SubjectAccount) else None,
            department=department,
            recorded_by=None if actor is None or isinstance(actor, SubjectAccount) else actor,
            fulfilment_due=fulfilment_due,
            state=CommitmentState.IN_PROGRESS,
        )
        commitment.number = case_number(prefix=COMMITMENT_PREFIX, on_date=on_date, pk=commitment.pk)
        commitment.save(update_fields=["number"])
        case_event_add(
            case_kind=CaseKind.COMMITMENT,
            case_id=commitment.pk,
            from_state="",
            to_state=CommitmentState.IN_PROGRESS,
            on_date=on_date,
            actor=actor,
            note=f"签署{commitment.get_kind_display()}承诺",
        )
        audit_log(
            actor=actor,
            action="create",
            obj=commitment,
            detail={"number": commitment.number, "kind": kind, "subject": subject.pk, "on_date": on_date},
        )
    return commitment
