"""API of commitments (under /api/dueprocess/)."""

from ninja import Router

router = Router()
