"""Partner keys (issue 16 point 3)."""
