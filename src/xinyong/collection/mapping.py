"""Column mapping: which column of an uploaded table feeds which catalog field.

:func:`mapping_suggest` proposes a mapping for a table's headers; the officer corrects it in the preview and
the confirmed mapping (``dict[header, field_code]``, ``""`` for a column deliberately left out) is saved per
department and item, and offered first on the next upload (``via = "saved"``).

Automatic matching uses the catalog's header index (:meth:`ItemSchema.header_index`, normalised with
:func:`xinyong.catalog.spec.normalize_header`: width, case, spaces and punctuation ignored) and reports how
a column matched: by column code (``CF_WSH``, any case), Chinese header (``行政处罚决定书文号``), synonym
(``处罚决定书文号``) or legacy 2016 code (``CF_CFMC``). A header from a two-row XLSX header
(``行政相对人-名称``) is tried as a whole first (``行政相对人名称``), then by its lower part.

Several columns may feed one multi-value field (type ``codes``): the 2016 template's ``CF_CFLB1`` and
``CF_CFLB2`` both map to ``CF_CFLB`` and their values are joined. Any other field fed by two columns is
reported in ``duplicates`` (the officer must choose one; until then the first non-empty value wins).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from xinyong.catalog.spec import FieldType, ItemSchema, is_empty, normalize_header

__all__ = [
    "ColumnMatch",
    "MappingProposal",
    "RowMapper",
    "mapping_apply",
    "mapping_suggest",
    "platform_filled_fields",
    "schema_of",
]

#: Core roles the platform fills from the uploading department when the file has no such column.
PLATFORM_FILLED_ROLES = ("source_department_name", "source_department_uscc")

#: Separator used when several columns feed one multi-value field.
JOIN_SEPARATOR = "；"


@dataclass(frozen=True)
class ColumnMatch:
    """One column of the file and the field it feeds (None: not loaded)."""

    index: int
    header: str
    field_code: str | None
    via: str  # "saved" | "code" | "header" | "synonym" | "legacy" | ""
    #: zh-hans note for the officer (a known legacy column that is deliberately not stored, and why).
    note: str = ""


@dataclass(frozen=True)
class MappingProposal:
    columns: list[ColumnMatch]
    #: Unconditionally required fields that no column feeds (and the platform does not fill).
    missing_required: list[str]
    #: Fields fed by more than one column (multi-value fields excepted: their columns are joined).
    duplicates: list[str]
    #: Required fields without a column that the platform fills from the uploading department.
    platform_filled: list[str] = field(default_factory=list)

    def as_mapping(self) -> dict[str, str]:
        """The proposal as a storable mapping: header → field code ("" for columns left out)."""
        out: dict[str, str] = {}
        for col in self.columns:
            out.setdefault(col.header, col.field_code or "")
        return out


def schema_of(item_version: Any) -> ItemSchema:
    """The ItemSchema of a CatalogItemVersion (cached), or the schema itself."""
    if isinstance(item_version, ItemSchema):
        return item_version
    from xinyong.catalog.selectors import catalog_version_schema

    return catalog_version_schema(version=item_version)


def platform_filled_fields(schema: ItemSchema) -> list[str]:
    """Field codes the platform fills from the uploading department when they are empty."""
    return [schema.core_fields[r] for r in PLATFORM_FILLED_ROLES if schema.core_fields.get(r)]


def _via_index(schema: ItemSchema) -> dict[str, tuple[str, str]]:
    """Normalised header → (field code, how it matches), for every header the catalog accepts."""
    index = schema.header_index()
    via: dict[str, tuple[str, str]] = {}
    for f in schema.fields:
        for kind, headers in (
            ("code", (f.code,)),
            ("header", (f.name,)),
            ("synonym", f.synonyms),
            ("legacy", f.legacy_codes),
        ):
            for h in headers:
                key = normalize_header(h)
                if index.get(key) == f.code:
                    via.setdefault(key, (f.code, kind))
    return via


def _resolve(via: Mapping[str, tuple[str, str]], header: str) -> tuple[str, str] | None:
    found = via.get(normalize_header(header))
    if found is None and "-" in header:
        # Two-row XLSX header "上级-下级": the whole did not match, try the lower cell's text.
        found = via.get(normalize_header(header.rsplit("-", 1)[1]))
    return found


def mapping_suggest(
    *, headers: list[str], item_version: Any, saved: dict[str, str] | None = None
) -> MappingProposal:
    """Propose a column → field mapping: the saved mapping first, then code, header, synonym, legacy name."""
    schema = schema_of(item_version)
    via = _via_index(schema)
    ignored = schema.ignored_headers()
    known = set(schema.field_codes)
    saved_index = {normalize_header(h): code for h, code in (saved or {}).items()}

    columns: list[ColumnMatch] = []
    for i, header in enumerate(headers):
        key = normalize_header(header)
        if key and key in saved_index and (saved_index[key] in known or saved_index[key] == ""):
            code = saved_index[key] or None
            columns.append(ColumnMatch(i, header, code, "saved"))
            continue
        found = _resolve(via, header) if key else None
        if found is not None:
            columns.append(ColumnMatch(i, header, found[0], found[1]))
        else:
            note = ""
            if key in ignored:
                note = f"旧版字段，不导入：{ignored[key]}" if ignored[key] else "旧版字段，不导入"
            columns.append(ColumnMatch(i, header, None, "", note))

    fed: dict[str, int] = {}
    for col in columns:
        if col.field_code:
            fed[col.field_code] = fed.get(col.field_code, 0) + 1
    multi = {f.code for f in schema.fields if f.type == FieldType.CODES}
    duplicates = [code for code in schema.field_codes if fed.get(code, 0) > 1 and code not in multi]
    filled = set(platform_filled_fields(schema))
    missing = [f.code for f in schema.fields if f.required and f.code not in fed and f.code not in filled]
    platform = [f.code for f in schema.fields if f.required and f.code not in fed and f.code in filled]
    return MappingProposal(
        columns=columns, missing_required=missing, duplicates=duplicates, platform_filled=platform
    )


class RowMapper:
    """Turns a row's values (aligned with the headers) into ``{field_code: raw value}``.

    Built once per table by :func:`mapping_apply`; the per-row call only walks a precomputed index list.
    It keeps a reference to the table's header list, so headers appended while a JSON table is read
    (keys first seen late) are picked up: they are mapped through ``mapping`` and, with a schema, the
    catalog's header index.
    """

    def __init__(
        self,
        headers: list[str],
        mapping: Mapping[str, str],
        *,
        schema: ItemSchema | None = None,
    ) -> None:
        self.headers = headers
        self._mapping = {normalize_header(h): code for h, code in mapping.items()}
        self._exact = dict(mapping)
        self._schema = schema
        self._via = _via_index(schema) if schema is not None else {}
        self._multi = {f.code for f in schema.fields if f.type == FieldType.CODES} if schema else set()
        self._single: list[tuple[int, str]] = []
        self._groups: dict[str, list[int]] = {}
        self._fields: dict[int, str] = {}
        self._initial = len(headers)
        self.width = 0
        self._extend()

    def field_for(self, header: str, *, late: bool = False) -> str | None:
        """The field a header feeds; ``late`` headers (JSON keys seen after the scan) also by the catalog."""
        code = self._exact.get(header)
        if code is None:
            code = self._mapping.get(normalize_header(header))
        if code is None and late and self._via:
            found = _resolve(self._via, header)
            code = found[0] if found else None
        return code or None

    def _extend(self) -> None:
        for i in range(self.width, len(self.headers)):
            code = self.field_for(self.headers[i], late=i >= self._initial)
            if code:
                self._fields[i] = code
        self.width = len(self.headers)
        by_field: dict[str, list[int]] = {}
        for i, code in self._fields.items():
            by_field.setdefault(code, []).append(i)
        self._single = [(idx[0], code) for code, idx in by_field.items() if len(idx) == 1]
        self._groups = {code: idx for code, idx in by_field.items() if len(idx) > 1}

    @property
    def columns(self) -> dict[str, str]:
        """Field code → the header of (the first) column feeding it: the ``columns`` for validation."""
        out: dict[str, str] = {}
        for i in sorted(self._fields):
            out.setdefault(self._fields[i], self.headers[i])
        return out

    def extra_cells(self, values: Sequence[Any]) -> list[tuple[int, Any]]:
        """(0-based index, value) of non-empty cells beyond the headers (a CSV row with too many cells)."""
        if len(values) > self.width and len(self.headers) > self.width:
            self._extend()
        return [(i, v) for i, v in enumerate(values[self.width :], self.width) if not is_empty(v)]

    def __call__(self, values: Sequence[Any]) -> dict[str, Any]:
        n = len(values)
        if n > self.width and len(self.headers) > self.width:
            self._extend()
        out = {code: values[i] for i, code in self._single if i < n}
        for code, idx in self._groups.items():
            parts = [values[i] for i in idx if i < n and not is_empty(values[i])]
            if not parts:
                out[code] = None
            elif code in self._multi:
                out[code] = JOIN_SEPARATOR.join(str(p).strip() for p in parts) if len(parts) > 1 else parts[0]
            else:
                out[code] = parts[0]
        return out


def mapping_apply(
    headers: list[str], mapping: Mapping[str, str], *, schema: ItemSchema | None = None
) -> RowMapper:
    """A fast per-row callable: values aligned with ``headers`` → ``{field_code: raw value}``.

    ``mapping`` is header → field code ("" or a missing header: column not loaded). With ``schema``,
    headers appended later (JSON keys first seen after the header scan) are matched automatically and
    several columns feeding a multi-value field are joined with “；”.
    """
    return RowMapper(headers, mapping, schema=schema)
