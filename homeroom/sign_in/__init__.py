"""Sign-in through the district's OpenID Providers (issue 16 point 1).

- ``provider_keys``: one provider's discovery document and JWKS, cached, refetched on an unknown kid (rate-limited).
- ``verifier``: ``OidcVerifier``, the TokenVerifier for provider tokens: signature, exp/nbf/iss/aud, then the person.
- ``routes``: ``POST /auth/token`` (token exchange, refresh rotation) and ``POST /auth/revoke``.
"""
