"""Messages: what a viewer may compose, the request and its rules, sending, attachments, recall, CSV recipients.

- ``attachments``: Files attached to a message (ATT-*): add, list, download, remove one or all.
- ``compose``: What a viewer may compose: recipient types, channels and options, from the catalogue.
- ``draft_listing``: The viewer's drafts (DRF-01, DRF-02): newest saved first, filtered by the saved time as the district shows it, and everything one draft holds, read set-based for a page.
- ``drafts``: Drafts (CMP-28, CMP-29, DRF-02, DRF-07): save one in place, find one of the viewer's, the fields a holder may not change, discard.
- ``recall``: Recall: cancel a message that is scheduled, waiting for fan-out, or mid-dispatch.
- ``recipient_imports``: CSV recipient import (IMP-*): external recipients attached to a draft or a scheduled message.
- ``request``: A message request and the rules it must meet before anything is written: field checks with their paths (CMP-*, SMS-04, VOI-02, VOI-06), and what the sender left open decided by their settings and school (CMP-09, CMP-17, SET-06). domain.messages.send stores what passes.
- ``send``: Sending a message: store a valid request's message and its selection, confirm, fan out.
"""
