import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection

from tests.factories import subject_create, subject_resolve_one
from tests.subjects.factories import RIC, RIC_MASKED, department, ric, uscc, user
from xinyong.accounts.models import AuditEntry, Role
from xinyong.core.codes import SubjectKind
from xinyong.core.identifiers import IdIssue
from xinyong.subjects import crypto
from xinyong.subjects.models import (
    AliasKind,
    LinkedPerson,
    OrganisationType,
    ReviewStatus,
    Subject,
    SubjectReview,
)
from xinyong.subjects.selectors import ric_lookup_hash, subjects_by_name
from xinyong.subjects.services import (
    SubjectError,
    confirmed_code_add,
    linked_person_add,
    subject_reveal_ric,
    subject_review_resolve,
)

pytestmark = pytest.mark.django_db

ORG = SubjectKind.ORGANISATION
IB = SubjectKind.INDIVIDUAL_BUSINESS
PERSON = SubjectKind.NATURAL_PERSON
NO_CODE = "00000000000000000X"


def codes(issues):
    return [i.code for i in issues]


def by_ric(value):
    """The person registered under an ID number, found as the registry finds people: by its keyed hash."""
    digest = ric_lookup_hash(value=value)
    return Subject.objects.filter(ric_hmac=digest).first() if digest else None


def test_subject_is_created_on_first_record_and_found_after(as_of):
    code = uscc(1)
    first = subject_resolve_one(
        kind=ORG, name="福州某某科技有限公司", uscc=code, source="batch:1", as_of=as_of
    )
    assert first.created
    subject = first.subject
    assert subject.uscc == code
    assert subject.org_type == OrganisationType.ENTERPRISE
    assert (subject.uscc_category, subject.uscc_category_name) == ("91", "企业")
    assert subject.created_source == "batch:1"
    again = subject_resolve_one(kind=ORG, name="福州某某科技有限公司", uscc=code.lower(), source="batch:2")
    assert not again.created and again.subject.pk == subject.pk
    assert again.warnings == [] and again.review_flag is None
    assert Subject.objects.count() == 1
    # One audit entry for the call that registered it; the call that found it wrote nothing.
    assert AuditEntry.objects.filter(action="bulk_resolve", object_type="subjects.subject").count() == 1


@pytest.mark.parametrize(
    ("category", "org_type", "category_name"),
    [
        ("11", OrganisationType.GOVERNMENT_BODY, "机关"),
        ("12", OrganisationType.PUBLIC_INSTITUTION, "事业单位"),
        ("52", OrganisationType.SOCIAL_ORGANISATION, "民办非企业单位"),
        ("31", OrganisationType.OTHER, "律师执业机构"),
    ],
)
def test_organisation_type_from_uscc_category(category, org_type, category_name):
    subject = subject_create(kind=ORG, name=f"机构{category}", uscc=uscc(7, category))
    assert subject.org_type == org_type
    assert subject.uscc_category_name == category_name


def test_full_width_uscc_input_is_normalised():
    code = uscc(2)
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in code)
    subject = subject_create(kind=ORG, name="某公司", uscc=f" {full_width} ")
    assert subject.uscc == code


def test_known_code_with_other_name_adds_former_name_and_warns():
    code = uscc(3)
    subject_resolve_one(kind=ORG, name="某某贸易有限公司", uscc=code)
    result = subject_resolve_one(kind=ORG, name="某某商贸有限公司", uscc=code, source="batch:9")
    assert not result.created
    assert codes(result.warnings) == ["subject_name_changed"]
    assert (
        "某某贸易有限公司" in result.warnings[0].message and "某某商贸有限公司" in result.warnings[0].message
    )
    subject = result.subject
    subject.refresh_from_db()
    assert subject.name == "某某贸易有限公司"  # the registered name is kept
    alias = subject.aliases.get(kind=AliasKind.FORMER_NAME)
    assert (alias.value, alias.source) == ("某某商贸有限公司", "batch:9")
    # Seen again: still a warning for the uploader, but no second alias.
    subject_resolve_one(kind=ORG, name="某某商贸有限公司", uscc=code)
    assert subject.aliases.filter(kind=AliasKind.FORMER_NAME).count() == 1
    # The former name finds the subject.
    assert list(subjects_by_name(name="某某商贸有限公司")) == [subject]


def test_name_differing_only_in_width_is_not_a_change():
    code = uscc(4)
    subject_resolve_one(kind=ORG, name="某某（北京）有限公司", uscc=code)
    result = subject_resolve_one(kind=ORG, name="某某(北京)有限公司", uscc=code)
    assert result.warnings == []
    assert not result.subject.aliases.exists()


