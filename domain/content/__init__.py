"""Content rules: HTML policy, plain text, SMS and call text limits, insert fields, flagged words.

- ``call_text``: Text-to-speech limits (VOI-06, VOI-07, SYS-11): 1,000 characters per minute of the district's call-minute limit (1, 2 or 3 minutes). The text as composed must fit; at delivery the text with its insert fields filled in is cut to the limit, while the message keeps the whole text.
- ``flagging``: The district's flagged words (INB-11, INB-12, INB-13): a message or an email reply containing one (a whole word, whatever its case) is flagged automatically, shown as "Message Content Flagged" in the app, and its emails open with the fixed disclaimer.
- ``html_policy``: The one policy for HTML that Homeroom stores and sends: message bodies (sent, drafted, scheduled, written by jobs), email signatures (SET-07) and imported HTML (EDT-04), cleaned by ammonia (nh3, an allowlist sanitiser) before they are written, and each email's HTML once more when it is composed (rows stored before this policy, and the parts Homeroom adds).
- ``insert_fields/``: Insert fields (CMP-25, SMS-05, VOI-08, EDT-05): one catalogue of registered sources (student, user, finance, ...); placeholders such as ``{{student.first_name}}`` stored as written and filled in for each recipient when the delivery is sent or the letter printed.
- ``sms_text``: SMS text: the district's character limit (SMS-04, SYS-03) and how many segments a text takes.
- ``text``: Text rules: the stored HTML body as plain text for text/plain email, SMS and speech, and the one-line rule for what becomes an email header.
"""
