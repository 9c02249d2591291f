"""The authorisation matrix: every console, admin, public and API address × every kind of caller → status.

Addresses are enumerated from the URL resolver (console, admin, portal, report pages) and from the OpenAPI
document (API operations), so a new address is covered automatically: the test fails, naming it, until a row
for it is added to ``EXPECTED`` below. A row that no longer matches an address fails too.

Callers of pages: anonymous, one user per role (department roles in department A, which owns every object
here: a batch with rejected rows, its records and subjects, a report), and a data officer of department B.
Callers of the API: no key, one key of department A per scope, and a key of department B with every scope.
Each row lists the expected status per caller, in the order of ``PAGE_CALLERS`` / ``API_CALLERS``; the rules
behind them are in docs/access.md. Pages are fetched with GET, except views that only accept POST, which
are posted empty (nothing is changed by an empty form). Admin delete pages are only displayed (GET).
"""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from tests.collection.batch_support import IMMEDIATE, valid_rows
from tests.console.test_collection_views import loaded_batch, mixed_rows
from tests.factories import subject_create
from tests.subjects.factories import PASSWORD, RIC
from xinyong.accounts.models import ApiScope, Department, Role, User
from xinyong.accounts.services import apiclient_create
from xinyong.catalog.services import catalog_load_fixtures
from xinyong.collection.models import RowWarning
from xinyong.core.codes import SubjectKind
from xinyong.dueprocess.cases.models import EvidenceFile
from xinyong.dueprocess.objections.services import objection_file
from xinyong.dueprocess.profiles.services import profiles_load
from xinyong.lists.services import list_types_load
from xinyong.records.models import CreditRecord
from xinyong.reports.models import ReportKind
from xinyong.reports.services import report_issue
from xinyong.subjects.services import confirmed_code_add

pytestmark = pytest.mark.django_db

AS_OF = dt.date(2026, 6, 15)
EARLY_CODE = "91350100M000100Y4A"  # a real-looking code whose check character is wrong (confirmed below)
PAGE_CALLERS = ("anonymous", "operator", "data_officer", "reviewer", "window_clerk", "auditor", "other_dept")
API_CALLERS = ("no_key", *ApiScope.values, "other_dept")

