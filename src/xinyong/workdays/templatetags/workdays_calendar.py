"""Template tags of the working-day calendar."""

import datetime as dt

from django import template
from django.utils import timezone

from xinyong.workdays.arithmetic import CalendarAlert
from xinyong.workdays.selectors import calendar_alerts

register = template.Library()


def today() -> dt.date:
    """The local date the console judges alerts by (templates have no ``as_of``)."""
    return timezone.localdate()


@register.simple_tag
def working_calendar_alerts() -> list[CalendarAlert]:
    """Alerts for the years that are needed today but not entered."""
    return calendar_alerts(as_of=today())
