"""Differential tests: health checks as dockerd 20.10 runs them (issue 12 point 5; cf. moby daemon/health.go).

--health-* options and HEALTHCHECK in a Dockerfile, the probe's results in State.Health, "(healthy)" in
ps, the health filter, health_status events, the probe timeout, NONE, dockerd's validation. One real docker
CLI against minidockerd and dockerd 20.10 (diff_docker_fixture.py); statuses are polled, never slept for.
"""

from __future__ import annotations

import json
import re
import time

import pytest

from diff_docker_fixture import norm, pair, poll  # noqa: F401 - `pair` is the module-scoped fixture

pytestmark = pytest.mark.root

LEGACY = {"DOCKER_BUILDKIT": "0"}
FAST = ("--health-interval", "200ms")


def run_both(pair, *args):
    ids = []
    for side in (pair.real, pair.mini):
        made = side("run", "-d", "--network", "none", *args)
        assert made.returncode == 0, made
        ids.append(made.stdout.strip())
    return ids


def health(side, cid) -> dict:
    out = side("inspect", "--format", "{{json .State.Health}}", cid)
    assert out.returncode == 0, out
    return json.loads(out.stdout)


def wait_status(pair, ids, want: str) -> tuple[dict, dict]:
    found = []
    for side, cid in zip((pair.real, pair.mini), ids):
        found.append(poll(lambda: (h := health(side, cid)) and h.get("Status") == want and h, timeout=30,
                          what=f"health {want}"))
    return found[0], found[1]


def remove(pair, ids):
    for side, cid in zip((pair.real, pair.mini), ids):
        side("rm", "-f", cid)


def test_a_passing_probe_makes_the_container_healthy(pair):
    ids = run_both(pair, *FAST, "--health-cmd", "echo probing", "busybox", "sleep", "60")
    try:
        real, mini = wait_status(pair, ids, "healthy")
        assert (mini["FailingStreak"], mini["Log"][-1]["ExitCode"], mini["Log"][-1]["Output"]) == \
               (real["FailingStreak"], real["Log"][-1]["ExitCode"], real["Log"][-1]["Output"]) == (0, 0, "probing\n")
        statuses = [norm(side("ps", "--filter", f"id={cid}", "--format", "{{.Status}}").stdout)
                    for side, cid in zip((pair.real, pair.mini), ids)]
        assert statuses[1] == statuses[0] and statuses[0].endswith("(healthy)")
        for flt in ("health=healthy", "health=unhealthy", "health=none"):
            counts = [len(side("ps", "-q", "--filter", flt, "--filter", f"id={cid}").stdout.split())
                      for side, cid in zip((pair.real, pair.mini), ids)]
            assert counts[1] == counts[0], flt
    finally:
        remove(pair, ids)


def test_failing_probes_make_it_unhealthy_after_the_retries(pair):
    ids = run_both(pair, *FAST, "--health-retries", "2", "--health-cmd", "echo bad >&2; exit 3", "busybox", "sleep", "60")
    try:
        real, mini = wait_status(pair, ids, "unhealthy")
        for h in (real, mini):
            assert h["FailingStreak"] >= 2 and 1 <= len(h["Log"]) <= 5
            assert (h["Log"][-1]["ExitCode"], h["Log"][-1]["Output"]) == (3, "bad\n")
        statuses = [norm(side("ps", "--filter", f"id={cid}", "--format", "{{.Status}}").stdout)
                    for side, cid in zip((pair.real, pair.mini), ids)]
        assert statuses[1] == statuses[0] and statuses[0].endswith("(unhealthy)")
    finally:
        remove(pair, ids)


def test_a_probe_past_its_timeout_fails_with_dockerds_words(pair):
    ids = run_both(pair, *FAST, "--health-timeout", "300ms", "--health-retries", "1", "--health-cmd", "sleep 5",
                   "busybox", "sleep", "60")
    try:
        real, mini = wait_status(pair, ids, "unhealthy")
        assert (mini["Log"][-1]["ExitCode"], mini["Log"][-1]["Output"]) == \
               (real["Log"][-1]["ExitCode"], real["Log"][-1]["Output"]) == (-1, "Health check exceeded timeout (300ms)")
    finally:
        remove(pair, ids)


def test_status_changes_are_health_status_events(pair):
    since = str(int(time.time()) - 1)
    ids = run_both(pair, *FAST, "--health-cmd", "true", "busybox", "sleep", "60")
    try:
        wait_status(pair, ids, "healthy")
        until = str(int(time.time()) + 1)
        events = [side("events", "--since", since, "--until", until, "--filter", f"container={cid}",
                       "--filter", "event=health_status", "--format", "{{.Action}}").stdout.split("\n")
                  for side, cid in zip((pair.real, pair.mini), ids)]
        assert events[1] == events[0] and "health_status: healthy" in events[0]
    finally:
        remove(pair, ids)


