"""Jurisdiction profiles (办理时限): the deadlines of objections and repairs as dated data.

A profile is one jurisdiction's (or regulation's) set of deadlines, each step with its length, its unit
(working or calendar days), the event it counts from, its legal basis and whether the figure was checked
against the official text (``verified``; unverified figures are shown as such to operators). Profiles are
versioned by date like the publication rule sets: a case keeps the profile version it was opened under.
docs/due-process.md lists the shipped profiles and their sources.
"""

from django.db import models


class JurisdictionProfile(models.Model):
    """One version of a jurisdiction's deadlines for objections and repairs."""

    code = models.SlugField("规则编码", max_length=40)
    name = models.CharField("名称", max_length=200)
    valid_from = models.DateField("施行日期")
    valid_to = models.DateField("停止施行日期", null=True, blank=True, help_text="留空表示现行有效")
    # {step: {"days": int, "unit": "working"|"calendar", "from": event, "label": zh, "basis": zh,
    #  "verified": bool}} — steps and events are listed in profiles.selectors.
    objection = models.JSONField("异议办理时限", default=dict)
    repair = models.JSONField("信用修复办理时限", default=dict)
    notes = models.TextField("说明", blank=True, default="")
    shipped = models.BooleanField("随系统发布", default=True)
    created_at = models.DateTimeField("载入时间", auto_now_add=True)

    class Meta:
        verbose_name = "办理时限规则"
        verbose_name_plural = "办理时限规则"
        ordering = ["code", "-valid_from"]
        constraints = [
            models.UniqueConstraint(fields=["code", "valid_from"], name="jurisdiction_profile_version"),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.valid_from:%Y-%m-%d} 起）"
