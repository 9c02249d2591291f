"""The credit check (信用核查): subject, hits in force, measures that apply, the append-only check log."""
