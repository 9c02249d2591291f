"""Admin pages of matters, memoranda, rulebooks, measures, the check log and feedback."""
