"""API of repairs (under /api/dueprocess/)."""

from ninja import Router

router = Router()
