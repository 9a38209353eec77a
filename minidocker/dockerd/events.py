"""The daemon's event stream: what `docker events` shows (cf. moby daemon/events/events.go, api/types/events).

Every lifecycle step emits one event (create, start, kill, die, stop, destroy, exec_create, exec_start,
exec_die...). The bus keeps the last events for `since` and hands new ones to every subscriber queue.
"""

from __future__ import annotations

import queue
import threading
import time
from collections import deque
from typing import Any

KEEP = 1024


class EventBus:
    def __init__(self) -> None:
        self._recent: deque[dict[str, Any]] = deque(maxlen=KEEP)
        self._subs: list[queue.SimpleQueue] = []
        self._lock = threading.Lock()

    def emit(self, kind: str, action: str, actor_id: str, attributes: dict[str, str] | None = None,
             image: str = "") -> None:
        ns = time.time_ns()
        event = {"Type": kind, "Action": action, "Actor": {"ID": actor_id, "Attributes": dict(attributes or {})},
                 "scope": "local", "time": ns // 10**9, "timeNano": ns}
        if kind == "container":  # the pre-1.22 fields the docker CLI still formats
            event.update({"status": action, "id": actor_id, "from": image})
        with self._lock:
            self._recent.append(event)
            for q in self._subs:
                q.put(event)

    def subscribe(self, since: float | None) -> tuple[list[dict[str, Any]], queue.SimpleQueue]:
        q: queue.SimpleQueue = queue.SimpleQueue()
        with self._lock:
            past = [e for e in self._recent if since is not None and e["timeNano"] >= since * 1e9]
            self._subs.append(q)
        return past, q

    def unsubscribe(self, q: queue.SimpleQueue) -> None:
        with self._lock:
            if q in self._subs:
                self._subs.remove(q)


def matches(event: dict[str, Any], filters: dict[str, list[str]]) -> bool:
    """The `filters` of GET /events: type, event (action), container/network/volume (id or name), image, label."""
    attrs = event["Actor"]["Attributes"]
    if "type" in filters and event["Type"] not in filters["type"]:
        return False
    if "event" in filters and event["Action"].split(":")[0] not in filters["event"]:
        return False
    # container / network / volume: prefix of the actor's id or name, whatever the event's type, so a
    # container filter leaves out network events, as moby's fuzzyMatchName does
    for key in ("container", "network", "volume"):
        if key in filters and not any(event["Actor"]["ID"].startswith(v) or (attrs.get("name") or "").startswith(v)
                                      for v in filters[key]):
            return False
    if "image" in filters and attrs.get("image") not in filters["image"]:
        return False
    for f in filters.get("label", []):
        key, eq, value = f.partition("=")
        if key not in attrs or (eq and attrs[key] != value):
            return False
    return True