# "METHOD route" → expected status per caller (PAGE_CALLERS for pages, API_CALLERS for /api/ operations).
# Routes are the resolver's patterns (named regex groups written <name>); API rows use the OpenAPI paths.
EXPECTED: dict[str, str] = {
    # Public pages: anyone. (callers: anonymous, operator, data_officer, reviewer, window_clerk, auditor, other_dept)
    "GET ": "200 200 200 200 200 200 200",
    "GET guide/": "200 200 200 200 200 200 200",
    "GET lists/abnormal/": "200 200 200 200 200 200 200",
    "GET lists/black/": "200 200 200 200 200 200 200",
    "GET lists/red/": "200 200 200 200 200 200 200",
    "GET reports/<str:number>/<str:code>/": "200 200 200 200 200 200 200",
    "GET reports/<str:number>/<str:code>/pdf/": "200 200 200 200 200 200 200",
    "POST reports/public/": "404 404 404 404 404 404 404",
    "GET reports/verify/": "200 200 200 200 200 200 200",
    "GET search/": "200 200 200 200 200 200 200",
    "GET shuanggongshi/chufa/": "200 200 200 200 200 200 200",
    "GET shuanggongshi/xuke/": "200 200 200 200 200 200 200",
    "GET subjects/<int:subject_id>/": "200 200 200 200 200 200 200",
    # Published typical cases (典型案例), natural persons masked; notices to subjects by number and code.
    "GET cases/": "200 200 200 200 200 200 200",
    "GET reports/notices/<str:number>/<str:code>/": "404 404 404 404 404 404 404",
    "GET reports/notices/<str:number>/<str:code>/pdf/": "404 404 404 404 404 404 404",
    # Console. Department A owns the batch and the report; other_dept is a data officer of department B.
    # The rejection file: department A's data officers only; rejected rows are hidden on the page for others.
    "GET console/": "302 200 200 200 200 200 200",
    "GET console/archive/": "302 200 200 200 403 200 200",
    "GET console/archive/subjects/<int:pk>/": "302 200 200 200 403 200 200",
    "GET console/archive/subjects/<int:pk>/archive/": "302 400 400 400 403 400 400",
    "GET console/archive/subjects/<int:pk>/export.csv": "302 400 400 400 403 400 400",
    "GET console/collection/": "302 200 200 200 403 200 200",
    "GET console/collection/batches/<uuid:pk>/": "302 200 200 200 403 200 404",
    "GET console/collection/batches/<uuid:pk>/mapping/": "302 302 302 403 403 403 404",
    "POST console/collection/batches/<uuid:pk>/mapping/check/": "302 200 200 403 403 403 404",
    "GET console/collection/batches/<uuid:pk>/progress/": "302 204 204 204 403 204 404",
    "GET console/collection/batches/<uuid:pk>/rejections/": "302 403 200 403 403 403 404",
    # The warning list: values of warned rows, personal IDs masked; whoever reads the batch.
    "GET console/collection/batches/<uuid:pk>/warnings/": "302 200 200 200 403 200 404",
    "POST console/collection/batches/<uuid:pk>/resume/": "302 302 302 403 403 403 404",
    "POST console/collection/batches/<uuid:pk>/reupload/": "302 302 302 403 403 403 404",
    "GET console/collection/form/": "302 200 200 403 403 403 200",
    "GET console/collection/form/<slug:item_code>/": "302 404 200 403 403 403 200",
    "GET console/collection/quality/": "302 200 200 200 403 200 200",
    "GET console/collection/quality/export/": "302 200 200 200 403 200 200",
    "GET console/collection/upload/": "302 200 200 403 403 403 200",
    # Feedback (docs/feedback.md): department roles answer for their own department; operators and auditors
    # read every queue; statistics for every role; typical cases reported by data officers and reviewers,
    # published by operators. (The item addresses name no existing item: 404 for whoever may read.)
    "GET console/jrp/feedback/": "302 200 200 200 200 200 200",
    "GET console/jrp/feedback/<int:pk>/": "302 404 404 404 404 404 404",
    "POST console/jrp/feedback/bulk/": "302 403 302 302 302 403 302",
    "GET console/jrp/feedback/upload/": "302 403 200 200 200 403 200",
    "GET console/jrp/feedback/stats/": "302 200 200 200 200 200 200",
    "GET console/jrp/feedback/cases/": "302 200 200 200 403 200 200",
    "GET console/jrp/feedback/cases/new/": "302 403 200 200 403 403 200",
    "GET console/jrp/feedback/cases/<int:pk>/": "302 404 404 404 403 404 404",
    "POST console/jrp/feedback/cases/<int:pk>/publish/": "302 404 403 403 403 403 403",
    # Batch checks (批量核查): department users of their own department, operators read; unknown number → 404.
    "GET console/jrp/channels/batch/": "302 200 200 200 200 403 200",
    "GET console/jrp/channels/batch/<str:number>/": "302 404 404 404 404 403 404",
    "GET console/jrp/channels/batch/<str:number>/download/": "302 404 404 404 404 403 404",
    "GET console/jrp/channels/batch/<str:number>/progress/": "302 404 404 404 404 403 404",
    # The embeddable check widget's page (token in its URL fragment) and the demo acceptance page.
    "GET jrp/widget/": "200 200 200 200 200 200 200",
    "GET demo/acceptance/": "200 200 200 200 200 200 200",
    "GET console/login/": "200 200 200 200 200 200 200",
    "POST console/logout/": "302 302 302 302 302 302 302",
    "GET console/reports/": "302 200 403 403 200 200 403",
    "GET console/reports/<str:number>/": "302 200 403 403 200 200 403",
    "GET console/reports/<str:number>/pdf/": "302 200 403 403 200 200 403",
    "GET console/reports/issue/": "302 200 403 403 200 403 403",
    # The credit check page: window clerks and operators (docs/credit-check.md).
    "GET console/jrp/check/": "302 200 403 403 200 403 403",
    "POST console/reports/issue/submit/": "302 404 403 403 404 403 403",
    # 奖惩措施 (docs/measures.md): every console user reads; operators manage versions; reviewers edit their
    # department's conditions; department staff edit their matters. (<int:number> gets a non-number here: 404.)
    "GET console/jrp/measures/": "302 200 200 200 200 200 200",
    "GET console/jrp/measures/matters/": "302 200 200 200 200 200 200",
    "GET console/jrp/measures/matters/<int:pk>/": "302 404 404 404 403 403 404",
    "GET console/jrp/measures/matters/import/": "302 200 200 200 403 403 200",
    "GET console/jrp/measures/matters/new/": "302 200 200 200 403 403 200",
    "GET console/jrp/measures/rulebooks/": "302 200 200 200 200 200 200",
    "GET console/jrp/measures/rulebooks/<int:number>/": "404 404 404 404 404 404 404",
    "POST console/jrp/measures/rulebooks/<int:number>/delete/": "404 404 404 404 404 404 404",
    "GET console/jrp/measures/rulebooks/<int:number>/measures/<str:code>/": "404 404 404 404 404 404 404",
    "GET console/jrp/measures/rulebooks/<int:number>/measures/<str:code>/conditions/": "404 404 404 404 404 404 404",
    "GET console/jrp/measures/rulebooks/<int:number>/preview/": "404 404 404 404 404 404 404",
    "POST console/jrp/measures/rulebooks/<int:number>/publish/": "404 404 404 404 404 404 404",
    "POST console/jrp/measures/rulebooks/draft/": "302 302 403 403 403 403 403",
    # 失信惩戒告知书 of decided lists: read by every console role, issued by those deciding the entry.
    "GET console/reports/notices/<int:pk>/": "302 404 404 404 404 404 404",
    "POST console/reports/notices/<int:pk>/issue/": "302 404 404 404 403 403 404",
    "GET console/reports/notices/<int:pk>/pdf/": "302 404 404 404 404 404 404",
    # Red and black lists: every console role reads; operators and departments' officers work on entries.
    "GET console/lists/": "302 200 200 200 200 200 200",
    "GET console/lists/export.csv": "302 200 200 200 200 200 200",
    "GET console/lists/entries/<int:pk>/": "302 404 404 404 404 404 404",
    "POST console/lists/entries/<int:pk>/make-effective/": "302 404 404 404 403 403 404",
    "POST console/lists/entries/<int:pk>/decline/": "302 404 404 404 403 403 404",
    "POST console/lists/entries/<int:pk>/remove/": "302 404 404 404 403 403 404",
    "GET console/lists/propose/": "302 200 200 200 403 403 200",
    "GET console/lists/review/": "302 200 200 200 403 403 200",
    "GET console/lists/due/": "302 200 200 200 403 403 200",
    "GET console/lists/types/": "302 200 200 200 200 200 200",
    "GET console/lists/types/<str:code>/": "302 404 404 404 404 404 404",
    # 信用承诺 (docs/commitments.md): operators and auditors read all; department roles their own department's;
    # window clerks record; data officers, reviewers and operators follow up (no commitment here: 404).
    "GET console/dueprocess/commitments/": "302 200 200 200 200 200 200",
    "GET console/dueprocess/commitments/<int:pk>/": "302 404 404 404 404 404 404",
    "POST console/dueprocess/commitments/<int:pk>/fulfil/": "302 404 404 404 403 403 404",
    "POST console/dueprocess/commitments/<int:pk>/break/": "302 404 404 404 403 403 404",
    "GET console/dueprocess/commitments/sign/": "302 200 200 200 200 403 200",
    "GET console/dueprocess/commitments/templates/": "302 200 200 200 200 200 200",
    "GET console/dueprocess/commitments/stats/": "302 200 200 200 200 200 200",
    # 我的信用承诺: subject accounts only (a console login is not a portal sign-in): to the portal's sign-in.
    "GET my/commitments/": "302 302 302 302 302 302 302",
    "GET my/commitments/<int:pk>/": "302 302 302 302 302 302 302",
    "GET my/commitments/sign/": "302 302 302 302 302 302 302",
    # Admin: the role table of accounts.permissions, department scope, the audit log for auditors only.
    "GET admin/": "302 200 200 200 200 200 200",
    "GET admin/<app_label>/": "302 200 404 404 404 200 404",
    "GET admin/<url>": "302 404 404 404 404 404 404",
    "GET admin/accounts/apiclient/": "302 200 403 403 403 200 403",
    "GET admin/accounts/apiclient/<path:object_id>/": "302 302 302 302 302 302 302",
    "GET admin/accounts/apiclient/<path:object_id>/change/": "302 200 403 403 403 200 403",
    "GET admin/accounts/apiclient/<path:object_id>/delete/": "302 403 403 403 403 403 403",
    "GET admin/accounts/apiclient/<path:object_id>/history/": "302 200 403 403 403 200 403",
    "GET admin/accounts/apiclient/add/": "302 200 403 403 403 403 403",
    "GET admin/accounts/auditentry/": "302 403 403 403 403 200 403",
    "GET admin/accounts/auditentry/<path:object_id>/": "302 302 302 302 302 302 302",
    "GET admin/accounts/auditentry/<path:object_id>/change/": "302 403 403 403 403 200 403",
    "GET admin/accounts/auditentry/<path:object_id>/delete/": "302 403 403 403 403 403 403",
    "GET admin/accounts/auditentry/<path:object_id>/history/": "302 403 403 403 403 200 403",
    "GET admin/accounts/auditentry/add/": "302 403 403 403 403 403 403",
    "GET admin/accounts/authorisation/": "302 200 403 403 403 200 403",
    "GET admin/accounts/authorisation/<path:object_id>/": "302 302 302 302 302 302 302",
    "GET admin/accounts/authorisation/<path:object_id>/change/": "302 302 403 403 403 302 403",
    "GET admin/accounts/authorisation/<path:object_id>/delete/": "302 403 403 403 403 403 403",
    "GET admin/accounts/authorisation/<path:object_id>/history/": "302 302 302 302 302 302 302",
    "GET admin/accounts/authorisation/add/": "302 200 403 403 403 403 403",
    "GET admin/accounts/department/": "302 200 403 403 403 200 403",
    "GET admin/accounts/department/<path:object_id>/": "302 302 302 302 302 302 302",
    "GET admin/accounts/department/<path:object_id>/change/": "302 200 403 403 403 200 403",
    "GET admin/accounts/department/<path:object_id>/delete/": "302 200 403 403 403 403 403",
    "GET admin/accounts/department/<path:object_id>/history/": "302 200 403 403 403 200 403",
    "GET admin/accounts/department/add/": "302 200 403 403 403 403 403",
    "GET admin/accounts/user/": "302 200 403 403 403 200 403",
    "GET admin/accounts/user/<id>/password/": "302 200 403 403 403 403 403",
    "GET admin/accounts/user/<path:object_id>/": "302 302 302 302 302 302 302",
    "GET admin/accounts/user/<path:object_id>/change/": "302 200 403 403 403 200 403",
    "GET admin/accounts/user/<path:object_id>/delete/": "302 200 403 403 403 403 403",
    "GET admin/accounts/user/<path:object_id>/history/": "302 200 403 403 403 200 403",
    "GET admin/accounts/user/add/": "302 200 403 403 403 403 403",
    "GET admin/auth/group/": "302 403 403 403 403 200 403",
    "GET admin/auth/group/<path:object_id>/": "302 302 302 302 302 302 302",
    "GET admin/auth/group/<path:object_id>/change/": "302 403 403 403 403 302 403",
    "GET admin/auth/group/<path:object_id>/delete/": "302 403 403 403 403 403 403",
    "GET admin/auth/group/<path:object_id>/history/": "302 302 302 302 302 302 302",
    "GET admin/auth/group/add/": "302 403 403 403 403 403 403",
    "GET admin/autocomplete/": "302 403 403 403 403 403 403",
    "GET admin/dueprocess/commitmenttemplate/": "302 200 403 403 403 200 403",
    "GET admin/dueprocess/commitmenttemplate/<path:object_id>/": "302 302 302 302 302 302 302",
    # (the shipped templates are loaded at migrate, so a template exists here)
    "GET admin/dueprocess/commitmenttemplate/<path:object_id>/change/": "302 200 403 403 403 200 403",
    "GET admin/dueprocess/commitmenttemplate/<path:object_id>/delete/": "302 200 403 403 403 403 403",
    "GET admin/dueprocess/commitmenttemplate/<path:object_id>/history/": "302 200 403 403 403 200 403",
    "GET admin/dueprocess/commitmenttemplate/add/": "302 200 403 403 403 403 403",
    # Objections (异议处理): operators all; department A's data officers and reviewers those about its records
    # (other_dept: 404); auditors read. The objection here is about department A's record, still to be accepted.
    # An empty 不予受理 form is refused with a message (302) for operators, 403 for those who may not refuse.
    "GET console/dueprocess/objections/": "302 200 200 200 403 200 200",
    "GET console/dueprocess/objections/new/": "302 404 404 404 403 404 404",
    "GET console/dueprocess/objections/stats/": "302 200 200 200 403 200 200",
    "GET console/dueprocess/objections/<str:number>/": "302 200 200 200 403 200 404",
    "GET console/dueprocess/objections/<str:number>/evidence/<int:evidence_id>/": "302 200 200 200 403 200 404",
    "POST console/dueprocess/objections/<str:number>/<slug:step>/": "302 302 403 403 403 403 404",
    # The subject's own pages (我的信用): subject accounts only; console users are sent to the portal's sign-in.
    "GET my/objections/": "302 302 302 302 302 302 302",
    "GET my/objections/new/": "302 302 302 302 302 302 302",
    "GET my/objections/<str:number>/": "302 302 302 302 302 302 302",
    "GET my/objections/<str:number>/evidence/<int:evidence_id>/": "302 302 302 302 302 302 302",
    "GET my/notices/<str:number>/pdf/": "302 302 302 302 302 302 302",
    "GET admin/dueprocess/jurisdictionprofile/": "302 200 403 403 403 200 403",
    "GET admin/dueprocess/jurisdictionprofile/<path:object_id>/": "302 302 302 302 302 302 302",
    "GET admin/dueprocess/jurisdictionprofile/<path:object_id>/change/": "302 200 403 403 403 200 403",
    "GET admin/dueprocess/jurisdictionprofile/<path:object_id>/delete/": "302 200 403 403 403 403 403",
    "GET admin/dueprocess/jurisdictionprofile/<path:object_id>/history/": "302 200 403 403 403 200 403",
    "GET admin/dueprocess/jurisdictionprofile/add/": "302 200 403 403 403 403 403",
    "GET admin/lists/escalationrule/": "302 200 200 200 403 200 200",
    "GET admin/lists/escalationrule/<path:object_id>/": "302 302 302 302 302 302 302",
    "GET admin/lists/escalationrule/<path:object_id>/change/": "302 302 302 302 403 302 302",
    "GET admin/lists/escalationrule/<path:object_id>/delete/": "302 403 403 403 403 403 403",
    "GET admin/lists/escalationrule/<path:object_id>/history/": "302 302 302 302 302 302 302",
    "GET admin/lists/escalationrule/add/": "302 403 403 403 403 403 403",
    "GET admin/lists/listentry/": "302 200 200 200 403 200 200",
    "GET admin/lists/listentry/<path:object_id>/": "302 302 302 302 302 302 302",
    "GET admin/lists/listentry/<path:object_id>/change/": "302 302 302 302 403 302 302",
    "GET admin/lists/listentry/<path:object_id>/delete/": "302 403 403 403 403 403 403",
    "GET admin/lists/listentry/<path:object_id>/history/": "302 302 302 302 302 302 302",
    "GET admin/lists/listentry/add/": "302 403 403 403 403 403 403",
    "GET admin/lists/listtype/": "302 200 200 200 403 200 200",
    "GET admin/lists/listtype/<path:object_id>/": "302 302 302 302 302 302 302",
    "GET admin/lists/listtype/<path:object_id>/change/": "302 200 200 200 403 200 200",
    "GET admin/lists/listtype/<path:object_id>/delete/": "302 403 403 403 403 403 403",
    "GET admin/lists/listtype/<path:object_id>/history/": "302 200 200 200 403 200 200",
    "GET admin/lists/listtype/add/": "302 403 403 403 403 403 403",
    "GET admin/catalog/catalogitem/": "302 200 200 200 403 200 200",
    "GET admin/catalog/catalogitem/<path:object_id>/": "302 302 302 302 302 302 302",
    "GET admin/catalog/catalogitem/<path:object_id>/change/": "302 200 200 200 403 200 200",
    "GET admin/catalog/catalogitem/<path:object_id>/delete/": "302 403 403 403 403 403 403",
    "GET admin/catalog/catalogitem/<path:object_id>/history/": "302 200 200 200 403 200 200",
    "GET admin/catalog/catalogitem/add/": "302 200 403 403 403 403 403",
    "GET admin/catalog/catalogitemversion/": "302 200 200 200 403 200 200",
    "GET admin/catalog/catalogitemversion/<path:object_id>/": "302 302 302 302 302 302 302",
    "GET admin/catalog/catalogitemversion/<path:object_id>/change/": "302 200 200 200 403 200 200",
    "GET admin/catalog/catalogitemversion/<path:object_id>/delete/": "302 403 403 403 403 403 403",
    "GET admin/catalog/catalogitemversion/<path:object_id>/history/": "302 200 200 200 403 200 200",
    "GET admin/catalog/catalogitemversion/add/": "302 403 403 403 403 403 403",
    "GET admin/catalog/codelist/": "302 200 200 200 403 200 200",
    "GET admin/catalog/codelist/<path:object_id>/": "302 302 302 302 302 302 302",
    "GET admin/catalog/codelist/<path:object_id>/change/": "302 200 200 200 403 200 200",
    "GET admin/catalog/codelist/<path:object_id>/delete/": "302 403 403 403 403 403 403",
    "GET admin/catalog/codelist/<path:object_id>/history/": "302 200 200 200 403 200 200",
    "GET admin/catalog/codelist/add/": "302 200 403 403 403 403 403",
    "GET admin/catalog/ruleset/": "302 200 200 200 403 200 200",
    "GET admin/catalog/ruleset/<path:object_id>/": "302 302 302 302 302 302 302",
    "GET admin/catalog/ruleset/<path:object_id>/change/": "302 200 200 200 403 200 200",
    "GET admin/catalog/ruleset/<path:object_id>/delete/": "302 403 403 403 403 403 403",
    "GET admin/catalog/ruleset/<path:object_id>/history/": "302 200 200 200 403 200 200",
    "GET admin/catalog/ruleset/add/": "302 200 403 403 403 403 403",
    "GET admin/collection/batch/": "302 200 200 200 403 200 200",
    "GET admin/collection/batch/<path:object_id>/": "302 302 302 302 302 302 302",
    "GET admin/collection/batch/<path:object_id>/change/": "302 200 200 200 403 200 302",
    "GET admin/collection/batch/<path:object_id>/delete/": "302 403 403 403 403 403 403",
    "GET admin/collection/batch/<path:object_id>/history/": "302 200 200 200 403 200 302",
    "GET admin/collection/batch/add/": "302 403 403 403 403 403 403",
    "GET admin/collection/columnmapping/": "302 200 200 200 403 200 200",
    "GET admin/collection/columnmapping/<path:object_id>/": "302 302 302 302 302 302 302",
    "GET admin/collection/columnmapping/<path:object_id>/change/": "302 200 200 200 403 200 302",
    "GET admin/collection/columnmapping/<path:object_id>/delete/": "302 403 403 403 403 403 403",
    "GET admin/collection/columnmapping/<path:object_id>/history/": "302 200 200 200 403 200 302",
    "GET admin/collection/columnmapping/add/": "302 403 403 403 403 403 403",
    "GET admin/core/<path:rest>": "301 301 301 301 301 301 301",  # moved to admin/workdays/
    "GET admin/workdays/calendarday/": "302 200 403 403 403 200 403",
    "GET admin/workdays/calendarday/<path:object_id>/": "302 302 302 302 302 302 302",
    "GET admin/workdays/calendarday/<path:object_id>/change/": "302 200 403 403 403 200 403",
    "GET admin/workdays/calendarday/<path:object_id>/delete/": "302 200 403 403 403 403 403",
    "GET admin/workdays/calendarday/<path:object_id>/history/": "302 200 403 403 403 200 403",
    "GET admin/workdays/calendarday/add/": "302 200 403 403 403 403 403",
    "GET admin/workdays/calendarday/enter-period/": "302 200 403 403 403 403 403",
    "GET admin/workdays/calendaryear/": "302 200 403 403 403 200 403",
    "GET admin/workdays/calendaryear/<path:object_id>/": "302 302 302 302 302 302 302",
    "GET admin/workdays/calendaryear/<path:object_id>/change/": "302 200 403 403 403 200 403",
    "GET admin/workdays/calendaryear/<path:object_id>/delete/": "302 403 403 403 403 403 403",
    "GET admin/workdays/calendaryear/<path:object_id>/history/": "302 200 403 403 403 200 403",
    "GET admin/workdays/calendaryear/add/": "302 200 403 403 403 403 403",
    "GET admin/django_tasks_database/dbtaskresult/": "302 403 403 403 403 200 403",
    "GET admin/django_tasks_database/dbtaskresult/<path:object_id>/": "302 302 302 302 302 302 302",
    "GET admin/django_tasks_database/dbtaskresult/<path:object_id>/change/": "302 403 403 403 403 302 403",
    "GET admin/django_tasks_database/dbtaskresult/<path:object_id>/delete/": "302 403 403 403 403 403 403",
    "GET admin/django_tasks_database/dbtaskresult/<path:object_id>/history/": "302 302 302 302 302 302 302",
    "GET admin/django_tasks_database/dbtaskresult/add/": "302 403 403 403 403 403 403",
    "GET admin/jsi18n/": "302 200 200 200 200 200 200",
    "GET admin/login/": "200 302 302 302 302 302 302",
    "POST admin/logout/": "302 302 302 302 302 302 302",
    "GET admin/password_change/": "302 200 200 200 200 200 200",
    "GET admin/password_change/done/": "302 200 200 200 200 200 200",
    "GET admin/r/<path:content_type_id>/<path:object_id>/": "302 404 404 404 404 404 404",
    "GET admin/records/creditrecord/": "302 200 200 200 403 200 200",
    "GET admin/records/creditrecord/<path:object_id>/": "302 302 302 302 302 302 302",
    "GET admin/records/creditrecord/<path:object_id>/change/": "302 200 200 200 403 200 200",
    "GET admin/records/creditrecord/<path:object_id>/delete/": "302 403 403 403 403 403 403",
    "GET admin/records/creditrecord/<path:object_id>/history/": "302 200 200 200 403 200 200",
    "GET admin/records/creditrecord/add/": "302 403 403 403 403 403 403",
    "GET admin/reports/creditreport/": "302 200 403 403 403 200 403",
    "GET admin/reports/creditreport/<path:object_id>/": "302 302 302 302 302 302 302",
    "GET admin/reports/creditreport/<path:object_id>/change/": "302 200 403 403 403 200 403",
    "GET admin/reports/creditreport/<path:object_id>/delete/": "302 403 403 403 403 403 403",
    "GET admin/reports/creditreport/<path:object_id>/history/": "302 200 403 403 403 200 403",
    "GET admin/reports/creditreport/add/": "302 403 403 403 403 403 403",
    "GET admin/subjects/subject/": "302 200 200 200 200 200 200",
    "GET admin/subjects/subject/<int:object_id>/reveal-ric/": "302 200 404 404 404 200 404",
    "GET admin/subjects/subject/<path:object_id>/": "302 302 302 302 302 302 302",
    "GET admin/subjects/subject/<path:object_id>/change/": "302 200 200 200 200 200 200",
    "GET admin/subjects/subject/<path:object_id>/delete/": "302 403 403 403 403 403 403",
    "GET admin/subjects/subject/<path:object_id>/history/": "302 200 200 200 200 200 200",
    "GET admin/subjects/subject/add/": "302 403 403 403 403 403 403",
    # Confirmed codes (已确认代码): operators manage them (console page and admin), auditors read the admin.
    "GET admin/subjects/confirmedcode/": "302 200 403 403 403 200 403",
    "GET admin/subjects/confirmedcode/<path:object_id>/": "302 302 302 302 302 302 302",
    "GET admin/subjects/confirmedcode/<path:object_id>/change/": "302 200 403 403 403 200 403",
    "GET admin/subjects/confirmedcode/<path:object_id>/delete/": "302 403 403 403 403 403 403",
    "GET admin/subjects/confirmedcode/<path:object_id>/history/": "302 200 403 403 403 200 403",
    "GET admin/subjects/confirmedcode/add/": "302 200 403 403 403 403 403",
    "GET console/identifiers/": "302 200 403 403 403 403 403",
    # (an empty form: refused as incomplete, or sent back to the list with a message)
    "POST console/identifiers/confirm/": "302 400 403 403 403 403 403",
    "POST console/identifiers/revoke/": "302 302 403 403 403 403 403",
    "GET admin/subjects/subjectreview/": "302 200 200 200 403 200 200",
    "GET admin/subjects/subjectreview/<path:object_id>/": "302 302 302 302 302 302 302",
    "GET admin/subjects/subjectreview/<path:object_id>/change/": "302 302 302 302 403 302 302",
    "GET admin/subjects/subjectreview/<path:object_id>/delete/": "302 403 403 403 403 403 403",
    "GET admin/subjects/subjectreview/<path:object_id>/history/": "302 302 302 302 302 302 302",
    "GET admin/subjects/subjectreview/add/": "302 403 403 403 403 403 403",
    # Subject accounts (docs/subject-accounts.md): link codes are issued by platform operators only; the pages of
    # 我的信用 know subject accounts only, so console users are sent to the portal's sign-in page like anonymous
    # callers. Sign-in and registration are open to everyone; the empty sign-out form ends nothing and goes back.
    "GET console/dueprocess/accounts/": "302 200 403 403 403 403 403",
    "GET my/": "302 302 302 302 302 302 302",
    "GET my/login/": "200 200 200 200 200 200 200",
    "POST my/logout/": "302 302 302 302 302 302 302",
    "GET my/register/": "200 200 200 200 200 200 200",
    "GET my/password/": "302 302 302 302 302 302 302",
    "GET my/link/": "302 302 302 302 302 302 302",
    "GET my/subjects/<int:subject_id>/": "302 302 302 302 302 302 302",
    "GET my/subjects/<int:subject_id>/applications/": "302 302 302 302 302 302 302",
    "GET my/subjects/<int:subject_id>/authorise/": "302 302 302 302 302 302 302",
    "GET my/subjects/<int:subject_id>/authorisations/<int:authorisation_id>/withdraw/": "302 302 302 302 302 302 302",
    "GET my/subjects/<int:subject_id>/unlink/": "302 302 302 302 302 302 302",
    "GET my/subjects/<int:subject_id>/reports/": "302 302 302 302 302 302 302",
    "GET my/subjects/<int:subject_id>/viewers/": "302 302 302 302 302 302 302",
    # Credit repair (docs/credit-repair.md): the deciding departments' officers, operators and auditors read the
    # queue and statistics; every console role reads its department's notifications; only operators and the
    # record's department issue a 信用修复告知书. No application exists here (404); the notice number is a credit
    # report's (404). The subject's pages know subject accounts only (sign-in page of 我的信用).
    "GET console/dueprocess/repairs/": "302 200 200 200 403 200 200",
    "GET console/dueprocess/repairs/stats/": "302 200 200 200 403 200 200",
    "GET console/dueprocess/repairs/notifications/": "302 200 200 200 200 200 200",
    "GET console/dueprocess/repairs/notices/<str:number>/": "302 404 404 404 403 404 404",
    "POST console/dueprocess/repairs/notice/": "302 302 302 302 403 302 302",
    "POST console/dueprocess/repairs/records/<int:record_id>/notice/": "302 302 302 302 403 403 403",
    "GET console/dueprocess/repairs/<int:pk>/": "302 404 404 404 403 404 404",
    "GET console/dueprocess/repairs/<int:pk>/evidence/<int:evidence_id>/": "302 404 404 404 403 404 404",
    "POST console/dueprocess/repairs/<int:pk>/<slug:action>/": "302 404 404 404 403 404 404",
    "GET my/repairs/": "302 302 302 302 302 302 302",
    "GET my/repairs/new/": "302 302 302 302 302 302 302",
    "GET my/repairs/<int:pk>/": "302 302 302 302 302 302 302",
    # API (callers: no_key, records:read, records:write, subjects:read, check:query, reports:issue, other_dept with every scope).
    # The catch-all answers the JSON 404 of unknown API addresses.
    "GET api/": "404 404 404 404 404 404 404",
    "GET /api/archive/subjects/{subject_id}": "401 400 403 403 403 403 400",
    "GET /api/collection/batches/{batch_id}": "401 403 200 403 403 403 404",
    "GET /api/collection/batches/{batch_id}/rejections": "401 403 200 403 403 403 404",
    "GET /api/jrp/measures/": "401 403 403 403 200 403 200",
    "GET /api/jrp/measures/changes": "401 403 403 403 200 403 200",
    "GET /api/jrp/measures/matters": "401 403 403 403 200 403 200",
    "GET /api/lists/changes": "401 200 403 403 200 403 200",
    "GET /api/lists/entries": "401 200 403 403 200 403 200",
    "GET /api/lists/types": "401 200 403 403 200 403 200",
    # Batch check and widget tokens: check:query of the client's department (empty bodies: 400 / 422).
    "POST /api/jrp/channels/batch": "401 403 403 403 400 403 400",
    "GET /api/jrp/channels/batch/{batch_id}": "401 403 403 403 404 403 404",
    "GET /api/jrp/channels/batch/{batch_id}/result": "401 403 403 403 404 403 404",
    "POST /api/jrp/channels/widget-token": "401 403 403 403 422 403 422",
    # The widget's check authenticates with its token, not an API key.
    "POST /api/jrp/channels/widget/check": "422 422 422 422 422 422 422",
    "GET /api/jrp/check/{check_id}": "401 403 403 403 404 403 404",
    "GET /api/lists/ftm/export": "401 200 403 403 403 403 200",
    "GET /api/public/licenses": "200 200 200 200 200 200 200",
    "GET /api/public/lists/{slug}": "200 200 200 200 200 200 200",
    "GET /api/public/penalties": "200 200 200 200 200 200 200",
    "GET /api/public/subjects": "200 200 200 200 200 200 200",
    "GET /api/public/subjects/{subject_id}": "200 200 200 200 200 200 200",
    "GET /api/records/": "401 200 403 403 403 403 200",
    "GET /api/records/changes": "401 200 403 403 403 403 200",
    "GET /api/records/{record_id}": "401 200 403 403 403 403 200",
    "GET /api/reports/verify": "200 200 200 200 200 200 200",
    "GET /api/reports/{number}": "401 403 403 403 403 404 404",
    "GET /api/reports/{number}/pdf": "401 403 403 403 403 404 404",
    "GET /api/subjects/": "401 403 403 200 403 403 200",
    "GET /api/subjects/{subject_id}": "401 403 403 200 403 403 200",
    "POST /api/collection/{item_code}/records": "401 403 400 403 403 403 400",
    "POST /api/jrp/check/": "401 403 403 403 422 403 422",
    "POST /api/public/subjects/search": "200 200 200 200 200 200 200",
    "POST /api/reports/": "401 403 403 403 403 201 201",
    # Feedback: check:query keys of a department, on its own items only (none exists here: 422 for the body).
    "GET /api/jrp/feedback/pending": "401 403 403 403 200 403 200",
    # Objections: records:read keys of a department, on objections about its own records (docs/objections.md).
    "GET /api/dueprocess/objections/": "401 200 403 403 403 403 200",
    "GET /api/dueprocess/objections/{number}": "401 200 403 403 403 403 404",
    # Repair notifications for the implementing departments (docs/credit-repair.md).
    "GET /api/dueprocess/repairs/notifications": "401 200 403 403 403 403 200",
    # Commitments: records:read reads the department's own, records:write records and follows up (empty
    # bodies: 422; no such commitment: 404 for whoever may read).
    "GET /api/dueprocess/commitments/": "401 200 403 403 403 403 200",
    "GET /api/dueprocess/commitments/{commitment_id}": "401 404 403 403 403 403 404",
    "POST /api/dueprocess/commitments/": "401 403 422 403 403 403 422",
    "POST /api/dueprocess/commitments/{commitment_id}/fulfil": "401 403 422 403 403 403 422",
    "POST /api/dueprocess/commitments/{commitment_id}/break": "401 403 422 403 403 403 422",
    "POST /api/jrp/feedback/{feedback_id}": "401 403 403 403 422 403 422",
}


