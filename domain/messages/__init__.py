"""Messages: what a viewer may compose, the request and its rules, sending, attachments, recall, CSV recipients.

- ``attachments``: Files attached to a message (ATT-*): add, list, download, remove one or all.
- ``compose``: What a viewer may compose: recipient types, channels and options, from the catalogue.
- ``recall``: Recall: cancel a message that is scheduled, waiting for fan-out, or mid-dispatch.
- ``recipient_imports``: CSV recipient import (IMP-*): external recipients attached to a message being composed.
- ``request``: A message request and the rules it must meet before anything is written: field checks with their paths (CMP-*, SMS-04, VOI-02, VOI-06), and what the sender left open decided by their settings and school (CMP-09, CMP-17, SET-06). domain.messages.send stores what passes.
- ``send``: Sending a message: store a valid request's message and its selection, confirm, fan out.
"""
