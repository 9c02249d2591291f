"""API keys: creation, hashing, authentication through a tiny test-only ninja API, scopes, revocation, and the
per-process cache of authenticated keys (changes apply at once here, within its seconds elsewhere)."""

import datetime as dt
import hashlib

import pytest
from django.test import RequestFactory
from django.utils import timezone
from ninja import NinjaAPI, Router
from ninja.testing import TestClient

from xinyong.accounts import services
from xinyong.accounts.api_auth import ApiAuthError, ApiKeyAuth, install_api_error_handler
from xinyong.accounts.models import ApiClient, AuditEntry, Department
from xinyong.accounts.services import ServiceError, apiclient_authenticate, apiclient_create, apiclient_revoke

router = Router()


@router.get("/records", auth=ApiKeyAuth("records:read"))
def read_records(request):
    return {"client": request.auth.name, "department": request.auth.department.code}


@router.post("/records", auth=ApiKeyAuth("records:write"))
def write_records(request):
    return {"ok": True}


test_api = NinjaAPI(urls_namespace="accounts-test-api")
install_api_error_handler(test_api)
test_api.add_router("/", router)


@pytest.fixture
def api():
    return TestClient(test_api)


@pytest.fixture
def issued(dept_a, users):
    return apiclient_create(
        name="市场监管报送系统", department=dept_a, scopes=["records:read"], created_by=users["operator"]
    )


@pytest.mark.django_db
def test_key_is_stored_only_as_hash(issued):
    client, key = issued
    assert key.startswith(f"xy_{client.key_prefix}_")
    assert len(key) > 50
    stored = ApiClient.objects.filter(pk=client.pk).values()[0]
    assert key not in str(stored)
    assert client.key_hash == hashlib.sha256(key.encode()).hexdigest()


@pytest.mark.django_db
def test_two_keys_differ(dept_a):
    _, one = apiclient_create(name="一", department=dept_a, scopes=["records:read"])
    _, two = apiclient_create(name="二", department=dept_a, scopes=["records:read"])
    assert one != two


@pytest.mark.django_db
@pytest.mark.parametrize("header", ["Authorization", "X-API-Key"])
def test_valid_key_in_either_header(api, issued, header):
    client, key = issued
    value = f"Bearer {key}" if header == "Authorization" else key
    response = api.get("/records", headers={header: value})
    assert response.status_code == 200
    assert response.json() == {"client": "市场监管报送系统", "department": "scjg"}
    client.refresh_from_db()
    assert client.last_used_at is not None


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("headers", "code"),
    [
        ({}, "api_key_missing"),
        ({"X-API-Key": "xy_000000000000_nope"}, "api_key_invalid"),
        ({"X-API-Key": "garbage"}, "api_key_invalid"),
        ({"Authorization": "Bearer "}, "api_key_missing"),
        ({"Authorization": "Basic dXNlcjpwYXNz"}, "api_key_missing"),
    ],
)
def test_missing_or_unknown_key_is_401(api, issued, headers, code):
    response = api.get("/records", headers=headers)
    assert response.status_code == 401
    body = response.json()
    assert set(body) == {"code", "message"}  # the API's one error shape
    assert body["code"] == code
    assert "密钥" in body["message"]


@pytest.mark.django_db
def test_wrong_secret_with_real_prefix_is_401(api, issued):
    _, key = issued
    tampered = key[:-4] + ("AAAA" if not key.endswith("AAAA") else "BBBB")
    response = api.get("/records", headers={"X-API-Key": tampered})
    assert response.status_code == 401
    assert response.json()["code"] == "api_key_invalid"


@pytest.mark.django_db
def test_revoked_key_is_401_and_audited(api, issued, users):
    client, key = issued
    apiclient_revoke(client=client, actor=users["operator"])
    response = api.get("/records", headers={"X-API-Key": key})
    assert response.status_code == 401
    assert response.json()["code"] == "api_key_revoked"
    assert "吊销" in response.json()["message"]
    denied = AuditEntry.objects.get(action="login_failed")
    assert (denied.actor_api_client_id, denied.outcome, denied.detail["reason"]) == (
        client.pk,
        "denied",
        "api_key_revoked",
    )


