"""Recipients: the one resolution statement, its pieces, the dry-run plan, call windows.

- ``call_window``: The call window (SYS-01): calls, SMS and push go out only between the district's "do not send before" and "do not send after" times, in the district's time zone; email is never held.
- ``family_pick``: Once per family (RCP-08…RCP-10): sibling groups, the random pick of one student in each, and the contacts of the picked student, as SQL that domain.recipients.resolution puts into its one statement.
- ``plan``: The dry-run send plan: the resolution fan-out would insert, kept in a temporary table.
- ``resolution``: Recipient resolution: one SQL query turns a stored message's selection into delivery rows.
- ``sources``: The selection (the students and staff a message picks) and one SELECT per source and channel, built from the rules in domain.recipients.statement; domain.recipients.resolution unions them into the one resolution statement.
- ``statement``: The pieces recipient resolution is built from: its bound parameters and shape, and the rules as SQL expressions (statuses, exclusions, opt-outs, contact flags, the linked-user fallback). The selection and one SELECT per source and channel are in domain.recipients.sources; once per family has its own module (domain.recipients.family_pick). domain.recipients.resolution puts them together into the one resolution statement.
"""
