"""Every response carries a strict Content-Security-Policy: no inline scripts or styles, same-origin only."""

import pytest


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/console/login/", "/admin/login/", "/api/docs"])
def test_pages_send_a_strict_content_security_policy(client, path):
    response = client.get(path)
    assert response.status_code == 200
    policy = response["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";") if part.strip())
    assert directives["default-src"] == "'self'"
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert "unsafe-inline" not in policy
    assert "unsafe-eval" not in policy
