"""Restart policies: whether and when an exited container starts again (cf. moby restartmanager/restartmanager.go).

Docker's rules: `no` never; `always` always; `unless-stopped` unless the user stopped it; `on-failure[:N]`
on a non-zero exit, at most N times (0 = no limit). The delay starts at 100 ms and doubles with each
restart up to one minute; a run of 10 s or more resets it. A stop or kill cancels the manager, so the
container stays down; a manual start makes a new one (and RestartCount starts again from 0).
"""

from __future__ import annotations

import threading
from typing import Any

DEFAULT_DELAY = 0.1
MAX_DELAY = 60.0
RESET_AFTER = 10.0


class RestartManager:
    def __init__(self, policy: dict[str, Any] | None, restart_count: int) -> None:
        policy = policy or {}
        self.name = policy.get("Name") or "no"
        self.max_retries = int(policy.get("MaximumRetryCount") or 0)
        self.restart_count = restart_count
        self.delay = 0.0
        self.cancelled = threading.Event()

    def set_policy(self, policy: dict[str, Any]) -> None:
        """`docker update --restart` changes the policy of a live manager."""
        self.name = policy.get("Name") or "no"
        self.max_retries = int(policy.get("MaximumRetryCount") or 0)

    def cancel(self) -> None:
        self.cancelled.set()

    def should_restart(self, exit_code: int, manually_stopped: bool, ran_for: float) -> tuple[bool, float]:
        """(restart?, after how many seconds); counts the restart it grants."""
        if self.name == "no" or self.cancelled.is_set():
            return False, 0.0
        if ran_for >= RESET_AFTER:
            self.delay = 0.0
        self.delay = DEFAULT_DELAY if self.delay == 0 else min(self.delay * 2, MAX_DELAY)
        if self.name == "always":
            restart = True
        elif self.name == "unless-stopped":
            restart = not manually_stopped
        elif self.name == "on-failure":
            restart = exit_code != 0 and (self.max_retries == 0 or self.restart_count < self.max_retries)
        else:
            restart = False
        if restart:
            self.restart_count += 1
        return restart, self.delay

    def wait(self, delay: float) -> bool:
        """Sleep out the back-off; False when cancelled meanwhile (a stop, kill, rm or manual start)."""
        return not self.cancelled.wait(delay)
