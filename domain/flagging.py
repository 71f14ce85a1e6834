"""The district's flagged words (INB-11, INB-12, INB-13): a message or an email reply containing
one (a whole word, whatever its case) is flagged automatically, shown as "Message Content
Flagged" in the app, and its emails open with the fixed disclaimer."""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlmodel import Session

from models.directory import District

#: What the app shows in place of flagged content (INB-09).
PLACEHOLDER = "Message Content Flagged"

#: INB-13: the fixed wording that opens the email of an automatically flagged message.
DISCLAIMER = ("Disclaimer: The following message has been automatically flagged for inappropriate content. "
              "Reader discretion is advised.")


def contains_flagged_word(session: Session, *texts: str) -> bool:
    words = session.execute(select(District.flagged_words).limit(1)).scalar_one() or []
    lowered = "\n".join(texts).lower()
    return any(re.search(rf"(?<!\w){re.escape(word.lower())}(?!\w)", lowered) for word in words if word.strip())
