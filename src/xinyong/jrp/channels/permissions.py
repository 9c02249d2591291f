"""Who may use the batch check in the console (docs/check-channels.md).

Window clerks, reviewers and data officers of a department submit batch checks for their department and
see its batches; only the submitting department downloads a result file (it names the subjects checked).
Operators see every department's batches (progress and counts) but submit and download none: a check is
always asked by a department. Auditors read the check log and the audit log, not these pages.
"""

from __future__ import annotations

from xinyong.accounts.models import Role
from xinyong.accounts.permissions import effective_role, has_role
from xinyong.jrp.models import BatchCheck

__all__ = [
    "can_download_batch_check",
    "can_open_batch_checks",
    "can_read_batch_check",
    "can_submit_batch_check",
]

BATCH_CHECK_ROLES = (Role.WINDOW_CLERK, Role.REVIEWER, Role.DATA_OFFICER)


def can_submit_batch_check(user) -> bool:
    """Department users who check subjects: window clerks, reviewers, data officers of a department."""
    return has_role(user, *BATCH_CHECK_ROLES) and bool(getattr(user, "department_id", None))


def can_open_batch_checks(user) -> bool:
    """The batch check pages: the department users above, and operators."""
    return can_submit_batch_check(user) or effective_role(user) == Role.OPERATOR


def can_read_batch_check(user, batch: BatchCheck) -> bool:
    if effective_role(user) == Role.OPERATOR:
        return True
    return can_submit_batch_check(user) and user.department_id == batch.department_id


def can_download_batch_check(user, batch: BatchCheck) -> bool:
    """The result file: the submitting department's users only."""
    return can_submit_batch_check(user) and user.department_id == batch.department_id
