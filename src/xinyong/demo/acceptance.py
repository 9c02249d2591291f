"""The demo acceptance system: a department's own web app (示范县市场监督管理局 行政许可受理系统) that embeds the
platform's credit check widget (docs/check-channels.md).

``demo_acceptance_setup`` (run by ``xinyong demo``) issues the acceptance system's API key (scope
``check:query``, market regulator) and keeps it in ``var/demo/acceptance/api-key`` — the acceptance system's
server-side configuration, readable by this user only. The demo page's server side reads it, obtains a
widget token as any acceptance system's server would (``widget_token_issue``, what
``POST /api/jrp/channels/widget-token`` runs), and renders the page with the widget; the page never sees
the key. Sample applicants are picked from the demo county: one on a list in force and one without.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from xinyong.accounts.models import ApiClient, ApiScope, Department
from xinyong.accounts.services import ApiKeyError, apiclient_authenticate, apiclient_create, apiclient_revoke
from xinyong.core.codes import SubjectKind
from xinyong.jrp.models import Matter, MatterStage
from xinyong.lists.selectors import entries_in_force
from xinyong.subjects.models import Subject

__all__ = [
    "ACCEPTANCE_CLIENT",
    "Applicant",
    "acceptance_applicants",
    "acceptance_client",
    "acceptance_matter",
    "demo_acceptance_setup",
]

ACCEPTANCE_CLIENT = "演示受理系统（市场监管局行政许可受理）"
ACCEPTANCE_DEPARTMENT = "samr"
SYSTEM_NAME = "行政许可受理系统（演示）"
PURPOSE = "行政许可受理前信用核查"
# The matter the demo page accepts applications for, when the demo county has none of the regulator's.
DEMO_MATTER = ("DEMO-SAMR-XK-001", "食品经营许可", "行政许可")


def key_file() -> Path:
    return Path(settings.MEDIA_ROOT).parent / "demo" / "acceptance" / "api-key"


def demo_acceptance_setup(*, departments: dict[str, Department], now: dt.datetime) -> ApiClient:
    """Revoke the acceptance system's earlier key, issue a new one and store it for the demo page."""
    for client in ApiClient.objects.filter(name=ACCEPTANCE_CLIENT, revoked_at__isnull=True):
        apiclient_revoke(client=client, now=now)
    department = departments[ACCEPTANCE_DEPARTMENT]
    client, key = apiclient_create(
        name=ACCEPTANCE_CLIENT, department=department, scopes=[ApiScope.CHECK_QUERY], now=now
    )
    path = key_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(key + "\n")
    acceptance_matter(department=department)
    return client


def acceptance_client() -> ApiClient | None:
    """The acceptance system's API client, authenticated with the stored key (None before ``xinyong demo``)."""
    path = key_file()
    if not path.is_file():
        return None
    try:
        return apiclient_authenticate(key=path.read_text(encoding="utf-8").strip())
    except ApiKeyError:
        return None


def acceptance_matter(*, department: Department) -> Matter:
    """A matter of the department the page accepts applications for (the demo's own when it has none)."""
    matter = (
        Matter.objects.filter(department=department, active=True, stage=MatterStage.BEFORE)
        .order_by("code")
        .first()
        or Matter.objects.filter(department=department, active=True).order_by("code").first()
    )
    if matter is not None:
        return matter
    code, name, kind = DEMO_MATTER
    matter, _ = Matter.objects.get_or_create(
        code=code,
        defaults={
            "name": name,
            "department": department,
            "kind": kind,
            "stage": MatterStage.BEFORE,
            "source": "演示",
        },
    )
    return matter


@dataclass(frozen=True)
class Applicant:
    key: str
    label: str
    name: str
    code: str


def acceptance_applicants(*, as_of: dt.date) -> list[Applicant]:
    """Two sample applicants: an organisation on a list in force, and one on none."""
    listed_ids = set(
        entries_in_force(as_of=as_of)
        .filter(subject_kind=SubjectKind.ORGANISATION, list_type__colour="black")
        .values_list("subject_id", flat=True)[:200]
    )
    applicants = []
    listed = (
        Subject.objects.filter(pk__in=listed_ids).exclude(uscc="").order_by("pk").first()
        if listed_ids
        else None
    )
    if listed is not None:
        applicants.append(Applicant("hit", "示例一：列入失信名单的企业", listed.name, listed.uscc))
    all_listed = entries_in_force(as_of=as_of).values("subject_id")
    clean = (
        Subject.objects.filter(kind=SubjectKind.ORGANISATION)
        .exclude(uscc="")
        .exclude(pk__in=all_listed)
        .order_by("pk")
        .first()
    )
    if clean is not None:
        applicants.append(Applicant("clean", "示例二：无失信记录的企业", clean.name, clean.uscc))
    return applicants
