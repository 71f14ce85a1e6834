"""The writing assistant over GraphQL (issue 18 point 6); mirrors domain/assistant.

- ``types``: the suggestion, the capabilities, the rewrite modes.
- ``queries``: ``assistant``: whether the viewer may use it, its modes and limits.
- ``mutations``: rewriteText, generateText, refineSuggestion, one a module.
"""
