"""The restart manager's decisions and back-off, and the detach-key proxy (pure logic, no daemon)."""

from __future__ import annotations

import pytest

from minidocker.dockerd.containers.detachkeys import DEFAULT, EscapeProxy, parse
from minidocker.dockerd.restartmanager import MAX_DELAY, RestartManager


@pytest.mark.parametrize("policy, code, stopped, expect", [
    ({"Name": "no"}, 1, False, False),
    ({"Name": "always"}, 0, False, True),
    ({"Name": "always"}, 0, True, True),  # always: even after a stop (at daemon start)
    ({"Name": "unless-stopped"}, 0, False, True),
    ({"Name": "unless-stopped"}, 0, True, False),
    ({"Name": "on-failure"}, 0, False, False),
    ({"Name": "on-failure"}, 3, False, True),
])
def test_policies(policy, code, stopped, expect):
    assert RestartManager(policy, 0).should_restart(code, stopped, 1.0)[0] is expect


def test_on_failure_counts_and_stops_at_the_maximum():
    rm = RestartManager({"Name": "on-failure", "MaximumRetryCount": 2}, 0)
    assert [rm.should_restart(1, False, 0.5)[0] for _ in range(4)] == [True, True, False, False]
    assert RestartManager({"Name": "on-failure", "MaximumRetryCount": 2}, 2).should_restart(1, False, 0.5)[0] is False


def test_back_off_doubles_to_a_minute_and_resets_after_ten_seconds():
    rm = RestartManager({"Name": "always"}, 0)
    delays = [rm.should_restart(0, False, 0.1)[1] for _ in range(12)]
    assert delays[:4] == [0.1, 0.2, 0.4, 0.8] and delays[-1] == MAX_DELAY
    assert rm.should_restart(0, False, 10.0)[1] == 0.1


def test_a_cancelled_manager_never_restarts():
    rm = RestartManager({"Name": "always"}, 0)
    rm.cancel()
    assert rm.should_restart(0, False, 1.0) == (False, 0.0)
    assert rm.wait(5.0) is False  # returns at once: cancelled


def test_detach_keys_parse_as_moby_term():
    assert parse("") == DEFAULT == b"\x10\x11"
    assert parse("ctrl-a,x,DEL,ctrl-@,ctrl-_") == b"\x01x\x7f\x00\x1f"
    with pytest.raises(ValueError, match="Unknown character: 'ctrl-'"):
        parse("ctrl-")


def test_escape_proxy_holds_back_a_partial_sequence_and_detaches_on_the_whole():
    proxy = EscapeProxy(DEFAULT)
    assert proxy.feed(b"ab\x10") == (b"ab", False)  # ctrl-p held back
    assert proxy.feed(b"c") == (b"\x10c", False)  # a false start: forwarded after all
    assert proxy.feed(b"x\x10") == (b"x", False)
    assert proxy.feed(b"\x11rest") == (b"", True)
    other = EscapeProxy(b"ab")
    assert other.feed(b"aab") == (b"aab", False)  # as moby: the byte after a false start is not re-tried
