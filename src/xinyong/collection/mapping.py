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

For a batch, :func:`batch_mapping_problems` says what keeps its mapping from being used (unknown fields,
a field in several columns, required fields missing, too many columns) and :func:`batch_preview` shows its
first rows with the proposal and what validation says about them. Confirming the mapping is a step of the
batch's life (``collection.lifecycle.batch_confirm_mapping``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from itertools import islice
from typing import Any

from django.conf import settings

from xinyong.catalog.selectors import catalog_version_schema
from xinyong.catalog.spec import FieldType, ItemSchema, is_empty, normalize_header
from xinyong.collection.errors import CollectionError
from xinyong.collection.models import Batch, BatchStatus, ColumnMapping
from xinyong.collection.readers import READ_ERROR_MESSAGES, ReadError, SourceRow
from xinyong.collection.selectors import uscc_confirmations_for
from xinyong.collection.source import batch_restores_quotes, batch_source_open, rows_restore_quotes
from xinyong.collection.storage import FileTampered, StoredFilesPurged
from xinyong.collection.validation import RowResult, RowValidator

__all__ = [
    "PREVIEW_VALIDATE_ROWS",
    "ColumnMatch",
    "MappingProposal",
    "Preview",
    "RowMapper",
    "batch_mapping_problems",
    "batch_preview",
    "batch_width_problem",
    "column_mapping_saved",
    "mapping_apply",
    "mapping_problems",
    "mapping_propose",
    "mapping_suggest",
    "platform_filled_fields",
    "proposal_mapping",
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


def schema_of(*, item_version: Any) -> ItemSchema:
    """The ItemSchema of a CatalogItemVersion (cached), or the schema itself."""
    if isinstance(item_version, ItemSchema):
        return item_version
    return catalog_version_schema(version=item_version)


def platform_filled_fields(*, schema: ItemSchema) -> list[str]:
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
    schema = schema_of(item_version=item_version)
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
    filled = set(platform_filled_fields(schema=schema))
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
    *, headers: list[str], mapping: Mapping[str, str], schema: ItemSchema | None = None
) -> RowMapper:
    """A fast per-row callable: values aligned with ``headers`` → ``{field_code: raw value}``.

    ``mapping`` is header → field code ("" or a missing header: column not loaded). With ``schema``,
    headers appended later (JSON keys first seen after the header scan) are matched automatically and
    several columns feeding a multi-value field are joined with “；”.
    """
    return RowMapper(headers, mapping, schema=schema)


# ---------------------------------------------------------------------------------------------------
# The mapping of a batch


def batch_width_problem(*, batch: Batch) -> CollectionError | None:
    """A batch stored before columns were bounded may name more columns than can be mapped: refused."""
    limit = settings.XINYONG_FILE_MAX_COLUMNS
    if len(batch.headers or ()) <= limit:
        return None
    message = READ_ERROR_MESSAGES["too_many_columns"].format(
        where="文件第一行", count=f"{len(batch.headers):,}", limit=f"{limit:,}"
    )
    return CollectionError("too_many_columns", message)


def batch_mapping_problems(*, batch: Batch, mapping: dict[str, str] | None = None) -> list[CollectionError]:
    """``mapping_problems`` of a batch's mapping (or of ``mapping`` for it)."""
    too_wide = batch_width_problem(batch=batch)
    if too_wide is not None:
        return [too_wide]
    return mapping_problems(
        mapping=batch.mapping if mapping is None else mapping,
        schema=catalog_version_schema(version=batch.item_version),
        keyed=batch.format in ("json", "ndjson"),
    )


