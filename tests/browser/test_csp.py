"""Pages that are not ours (the Django admin, the API docs) still work under the strict CSP: chromium reports
no blocked script, style or image while rendering them."""

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize(("path", "ready"), [("/admin/login/", "#id_username"), ("/api/docs", ".swagger-ui")])
def test_third_party_pages_render_without_csp_violations(live_server, page, path, ready):
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    response = page.goto(f"{live_server.url}{path}")
    assert response.status == 200
    assert "content-security-policy" in response.headers
    page.locator(ready).first.wait_for()
    page.wait_for_load_state("networkidle")
    assert [e for e in errors if "Content Security Policy" in e or "Refused" in e] == []