def test_same_name_with_other_code_is_flagged_for_review():
    known = subject_create(kind=ORG, name="某某(北京)有限公司", uscc=uscc(5))
    result = subject_resolve_one(kind=ORG, name="某某（北京）有限公司", uscc=uscc(6), source="batch:3")
    assert result.created and result.subject.pk != known.pk
    assert result.subject.uscc == uscc(6)
    assert codes(result.warnings) == ["subject_code_conflict"]
    review = result.review_flag
    assert review is not None and review.status == ReviewStatus.OPEN
    assert (review.subject, review.conflicting_subject) == (result.subject, known)
    # Another record of the same pair does not pile up flags.
    again = subject_resolve_one(kind=ORG, name="某某(北京)有限公司", uscc=uscc(6))
    assert again.review_flag == review
    assert SubjectReview.objects.count() == 1


def test_resolved_review_is_not_raised_again():
    subject_resolve_one(kind=ORG, name="同名公司", uscc=uscc(8))
    review = subject_resolve_one(kind=ORG, name="同名公司", uscc=uscc(9)).review_flag
    operator = user("op", Role.OPERATOR)
    subject_review_resolve(review=review, actor=operator, note="不同城市的两家公司")
    review.refresh_from_db()
    assert review.status == ReviewStatus.RESOLVED and review.resolved_by == operator
    result = subject_resolve_one(kind=ORG, name="同名公司", uscc=uscc(9))
    assert result.review_flag is None and result.warnings == []


def test_only_operators_resolve_reviews():
    subject_resolve_one(kind=ORG, name="同名公司", uscc=uscc(8))
    review = subject_resolve_one(kind=ORG, name="同名公司", uscc=uscc(9)).review_flag
    officer = user("officer", Role.DATA_OFFICER, department("dept-a", "甲局"))
    with pytest.raises(PermissionDenied):
        subject_review_resolve(review=review, actor=officer, note="x")


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("91350100M000100Y4Z", "uscc_invalid_char"),
        ("91350100M000101Y43", "uscc_check_digit"),
        ("", "uscc_required"),
        ("9135010012345", "uscc_length"),
    ],
)
def test_invalid_uscc_is_rejected_with_its_issue(value, code):
    issues = subject_resolve_one(kind=ORG, name="某公司", uscc=value).errors
    assert code in codes(issues)
    assert all(issue.message for issue in issues)
    assert not Subject.objects.exists()


def test_a_wrong_check_character_is_rejected_unless_confirmed():
    # Position 18 wrong, position 17 (GB 11714) right: a typo in position 18, or an early code.
    issues = subject_resolve_one(kind=ORG, name="试点公司", uscc="91350100M000100Y42").errors
    assert codes(issues) == ["uscc_check_digit"]
    confirmed_code_add(uscc="91350100M000100Y42", reason="已核对登记证书原件", actor=None)
    result = subject_resolve_one(kind=ORG, name="试点公司", uscc="91350100M000100Y42")
    assert result.created and codes(result.warnings) == ["uscc_check_digit_confirmed"]


def test_empty_name_is_rejected():
    issues = subject_resolve_one(kind=ORG, name=" \u3000", uscc=uscc(1)).errors
    assert codes(issues) == ["subject_name_required"]


def test_natural_person_is_stored_encrypted_and_found_by_hmac(as_of):
    result = subject_resolve_one(kind=PERSON, name="张三", ric=RIC.lower(), as_of=as_of)
    person = result.subject
    assert result.created
    assert person.uscc is None
    assert person.ric_masked == RIC_MASKED
    assert person.ric_encrypted and RIC not in person.ric_encrypted
    assert crypto.decrypt(person.ric_encrypted) == RIC
    assert person.ric_hmac == crypto.ric_hmac(RIC)
    assert str(person) == f"张三（{RIC_MASKED}）"
    # Exact lookup by HMAC, whatever the input form.
    assert by_ric(RIC) == person
    assert by_ric(" ".join(RIC)) == person
    assert by_ric("110105194912310021") is None  # wrong check digit: not a lookup
    assert subject_create(kind=PERSON, name="张三", ric=RIC) == person


def test_no_plaintext_id_anywhere_in_the_subject_tables():
    person = subject_create(kind=PERSON, name="张三", ric=RIC)
    linked_person_add(subject=person, role="principal", name="张三", ric=RIC)
    for table in ("subjects_subject", "subjects_linkedperson", "subjects_subjectalias"):
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT * FROM {table}")  # noqa: S608 - fixed table names
            rows = cursor.fetchall()
        text = repr(rows)
        assert RIC not in text and RIC[:17] not in text, table
        assert RIC.lower() not in text


def test_legacy_15_digit_number_finds_the_same_person():
    legacy = "110105491231002"  # 15-digit form of 11010519491231002X
    person = subject_resolve_one(kind=PERSON, name="张三", ric=legacy)
    assert codes(person.warnings) == ["ric_upgraded_from_15"]
    assert by_ric(RIC) == person.subject


