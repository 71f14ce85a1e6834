"""The audit trail (issue 16 point 8): the record FERPA asks a district to keep of disclosures.

- ``actions``: what is audited (``AuditAction``) and who did it (``Actor``: a user, or a partner
  key acting for its creator);
- ``origin``: the request an action came from (request id, client address), set by the shell's
  middleware (homeroom.request_context) for the request's context;
- ``trail``: ``record(...)``, which every audited action calls in its own transaction; the rows
  are appended just before that transaction commits, so a rolled-back action leaves none; and
  ``append(...)``, which writes disclosures (data already shown) in a transaction of their own;
- ``chain``: the hash chain over the rows, the student sets they name, and ``verify_chain``;
- ``log``: the pages ``auditLog`` reads, newest first, filtered by student, actor, action and time.

Rows carry ids, counts and the request's origin: never names, addresses, bodies or secrets.
"""
