"""Code lists shared by every app.

One definition each: the catalog, records and the later apps (lists, jrp, evaluation, portal) import these,
so a value stored by one app always means the same thing in another.
"""

from django.db import models


class SubjectKind(models.TextChoices):
    """行政相对人类别 (docs/dual-disclosure.md)."""

    ORGANISATION = "organisation", "法人及非法人组织"
    INDIVIDUAL_BUSINESS = "individual_business", "个体工商户"
    NATURAL_PERSON = "natural_person", "自然人"


class DisclosureScope(models.TextChoices):
    """公开属性 of a catalog item, and of each record under it."""

    PUBLIC = "public", "公开"
    SHARED = "shared", "政务共享"
    AUTHORISED = "authorised", "授权查询"
    NONE = "none", "不公开"


class Polarity(models.TextChoices):
    """信息性质 of a catalog item and of each record under it."""

    NEGATIVE = "negative", "失信（负面）"
    POSITIVE = "positive", "守信（正面）"
    NEUTRAL = "neutral", "中性"


class SeverityTier(models.TextChoices):
    """失信严重程度 (docs/publication-rules.md); blank on records whose item has none (e.g. a licence)."""

    MINOR = "minor", "轻微"
    GENERAL = "general", "一般"
    SERIOUS = "serious", "严重"


def choice_label(choices: type[models.Choices], value: str) -> str:
    """The label of ``value`` in ``choices``; an unknown value as it is, an empty one as ""."""
    if not value:
        return ""
    try:
        return str(choices(value).label)
    except ValueError:
        return value
