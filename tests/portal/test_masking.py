"""No natural person's full ID number appears in any public page or public API answer.

The world holds two people: one with a public honour whose fields carry the full number (in the ID field
and typed into the remarks), one with a shared-only penalty. Every public page and API answer reachable
from the site is fetched — including searches by the full numbers — and none may contain either number.
"""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from tests.portal.conftest import OTHER_RIC
from tests.subjects.factories import RIC

pytestmark = pytest.mark.django_db

NUMBERS = (RIC, OTHER_RIC, RIC.lower())


def _links(html: str) -> set[str]:
    return {h for h in re.findall(r'href="(/[^"#]*)', html) if not h.startswith(("/static/", "/api/docs"))}


def test_no_full_id_number_in_any_public_page_or_api_answer(client, world):
    start = [
        reverse("portal:home"),
        reverse("portal:search") + f"?q={RIC}",
        reverse("portal:search") + f"?q={OTHER_RIC}",
        reverse("portal:search") + "?q=张三丰",
    ]
    start += [
        reverse("portal:subject", args=[s.pk]) for s in (world.person, world.other_person, world.company)
    ]
    seen: set[str] = set()
    queue = list(start)
    while queue:
        url = queue.pop()
        if url in seen or len(seen) > 200:
            continue
        seen.add(url)
        response = client.get(url)
        html = response.content.decode()
        for number in NUMBERS:
            assert number not in html, url
        if response.status_code == 200 and response["Content-Type"].startswith("text/html"):
            queue.extend(_links(html) - seen)
    assert reverse("portal:subject", args=[world.person.pk]) in seen
    assert reverse("portal:red_list") in seen and reverse("portal:guidance") in seen

    api = [
        f"/api/public/subjects?q={RIC}",
        f"/api/public/subjects?q={OTHER_RIC}",
        "/api/public/subjects?q=张三丰",
        f"/api/public/subjects/{world.person.pk}",
        f"/api/public/subjects/{world.other_person.pk}",
        "/api/public/licenses",
        "/api/public/penalties",
        "/api/public/lists/red",
        "/api/public/lists/black",
        "/api/public/lists/abnormal",
    ]
    for url in api:
        text = client.get(url).content.decode()
        for number in NUMBERS:
            assert number not in text, url
    # The honour itself is public: the person's page shows it, masked.
    body = client.get(f"/api/public/subjects/{world.person.pk}").json()
    remarks = [f["value"] for c in body["categories"] for r in c["records"] for f in r["fields"]]
    assert any("110105********002X" in value for value in remarks)
