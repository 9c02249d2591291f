"""Validation of one row against its catalog item version and the rules in docs/.

:class:`RowValidator` is built once per batch and checks every row; :func:`row_validate` is the one-row form.
A row (``{field_code: raw value}``) gives a :class:`RowResult`: errors (the row is rejected), warnings (the
row loads, the problem is reported), and for a valid row the subject and record that the bulk loader stores.

Canonical values in ``RecordInput.fields`` (only non-empty fields; keyed by field code):

- text: the cell's text, outer whitespace removed (numbers from a spreadsheet without ``.0``);
- code: the code list's value (``法人及其他组织`` → ``法人及非法人组织``);
- several codes: the code-list values, each once, in code-list order, joined with “；” (``罚款、警告`` →
  ``警告；罚款``);
- date: ISO ``YYYY-MM-DD`` (every form of docs/dual-disclosure.md accepted, see :mod:`xinyong.core.dates`);
- amount (万元): a decimal string without exponent or trailing zeros (``1,234.50`` → ``1234.5``);
- identifiers: the normalised form (USCC upper-case, 身份证 18 characters, 组织机构代码 9 characters without
  hyphen, 工商注册号 digits; docs/identifiers.md).

The modules: :mod:`.issues` (codes, messages, results), :mod:`.values` (cell values, amounts),
:mod:`.conditions` (``required_when``), :mod:`.planning` (what a validator prepares once), the checks —
:mod:`.fields` (one cell by its type), :mod:`.identity` (the subject's identifiers and kind), :mod:`.records`
(across fields, the record) — on :mod:`.base`, and :mod:`.rows` (the validator that runs them for a row).
"""

from xinyong.collection.validation.issues import ROW_ISSUE_MESSAGES, WARNING_CODES, RowIssue, RowResult
from xinyong.collection.validation.rows import RowValidator, row_validate

__all__ = [
    "ROW_ISSUE_MESSAGES",
    "WARNING_CODES",
    "RowIssue",
    "RowResult",
    "RowValidator",
    "row_validate",
]