def mapping_problems(
    *, mapping: dict[str, str], schema: ItemSchema, keyed: bool = False
) -> list[CollectionError]:
    """What keeps a column mapping from being used: unknown fields, a field in several columns, required fields missing.

    ``keyed``: JSON objects, where each record may name a field by code or by Chinese header; two keys of
    one field are then alternatives, not competing columns.
    """
    problems: list[CollectionError] = []
    known = set(schema.field_codes)
    unknown = sorted({code for code in mapping.values() if code and code not in known})
    if unknown:
        problems.append(
            CollectionError("mapping_unknown_field", f"目录项中没有以下字段代码：{'、'.join(unknown)}")
        )
    columns_by_field: dict[str, list[str]] = {}
    for header, code in mapping.items():
        if code in known:
            columns_by_field.setdefault(code, []).append(header)
    for code, headers in columns_by_field.items():
        # A multi-value field may come from several columns (2016 template: 处罚类别1, 处罚类别2).
        if len(headers) > 1 and not keyed and schema.field(code).type != FieldType.CODES:
            problems.append(
                CollectionError(
                    "mapping_field_repeated",
                    f"字段“{schema.field(code).name}”（{code}）对应了多列：{'、'.join(headers)}；请只保留一列",
                )
            )
    filled = set(platform_filled_fields(schema=schema))
    missing = [
        spec
        for spec in schema.fields
        if spec.required and spec.code not in columns_by_field and spec.code not in filled
    ]
    if missing:
        names = "、".join(f"{spec.name}（{spec.code}）" for spec in missing)
        problems.append(
            CollectionError(
                "mapping_missing_required",
                f"以下必填字段没有对应的列：{names}；请在列映射中指定，或在文件中补充这些列",
            )
        )
    return problems


def column_mapping_saved(*, batch: Batch) -> dict[str, str] | None:
    """The mapping the batch's department last confirmed for its item, if any."""
    saved = ColumnMapping.objects.filter(department_id=batch.department_id, item_id=batch.item_id).first()
    return dict(saved.mapping) if saved is not None else None


def mapping_propose(*, batch: Batch, saved: dict[str, str] | None) -> MappingProposal:
    """The proposed mapping of a batch's headers (the saved mapping first, then the catalog)."""
    return mapping_suggest(headers=list(batch.headers), item_version=batch.item_version, saved=saved)


def proposal_mapping(*, proposal: MappingProposal) -> dict[str, str]:
    """A proposal as a mapping (header → field code), the first column of a header winning."""
    mapping: dict[str, str] = {}
    for column in proposal.columns:
        if column.field_code and column.header not in mapping:
            mapping[column.header] = column.field_code
    return mapping


@dataclass(frozen=True)
class Preview:
    """What the mapping page shows of a batch before it is started."""

    headers: list[str]
    proposal: MappingProposal  # what the catalog and the department's saved mapping suggest
    sample_rows: list[SourceRow]
    # Validation with ``mapping`` of the first rows (the sample rows and more: PREVIEW_VALIDATE_ROWS).
    results: list[RowResult] = field(default_factory=list)
    mapping: dict[str, str] = field(default_factory=dict)  # the batch's current mapping
    total_rows: int | None = None


#: The preview validates this many first rows (bounded: the page answers in about a second).
PREVIEW_VALIDATE_ROWS = 300


def batch_preview(*, batch: Batch, rows: int = 10, validate_rows: int = PREVIEW_VALIDATE_ROWS) -> Preview:
    """The first ``rows`` rows of a batch's file, the mapping proposal and the validation of the first
    ``validate_rows`` rows (at least ``rows``)."""
    if not batch.headers and batch.status == BatchStatus.FAILED:
        raise CollectionError(batch.error_code or "file_unreadable", batch.error_message or "文件无法读取")
    too_wide = batch_width_problem(batch=batch)
    if too_wide is not None:
        raise too_wide
    proposal = mapping_propose(batch=batch, saved=column_mapping_saved(batch=batch))
    schema = catalog_version_schema(version=batch.item_version)
    mapping = batch.mapping or proposal_mapping(proposal=proposal)
    try:
        with batch_source_open(batch=batch, sheet=batch.sheet or None) as table:
            stream = table.rows()
            checked = rows_restore_quotes(
                rows=list(islice(stream, max(rows, validate_rows, 0))),
                enabled=batch_restores_quotes(batch=batch),
            )
            stream.close()  # before the table closes its file
            mapper = mapping_apply(headers=table.headers, mapping=mapping, schema=schema)
            validator = RowValidator(
                schema=schema,
                department=batch.department,
                as_of=batch.as_of,
                columns=mapper.columns,
                confirmed=uscc_confirmations_for(
                    item_version=batch.item_version, department=batch.department
                ),
            )
            results = [validator.validate_source(row, mapper) for row in checked]
            sample = checked[: max(rows, 0)]
    except (ReadError, FileTampered, StoredFilesPurged) as exc:
        raise CollectionError(exc.code, exc.message) from exc
    return Preview(
        headers=list(batch.headers),
        proposal=proposal,
        sample_rows=sample,
        results=results,
        mapping=dict(mapping),
        total_rows=batch.rows_total,
    )
