"""Who may do what with collection batches (归集批次). One rule per object; docs/access.md has the table.

- **The collection screens**: reading batches, results and quality (``can_read_collection``): operators, data
  officers, reviewers and auditors (window clerks work on credit checks and see no batches); submitting
  (``can_submit_collection``): operators and data officers. Department scope comes on top (below).
- **Submitting** for a department (upload, mapping, re-upload, resume, form entry): operators (and
  superusers) for any department, data officers for their own; an API client for its own department with
  the ``records:write`` scope.
- **Batch metadata** (file name, counts, error codes and their counts, progress): whoever may read the
  department's batches (``batches_visible_to``): operators and auditors every department's, department users
  their own.
- **Rejected rows** (the rows as submitted, shown masked on the batch page and in the admin): the batch
  department's data officers and reviewers — the people who answer for that department's submission. Operators
  and auditors see the metadata, not the rows (minimum necessary; 个人信息保护法 Art. 6, 51).
- **The rejection file** (the rejected rows unmasked, in the uploaded format, to fix and re-send): the batch
  department's data officers only, and the department's own API client through the API.

Superusers pass every check (the break-glass account of ``accounts.permissions``).
"""

from __future__ import annotations

from xinyong.accounts.models import ApiClient, ApiScope, Department, Role
from xinyong.accounts.permissions import effective_role, has_role

# Read the collection screens (batches, results, quality): reviewers read their department's batches,
# auditors every department's; window clerks work on credit checks and see no batches.
COLLECTION_READ_ROLES = frozenset({Role.OPERATOR, Role.DATA_OFFICER, Role.REVIEWER, Role.AUDITOR})
# Submit data (upload, confirm a mapping, form entry): reviewers, window clerks and auditors never submit.
COLLECTION_WRITE_ROLES = frozenset({Role.OPERATOR, Role.DATA_OFFICER})

ROWS_READ_ROLES = frozenset({Role.DATA_OFFICER, Role.REVIEWER})
REJECTION_FILE_ROLES = frozenset({Role.DATA_OFFICER})

REJECTION_FILE_REFUSED = (
    "退回文件含报送的原始数据（包括完整证件号码），只有该批次所属部门的数据报送员可以下载"
)
ROWS_HIDDEN = (
    "退回行含报送的原始数据，只有该批次所属部门的数据报送员和审核员可以查看；此处只显示批次统计和错误代码"
)


def can_read_collection(user) -> bool:
    """May ``user`` open the collection screens (batches, results, quality)?"""
    return effective_role(user) in COLLECTION_READ_ROLES


def can_submit_collection(user) -> bool:
    """May ``user`` open the submitting screens (upload, mapping, form entry)? Department scope comes on top."""
    return effective_role(user) in COLLECTION_WRITE_ROLES


def _superuser(user) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active and user.is_superuser)


def _own_department(user, department_id: int | None, roles: frozenset[str]) -> bool:
    return has_role(user, *roles) and department_id is not None and user.department_id == department_id


def can_upload_for(actor, department: Department | None) -> bool:
    """May ``actor`` submit records as ``department``? ``None`` is the system (the ``xinyong import`` command)."""
    if department is None:
        return False
    if actor is None:
        return True
    if isinstance(actor, ApiClient):
        return (
            actor.revoked_at is None
            and actor.department_id == department.pk
            and ApiScope.RECORDS_WRITE in (actor.scopes or [])
        )
    if not getattr(actor, "is_authenticated", False) or not actor.is_active:
        return False
    if actor.is_superuser or actor.role == Role.OPERATOR:
        return True
    return has_role(actor, Role.DATA_OFFICER) and actor.department_id == department.pk


def can_read_batch_rows(user, batch) -> bool:
    """May ``user`` see the rejected rows of ``batch`` (masked) on screen?"""
    if isinstance(user, ApiClient):
        return user.revoked_at is None and user.department_id == batch.department_id
    return _superuser(user) or _own_department(user, batch.department_id, ROWS_READ_ROLES)


def can_download_rejection_file(user, batch) -> bool:
    """May ``user`` download the rejection file of ``batch`` (rows unmasked, to fix and re-send)?"""
    return _superuser(user) or _own_department(user, batch.department_id, REJECTION_FILE_ROLES)
