"""The API keeps its OpenAPI contract: a bounded schemathesis run over every operation of /api/openapi.json.

Every operation is called with generated valid and invalid parameters and bodies through the WSGI
application, authenticated with a real API key holding every scope, against a small world of subjects and
records. No answer may be a server error, and every answer must be documented: its status code, content
type, headers and body schema. The run is deterministic (derandomised) and bounded by ``MAX_EXAMPLES``.

Not checked: ``positive_data_acceptance``, because some schema-valid requests are refused on purpose with a
documented 400 and a code saying what to change (no search condition at all, an unknown catalog item, a
record the catalog rejects) — conditions an OpenAPI schema cannot express.
"""

from __future__ import annotations

import json

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, settings
from schemathesis.specs.openapi import checks as openapi_checks

from xinyong.accounts.models import ApiScope
from xinyong.accounts.services import apiclient_create
from xinyong.wsgi import application

MAX_EXAMPLES = 25
API_SCHEMA = schemathesis.openapi.from_wsgi("/api/openapi.json", application)
# Query parameters the document does not name are ignored, as by most HTTP APIs (a client may add a cache
# buster); requests are not generated with them.
API_SCHEMA.config.generation.update(allow_extra_parameters=False)


@schemathesis.serializer("application/x-ndjson")
def _ndjson(ctx, value) -> bytes:
    # The collection API also takes NDJSON: one generated object per line.
    rows = value if isinstance(value, list) else [value]
    return "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows).encode()


@pytest.fixture
def api_key(world, settings):
    # The rate limit is tested on its own; here it would only turn generated requests into 429s.
    settings.XINYONG_PUBLIC_API_RATE = "1000000/m"
    _client, key = apiclient_create(name="契约测试", department=world.samr, scopes=list(ApiScope.values))
    # The WSGI application closes the database connection after each request; inside the test's
    # transaction it must stay open (Django's own test client does the same).
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield key
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.mark.django_db
@API_SCHEMA.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    derandomize=True,
    database=None,
    deadline=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
def test_every_operation_keeps_its_contract(case, api_key):
    case.call_and_validate(
        headers={"X-API-Key": api_key, "X-Purpose": "接口契约测试"},
        excluded_checks=[openapi_checks.positive_data_acceptance],
    )
