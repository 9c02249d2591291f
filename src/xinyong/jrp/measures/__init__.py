"""Matters (事项), memoranda, the versioned measure list (rulebook) with department conditions, impact preview."""
