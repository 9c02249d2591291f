"""The registration authority's 登记注册 data through the console: a file upload and the single-record form."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.collection.batch_support import AUTHORITY, org_uscc, pilot_uscc
from tests.collection.test_registration_load import REG_HEADERS, registration_row
from tests.console.test_collection_views import confirm, csv_bytes, post_upload
from xinyong.collection.models import Batch, BatchStatus
from xinyong.records.models import CreditRecord
from xinyong.subjects.models import ConfirmationSource, ConfirmedCode

pytestmark = pytest.mark.django_db


def test_the_registration_authority_uploads_a_registration_file(login, catalog):
    client = login("data_officer")  # of 市场监管 (samr), a source department of the item
    early = pilot_uscc(org_uscc(30))
    rows = [registration_row(30, 统一社会信用代码=early), registration_row(31)]
    response = post_upload(client, csv_bytes(rows, headers=REG_HEADERS), name="登记.csv", item="registration")
    assert response.status_code == 302, response.content.decode()[:2000]
    batch = Batch.objects.get()
    assert "uscc_check_digit_registered" in client.get(response["Location"]).content.decode()  # the preview
    assert confirm(client, batch).status_code == 302
    batch.refresh_from_db()
    assert batch.status == BatchStatus.DONE, (batch.error_code, batch.error_message)
    assert (batch.created, batch.rejected) == (2, 0)
    assert batch.warnings == {"uscc_check_digit_registered": 1}
    assert ConfirmedCode.objects.get(uscc=early).source == ConfirmationSource.REGISTRATION


def test_the_registration_authority_enters_a_registration_record_in_the_form(login, catalog):
    client = login("data_officer")
    url = reverse("collection:form_entry_item", args=["registration"])
    values = {
        "DJ_MC": "甲市第32贸易有限公司",
        "DJ_ZTLB": "法人及非法人组织",
        "DJ_TYSHXYDM": org_uscc(32),
        "DJ_FDDBR": "王五",
        "DJ_CLRQ": "2015-03-02",
        "DJ_ZS": "甲市人民路32号",
        "DJ_DJJG": AUTHORITY,
        "DJ_DJZT": "存续",
    }
    response = client.post(url, values)
    assert response.status_code == 302, response.content.decode()[:3000]
    assert CreditRecord.objects.get().document_number == org_uscc(32)
    assert "记录已提交：新增入库" in client.get(response["Location"]).content.decode()
    again = client.post(url, values)
    assert "计为重复" in client.get(again["Location"]).content.decode()
