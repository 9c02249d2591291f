"""Code lists shared by every app."""

from django.db import models


class SubjectKind(models.TextChoices):
    """行政相对人类别 (RULES §2)."""

    ORGANISATION = "organisation", "法人及非法人组织"
    INDIVIDUAL_BUSINESS = "individual_business", "个体工商户"
    NATURAL_PERSON = "natural_person", "自然人"
