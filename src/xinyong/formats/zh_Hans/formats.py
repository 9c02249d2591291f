"""Formats for zh-hans pages, overriding Django's locale where the console and the portal need one style.

Dates are written ``2026-11-18`` and times ``2026-11-18 08:48`` in the platform's time zone (the ISO order
that the records, the reports and the exported files use). Counts are grouped by thousands with a comma
(``22,549``), as in statistical tables; Django's zh-hans locale has no separator at all. Templates use the
``date`` filter without an argument (or ``date:"DATETIME_FORMAT"``) and humanize's ``intcomma``. Input
formats are not set here, so Django's zh-hans ones still apply.
"""

DATE_FORMAT = "Y-m-d"
DATETIME_FORMAT = "Y-m-d H:i"
SHORT_DATE_FORMAT = "Y-m-d"
SHORT_DATETIME_FORMAT = "Y-m-d H:i"
YEAR_MONTH_FORMAT = "Y-m"
MONTH_DAY_FORMAT = "m-d"
DECIMAL_SEPARATOR = "."
THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
