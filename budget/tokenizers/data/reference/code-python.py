"""Rate limiting with a token bucket, per API key."""

from __future__ import annotations

import time
from dataclasses import dataclass, field


@dataclass
class Bucket:
    capacity: int
    refill_per_second: float
    tokens: float = field(init=False)
    updated: float = field(default_factory=time.monotonic)

    def __post_init__(self) -> None:
        self.tokens = float(self.capacity)

    def take(self, amount: int = 1) -> bool:
        now = time.monotonic()
        elapsed = now - self.updated
        self.tokens = min(self.capacity, self.tokens + elapsed * self.refill_per_second)
        self.updated = now
        if self.tokens >= amount:
            self.tokens -= amount
            return True
        return False


class Limiter:
    def __init__(self, capacity: int = 60, per_minute: int = 60) -> None:
        self._buckets: dict[str, Bucket] = {}
        self._capacity = capacity
        self._rate = per_minute / 60.0

    def allow(self, key: str, amount: int = 1) -> bool:
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = self._buckets[key] = Bucket(self._capacity, self._rate)
        return bucket.take(amount)


if __name__ == "__main__":
    limiter = Limiter(capacity=3, per_minute=6)
    print([limiter.allow("key-1") for _ in range(5)])  # [True, True, True, False, False]
