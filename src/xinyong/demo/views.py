"""The demo acceptance page: plays a department's acceptance system embedding the credit check widget.

Shown only when ``XINYONG_DEMO_ACCEPTANCE`` is on (the default outside production); otherwise 404.
"""

from __future__ import annotations

from django.conf import settings
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from xinyong.core.errors import CodedError
from xinyong.demo.acceptance import (
    PURPOSE,
    SYSTEM_NAME,
    acceptance_applicants,
    acceptance_client,
    acceptance_matter,
)
from xinyong.jrp.channels.services import widget_token_issue


@require_GET
def acceptance(request):
    """The acceptance form with the widget; its server side obtains a fresh widget token per page."""
    if not settings.XINYONG_DEMO_ACCEPTANCE:
        raise Http404("演示受理页面未启用")
    client = acceptance_client()
    context = {"system_name": SYSTEM_NAME, "client": client, "token": None}
    if client is not None:
        applicants = acceptance_applicants(as_of=timezone.localdate())
        chosen = next((a for a in applicants if a.key == request.GET.get("applicant")), None)
        chosen = chosen or (applicants[0] if applicants else None)
        matter = acceptance_matter(department=client.department)
        try:
            issued = widget_token_issue(api_client=client, purpose=PURPOSE, matter_code=matter.code)
        except CodedError as exc:
            context["error"] = exc.message
        else:
            context.update(token=issued.token, expires_at=issued.expires_at, max_checks=issued.max_checks)
        context.update(applicants=applicants, chosen=chosen, matter=matter, department=client.department)
    return render(request, "demo/acceptance.html", context)
