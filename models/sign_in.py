"""OpenID Connect identities and refresh tokens (issue 16 point 1)."""
