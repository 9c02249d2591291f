"""The window clerks' credit check page (信用核查): a form and the result card of the check.

Queries are POSTed (an ID number never appears in a URL); the page shows only what the check returns, not
the archive. Every check is logged (``check_run``).
"""

from __future__ import annotations

from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from xinyong.accounts.decorators import console_view
from xinyong.jrp.check.forms import CheckForm
from xinyong.jrp.check.permissions import can_use_check_page
from xinyong.jrp.check.presenters import answer_card
from xinyong.jrp.check.selectors import matters_of_department
from xinyong.jrp.check.services import CheckError, check_run, requester_for
from xinyong.jrp.models import CheckChannel


@console_view(can_use_check_page)
@require_http_methods(["GET", "POST"])
def check_page(request):
    """GET: the empty form; POST: run the check (or confirm a name candidate) and show the result card."""
    matters = matters_of_department(department_id=request.user.department_id)
    card = None
    if request.method == "POST":
        form = CheckForm(request.POST, matters=matters)
        if form.is_valid():
            data = form.cleaned_data
            try:
                answer = check_run(
                    requester=requester_for(principal=request.user),
                    purpose=data["purpose"],
                    matter_code=data["matter_code"],
                    query=data["query"],
                    as_of=timezone.localdate(),
                    channel=CheckChannel.CONSOLE,
                    confirm_subject_id=data["confirm_subject_id"],
                )
            except CheckError as exc:
                form.add_error(None, exc.message)
            else:
                card = answer_card(answer)
    else:
        form = CheckForm(matters=matters)
    response = render(request, "jrp/check/page.html", {"form": form, "card": card})
    response["Cache-Control"] = "no-store"
    return response
