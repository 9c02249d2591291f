import re

import pytest
from django.urls import reverse

from tests.factories import record_ingest_row, subject_create
from tests.subjects.factories import RIC, RIC_MASKED, department, uscc, user
from xinyong.accounts.models import AuditEntry, Role
from xinyong.core.codes import SubjectKind
from xinyong.subjects.models import ReviewStatus, SubjectReview

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:subjects_subject_changelist"


@pytest.fixture
def operator():
    return user("operator", Role.OPERATOR)


@pytest.fixture
def person():
    return subject_create(kind=SubjectKind.NATURAL_PERSON, name="张三", ric=RIC)


def _search(client, term: str):
    """Type ``term`` into the changelist's search box: the form posts, then the browser follows the 303."""
    response = client.post(reverse(CHANGELIST), {"_posted_search": "1", "q": term})
    assert response.status_code == 303
    return response["Location"], client.get(response["Location"])


def test_full_id_search_finds_the_person_without_the_number_in_any_url(client, operator, person):
    subject_create(kind=SubjectKind.ORGANISATION, name="某公司", uscc=uscc(1))
    client.force_login(operator)
    changelist = client.get(reverse(CHANGELIST)).content.decode()
    assert 'id="changelist-search" method="post"' in changelist
    location, response = _search(client, f" {RIC.lower()} ")
    # The address carries a random token, not the number (nor any part of it).
    assert "?st=" in location and RIC[:6] not in location and RIC[-4:] not in location
    page = response.content.decode()
    assert "张三" in page and RIC_MASKED in page and "某公司" not in page
    assert RIC not in page and RIC.lower() not in page  # the box is empty, the term shown masked
    # Links on the page (sorting, filters, the person) carry the token, never the number.
    assert all(RIC[:10] not in href for href in re.findall(r'href="([^"]*)"', page))
    entry = AuditEntry.objects.filter(action="query", object_type="subjects.subject").latest("seq")
    assert entry.detail["by"] == "ric" and RIC not in repr(entry.detail)


@pytest.mark.parametrize("term", ["身份证{ric}", "{head}/{tail}", "{head},{tail}", "{head}"])
def test_id_like_terms_stay_out_of_the_url(client, operator, person, term):
    client.force_login(operator)
    typed = term.format(ric=RIC, head=RIC[:6], tail=RIC[6:])
    location, response = _search(client, typed)
    assert "?st=" in location and RIC[:6] not in location
    assert response.status_code == 200 and typed not in response.content.decode()


def test_an_id_typed_into_the_address_is_moved_to_a_token(client, operator, person):
    client.force_login(operator)
    response = client.get(reverse(CHANGELIST), {"q": RIC})
    assert response.status_code == 303 and "?st=" in response["Location"] and RIC not in response["Location"]
    assert "张三" in client.get(response["Location"]).content.decode()


def test_a_name_search_keeps_its_shareable_address_and_tokens_belong_to_the_session(client, operator, person):
    subject_create(kind=SubjectKind.ORGANISATION, name="某公司", uscc=uscc(1))
    client.force_login(operator)
    location, response = _search(client, "某公司")
    assert location == reverse(CHANGELIST) + "?q=%E6%9F%90%E5%85%AC%E5%8F%B8"
    assert "某公司" in response.content.decode()
    token_location, _ = _search(client, RIC)
    # Another session (the same operator on another browser) cannot use the token.
    other = client.__class__()
    other.force_login(operator)
    response = other.get(token_location)
    assert response.status_code == 303 and "st=" not in response["Location"]
    assert "已失效" in other.get(response["Location"]).content.decode()


def test_search_by_name_former_name_uscc_and_legacy_code(client, operator):
    code = uscc(2)
    subject_create(
        kind=SubjectKind.ORGANISATION,
        name="某某（福州）有限公司",
        uscc=code,
        legacy_codes={"tax_no": "350100123456789"},
    )
    subject_create(kind=SubjectKind.ORGANISATION, name="某某新名称有限公司", uscc=code)
    client.force_login(operator)
    for term in ("某某(福州)", "新名称", code.lower(), "350100123456789"):
        page = _search(client, term)[1].content.decode()
        assert code in page, term


def test_reveal_is_for_platform_wide_roles_and_audited(client, operator, person):
    client.force_login(operator)
    detail = client.get(reverse("admin:subjects_subject_change", args=[person.pk])).content.decode()
    reveal_url = reverse("admin:subjects_subject_reveal_ric", args=[person.pk])
    assert reveal_url in detail and RIC not in detail
    form = client.get(reveal_url).content.decode()
    assert RIC not in form
    shown = client.post(reveal_url, {"purpose": "核对异议材料"}).content.decode()
    assert RIC in shown
    entry = AuditEntry.objects.filter(action="view", object_type="subjects.subject").latest("seq")
    assert entry.actor_user == operator and entry.purpose == "核对异议材料"


def test_department_user_sees_no_reveal_link_and_is_refused(client, person):
    # The person has a shared record of department A, so officer A may see the (masked) subject.
    from tests.subjects.factories import item_version, received
    from xinyong.records.models import Channel

    dept = department("dept-a", "甲局")
    record_ingest_row(
        item_version=item_version("inspection", scope="shared"),
        department=dept,
        document_number="检1号",
        subject=person,
        decision_date=received().date(),
        fields={},
        channel=Channel.FORM,
        received_at=received(),
    )
    officer = user("officer", Role.DATA_OFFICER, dept)
    client.force_login(officer)
    detail = client.get(reverse("admin:subjects_subject_change", args=[person.pk])).content.decode()
    assert RIC_MASKED in detail and "reveal-ric" not in detail
    assert (
        client.post(
            reverse("admin:subjects_subject_reveal_ric", args=[person.pk]), {"purpose": "x"}
        ).status_code
        == 403
    )


def test_person_without_visible_records_is_hidden_from_departments(client, person):
    officer = user("officer", Role.DATA_OFFICER, department("dept-a", "甲局"))
    client.force_login(officer)
    assert client.get(reverse("admin:subjects_subject_change", args=[person.pk])).status_code == 404
    assert "张三" not in client.get(reverse(CHANGELIST)).content.decode()


def test_review_queue_resolve_action(client, operator):
    subject_create(kind=SubjectKind.ORGANISATION, name="同名公司", uscc=uscc(3))
    subject_create(kind=SubjectKind.ORGANISATION, name="同名公司", uscc=uscc(4))
    review = SubjectReview.objects.get(status="open")
    client.force_login(operator)
    url = reverse("admin:subjects_subjectreview_changelist")
    page = client.get(url, {"status__exact": "open"}).content.decode()
    assert "同名公司" in page and "名称相同但代码不同" in page and "subject_code_conflict" not in page
    detail = client.get(reverse("admin:subjects_subjectreview_change", args=[review.pk])).content.decode()
    assert "名称相同但代码不同" in detail and "已提交平台管理员核查" in detail
    client.post(url, {"action": "resolve_selected", "_selected_action": [review.pk]})
    review.refresh_from_db()
    assert review.status == ReviewStatus.RESOLVED and review.resolved_by == operator
    assert AuditEntry.objects.filter(action="update", object_type="subjects.subjectreview").exists()


def test_subjects_cannot_be_added_or_deleted(client, operator, person):
    client.force_login(operator)
    assert client.get(reverse("admin:subjects_subject_add")).status_code == 403
    assert client.get(reverse("admin:subjects_subject_delete", args=[person.pk])).status_code == 403
