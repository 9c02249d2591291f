"""API of objections (under /api/dueprocess/)."""

from ninja import Router

router = Router()
