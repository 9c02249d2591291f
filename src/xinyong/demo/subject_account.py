"""The demo's subject account (主体用户): a portal login linked to a listed organisation of the demo county, so
that 我的信用 (/my/) shows a whole archive, its list entry, who read it, and the forms to authorise, withdraw
an authorisation and give up the link (docs/subject-accounts.md).

The account registers and links through the services the portal uses: the platform's operator issues a
one-time code for the organisation and the account links with it. Idempotent: an account that exists keeps
its password and links; a missing link is made again.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Case, IntegerField, Value, When

from xinyong.accounts.models import Role, User
from xinyong.core.codes import SubjectKind
from xinyong.demo.county import DEMO_PASSWORD
from xinyong.dueprocess.subject_accounts.models import SubjectAccount, SubjectLink
from xinyong.dueprocess.subject_accounts.services import (
    account_register,
    link_code_issue,
    subject_link_create,
)
from xinyong.lists.models import OPEN_STATES, EntryState, ListEntry
from xinyong.records.models import CreditRecord
from xinyong.subjects.models import Subject

# An address under the reserved top-level domain .example: it belongs to nobody.
DEMO_SUBJECT_LOGIN = "qiye@shifanxian.example"
DEMO_SUBJECT_CONTACT = "演示企业经办人"


@dataclass(frozen=True)
class DemoSubjectAccount:
    login_name: str
    password: str
    subject: Subject
    list_name: str  # the list the subject is on, and the state of its entry


def _listed_organisation() -> tuple[Subject, ListEntry] | None:
    """The first organisation with a list entry in force (else one still open) and records of its own."""
    state_order = Case(
        When(state=EntryState.EFFECTIVE, then=Value(0)), default=Value(1), output_field=IntegerField()
    )
    entries = (
        ListEntry.objects.filter(
            state__in=OPEN_STATES, subject__kind=SubjectKind.ORGANISATION, subject__uscc__isnull=False
        )
        .select_related("subject", "list_type")
        .annotate(state_order=state_order)
        .order_by("state_order", "pk")
    )
    for entry in entries:
        if CreditRecord.objects.filter(subject=entry.subject).exists():
            return entry.subject, entry
    return None


def demo_subject_account() -> DemoSubjectAccount | None:
    """Register the demo's subject account and link it to a listed organisation (None: no such organisation,
    e.g. a tiny county)."""
    account = SubjectAccount.objects.filter(login_name=DEMO_SUBJECT_LOGIN).first()
    linked = (
        SubjectLink.objects.filter(account=account, revoked_at__isnull=True).select_related("subject").first()
        if account is not None
        else None
    )
    if linked is not None:
        entry = (
            ListEntry.objects.filter(subject=linked.subject)
            .select_related("list_type")
            .order_by("pk")
            .first()
        )
        return DemoSubjectAccount(DEMO_SUBJECT_LOGIN, DEMO_PASSWORD, linked.subject, _list_name(entry))
    found = _listed_organisation()
    operator = User.objects.filter(role=Role.OPERATOR, is_active=True).order_by("pk").first()
    if found is None or operator is None:
        return None
    subject, entry = found
    if account is None:
        account = account_register(
            login_name=DEMO_SUBJECT_LOGIN, display_name=DEMO_SUBJECT_CONTACT, password=DEMO_PASSWORD
        )
    _, code = link_code_issue(subject=subject, actor=operator)
    subject_link_create(account=account, code=subject.uscc, evidence=code)
    return DemoSubjectAccount(DEMO_SUBJECT_LOGIN, DEMO_PASSWORD, subject, _list_name(entry))


def _list_name(entry: ListEntry | None) -> str:
    return f"{entry.list_type.name}（{entry.get_state_display()}）" if entry is not None else ""
