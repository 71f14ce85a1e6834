"""The writing assistant (issue 18 point 6; AI-01..AI-05): the one place resolvers call.

- ``service``: what the shell hands in: the configured plugin and the per-user rate.
- ``prompts``: the eight Magic Wand modes (AI-02), the fixed instructions, and the messages a request becomes.
- ``gate``: who may use it: the ai add-on, "Communication AI" at Edit, the new editor (AI-01, PERM-07, PERM-44).
- ``call_log``: every call recorded (``assistant_call``) and the per-user rate counted from those rows.
- ``operations``: ``rewrite_text``, ``generate_text``, ``refine_suggestion``, ``try_again``, ``capabilities``;
  suggestions only, nothing stored is changed (AI-03).
"""
