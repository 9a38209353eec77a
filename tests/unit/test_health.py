"""Health-check rules without a daemon: config merge, validation, probe command, the streak and start period, Go durations."""

from __future__ import annotations

import threading

import pytest

from minidocker.dockerd import health
from minidocker.dockerd.containers.state import State, Status, now_rfc3339
from minidocker.errors import InvalidArgument
from minidocker.units import go_duration, parse_go_duration


def test_user_settings_win_and_the_image_fills_the_rest():
    image = {"Test": ["CMD", "true"], "Interval": 5, "Retries": 4}
    assert health.merge_config(None, image) == image
    assert health.merge_config({"Interval": 9}, image) == {"Test": ["CMD", "true"], "Interval": 9, "Retries": 4}
    assert health.merge_config({"Test": ["NONE"]}, image)["Test"] == ["NONE"]
    assert health.merge_config(None, None) is None


@pytest.mark.parametrize("config, message", [
    ({"Interval": 500_000}, "Interval in Healthcheck cannot be less than 1ms"),
    ({"Timeout": 1}, "Timeout in Healthcheck cannot be less than 1ms"),
    ({"StartPeriod": 10}, "StartPeriod in Healthcheck cannot be less than 1ms"),
    ({"Retries": -1}, "Retries in Healthcheck cannot be negative"),
])
def test_validation_uses_dockerds_words(config, message):
    with pytest.raises(InvalidArgument, match=message):
        health.validate(config)
    health.validate({"Interval": 1_000_000, "Retries": 0})


def test_probe_argv_by_kind():
    assert health.probe_argv({"Test": ["CMD", "a", "b"]}, {}) == ["a", "b"]
    assert health.probe_argv({"Test": ["CMD-SHELL", "x || y"]}, {}) == ["/bin/sh", "-c", "x || y"]
    assert health.probe_argv({"Test": ["CMD-SHELL", "x"]}, {"Shell": ["/bin/ash", "-e", "-c"]}) == ["/bin/ash", "-e", "-c", "x"]
    assert health.probe_argv({"Test": ["NONE"]}, {}) is None
    assert health.probe_argv(None, {}) is None


def test_ps_suffixes():
    assert health.status_suffix(None) == ""
    assert health.status_suffix({"Status": "starting"}) == " (health: starting)"
    assert health.status_suffix({"Status": "unhealthy"}) == " (unhealthy)"


class _Record:
    def __init__(self, cfg):
        self.id = "c" * 64
        self.config = {"Healthcheck": cfg}
        self.state = State({"Status": "running", "StartedAt": now_rfc3339()})
        self.state.health = {"Status": "starting", "FailingStreak": 0, "Log": []}
        self.saved = 0

    def save(self):
        self.saved += 1


class _Daemon(health.HealthMixin):
    def __init__(self):
        self.events = []

    def emit(self, c, action, **extra):
        self.events.append(action)


def _result(code):
    return {"Start": now_rfc3339(), "End": now_rfc3339(), "ExitCode": code, "Output": ""}


def test_failures_count_only_past_the_start_period_and_retries_make_it_unhealthy():
    d = _Daemon()
    c = _Record({"Retries": 2, "StartPeriod": 3600 * health.SECOND})
    d._health_record(c, _result(1))
    assert c.state.health["FailingStreak"] == 0 and c.state.health["Status"] == "starting"
    c = _Record({"Retries": 2})
    d._health_record(c, _result(1))
    assert (c.state.health["Status"], c.state.health["FailingStreak"]) == ("starting", 1)
    d._health_record(c, _result(1))
    assert (c.state.health["Status"], c.state.health["FailingStreak"]) == ("unhealthy", 2)
    d._health_record(c, _result(0))
    assert (c.state.health["Status"], c.state.health["FailingStreak"]) == ("healthy", 0)
    assert d.events == ["health_status: unhealthy", "health_status: healthy"]
    for _ in range(7):
        d._health_record(c, _result(0))
    assert len(c.state.health["Log"]) == health.MAX_LOG_ENTRIES


def test_a_result_after_the_exit_is_dropped():
    d = _Daemon()
    c = _Record({})
    with c.state.cond:
        c.state.set_status(Status.EXITED)
    d._health_record(c, _result(0))
    assert c.state.health["Status"] == "starting" and d.events == []


def test_state_keeps_health_only_when_set():
    assert "Health" not in State().to_json()
    s = State({"Status": "running", "Health": {"Status": "healthy", "FailingStreak": 0, "Log": []}})
    assert s.to_json()["Health"]["Status"] == "healthy"


@pytest.mark.parametrize("text, ns, back", [
    ("200ms", 200_000_000, "200ms"), ("1m30s", 90 * 10**9, "1m30s"), ("1h", 3600 * 10**9, "1h0m0s"),
    ("1.5s", 1_500_000_000, "1.5s"), ("0", 0, "0s"), ("2us", 2000, "2µs"),
])
def test_go_durations(text, ns, back):
    assert parse_go_duration(text) == ns and go_duration(ns) == back


@pytest.mark.parametrize("bad", ["", "5", "s", "1x", "1s2"])
def test_go_duration_errors(bad):
    with pytest.raises(ValueError):
        parse_go_duration(bad)


def test_stopping_a_monitor_says_unhealthy_and_is_idempotent():
    d = _Daemon()
    c = _Record({})
    c.state.health = {"Status": "healthy", "FailingStreak": 0, "Log": []}
    c.health_stop = threading.Event()
    d.health_stop(c)
    assert c.health_stop is None and c.state.health["Status"] == "unhealthy"  # moby's CloseMonitorChannel
    d.health_stop(c)
    assert c.state.health["FailingStreak"] == 0
