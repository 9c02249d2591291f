"""What the case screens share: the context of a statistics page (filter form, figures, charts)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest

from xinyong.accounts.models import Department
from xinyong.accounts.permissions import is_platform_wide
from xinyong.dueprocess.cases.forms import CaseStatsFilterForm
from xinyong.dueprocess.cases.selectors import case_stats_charts


def case_stats_context(request: HttpRequest, *, read: Callable[..., Any], as_of: dt.date) -> dict[str, Any]:
    """The period and department filter (departments for platform-wide readers only), ``read``'s figures for
    them and their charts."""
    platform = is_platform_wide(request.user)
    form = CaseStatsFilterForm(
        request.GET or None,
        today=as_of,
        departments=Department.objects.order_by("code") if platform else None,
    )
    date_from, date_to, department = form.period()
    figures = read(
        user=request.user,
        date_from=date_from,
        date_to=date_to,
        as_of=as_of,
        department_id=department.pk if department else None,
    )
    return {
        "form": form,
        "stats": figures,
        "charts": case_stats_charts(figures),
        "date_from": date_from,
        "date_to": date_to,
        "as_of": as_of,
        "all_departments": platform,
    }
