"""`migrate` leaves a new database with its catalog, and catalog versions carry their legal dates."""

import datetime as dt

import pytest

from xinyong.accounts.models import AuditEntry
from xinyong.catalog.models import CatalogItemVersion, CodeList, RuleSet
from xinyong.catalog.selectors import catalog_item_current_version, catalog_item_unknown_error
from xinyong.catalog.services import catalog_item_save, catalog_load_fixtures, catalog_version_payload
from xinyong.catalog.signals import catalog_load_after_migrate

from .conftest import LOAD_DAY

pytestmark = pytest.mark.django_db


@pytest.fixture
def load_on_migrate(settings):
    settings.CATALOG_LOAD_ON_MIGRATE = True


def test_migrate_loads_the_catalog_into_an_empty_database(load_on_migrate):
    assert not CatalogItemVersion.objects.exists()
    catalog_load_after_migrate(sender=None, using="default", verbosity=0)
    assert CatalogItemVersion.objects.count() == 8
    assert CodeList.objects.count() >= 6
    assert sorted(RuleSet.objects.values_list("code", flat=True)) == ["ndrc-36", "ndrc-527", "ndrc-58"]
    # The version in force on a past day is found: files can be checked as of that day.
    assert catalog_item_current_version(code="penalty", on=dt.date(2025, 4, 1)).number == 1
    # The genesis entry stays entry 1, before the catalog's own entries.
    assert AuditEntry.objects.order_by("seq").first().action == "audit_genesis"

    before = AuditEntry.objects.count()
    catalog_load_after_migrate(sender=None, using="default", verbosity=0)
    assert CatalogItemVersion.objects.count() == 8 and AuditEntry.objects.count() == before


def test_migrate_does_not_replace_an_operators_edits(load_on_migrate, operator):
    catalog_load_after_migrate(sender=None, using="default", verbosity=0)
    penalty = catalog_item_current_version(code="penalty")
    payload = catalog_version_payload(version=penalty)
    payload["fields"][0]["synonyms"] = [*payload["fields"][0].get("synonyms", []), "本地表头"]
    item = penalty.item
    catalog_item_save(
        code=item.code,
        name=item.name,
        category=item.category,
        payload=payload,
        actor=operator,
        as_of=LOAD_DAY,
    )
    catalog_load_after_migrate(sender=None, using="default", verbosity=0)
    assert catalog_item_current_version(code="penalty").number == 2


def test_migrate_can_be_switched_off(settings):
    settings.CATALOG_LOAD_ON_MIGRATE = False
    catalog_load_after_migrate(sender=None, using="default", verbosity=0)
    assert not CatalogItemVersion.objects.exists()


def test_a_catalog_dated_by_its_load_day_is_backdated_to_the_legal_date(fixture_copy):
    # A catalog loaded before fixtures carried dates: versions in force only from the load day.
    for file in (fixture_copy / "items").glob("*.yaml"):
        text = file.read_text(encoding="utf-8")
        file.write_text("\n".join(line for line in text.splitlines() if "valid_from: 20" not in line))
    catalog_load_fixtures(path=fixture_copy, as_of=LOAD_DAY)
    assert catalog_item_current_version(code="penalty").valid_from == LOAD_DAY

    report = catalog_load_fixtures(as_of=LOAD_DAY)
    assert not report.versions_created
    penalty = catalog_item_current_version(code="penalty", on=dt.date(2025, 4, 1))
    assert (penalty.number, penalty.valid_from) == (1, dt.date(2021, 7, 15))
    entry = AuditEntry.objects.get(action="catalog_version_backdate", object_id=str(penalty.pk))
    assert entry.detail == {"item": "penalty", "from": "2026-06-15", "to": "2021-07-15"}


def test_unknown_item_lists_the_known_ones(loaded):
    code, message = catalog_item_unknown_error(code="penalties", on=LOAD_DAY)
    assert code == "item_unknown"
    assert "penalty（行政处罚）" in message and "license（行政许可）" in message


def test_item_before_its_legal_date_says_when_it_takes_effect(loaded):
    code, message = catalog_item_unknown_error(code="penalty", on=dt.date(2020, 1, 1))
    assert code == "item_not_in_force" and "2021-07-15" in message


def test_empty_catalog_says_how_to_load_it():
    code, message = catalog_item_unknown_error(code="penalty", on=LOAD_DAY)
    assert code == "item_unknown" and "xinyong catalog load" in message
