"""The portal's small world (subjects, records of two departments) serves the API contract test too."""

from tests.portal.conftest import _fresh_throttle_counts, fixed_today, world  # noqa: F401
