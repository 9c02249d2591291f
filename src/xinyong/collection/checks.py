"""Checks every submission channel (file, API body, form entry) makes before it accepts data.

May the actor submit as the department (refusals are audited), and which catalog item version the data is
for — refused when the department is not one of the item's source departments.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied

from xinyong.accounts.models import ApiClient, AuditOutcome, Department, User
from xinyong.accounts.services import audit_log
from xinyong.catalog.models import CatalogItemVersion
from xinyong.catalog.selectors import catalog_item_current_version, catalog_item_unknown_error
from xinyong.collection.errors import CollectionError
from xinyong.collection.models import Batch
from xinyong.collection.permissions import can_upload_for


def batch_actor(*, batch: Batch) -> ApiClient | User | None:
    """Who submitted a batch: its API client, or the user who uploaded it (``None`` for a command-line run)."""
    return batch.api_client if batch.api_client_id else batch.uploaded_by


def upload_permission_require(*, actor, department: Department, action: str, obj=None) -> None:
    """Refuse (and audit) an actor that may not submit data as ``department``."""
    if can_upload_for(actor, department):
        return
    audit_log(
        actor=actor,
        action=action,
        obj=obj if obj is not None else Batch,
        outcome=AuditOutcome.DENIED,
        detail={"department": department.code},
    )
    own = getattr(getattr(actor, "department", None), "name", None)
    if own:
        raise PermissionDenied(f"只能以本部门名义报送数据：您属于“{own}”，不能为“{department.name}”报送")
    raise PermissionDenied(f"您没有为“{department.name}”报送数据的权限；请由本部门数据报送员或平台管理员操作")


def item_version_for_submission(*, item_code: str, on: dt.date, department: Department) -> CatalogItemVersion:
    """The catalog item version in force on ``on``, refused when ``department`` is not one of its sources."""
    try:
        version = catalog_item_current_version(code=item_code, on=on)
    except CatalogItemVersion.DoesNotExist as exc:
        raise CollectionError(*catalog_item_unknown_error(code=item_code, on=on)) from exc
    if not version.accepts_from(department):
        raise CollectionError(
            "department_not_source",
            f"“{department.name}”不是目录项“{version.item.name}”的数据来源部门，"
            "请核对目录项或联系平台管理员调整目录",
        )
    return version