# ---------------------------------------------------------------------------------------------------
# Enumeration


def _route_text(pattern) -> str:
    text = str(pattern.pattern)
    text = re.sub(r"\(\?P<(\w+)>[^)]*\)", r"<\1>", text)
    return text.replace("^", "").replace("$", "")


def page_routes() -> list[str]:
    """Every route of the resolver outside the API (whose operations come from the OpenAPI document)."""
    routes = []

    def walk(resolver, prefix: str) -> None:
        for entry in resolver.url_patterns:
            if isinstance(entry, URLResolver):
                if prefix == "" and str(entry.pattern) == "api/":
                    continue  # ninja's patterns: see api_operations()
                walk(entry, prefix + _route_text(entry))
            elif isinstance(entry, URLPattern):
                routes.append(prefix + _route_text(entry))

    walk(get_resolver(), "")
    return sorted(set(routes))


def api_operations(client: Client) -> list[str]:
    paths = client.get("/api/openapi.json").json()["paths"]
    return sorted(f"{method.upper()} {path}" for path, ops in paths.items() for method in ops)


# ---------------------------------------------------------------------------------------------------
# The world


@pytest.fixture
def world(db, settings, tmp_path, monkeypatch):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.TASKS = IMMEDIATE
    settings.XINYONG_PUBLIC_API_RATE = "100000/m"
    # Authorisation is the subject here, not rendering: a stand-in PDF keeps the run short.
    for module in ("xinyong.reports.views", "xinyong.reports.api"):
        monkeypatch.setattr(f"{module}.report_render_pdf", lambda **kw: b"%PDF-1.7 stand-in")
    catalog_load_fixtures(as_of=AS_OF)
    list_types_load(as_of=AS_OF)
    dept_a = Department.objects.create(code="samr", name="甲市市场监督管理局")
    dept_b = Department.objects.create(code="env", name="甲市生态环境局")

    def user(name: str, role: str, department=None) -> User:
        return User.objects.create_user(username=name, password=PASSWORD, role=role, department=department)

    users = {
        "operator": user("op", Role.OPERATOR),
        "data_officer": user("do_a", Role.DATA_OFFICER, dept_a),
        "reviewer": user("rv_a", Role.REVIEWER, dept_a),
        "window_clerk": user("wc_a", Role.WINDOW_CLERK, dept_a),
        "auditor": user("au", Role.AUDITOR),
        "other_dept": user("do_b", Role.DATA_OFFICER, dept_b),
    }
    batch = loaded_batch(dept_a, users["data_officer"], [*mixed_rows(), *valid_rows(1, start=50)])
    record = CreditRecord.objects.filter(department=dept_a).order_by("pk").first()
    keys = {
        scope: apiclient_create(name=f"甲 {scope}", department=dept_a, scopes=[scope])[1]
        for scope in ApiScope.values
    }
    issuer = apiclient_create(name="甲 报告", department=dept_a, scopes=[ApiScope.REPORTS_ISSUE])[0]
    keys["other_dept"] = apiclient_create(name="乙", department=dept_b, scopes=list(ApiScope.values))[1]
    person = subject_create(kind=SubjectKind.NATURAL_PERSON, name="张三", ric=RIC)
    confirmed_code_add(uscc=EARLY_CODE, reason="已核对营业执照原件", actor=users["operator"])
    RowWarning.objects.create(
        batch=batch,
        number=2,
        code="amount_unit_yuan",
        field="CF_NR_FK",
        column="罚款金额",
        value="5000",
        message="第 2 行“罚款金额”：金额 5000 看起来以元为单位，请核对",
    )
    report = report_issue(subject=record.subject, kind=ReportKind.PUBLIC, as_of=AS_OF, actor=issuer)
    settings.DUEPROCESS_EVIDENCE_DIR = tmp_path / "evidence"
    profiles_load()
    objection = objection_file(
        filer=users["operator"],
        on_date=AS_OF,
        statement="权限矩阵测试",
        record=record,
        files=[("证明.pdf", io.BytesIO(b"%PDF-1.7\n" + b"0" * 64))],
    )
    keys[ApiScope.REPORTS_ISSUE] = apiclient_create(
        name="甲 报告 2", department=dept_a, scopes=[ApiScope.REPORTS_ISSUE]
    )[1]
    return {
        "users": users,
        "batch": batch,
        "record": record,
        "report": report,
        "keys": keys,
        "person": person,
        "objection": objection,
    }


