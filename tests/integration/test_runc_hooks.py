"""OCI hooks (runtime-spec config.md, runtime.md 1.0.2): every kind, where it runs, the state on its stdin,
timeouts, and which failures stop the container (create-time ones) and which are only warnings
(poststart, poststop). The lifecycle is compared with crun's, which passes the spec's statuses."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from runc_fixture import bundle, cgroup_dirs, configure, runtimes  # noqa: F401 - fixtures

pytestmark = pytest.mark.root


def add_hooks(bundle: Path, hooks: dict) -> None:
    spec = json.loads((bundle / "config.json").read_text())
    spec["hooks"] = hooks
    (bundle / "config.json").write_text(json.dumps(spec))


def test_hooks_run_with_state_on_stdin(runtimes, bundle: Path, tmp_path: Path) -> None:
    configure(bundle, args=["sleep", "60"])
    log = tmp_path / "hooks.log"
    hook = lambda name: {"path": "/bin/sh", "args": ["sh", "-c", f"echo {name} $(cat) >> {log}"]}  # noqa: E731
    add_hooks(bundle, {"createRuntime": [hook("createRuntime")], "poststart": [hook("poststart")],
                       "poststop": [hook("poststop")]})
    cid = runtimes.new_id("hooks")
    assert runtimes("minirunc", "create", "--bundle", str(bundle), cid).returncode == 0
    assert runtimes("minirunc", "start", cid).returncode == 0
    assert runtimes("minirunc", "delete", "--force", cid).returncode == 0
    lines = log.read_text().splitlines()
    assert [line.split()[0] for line in lines] == ["createRuntime", "poststart", "poststop"]
    states = [json.loads(line.split(" ", 1)[1]) for line in lines]
    assert all(s["id"] == cid and s["bundle"] == str(bundle) for s in states)
    assert states[0]["status"] == "created" and states[1]["status"] == "running" and states[0]["pid"] > 0
    assert states[2]["status"] == "stopped"


def test_failing_prestart_hook_undoes_create(runtimes, bundle: Path) -> None:
    add_hooks(bundle, {"prestart": [{"path": "/bin/sh", "args": ["sh", "-c", "echo nope >&2; exit 3"]}]})
    cid = runtimes.new_id("hooks")
    done = runtimes("minirunc", "create", "--bundle", str(bundle), cid)
    assert done.returncode != 0 and "exited with 3: nope" in done.stderr
    assert cgroup_dirs(cid) == [] and not (runtimes.roots["minirunc"] / cid).exists()


KINDS = ("prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop")


def every_kind(bundle: Path, host_log: Path) -> None:
    """Each hook appends: its kind, the state's status, whether its pid equals the state's pid's, and
    whether it shares the mount and pid namespaces of the runtime (the host). startContainer runs inside
    the container: its log is the rootfs's /hooks.log."""
    line = ("s=$(cat); st=$(echo \"$s\" | grep -o '\"status\": *\"[a-z]*\"' | grep -o '[a-z]*\"$'); "
            "p=$(echo \"$s\" | grep -o '\"pid\": *[0-9]*' | grep -o '[0-9]*$'); "
            "echo \"$0 ${st%\\\"} pid=${p:-none} mnt=$(readlink /proc/self/ns/mnt) pidns=$(readlink /proc/self/ns/pid)\" >> ")
    hooks = {}
    for kind in KINDS:
        log = "/hooks.log" if kind == "startContainer" else str(host_log)
        hooks[kind] = [{"path": "/bin/sh", "args": ["sh", "-c", line + log, kind]}]
    add_hooks(bundle, hooks)


def summarise(lines: list[str], init_pid: int) -> list[tuple]:
    """(kind, status, pid is the init's as the host sees it, in the container's mount ns, in its pid ns);
    the container's namespaces are the createContainer hook's."""
    inside = lines[2].split()[3:5]
    out = []
    for line in lines:
        kind, status, pid, mnt, pidns = line.split()
        out.append((kind, status, pid == f"pid={init_pid}", mnt == inside[0], pidns == inside[1]))
    return out


