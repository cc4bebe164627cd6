"""Background chat traffic: while a legacy Channel service runs, users keep posting to legacy rooms;
once the Persistent Chat Channel service runs, to the 2013 rooms. This is what makes "stop the
services before exporting" matter: an export taken with the Channel service running misses messages.
Rates come from ``lync.traffic`` (messages per second; 0 disables)."""
from __future__ import annotations

import random
import threading
import time


class TrafficTicker:
    TICK = 0.25  # seconds between checks; posting follows the configured rates

    def __init__(self, backend) -> None:
        self.backend = backend
        self.posted = {"legacy": 0, "persistent_chat": 0}
        self.last_error = ""
        self._stop = threading.Event()
        self._thread = None
        self._credit = {"legacy": 0.0, "persistent_chat": 0.0}
        self._random = random.Random(0)

    @property
    def rates(self) -> dict:
        topo = self.backend.topo
        return {"legacy": topo.legacy_rate, "persistent_chat": topo.pc_rate}

    def start(self) -> None:
        if not any(rate > 0 for rate in self.rates.values()):
            return
        self._thread = threading.Thread(target=self._run, name="lync-traffic", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()

    def _alive(self) -> bool:
        # A reset replaces the backend; the old ticker then stops by itself.
        return not self._stop.is_set() and self.backend.lab.backends.get("lync") is self.backend

    def _run(self) -> None:
        last = time.monotonic()
        while not self._stop.wait(self.TICK):
            if not self._alive():
                return
            current = time.monotonic()
            self.step(current - last)
            last = current

    def step(self, elapsed: float) -> int:
        """Post what ``elapsed`` seconds at the configured rates allow; returns how many were posted. Each pool
        whose Channel service runs gets its share of the rate, in its own database."""
        posted = 0
        for kind, rate in self.rates.items():
            databases = self._running_databases(kind)
            if rate <= 0 or not databases:
                self._credit[kind] = 0.0
                continue
            self._credit[kind] += elapsed * rate
            while self._credit[kind] >= 1.0:
                self._credit[kind] -= 1.0
                try:
                    path = databases[0] if len(databases) == 1 else self._random.choice(databases)
                    if self.backend.db.post_random_message(kind, self._random, path):
                        self.posted[kind] += 1
                        posted += 1
                except Exception as exc:  # the ticker must never die; the dump shows why it stalled
                    self.last_error = "%s: %s" % (type(exc).__name__, exc)
        return posted

    def _running_databases(self, kind: str) -> list:
        backend, db = self.backend, self.backend.db
        if kind == "legacy":
            return [db.legacy_path_of(legacy) for legacy in backend.topo.legacies
                    if backend.legacy_channel_running(legacy)]
        return [db.mgc_path_of(pool) for pool in backend.topo.pc_pools if backend.pc_channel_running(pool)]

    def describe(self) -> dict:
        return {"rates": self.rates, "posted": dict(self.posted), "last_error": self.last_error,
                "running": bool(self._thread and self._thread.is_alive())}