def _first_pk(app_label: str, model_name: str) -> str:
    model = apps.get_model(app_label, model_name)
    pk = model._default_manager.order_by("pk").values_list("pk", flat=True).first()
    return str(pk if pk is not None else 999999)


def page_path(route: str, world) -> str:
    """A concrete address for ``route``: its parameters filled with objects of department A."""
    record, batch, report = world["record"], world["batch"], world["report"]
    admin_model = re.match(r"admin/(\w+)/(\w+)/<", route)
    values = {
        "pk": str(batch.pk) if "<uuid:pk>" in route else str(record.subject_id),
        "subject_id": str(record.subject_id),
        "authorisation_id": "999999",
        "item_code": "penalty",
        "number": report.number,
        "code": report.verification_code,
        "app_label": "accounts",
        "url": "no-such-page/",
        "rest": "calendarday/",
        "content_type_id": str(ContentType.objects.get_for_model(record.subject).pk),
        "id": str(world["users"]["other_dept"].pk),
        "record_id": str(record.pk),
        "evidence_id": "999999",
        "action": "accept",
        "object_id": (
            _first_pk(*admin_model.groups()) if admin_model else str(record.subject_id)  # view_on_site
        ),
    }
    if "objections/" in route:
        values["number"] = world["objection"].number
        values["evidence_id"] = str(EvidenceFile.objects.get(case_id=world["objection"].pk).pk)
        values["step"] = "refuse"
    if route.endswith("reveal-ric/"):
        values["object_id"] = str(world["person"].pk)  # the page exists for natural persons only
    if route == "":
        return "/"
    return "/" + re.sub(r"<(?:\w+:)?(\w+)>", lambda m: values[m.group(1)], route)