@pytest.mark.django_db
def test_expired_key_is_401(api, dept_a):
    now = timezone.now()
    client, key = apiclient_create(
        name="临时",
        department=dept_a,
        scopes=["records:read"],
        expires_at=now + dt.timedelta(hours=1),
        now=now,
    )
    assert api.get("/records", headers={"X-API-Key": key}).status_code == 200
    client.expires_at = now - dt.timedelta(seconds=1)
    client.save(update_fields=["expires_at"])
    response = api.get("/records", headers={"X-API-Key": key})
    assert response.status_code == 401
    assert response.json()["code"] == "api_key_expired"


@pytest.mark.django_db
def test_missing_scope_is_403(api, issued):
    _, key = issued
    response = api.post("/records", headers={"X-API-Key": key})
    assert response.status_code == 403
    body = response.json()
    assert body["code"] == "api_scope_missing"
    assert "records:write" in body["message"]
    assert AuditEntry.objects.filter(action="query", outcome="denied").count() == 1


@pytest.mark.django_db
def test_auth_class_directly_with_request_factory(issued):
    _, key = issued
    auth = ApiKeyAuth("records:read")
    request = RequestFactory().get("/api/x", HTTP_AUTHORIZATION=f"bearer {key}")
    assert auth(request).name == "市场监管报送系统"
    with pytest.raises(ApiAuthError) as exc:
        ApiKeyAuth("check:query")(request)
    assert exc.value.status_code == 403


def test_unknown_scope_in_code_is_a_programming_error():
    with pytest.raises(ValueError):
        ApiKeyAuth("records:delete")


@pytest.mark.django_db
def test_last_used_is_written_at_most_once_a_minute(issued):
    client, key = issued
    t0 = timezone.now()
    apiclient_authenticate(key=key, now=t0)
    apiclient_authenticate(key=key, now=t0 + dt.timedelta(seconds=30))
    client.refresh_from_db()
    assert client.last_used_at == t0
    apiclient_authenticate(key=key, now=t0 + dt.timedelta(minutes=2))
    client.refresh_from_db()
    assert client.last_used_at == t0 + dt.timedelta(minutes=2)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"scopes": []}, "scope_required"),
        ({"scopes": ["records:delete"]}, "scope_unknown"),
        ({"name": "  "}, "name_required"),
        ({"expires_at": dt.datetime(2020, 1, 1, tzinfo=dt.UTC)}, "expires_in_past"),
    ],
)
def test_create_refuses_bad_input(dept_a, kwargs, code):
    args = {"name": "系统", "department": dept_a, "scopes": ["records:read"], **kwargs}
    with pytest.raises(ServiceError) as exc:
        apiclient_create(**args)
    assert exc.value.code == code
    assert not ApiClient.objects.exists()


@pytest.mark.django_db
def test_inactive_department_gets_no_new_client(dept_a):
    dept_a.is_active = False
    dept_a.save()
    with pytest.raises(ServiceError) as exc:
        apiclient_create(name="系统", department=dept_a, scopes=["records:read"])
    assert exc.value.code == "department_inactive"


@pytest.mark.django_db
def test_revoking_twice_keeps_first_time(issued):
    client, _ = issued
    first = timezone.now() - dt.timedelta(days=1)
    apiclient_revoke(client=client, now=first)
    apiclient_revoke(client=client)
    client.refresh_from_db()
    assert client.revoked_at == first
    assert AuditEntry.objects.filter(action="revoke").count() == 1


@pytest.mark.django_db
def test_key_of_deactivated_department_is_401(api, issued, dept_a):
    _, key = issued
    dept_a.is_active = False
    dept_a.save()
    response = api.get("/records", headers={"X-API-Key": key})
    assert response.status_code == 401
    assert response.json()["code"] == "api_key_department_inactive"


