"""Interoperability of the lists with other systems: FollowTheMoney export and import (docs/interoperability.md)."""
