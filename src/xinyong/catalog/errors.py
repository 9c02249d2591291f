"""Errors of the catalog app: each carries a stable code and a zh-hans message saying how to fix it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FixtureIssue:
    """One problem found in catalog content (a YAML file or an admin edit)."""

    code: str
    message: str
    file: str = ""
    item: str = ""
    field: str = ""

    def __str__(self) -> str:
        where = []
        if self.file:
            where.append(f"文件 {self.file}")
        if self.item:
            where.append(f"目录项 {self.item}")
        if self.field:
            where.append(f"字段 {self.field}")
        prefix = "，".join(where)
        return f"{prefix}：{self.message} [{self.code}]" if prefix else f"{self.message} [{self.code}]"


class CatalogFixtureError(Exception):
    """Catalog content failed validation; nothing was written."""

    def __init__(self, issues: list[FixtureIssue]):
        self.issues = list(issues)
        super().__init__("\n".join(str(i) for i in self.issues))

    @property
    def codes(self) -> list[str]:
        return [i.code for i in self.issues]


class RuleSetNotFound(LookupError):
    """No publication rule set is in force on the requested date."""

    code = "rule_set_not_found"

    def __init__(self, message: str):
        self.message = message
        super().__init__(message)