def test_invalid_ric_is_rejected():
    issues = subject_resolve_one(kind=PERSON, name="张三", ric="110105194912310021").errors
    assert codes(issues) == ["ric_check_digit"]
    issues = subject_resolve_one(kind=PERSON, name="张三").errors
    assert codes(issues) == ["ric_required"]


def test_natural_person_has_no_uscc():
    issues = subject_resolve_one(kind=PERSON, name="张三", ric=RIC, uscc=uscc(1)).errors
    assert codes(issues) == ["uscc_not_for_natural_person"]


def test_people_sharing_a_name_are_not_flagged():
    subject_resolve_one(kind=PERSON, name="王伟", ric=RIC)
    other = subject_resolve_one(kind=PERSON, name="王伟", ric=ric(1))
    assert other.created and other.review_flag is None and other.warnings == []


def test_no_code_individual_business_requires_registration_number():
    issues = subject_resolve_one(kind=IB, name="某某便利店", uscc=NO_CODE).errors
    assert codes(issues) == ["reg_no_required"]
    assert "工商注册号" in issues[0].message


def test_no_code_individual_business_is_keyed_by_registration_number():
    first = subject_resolve_one(
        kind=IB, name="某某便利店", uscc=NO_CODE, legacy_codes={"reg_no": "350100600123456"}
    )
    assert first.created and first.subject.uscc is None and first.warnings == []
    again = subject_resolve_one(
        kind=IB, name="某某便利店", uscc=NO_CODE, legacy_codes={"reg_no": " 350100600123456 "}
    )
    assert not again.created and again.subject == first.subject
    # Later the business receives a USCC: the same subject gets it.
    code = uscc(11, "92")
    later = subject_resolve_one(
        kind=IB, name="某某便利店", uscc=code, legacy_codes={"reg_no": "350100600123456"}
    )
    assert later.subject == first.subject and "subject_uscc_assigned" in codes(later.warnings)
    later.subject.refresh_from_db()
    assert later.subject.uscc == code


def test_no_code_is_refused_for_organisations():
    issues = subject_resolve_one(
        kind=ORG, name="某公司", uscc=NO_CODE, legacy_codes={"reg_no": "350100600123456"}
    ).errors
    assert codes(issues) == ["uscc_no_code_not_allowed"]


def test_legacy_codes_become_aliases():
    subject = subject_create(
        kind=ORG,
        name="某公司",
        uscc=uscc(12),
        legacy_codes={"org_code": "12345678-8", "tax_no": "350100123456789"},
    )
    values = dict(subject.aliases.values_list("kind", "value"))
    assert values == {AliasKind.ORG_CODE: "123456788", AliasKind.TAX_NO: "350100123456789"}


def test_invalid_org_code_is_a_warning_not_a_rejection():
    result = subject_resolve_one(
        kind=ORG, name="某公司", uscc=uscc(13), legacy_codes={"org_code": "12345678-0"}
    )
    assert "org_code_check_digit" in codes(result.warnings)
    assert not result.subject.aliases.filter(kind=AliasKind.ORG_CODE).exists()


def test_linked_person_id_is_encrypted():
    company = subject_create(kind=ORG, name="某公司", uscc=uscc(14))
    person = linked_person_add(subject=company, role="legal_representative", name="李四", ric=RIC)
    assert person.ric_masked == RIC_MASKED and RIC not in person.ric_encrypted
    assert person.ric_hmac == crypto.ric_hmac(RIC)
    assert linked_person_add(subject=company, role="legal_representative", name="李四", ric=RIC) == person
    assert LinkedPerson.objects.count() == 1


def test_full_id_is_revealed_only_to_platform_wide_roles_and_audited():
    person = subject_create(kind=PERSON, name="张三", ric=RIC)
    auditor = user("aud", Role.AUDITOR)
    assert subject_reveal_ric(subject=person, actor=auditor, purpose="核查投诉") == RIC
    entry = AuditEntry.objects.filter(action="view", object_type="subjects.subject").first()
    assert entry.actor_user == auditor and entry.purpose == "核查投诉" and entry.outcome == "success"
    assert RIC not in repr(entry.detail) and RIC not in entry.object_repr
    officer = user("officer", Role.DATA_OFFICER, department("dept-a", "甲局"))
    with pytest.raises(PermissionDenied):
        subject_reveal_ric(subject=person, actor=officer, purpose="好奇")
    assert AuditEntry.objects.filter(action="view", outcome="denied").count() == 1


def test_subject_error_joins_its_messages_without_doubled_punctuation():
    error = SubjectError(
        [IdIssue("uscc_length", "代码应为 18 位。"), IdIssue("uscc_invalid_char", "含无效字符。")]
    )
    assert error.message == "代码应为 18 位；含无效字符。"
    assert "。；" not in error.message and error.code == "uscc_length"
