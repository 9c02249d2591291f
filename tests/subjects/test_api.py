import urllib.parse

import pytest

from tests.factories import record_ingest_row, subject_create
from tests.subjects.factories import RIC, RIC_MASKED, api_client, department, item_version, received, uscc
from xinyong.accounts.models import ApiScope, AuditEntry
from xinyong.core.codes import SubjectKind
from xinyong.records.models import Channel
from xinyong.subjects.services import linked_person_add

pytestmark = pytest.mark.django_db


@pytest.fixture
def dept_a():
    return department("dept-a", "甲局")


@pytest.fixture
def key_a(dept_a):
    return api_client(dept_a, [ApiScope.SUBJECTS_READ])[1]


@pytest.fixture
def company():
    subject = subject_create(
        kind=SubjectKind.ORGANISATION,
        name="某某（福州）有限公司",
        uscc=uscc(1),
        legacy_codes={"tax_no": "350100123456789"},
    )
    linked_person_add(subject=subject, role="legal_representative", name="李四", ric=RIC)
    return subject


@pytest.fixture
def person():
    return subject_create(kind=SubjectKind.NATURAL_PERSON, name="张三", ric=RIC)


def get(client, key, path, purpose=None, **params):
    headers = {"HTTP_X_API_KEY": key}
    if purpose:
        headers["HTTP_X_PURPOSE"] = urllib.parse.quote(purpose)
    return client.get(path, params, **headers)


def test_lookup_by_uscc_and_name(client, key_a, company):
    body = get(client, key_a, "/api/subjects/", uscc=company.uscc.lower()).json()
    assert [s["id"] for s in body["results"]] == [company.pk]
    result = body["results"][0]
    assert result["aliases"] == [{"kind": "tax_no", "kind_name": "税务登记号", "value": "350100123456789"}]
    assert result["linked_persons"][0]["ric_masked"] == RIC_MASKED
    assert RIC not in get(client, key_a, "/api/subjects/", uscc=company.uscc).content.decode()
    body = get(client, key_a, "/api/subjects/", name="某某(福州)有限公司").json()
    assert [s["id"] for s in body["results"]] == [company.pk]


def test_query_is_required(client, key_a):
    response = get(client, key_a, "/api/subjects/")
    assert response.status_code == 400 and response.json()["code"] == "query_required"


def test_persons_are_not_found_by_name(client, key_a, person):
    assert get(client, key_a, "/api/subjects/", name="张三").json()["count"] == 0


def test_person_lookup_by_ric_needs_purpose_visibility_and_is_audited(client, key_a, dept_a, person):
    response = get(client, key_a, "/api/subjects/", ric=RIC)
    assert response.status_code == 400 and response.json()["code"] == "purpose_required"
    # No record about the person in the client's view: not found.
    assert get(client, key_a, "/api/subjects/", purpose="核查", ric=RIC).json()["count"] == 0
    assert get(client, key_a, f"/api/subjects/{person.pk}", purpose="核查").status_code == 404
    record_ingest_row(
        item_version=item_version("inspection", scope="shared"),
        department=department("dept-b", "乙局"),
        document_number="检1号",
        subject=person,
        decision_date=received().date(),
        fields={},
        channel=Channel.FORM,
        received_at=received(),
    )
    response = get(client, key_a, "/api/subjects/", purpose="核查", ric=RIC.lower())
    body = response.json()
    assert [s["id"] for s in body["results"]] == [person.pk]
    assert body["results"][0]["ric_masked"] == RIC_MASKED and RIC not in response.content.decode()
    entry = AuditEntry.objects.filter(action="query", actor_kind="api_client").latest("seq")
    assert entry.purpose == "核查" and entry.detail["subject_ids"] == [person.pk]
    assert RIC not in repr(entry.detail)
    detail = get(client, key_a, f"/api/subjects/{person.pk}", purpose="核查")
    assert detail.status_code == 200 and detail.json()["name"] == "张三"
    assert get(client, key_a, f"/api/subjects/{person.pk}").status_code == 400


def test_invalid_ric_is_a_400(client, key_a):
    response = get(client, key_a, "/api/subjects/", purpose="核查", ric="110105194912310021")
    assert response.status_code == 400 and response.json()["code"] == "ric_invalid"


def test_wrong_scope_is_refused(client, dept_a, company):
    _, key = api_client(dept_a, [ApiScope.RECORDS_READ])
    assert get(client, key, "/api/subjects/", uscc=company.uscc).status_code == 403


def test_organisation_detail_needs_no_purpose(client, key_a, company):
    response = get(client, key_a, f"/api/subjects/{company.pk}")
    assert response.status_code == 200 and response.json()["uscc"] == company.uscc
    assert get(client, key_a, "/api/subjects/999999").json()["code"] == "subject_not_found"
