"""Admin pages of list types, entries and escalation rules."""
