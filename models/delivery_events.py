"""The delivery feed's events (issue 16 point 4)."""
