"""Console screens of confirmed codes (已确认代码, operators only): list and search, confirm a code with a
reason, revoke a confirmation with a reason. The services check the role again and write the audit log."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_GET, require_POST

from xinyong.accounts.decorators import console_view
from xinyong.subjects.forms import ConfirmedCodeFilterForm, ConfirmedCodeForm
from xinyong.subjects.permissions import can_manage_confirmed_codes
from xinyong.subjects.selectors import confirmed_codes_list
from xinyong.subjects.services import ConfirmedCodeError, confirmed_code_add, confirmed_code_revoke

PER_PAGE = 25


def _render_list(request, *, confirm_form: ConfirmedCodeForm | None = None, status: int = 200):
    filters = ConfirmedCodeFilterForm(request.GET or {"state": "active"})
    q, state = "", "active"
    if filters.is_valid():
        q, state = filters.cleaned_data["q"], filters.cleaned_data["state"]
    page = Paginator(confirmed_codes_list(q=q, state=state), PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "subjects/console/confirmed_codes.html",
        {
            "page": page,
            "filters": filters,
            "confirm_form": confirm_form or ConfirmedCodeForm(),
        },
        status=status,
    )


@require_GET
@console_view(can_manage_confirmed_codes)
def confirmed_code_list(request):
    """The confirmed codes (active by default), searchable by code, with the form to confirm another."""
    return _render_list(request)


@require_POST
@console_view(can_manage_confirmed_codes)
def confirmed_code_confirm(request):
    """Confirm a code after checking its registration certificate."""
    form = ConfirmedCodeForm(request.POST)
    if form.is_valid():
        try:
            confirmation = confirmed_code_add(
                uscc=form.cleaned_data["uscc"], reason=form.cleaned_data["reason"], actor=request.user
            )
        except ConfirmedCodeError as exc:
            form.add_error("uscc", exc.message)
        else:
            messages.success(
                request,
                f"已确认 {confirmation.uscc}。请告知报送部门：重新上传退回文件中的相应行即可入库。",
            )
            return redirect(f"{reverse('identifiers_console:list')}?{urlencode({'q': confirmation.uscc})}")
    return _render_list(request, confirm_form=form, status=400)


@require_POST
@console_view(can_manage_confirmed_codes)
def confirmed_code_revoke_view(request):
    """Revoke a confirmation: from now on the code is rejected again."""
    form = ConfirmedCodeForm(request.POST)
    if not form.is_valid():
        messages.error(request, "撤销确认须填写理由。")
    else:
        try:
            confirmation = confirmed_code_revoke(
                uscc=form.cleaned_data["uscc"], reason=form.cleaned_data["reason"], actor=request.user
            )
        except ConfirmedCodeError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, f"已撤销对 {confirmation.uscc} 的确认：含该代码的新数据将被退回。")
    return redirect("identifiers_console:list")
