"""The demo county's checks with feedback: made through the credit check, some answered, some overdue."""

from __future__ import annotations

import datetime as dt
import time

import pytest

from xinyong.demo.services import demo_build
from xinyong.jrp.feedback import selectors
from xinyong.jrp.measures.services import measures_load_fixtures
from xinyong.jrp.models import CheckLog, FeedbackState, MeasureFeedback, TypicalCase
from xinyong.lists.services import list_types_load
from xinyong.reports.models import MeasureNotice

AS_OF = dt.date(2026, 6, 15)


@pytest.fixture
def home(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "var" / "media"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    return tmp_path / "var"


@pytest.mark.django_db
def test_the_demo_has_checks_feedback_and_two_published_cases(home):
    # What migrate loads outside the test suite: the list types and the published measure list.
    list_types_load(as_of=AS_OF, only_missing=True)
    measures_load_fixtures(as_of=AS_OF, only_missing=True)
    started = time.monotonic()
    demo_build(seed=7, subjects=400, as_of=AS_OF, progress=print)
    print(f"demo built in {time.monotonic() - started:.1f} s")
    checks = CheckLog.objects.count()
    assert checks >= 200
    assert CheckLog.objects.filter(checked_on__lt=AS_OF - dt.timedelta(days=20)).exists()
    states = set(MeasureFeedback.objects.values_list("state", flat=True))
    assert {FeedbackState.APPLIED, FeedbackState.NOT_APPLIED, FeedbackState.PENDING} <= states
    assert MeasureNotice.objects.count() == MeasureFeedback.objects.filter(state="applied").count()
    assert not MeasureFeedback.objects.filter(state="not_applied", reason="").exists()
    assert MeasureFeedback.objects.filter(state="pending", due_on__lt=AS_OF).exists()
    totals = selectors.loop_totals(
        date_from=AS_OF - dt.timedelta(days=90), date_to=AS_OF, as_of=AS_OF, department_ids=None
    )
    assert totals.checks == checks
    assert TypicalCase.objects.filter(published=True).count() == 2