def test_dockerfile_healthcheck_and_no_healthcheck(pair, tmp_path):
    (tmp_path / "Dockerfile").write_text(
        "FROM busybox\nHEALTHCHECK --interval=200ms --timeout=2s --start-period=1s --retries=4 CMD [\"true\"]\n")
    real, mini = pair.both("build", "-t", "healthy-image", str(tmp_path), env=LEGACY)
    assert real.returncode == mini.returncode == 0, (real, mini)
    r, m = pair.both("image", "inspect", "--format", "{{json .Config.Healthcheck}}", "healthy-image")
    assert json.loads(m.stdout) == json.loads(r.stdout)
    r, m = pair.both("history", "--no-trunc", "--format", "{{.CreatedBy}}", "healthy-image")
    assert m.stdout == r.stdout
    ids = run_both(pair, "healthy-image", "sleep", "60")
    try:
        wait_status(pair, ids, "healthy")
    finally:
        remove(pair, ids)
    ids = run_both(pair, "--no-healthcheck", "healthy-image", "sleep", "60")
    try:
        shown = [side("inspect", "--format", "{{json .State.Health}} {{json .Config.Healthcheck}}", cid).stdout
                 for side, cid in zip((pair.real, pair.mini), ids)]
        assert shown[1] == shown[0]
    finally:
        remove(pair, ids)


@pytest.mark.parametrize("args", [
    ("--health-cmd", "true", "--health-interval", "500us"),
    ("--health-cmd", "true", "--health-timeout", "500us"),
    ("--health-cmd", "true", "--health-start-period", "500us"),
])
def test_healthcheck_settings_are_checked_at_create(pair, args):
    real, mini = pair.both("create", "--network", "none", *args, "busybox", "true")
    for made, side in ((real, pair.real), (mini, pair.mini)):
        if made.returncode == 0:
            side("rm", made.stdout.strip())
    assert (mini.returncode, norm(mini.stderr)) == (real.returncode, norm(real.stderr)), (real.stderr, mini.stderr)


def test_health_filter_values_are_checked(pair):
    real, mini = pair.both("ps", "--filter", "health=bogus")
    assert (mini.returncode, mini.stderr) == (real.returncode, real.stderr)
    assert re.search("health", real.stderr)


def test_pause_stops_the_probes_and_says_unhealthy_as_dockerd(pair):
    """moby's CloseMonitorChannel: no probe while paused, the status "unhealthy" at once, the streak kept;
    after unpause a new monitor's first passing probe makes it healthy again."""
    ids = run_both(pair, *FAST, "--health-cmd", "true", "busybox", "sleep", "60")
    try:
        wait_status(pair, ids, "healthy")
        for side, cid in zip((pair.real, pair.mini), ids):
            assert side("pause", cid).returncode == 0
        since = time.time()  # a probe already running at the pause may still end (exec_die) after it, in both
        real, mini = wait_status(pair, ids, "unhealthy")
        assert mini["FailingStreak"] == real["FailingStreak"] == 0
        assert all(probe["ExitCode"] == 0 for h in (real, mini) for probe in h["Log"])
        # --until a second ahead is the wait: five probe intervals in which a probe would show up
        seen = [side("events", "--since", f"{since:.3f}", "--until", f"{since + 1.5:.3f}", "--filter",
                     f"container={cid}", "--format", "{{.Action}}").stdout.split("\n")
                for side, cid in zip((pair.real, pair.mini), ids)]
        started = [[a for a in s if a in ("exec_create", "exec_start")] for s in seen]
        assert started == [[], []], seen  # no probe starts while paused
        for side, cid in zip((pair.real, pair.mini), ids):
            assert side("unpause", cid).returncode == 0
        wait_status(pair, ids, "healthy")
    finally:
        remove(pair, ids)


def test_an_exited_container_keeps_its_health_as_unhealthy(pair):
    ids = run_both(pair, *FAST, "--health-cmd", "true", "busybox", "sleep", "60")
    try:
        wait_status(pair, ids, "healthy")
        for side, cid in zip((pair.real, pair.mini), ids):
            assert side("stop", "-t", "0", cid).returncode == 0
        shown = [health(side, cid) for side, cid in zip((pair.real, pair.mini), ids)]
        assert [h["Status"] for h in shown] == ["unhealthy", "unhealthy"], shown
    finally:
        remove(pair, ids)
