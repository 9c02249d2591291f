"""Feedback on applied measures (反馈), typical cases (典型案例), change feeds and statistics."""
