"""Hostile uploads in the console: refused at upload with the reader's code and message, and the mapping
page of the refused batch answers at once instead of working on the file."""

from __future__ import annotations

import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.collection.hostile_support import MiB, nested_json, wide_csv, xlsx_bomb
from xinyong.collection.models import Batch, BatchStatus

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("make", "name", "code"),
    [
        (wide_csv, "wide.csv", "too_many_columns"),
        (nested_json, "deep.json", "json_too_deep"),
        (lambda path: xlsx_bomb(path, inflated=20 * MiB), "bomb.xlsx", "compression_ratio_too_high"),
    ],
)
def test_hostile_upload_is_refused_with_its_code(login, catalog, tmp_path, make, name, code):
    client = login("data_officer")
    content = make(tmp_path / name).read_bytes()
    started = time.perf_counter()
    response = client.post(
        reverse("collection:upload"), {"item": "penalty", "file": SimpleUploadedFile(name, content)}
    )
    assert time.perf_counter() - started < 10
    assert response.status_code == 200
    batch = Batch.objects.get()
    assert (batch.status, batch.error_code) == (BatchStatus.FAILED, code)
    html = response.content.decode()
    assert code in html and batch.error_message in html
    # A refused file has no mapping step: its page leads back to the batch, which says why.
    mapping = client.get(reverse("collection:batch_mapping", args=[batch.pk]))
    assert mapping.status_code == 302
    assert mapping["Location"] == reverse("collection:batch_detail", args=[batch.pk])


def test_mapping_page_of_a_batch_stored_before_columns_were_bounded_refuses_at_once(login, catalog, settings):
    client = login("data_officer")
    header = ",".join(f"列{i}" for i in range(40)) + "\n" + ",".join("1" * 40) + "\n"
    client.post(
        reverse("collection:upload"),
        {"item": "penalty", "file": SimpleUploadedFile("wide.csv", header.encode())},
    )
    batch = Batch.objects.get()
    assert batch.status == BatchStatus.MAPPING and len(batch.headers) == 40
    settings.XINYONG_FILE_MAX_COLUMNS = 30  # the bound as it is now, lower than what was stored then
    response = client.get(reverse("collection:batch_mapping", args=[batch.pk]), follow=True)
    assert response.status_code == 200
    html = response.content.decode()
    assert "too_many_columns" in html and "40 列" in html
    check = client.post(reverse("collection:batch_mapping_check", args=[batch.pk]), {})
    assert check.status_code == 302
