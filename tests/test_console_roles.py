"""Every console page for every demo role: the right pages open, the others refuse, nothing breaks, and
no full 身份证 number appears. Built on the demo county plus records of a non-shared (授权查询) item from
two departments, so department scope is visible end to end — admin and API."""

import datetime as dt
import json
import re

import pytest
from django.contrib import admin
from django.urls import reverse

from tests.factories import record_ingest_row
from tests.subjects.factories import item_version, received
from xinyong.accounts.models import AuditEntry, Role, User
from xinyong.accounts.permissions import role_app_labels, role_grants
from xinyong.catalog.models import DisclosureScope
from xinyong.core.identifiers import check_ric
from xinyong.demo.services import demo_build
from xinyong.records.models import Channel, CreditRecord
from xinyong.subjects import crypto
from xinyong.subjects.models import Subject
from xinyong.subjects.permissions import subjects_visible_to

pytestmark = pytest.mark.django_db

AS_OF = dt.date(2026, 6, 15)
# Apps whose pages each role opens come from the role table; every other registered page answers 403.
# The table itself is tested in tests/accounts; here the pages must follow it. A few facts pinned down:
NEVER = {
    Role.DATA_OFFICER: {"accounts", "workdays", "auth"},
    Role.REVIEWER: {"accounts", "workdays", "auth"},
    Role.WINDOW_CLERK: {"accounts", "workdays", "auth", "records", "catalog"},
    Role.OPERATOR: {"auth"},
    Role.AUDITOR: set(),
}


def opens(role: str, app_label: str, model_name: str = "") -> bool:
    apps = role_app_labels(role)
    in_app = apps is None or app_label in apps
    return in_app and (not model_name or role_grants(role, app_label, "view", model_name))


DEMO_USERS = {
    "xinban": Role.OPERATOR,
    "samr_data": Role.DATA_OFFICER,
    "samr_review": Role.REVIEWER,
    "tax_data": Role.DATA_OFFICER,
    "chuangkou": Role.WINDOW_CLERK,
    "shenji": Role.AUDITOR,
}
# English that Django's zh_Hans catalogue or a read-only page would leave on screen.
UNTRANSLATED = ("Model name", "After you’ve created a user", '<div class="readonly">None</div>', "Error:")
ID_LIKE = re.compile(r"(?<![0-9A-Za-z])[1-9][0-9]{16}[0-9Xx](?![0-9A-Za-z])")


def full_ids(html: str) -> list[str]:
    """Valid 18-digit 身份证 numbers in a page (masked ones do not match)."""
    return [candidate for candidate in ID_LIKE.findall(html) if check_ric(candidate).ok]


@pytest.fixture
def county(settings, tmp_path):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = tmp_path / "media"  # the demo's uploads and files (var/demo) stay out of the tree
    report = demo_build(seed=5, subjects=20, as_of=AS_OF)
    contract = item_version("contract", scope=DisclosureScope.AUTHORISED)
    person = Subject.objects.filter(kind="natural_person").first()
    private = {}
    for code in ("samr", "tax"):
        department = User.objects.get(username=f"{code}_data").department
        private[code] = record_ingest_row(
            item_version=contract,
            department=department,
            document_number=f"{code}-授权〔2026〕1号",
            subject=person,
            decision_date=AS_OF,
            fields={"CF_XDR_MC": person.name, "CF_NR": "合同履行情况"},
            channel=Channel.FILE,
            received_at=received(),
        ).record
    return {"report": report, "private": private, "person": person}


def first_visible(model_admin, user):
    """A row the user's admin queryset holds (or any row, for pages the user cannot open)."""
    request = type("Request", (), {"user": user})()
    row = model_admin.get_queryset(request).order_by("pk").first()
    return row or model_admin.model._default_manager.order_by("pk").first()


@pytest.mark.parametrize("username", list(DEMO_USERS))
def test_every_admin_page_answers_as_the_role_allows(client, county, username):
    user = User.objects.get(username=username)
    role = DEMO_USERS[username]
    assert not any(opens(role, app) for app in NEVER[role])
    client.force_login(user)
    assert client.get(reverse("admin:index")).status_code == 200
    for model, model_admin in admin.site._registry.items():
        prefix = f"admin:{model._meta.app_label}_{model._meta.model_name}"
        expected = 200 if opens(role, model._meta.app_label, model._meta.model_name) else 403
        urls = [reverse(f"{prefix}_changelist")]
        row = first_visible(model_admin, user)
        if row is not None:
            urls.append(reverse(f"{prefix}_change", args=[row.pk]))
            urls.append(reverse(f"{prefix}_history", args=[row.pk]))
        if expected == 200 and model_admin.has_add_permission(type("Request", (), {"user": user})()):
            urls.append(reverse(f"{prefix}_add"))
        for url in urls:
            response = client.get(url)
            assert response.status_code == expected, (username, url)
            html = response.content.decode()
            assert full_ids(html) == [], (username, url)
            untranslated = [phrase for phrase in UNTRANSLATED if phrase in html]
            assert untranslated == [], (username, url)


