"""Homeroom's process shell: settings, the FastAPI app factory and the `homeroom` CLI."""