def test_every_kind_as_crun_runs_it(runtimes, bundle: Path, busybox_rootfs: Path, tmp_path: Path) -> None:
    configure(bundle, args=["sleep", "60"])
    spec = json.loads((bundle / "config.json").read_text())
    spec["root"]["readonly"] = False
    (bundle / "config.json").write_text(json.dumps(spec))
    seen = {}
    for runtime in ("crun", "minirunc"):
        log = tmp_path / f"{runtime}.log"
        every_kind(bundle, log)
        inside = busybox_rootfs / "hooks.log"
        inside.unlink(missing_ok=True)
        cid = runtimes.new_id("hk")
        assert runtimes(runtime, "create", "--bundle", str(bundle), cid).returncode == 0
        pid = runtimes.state(runtime, cid)["pid"]
        assert runtimes(runtime, "start", cid).returncode == 0
        assert runtimes(runtime, "kill", cid, "KILL").returncode == 0
        _wait_for(lambda: runtimes.state(runtime, cid)["status"] == "stopped")
        assert runtimes(runtime, "delete", cid).returncode == 0
        lines = log.read_text().splitlines()
        lines.insert(3, inside.read_text().strip())  # startContainer, between createContainer and poststart
        seen[runtime] = summarise(lines, pid)
    # The spec's statuses, and the init's host pid while it lives (state.md: REQUIRED when created/running).
    assert seen["minirunc"] == [
        ("prestart", "created", True, False, False), ("createRuntime", "created", True, False, False),
        ("createContainer", "created", True, True, True), ("startContainer", "created", True, True, True),
        ("poststart", "running", True, False, False), ("poststop", "stopped", False, False, False)]
    # crun 1.8 differs only inside the container: pid 0 there, and a status "starting" of its own for startContainer.
    crun, mini = ([(kind, status, mnt, pidns) for kind, status, _, mnt, pidns in seen[r]] for r in ("crun", "minirunc"))
    mini[3] = ("startContainer", "starting", True, True)
    assert crun == mini
    assert [h[2] for h in seen["crun"]] == [True, True, False, False, True, False]


def _wait_for(predicate, seconds: float = 10) -> None:
    import time

    deadline = time.monotonic() + seconds
    while not predicate():
        assert time.monotonic() < deadline, "condition not reached in time"
        time.sleep(0.02)


def test_hook_timeout_fails_create_as_runc(runtimes, bundle: Path) -> None:
    add_hooks(bundle, {"createRuntime": [{"path": "/bin/sleep", "args": ["sleep", "30"], "timeout": 1}]})
    for runtime in ("runc", "minirunc"):
        cid = runtimes.new_id("hkto")
        done = runtimes(runtime, "create", "--bundle", str(bundle), cid, timeout=20)
        assert done.returncode != 0, runtime
        assert runtimes(runtime, "state", cid).returncode != 0  # nothing recorded
        assert cgroup_dirs(cid) == []
        if runtime == "minirunc":
            assert "createRuntime hook /bin/sleep timed out after 1s" in done.stderr


def test_failing_poststart_and_poststop_are_warnings(runtimes, bundle: Path, tmp_path: Path) -> None:
    """runtime-spec 1.0.2 steps 9 and 13: warn, and go on as if the hook had succeeded."""
    configure(bundle, args=["sleep", "60"])
    ran = tmp_path / "ran"
    fail = {"path": "/bin/sh", "args": ["sh", "-c", "echo broken >&2; exit 2"]}
    mark = lambda name: {"path": "/bin/sh", "args": ["sh", "-c", f"echo {name} >> {ran}"]}  # noqa: E731
    add_hooks(bundle, {"poststart": [fail, mark("poststart-2")], "poststop": [fail, mark("poststop-2")]})
    cid = runtimes.new_id("hkw")
    assert runtimes("minirunc", "create", "--bundle", str(bundle), cid).returncode == 0
    started = runtimes("minirunc", "start", cid)
    assert started.returncode == 0 and "poststart hook /bin/sh exited with 2: broken" in started.stderr
    assert runtimes.state("minirunc", cid)["status"] == "running"
    deleted = runtimes("minirunc", "delete", "--force", cid)
    assert deleted.returncode == 0 and "poststop hook /bin/sh exited with 2: broken" in deleted.stderr
    assert ran.read_text().split() == ["poststart-2", "poststop-2"]
    assert runtimes("minirunc", "state", cid).returncode != 0


def test_failing_start_container_hook_stops_the_container(runtimes, bundle: Path) -> None:
    configure(bundle, args=["sh", "-c", "echo PROGRAM-RAN"])
    add_hooks(bundle, {"startContainer": [{"path": "/bin/sh", "args": ["sh", "-c", "exit 9"]}]})
    for runtime in ("crun", "minirunc"):
        done = runtimes(runtime, "run", "--bundle", str(bundle), runtimes.new_id("hksc"))
        assert done.returncode != 0 and "PROGRAM-RAN" not in done.stdout, (runtime, done)
