import datetime as dt
import random
import re

import pytest
from django.core.management import CommandError, call_command

from xinyong.accounts.models import ApiClient, Department, User
from xinyong.accounts.services import apiclient_authenticate
from xinyong.core.identifiers import check_ric, check_uscc
from xinyong.demo.services import _subjects, demo_build
from xinyong.records.models import CreditRecord
from xinyong.subjects.models import Subject

AS_OF = dt.date(2026, 6, 15)

pytestmark = pytest.mark.django_db


def test_demo_builds_a_county_and_is_idempotent():
    first = demo_build(seed=7, subjects=20, as_of=AS_OF)
    assert Department.objects.count() >= 20
    assert set(User.objects.values_list("role", flat=True)) == {
        "operator",
        "data_officer",
        "reviewer",
        "window_clerk",
        "auditor",
    }
    records = CreditRecord.objects.count()
    assert records == first.outcomes["created"] == 40
    assert Subject.objects.count() == first.subjects
    assert apiclient_authenticate(key=first.api_key).department.code == "samr"

    second = demo_build(seed=7, subjects=20, as_of=AS_OF)
    assert second.outcomes == {"duplicate": 40}
    assert CreditRecord.objects.count() == records
    # The previous demo key is revoked when a new one is issued.
    assert ApiClient.objects.filter(revoked_at__isnull=True).count() == 1
    with pytest.raises(Exception):  # noqa: B017 - the accounts error type is covered by its own tests
        apiclient_authenticate(key=first.api_key)


def test_demo_is_deterministic_for_a_seed():
    def people(seed):
        return _subjects(random.Random(seed), 30)

    assert people(11) == people(11)
    assert people(11) != people(12)
    for subject in people(11):
        if subject.get("uscc"):
            assert check_uscc(subject["uscc"], subject_kind=subject["kind"]).warnings == []
        else:
            assert check_ric(subject["ric"], as_of=AS_OF).ok


def test_demo_command_refuses_production(settings):
    settings.PRODUCTION = True
    with pytest.raises(Exception, match="生产环境"):
        call_command("demo", "--subjects", "1")


def test_every_requested_subject_gets_a_record():
    report = demo_build(seed=3, subjects=12, as_of=AS_OF)
    assert report.subjects == Subject.objects.count() == 12


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--subjects", "0"], "[number_invalid]"),
        (["--subjects", "很多"], "[number_invalid]"),
        (["--as-of", "2026/13/01"], "[date_invalid]"),
    ],
)
def test_demo_command_bad_values(args, words):
    with pytest.raises(CommandError, match=re.escape(words)):
        call_command("demo", *args)
    assert not Subject.objects.exists()
