"""``xinyong createuser`` and ``xinyong apiclient``."""

import re

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from xinyong.accounts.models import ApiClient, AuditEntry, User
from xinyong.accounts.services import apiclient_authenticate

GOOD = "Quite-Long-Pass-2026"


def run(*args) -> str:
    from io import StringIO

    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def fails(*args) -> str:
    with pytest.raises(CommandError) as exc:
        run(*args)
    return str(exc.value)


@pytest.mark.django_db
def test_createuser_with_department(dept_a):
    out = run("createuser", "zhang", "--role", "data_officer", "--department", "scjg", "--password", GOOD)
    assert "已创建用户 zhang" in out and "部门数据报送员" in out
    user = User.objects.get(username="zhang")
    assert (user.role, user.department, user.is_staff, user.is_superuser) == (
        "data_officer",
        dept_a,
        True,
        False,
    )
    assert user.check_password(GOOD)
    entry = AuditEntry.objects.get(action="create", object_type="accounts.user")
    assert entry.actor_kind == "system"


@pytest.mark.django_db
def test_createuser_password_from_env(monkeypatch):
    monkeypatch.setenv("XY_PW", GOOD)
    run("createuser", "li", "--role", "auditor", "--password-from-env", "XY_PW")
    assert User.objects.get(username="li").check_password(GOOD)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("args", "code", "words"),
    [
        (["--role", "boss", "--password", GOOD], "role_unknown", "未知的角色"),
        (["--role", "reviewer", "--password", GOOD], "department_required", "必须指定所属部门"),
        (
            ["--role", "window_clerk", "--department", "nope", "--password", GOOD],
            "department_unknown",
            "找不到部门",
        ),
        (["--role", "operator", "--password", "123"], "password_weak", "密码不符合要求"),
        (["--role", "operator", "--password-from-env", "XY_UNSET_VAR"], "password_env_empty", "环境变量"),
        (["--role", "operator"], "password_required", "--password"),
    ],
)
def test_createuser_errors(dept_a, args, code, words):
    message = fails("createuser", "wang", *args)
    assert f"[{code}]" in message and words in message
    assert not User.objects.filter(username="wang").exists()


@pytest.mark.django_db
def test_createuser_refuses_taken_username(users):
    message = fails("createuser", "op", "--role", "operator", "--password", GOOD)
    assert "[username_taken]" in message


@pytest.mark.django_db
def test_createuser_refuses_invalid_username():
    message = fails("createuser", "bad name!", "--role", "operator", "--password", GOOD)
    assert "用户名" in message or "username" in message.lower()
    assert not User.objects.exists()


@pytest.mark.django_db
def test_apiclient_create_prints_key_once_and_revoke(dept_a):
    out = run(
        "apiclient",
        "create",
        "--department",
        "scjg",
        "--name",
        "报送系统",
        "--scope",
        "records:read",
        "records:write",
    )
    key = re.search(r"^xy_\S+$", out, re.M).group(0)
    client = apiclient_authenticate(key=key)
    assert client.scopes == ["records:read", "records:write"]
    assert out.count(key) == 1
    listing = run("apiclient", "list")
    assert client.key_prefix in listing and key not in listing and "有效" in listing
    out = run("apiclient", "revoke", str(client.pk))
    assert "已吊销" in out
    client.refresh_from_db()
    assert client.revoked_at is not None
    assert "已于" in run("apiclient", "revoke", str(client.pk))


@pytest.mark.django_db
def test_apiclient_create_with_expiry_and_repeated_scope_flags(dept_a):
    run(
        "apiclient", "create", "--department", "scjg", "--name", "临时", "--scope", "records:read",
        "--scope", "check:query", "--expires", "2030-12-31",
    )  # fmt: skip
    client = ApiClient.objects.get()
    assert client.scopes == ["check:query", "records:read"]
    assert client.expires_at.isoformat().startswith("2030-12-31T16:00:00")  # end of the day in Asia/Shanghai


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("args", "code"),
    [
        (["create", "--department", "nope", "--name", "x", "--scope", "records:read"], "department_unknown"),
        (["create", "--department", "scjg", "--name", "x", "--scope", "records:delete"], "scope_unknown"),
        (
            [
                "create",
                "--department",
                "scjg",
                "--name",
                "x",
                "--scope",
                "records:read",
                "--expires",
                "31/12/2030",
            ],
            "expires_format",
        ),
        (["revoke", "999"], "apiclient_unknown"),
    ],
)
def test_apiclient_errors(dept_a, args, code):
    assert f"[{code}]" in fails("apiclient", *args)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["audit", "verify", "--chunk-size", "0"], "[number_invalid]"),
        (["apiclient", "revoke", "第一个"], "[number_invalid]"),
        (["createuser", "wang", "--role", "boss"], "[role_unknown]"),  # before asking for a password
        (["createuser", "wang", "--role", "operator", "--password", "Ab1!"], "密码太短：至少需要 8 个字符"),
    ],
)
def test_bad_command_line_values_get_a_zh_message(args, words):
    message = fails(*args)
    assert words in message
    assert "invalid int value" not in message and "too short" not in message