def api_path(operation: str, world) -> tuple[str, str]:
    method, path = operation.split(" ", 1)
    values = {
        "record_id": str(world["record"].pk),
        "subject_id": str(world["record"].subject_id),
        "batch_id": str(world["batch"].pk),
        "item_code": "penalty",
        "number": world["report"].number,
        "slug": "red",
        "feedback_id": "999999",
        "commitment_id": "999999",
        "check_id": "1",
    }
    if "/objections/" in path:
        values["number"] = world["objection"].number
    return method, re.sub(r"{(\w+)}", lambda m: values[m.group(1)], path)


# ---------------------------------------------------------------------------------------------------
# Calls


def call_page(world, caller: str, key: str) -> int:
    method, route = key.split(" ", 1)
    client = Client()
    if caller != "anonymous":
        client.force_login(world["users"][caller])
    path = page_path(route, world)
    response = client.post(path) if method == "POST" else client.get(path)
    return response.status_code


def call_api(world, caller: str, key: str) -> int:
    method, path = api_path(key, world)
    headers = {"X-Purpose": "权限矩阵测试"}
    if caller != "no_key":
        headers["X-API-Key"] = world["keys"][caller]
    client = Client(headers=headers)
    params = {"number": world["report"].number, "code": world["report"].verification_code}
    if method == "GET":
        response = client.get(path, params if path.endswith("/verify") else {"uscc": "x", "q": "恒信"})
    else:
        body = {"subject_id": world["record"].subject_id, "kind": "public", "q": "恒信"}
        if "/collection/" in path:
            body = [{}]
        response = client.post(path, body, content_type="application/json")
    return response.status_code