def test_non_shared_records_stay_in_their_department(client, county):
    sees = {
        "xinban": {"samr", "tax"},
        "shenji": {"samr", "tax"},
        "samr_data": {"samr"},
        "samr_review": {"samr"},
        "tax_data": {"tax"},
    }
    for username, allowed in sees.items():
        client.force_login(User.objects.get(username=username))
        listing = client.get(reverse("admin:records_creditrecord_changelist"), {"q": "授权"}).content.decode()
        for code, record in county["private"].items():
            visible = code in allowed
            assert (record.document_number in listing) is visible, (username, code)
            for name in ("change", "history"):
                response = client.get(reverse(f"admin:records_creditrecord_{name}", args=[record.pk]))
                assert response.status_code == (200 if visible else 404), (username, code, name)
        # The person behind the records is shown masked (or not at all) on the subject page.
        user = User.objects.get(username=username)
        person_page = client.get(reverse("admin:subjects_subject_change", args=[county["person"].pk]))
        shown = subjects_visible_to(user).filter(pk=county["person"].pk).exists()
        assert person_page.status_code == (200 if shown else 404), username
        assert full_ids(person_page.content.decode()) == []
    # An operator finds the person by the full number; the audit log keeps only the masked form.
    client.force_login(User.objects.get(username="xinban"))
    full = crypto.decrypt(county["person"].ric_encrypted)
    found = client.get(reverse("admin:subjects_subject_changelist"), {"q": full}, follow=True)
    assert full not in found.redirect_chain[-1][0]  # moved to a session token, out of the address
    assert county["person"].name in found.content.decode()
    logged = AuditEntry.objects.values_list("object_repr", "purpose", "detail")
    assert full_ids(json.dumps(list(logged), ensure_ascii=False)) == []
    audit_page = client.get(reverse("admin:accounts_auditentry_changelist")).content.decode()
    assert full_ids(audit_page) == []


def test_window_clerk_reads_subjects_but_no_records(client, county):
    client.force_login(User.objects.get(username="chuangkou"))
    assert client.get(reverse("admin:subjects_subject_changelist")).status_code == 200
    public = CreditRecord.objects.filter(disclosure_scope="public").first()
    assert client.get(reverse("admin:records_creditrecord_change", args=[public.pk])).status_code == 403
    for record in county["private"].values():  # not even their existence shows
        assert client.get(reverse("admin:records_creditrecord_change", args=[record.pk])).status_code == 404
    reveal = reverse("admin:subjects_subject_reveal_ric", args=[county["person"].pk])
    assert client.get(reveal).status_code == 403  # the subject is visible, its full number is not


def test_lookups_of_other_apps_are_refused(client, county):
    """Autocomplete and raw-id popups cannot be used to list departments, users or the audit log."""
    autocomplete = reverse("admin:autocomplete")
    popup = reverse("admin:accounts_auditentry_changelist") + "?_popup=1&_to_field=seq"
    for username in ("samr_data", "samr_review", "chuangkou"):
        client.force_login(User.objects.get(username=username))
        for params in (
            {"app_label": "accounts", "model_name": "user", "field_name": "department", "term": "示范"},
            {"app_label": "accounts", "model_name": "apiclient", "field_name": "department", "term": ""},
        ):
            assert client.get(autocomplete, params).status_code == 403, (username, params)
        assert client.get(popup).status_code == 403, username
    # Records are not offered to autocomplete (reads of them are audited on the list and detail pages);
    # subjects are, from the same visibility as the list and with ID numbers masked.
    client.force_login(User.objects.get(username="samr_data"))
    params = {
        "app_label": "records",
        "model_name": "creditrecordversion",
        "field_name": "record",
        "term": "授权",
    }
    assert client.get(autocomplete, params).status_code == 404  # "no search fields for autocomplete"
    params = {"app_label": "records", "model_name": "creditrecord", "field_name": "subject", "term": ""}
    response = client.get(autocomplete, params)
    assert response.status_code == 200 and full_ids(response.content.decode()) == []


def test_api_key_of_one_department_sees_only_its_own_non_shared_records(client, county):
    key = county["report"].api_key  # the demo key belongs to the market regulator (samr)
    headers = {"HTTP_AUTHORIZATION": f"Bearer {key}", "HTTP_X_PURPOSE": "review"}
    body = client.get("/api/records/", {"item": "contract"}, **headers).json()
    assert [row["document_number"] for row in body["results"]] == [county["private"]["samr"].document_number]
    other = client.get(f"/api/records/{county['private']['tax'].pk}", **headers)
    assert other.status_code == 404 and set(other.json()) == {"code", "message"}
    everything = client.get("/api/records/", {"page_size": 200}, **headers).content.decode()
    assert full_ids(everything) == []
    assert CreditRecord.objects.filter(item__code="contract").count() == 2
