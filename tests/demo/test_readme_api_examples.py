"""The README's API examples work with the keys the demo prints: each key has the scope its example needs."""

from __future__ import annotations

import datetime as dt
import io
import json
import random
import shlex
from pathlib import Path

import pytest
from django.conf import settings

from tests.factories import subject_create
from xinyong.catalog.services import catalog_load_fixtures
from xinyong.core.identifiers import generate_ric, generate_uscc
from xinyong.demo.api_keys import demo_api_example, demo_api_keys
from xinyong.demo.management.commands.demo import Command as DemoCommand
from xinyong.demo.services import DemoReport, _departments, demo_directory

README = Path(__file__).resolve().parents[2] / "README.md"
AS_OF = dt.date(2026, 6, 15)
PLACEHOLDERS = {"<报送密钥>": "collection", "<读取密钥>": "read", "<报告密钥>": "reports"}

pytestmark = pytest.mark.django_db


def readme_curl_commands() -> list[list[str]]:
    """The curl commands of the README's indented code blocks, as argument lists."""
    lines = [
        line.strip()
        for line in README.read_text(encoding="utf-8").splitlines()
        if line.startswith("    curl ")
    ]
    return [shlex.split(line) for line in lines]


def readme_command(path: str) -> list[str]:
    return next(c for c in readme_curl_commands() if any(path in arg for arg in c))


def as_request(argv: list[str], keys: dict[str, str]) -> dict:
    """What a curl command line asks for: method, path, headers and body."""
    assert argv[0] == "curl"
    method, url, headers, body = "GET", "", {}, b""
    args = iter(argv[1:])
    for arg in args:
        if arg == "-X":
            method = next(args)
        elif arg == "-H":
            name, _, value = next(args).partition(":")
            value = value.strip()
            for placeholder, use in PLACEHOLDERS.items():
                value = value.replace(placeholder, keys[use])
            headers[name.strip()] = value
        elif arg in ("-d", "--data", "--data-binary"):
            data = next(args)
            if data.startswith("@"):
                # Paths are relative to the directory holding var/.
                data = (Path(settings.MEDIA_ROOT).parent.parent / data[1:]).read_text(encoding="utf-8")
            body = data.encode()
            method = method if method != "GET" else "POST"
        else:
            url = arg
    path = url.split("://", 1)[1].split("/", 1)[1]
    return {"method": method, "path": "/" + path, "headers": headers, "body": body}


def send(client, request: dict):
    headers = dict(request["headers"])
    content_type = headers.pop("Content-Type", None)
    extra = {f"HTTP_{name.upper().replace('-', '_')}": value for name, value in headers.items()}
    if request["method"] == "POST":
        return client.post(request["path"], request["body"], content_type=content_type, **extra)
    return client.get(request["path"], **extra)


@pytest.fixture
def demo_keys(settings, tmp_path) -> dict[str, str]:
    """The keys and example body exactly as `xinyong demo` issues and writes them."""
    settings.MEDIA_ROOT = tmp_path / "var" / "media"
    catalog_load_fixtures(as_of=AS_OF)
    departments = _departments(DemoReport())
    keys = demo_api_keys(departments=departments, now=dt.datetime(2026, 6, 15, 9, tzinfo=dt.UTC))
    demo_api_example(directory=demo_directory(), authority=departments["samr"], as_of=AS_OF)
    return {key.use.use: key.key for key in keys}


def test_readme_shows_one_example_per_printed_key():
    commands = readme_curl_commands()
    used = {p for argv in commands for p in PLACEHOLDERS if any(p in arg for arg in argv)}
    assert used == set(PLACEHOLDERS)


def test_readme_collection_example_loads_with_the_demo_collection_key(client, demo_keys):
    collection = readme_command("/api/collection/")
    response = send(client, as_request(collection, demo_keys))
    assert response.status_code == 200, response.content.decode()
    assert response.json()["created"] == 2 and response.json()["rejected"] == 0
    # The same request again (same Idempotency-Key) loads nothing twice.
    again = send(client, as_request(collection, demo_keys))
    assert again.status_code == 200 and again.headers["Idempotent-Replayed"] == "true"


def test_readme_read_and_report_examples_answer_with_the_demo_keys(client, demo_keys, settings):
    settings.XINYONG_CHANGE_FEED_SETTLE_SECONDS = 0  # serve what was just written
    # A penalty on a natural person is not public: reading it needs the purpose the example states.
    person = json.loads((demo_directory() / "api" / "penalty.json").read_text(encoding="utf-8"))[0]
    person.update(
        CF_XDR_MC="张三",
        CF_XDR_LB="自然人",
        CF_XDR_SHXYM="",
        CF_FRDB="",
        CF_XDR_ZJLX="身份证",
        CF_XDR_ZJHM=generate_ric(random.Random(3), birth_date=dt.date(1980, 5, 17), sex="M"),
        CF_WSH="示范市监罚〔2026〕接口示例9号",
    )
    stored = client.post(
        "/api/collection/penalty/records",
        [person],
        content_type="application/json",
        HTTP_X_API_KEY=demo_keys["collection"],
    )
    assert stored.status_code == 200 and stored.json()["created"] == 1, stored.content.decode()
    request = as_request(readme_command("/api/records/changes"), demo_keys)
    response = send(client, request)
    assert response.status_code == 200, response.content.decode()
    assert response.json()["changes"]
    del request["headers"]["X-Purpose"]
    assert send(client, request).json()["code"] == "purpose_required"

    company = subject_create(kind="organisation", name="示范县某公司", uscc=generate_uscc(random.Random(5)))
    request = as_request(readme_command("/api/reports/"), demo_keys)
    # The README names subject 1 (the demo's first subject); this database numbers its own.
    request["body"] = request["body"].replace(b'"subject_id": 1', f'"subject_id": {company.pk}'.encode())
    response = send(client, request)
    assert response.status_code == 201, response.content.decode()


def test_demo_command_prints_each_key_with_its_label():
    report = DemoReport()
    report.api_keys = demo_api_keys(departments=_departments(report), now=dt.datetime.now(dt.UTC))
    out = io.StringIO()
    DemoCommand(stdout=out)._summary(report)
    for key in report.api_keys:
        assert f"{key.use.label}（{' '.join(key.use.scopes)}）：{key.key}" in out.getvalue()
    assert "报送：市场监管局报送信用记录（records:write）" in out.getvalue()