@pytest.fixture
def clock(monkeypatch):
    """The cache's clock, moved by hand; the cache starts empty."""
    now = [1000.0]
    monkeypatch.setattr(services, "_monotonic", lambda: now[0])
    services.apiclient_cache_clear()
    yield now
    services.apiclient_cache_clear()


@pytest.mark.django_db
def test_changes_in_this_process_apply_at_once_despite_the_cache(api, issued, users, dept_a, clock):
    client, key = issued
    assert api.get("/records", headers={"X-API-Key": key}).status_code == 200
    client.scopes = ["records:read", "records:write"]
    client.save(update_fields=["scopes"])
    assert api.post("/records", headers={"X-API-Key": key}).status_code == 200
    apiclient_revoke(client=client, actor=users["operator"])
    assert api.get("/records", headers={"X-API-Key": key}).json()["code"] == "api_key_revoked"


@pytest.mark.django_db
def test_department_deactivated_here_applies_at_once(api, issued, dept_a, clock):
    _, key = issued
    assert api.get("/records", headers={"X-API-Key": key}).status_code == 200
    dept_a.is_active = False
    dept_a.save()
    assert api.get("/records", headers={"X-API-Key": key}).json()["code"] == "api_key_department_inactive"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("change", "code", "status"),
    [
        ("revoke", "api_key_revoked", 401),
        ("expire", "api_key_expired", 401),
        ("deactivate", "api_key_department_inactive", 401),
        ("scope", "api_scope_missing", 403),
    ],
)
def test_changes_from_another_process_apply_within_the_cache_seconds(
    api, issued, clock, change, code, status
):
    client, key = issued
    assert api.get("/records", headers={"X-API-Key": key}).status_code == 200
    # Another process's write: no signal reaches this one (a queryset update sends none either).
    past = timezone.now() - dt.timedelta(seconds=1)
    if change == "revoke":
        ApiClient.objects.filter(pk=client.pk).update(revoked_at=past)
    elif change == "expire":
        ApiClient.objects.filter(pk=client.pk).update(expires_at=past)
    elif change == "deactivate":
        Department.objects.filter(pk=client.department_id).update(is_active=False)
    else:
        ApiClient.objects.filter(pk=client.pk).update(scopes=["records:write"])
    clock[0] += services.apiclient_cache_seconds() - 0.5
    assert api.get("/records", headers={"X-API-Key": key}).status_code == 200  # still the cached client
    clock[0] += 1
    response = api.get("/records", headers={"X-API-Key": key})
    assert (response.status_code, response.json()["code"]) == (status, code)


@pytest.mark.django_db
def test_expiry_time_is_compared_on_every_request_even_when_cached(dept_a, clock):
    now = timezone.now()
    _client, key = apiclient_create(
        name="临时",
        department=dept_a,
        scopes=["records:read"],
        expires_at=now + dt.timedelta(minutes=1),
        now=now,
    )
    apiclient_authenticate(key=key, now=now)
    with pytest.raises(services.ApiKeyError) as exc:
        apiclient_authenticate(key=key, now=now + dt.timedelta(minutes=2))
    assert exc.value.code == "api_key_expired"


@pytest.mark.django_db
def test_no_cache_with_zero_seconds(api, issued, settings, clock):
    settings.XINYONG_API_KEY_CACHE_SECONDS = 0
    client, key = issued
    assert api.get("/records", headers={"X-API-Key": key}).status_code == 200
    ApiClient.objects.filter(pk=client.pk).update(revoked_at=timezone.now() - dt.timedelta(seconds=1))
    assert api.get("/records", headers={"X-API-Key": key}).json()["code"] == "api_key_revoked"


@pytest.mark.django_db
def test_a_cached_key_does_not_query_the_database(issued, clock, django_assert_num_queries):
    _client, key = issued
    first = apiclient_authenticate(key=key)
    with django_assert_num_queries(0):
        second = apiclient_authenticate(key=key)
    assert second.pk == first.pk and second is not first and second.department.code == "scjg"
