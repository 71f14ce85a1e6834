"""How many subscriptions a partner key and a district may hold at once in this process (issue 16
point 7): the WebSocket handler takes a lease per subscription and gives it back when the
subscription ends. The limit per connection is strawberry's (max_subscriptions_per_connection)."""

from __future__ import annotations

import dataclasses
import threading
from collections import Counter


@dataclasses.dataclass(frozen=True)
class Refusal:
    """Why a subscription was refused: the limit's name and size, for the error's extensions."""

    limit: str
    allowed: int

    @property
    def message(self) -> str:
        return f"Too many subscriptions for this {self.limit} (at most {self.allowed} at once); end one first."


class SubscriptionLimits:
    """Counts live subscriptions per partner key and per district across the process's sockets."""

    def __init__(self, *, per_key: int, per_district: int) -> None:
        self.per_key, self.per_district = per_key, per_district
        self._lock = threading.Lock()
        self._keys: Counter[int] = Counter()
        self._districts: Counter[int] = Counter()

    def acquire(self, *, district_id: int, key_id: int | None) -> Refusal | None:
        """Take a place for one subscription, or say which limit refuses it (nothing taken)."""
        with self._lock:
            if key_id is not None and self._keys[key_id] >= self.per_key:
                return Refusal("partner key", self.per_key)
            if self._districts[district_id] >= self.per_district:
                return Refusal("district", self.per_district)
            self._districts[district_id] += 1
            if key_id is not None:
                self._keys[key_id] += 1
            return None

    def release(self, *, district_id: int, key_id: int | None) -> None:
        with self._lock:
            self._districts[district_id] -= 1
            if self._districts[district_id] <= 0:
                del self._districts[district_id]
            if key_id is not None:
                self._keys[key_id] -= 1
                if self._keys[key_id] <= 0:
                    del self._keys[key_id]

    def held(self, *, district_id: int | None = None, key_id: int | None = None) -> int:
        with self._lock:
            return self._keys[key_id] if key_id is not None else self._districts[district_id]