def observed_row(world, key: str) -> str:
    is_api = key.split(" ", 1)[1].startswith("/api/")
    callers = API_CALLERS if is_api else PAGE_CALLERS
    call = call_api if is_api else call_page
    return " ".join(str(call(world, caller, key)) for caller in callers)


# ---------------------------------------------------------------------------------------------------
# The test


def test_every_address_is_in_the_expected_access_table(world):
    routes = {key.split(" ", 1)[1] for key in EXPECTED if not key.split(" ", 1)[1].startswith("/api/")}
    operations = {key for key in EXPECTED if key.split(" ", 1)[1].startswith("/api/")}
    unknown = sorted(set(page_routes()) - routes) + sorted(set(api_operations(Client())) - operations)
    gone = sorted(routes - set(page_routes())) + sorted(operations - set(api_operations(Client())))
    assert not unknown, (
        "Addresses without a row in tests/test_authorisation_matrix.py EXPECTED (decide who may open them, "
        "add the row and the rule in docs/access.md):\n" + "\n".join(unknown)
    )
    assert not gone, "Rows for addresses that no longer exist:\n" + "\n".join(gone)


def test_every_caller_gets_the_expected_status(world):
    wrong = []
    for key, expected in EXPECTED.items():
        got = observed_row(world, key)
        if got != expected:
            wrong.append(f"{key!r}: {got!r},  # expected {expected!r}")
    assert not wrong, "Statuses differ from the table:\n" + "\n".join(wrong)
