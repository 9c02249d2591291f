"""Hostile files and bodies through every channel: the API answers 400 with the reader's code, the command
line refuses the file with the same code, and nothing is stored."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from tests.collection.batch_support import ndjson, valid_rows
from tests.collection.hostile_support import MiB, nested_json, wide_csv, xlsx_bomb
from xinyong.collection.models import Batch, BatchStatus
from xinyong.records.models import CreditRecord

pytestmark = pytest.mark.django_db

URL = "/api/collection/penalty/records"


def post(client, api, data: bytes, *, content_type="application/json", url=URL):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {api.key}"} if api is not None else {}
    return client.generic("POST", url, data, content_type=content_type, **headers)


def test_api_nested_json_body_answers_400_json_too_deep(client, client_a, catalog):
    response = post(client, client_a, b"[" * 100_000)
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["code"] == "json_too_deep" and "嵌套层级" in body["message"]
    assert Batch.objects.get().status == BatchStatus.FAILED
    assert not CreditRecord.objects.exists()


def test_api_nested_ndjson_body_answers_400_json_too_deep(client, client_a, catalog):
    data = ndjson(valid_rows(2)) + b'{"CF_WSH": ' + b"[" * 5000 + b"\n"
    response = post(client, client_a, data, content_type="application/x-ndjson")
    assert response.status_code == 400 and response.json()["code"] == "json_too_deep"
    assert not CreditRecord.objects.exists()


def test_api_deep_record_after_many_flat_ones_is_refused_before_anything_is_stored(client, client_a, catalog):
    records = valid_rows(1500)
    records.append({**valid_rows(1, start=2000)[0], "附件": [[["决定书"]]]})
    response = post(client, client_a, json.dumps(records, ensure_ascii=False).encode())
    assert response.status_code == 400 and response.json()["code"] == "json_too_deep"
    assert response.json()["message"].startswith("第 1501 条记录")
    assert not CreditRecord.objects.exists()


def test_api_record_with_a_cell_over_the_limit_answers_400(client, client_a, catalog, settings):
    settings.XINYONG_FILE_MAX_CELL_CHARS = 100
    record = {**valid_rows(1)[0], "处罚内容": "罚" * 101}
    response = post(client, client_a, json.dumps([record], ensure_ascii=False).encode())
    assert response.status_code == 400 and response.json()["code"] == "cell_too_long"


@pytest.mark.parametrize(
    ("data", "code"),
    [(b'{"q": ' + b"[" * 100_000 + b"}", "json_too_deep"), ('{"q": "甲'.encode(), "json_invalid")],
)
def test_other_api_json_bodies_are_refused_with_a_code(client, data, code):
    response = post(client, None, data, url="/api/public/subjects/search")
    assert response.status_code == 400, response.content
    assert response.json()["code"] == code
    assert "请求体" in response.json()["message"]


@pytest.mark.parametrize(
    ("data", "where"),
    [('{"q": "甲'.encode(), "第 1 行第 7 列附近"), (b'{"q": "\xb6\xa1"}', "第 8 个字节起不是 UTF-8 编码")],
)
def test_a_body_that_is_not_json_is_explained_in_chinese(client, db, data, where):
    response = post(client, None, data, url="/api/public/subjects/search")
    assert response.status_code == 400 and response.json()["code"] == "json_invalid"
    message = response.json()["message"]
    assert where in message
    assert not any(word in message for word in ("Expecting", "Unterminated", "codec", "byte"))


def test_other_api_json_bodies_within_the_depth_still_parse(client, db):
    response = post(
        client,
        None,
        json.dumps({"q": "某某有限公司", "limit": 5}).encode(),
        url="/api/public/subjects/search",
    )
    assert response.status_code == 200, response.content


def run_import(path, *args):
    out, err = io.StringIO(), io.StringIO()
    call_command(
        "import", str(path), "--item", "penalty", "--department", "samr", *args, stdout=out, stderr=err
    )
    return out.getvalue()


@pytest.mark.parametrize(
    ("make", "name", "code"),
    [
        (nested_json, "deep.json", "json_too_deep"),
        (wide_csv, "wide.csv", "too_many_columns"),
        (lambda path: xlsx_bomb(path, inflated=20 * MiB), "bomb.xlsx", "compression_ratio_too_high"),
    ],
)
def test_cli_import_refuses_the_hostile_file_with_its_code(tmp_path, catalog, dept_a, make, name, code):
    path = make(tmp_path / name)
    with pytest.raises(CommandError) as caught:
        run_import(path)
    assert caught.value.returncode == 2
    assert f"（{code}）" in str(caught.value)
    assert Batch.objects.get().error_code == code
    assert not CreditRecord.objects.exists()
