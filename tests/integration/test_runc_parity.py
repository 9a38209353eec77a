"""minirunc against the real runc on the same bundle: the same observable container (PID 1, hostname,
capability masks, mount table, cgroup limits seen inside, exit code), and each runtime runs the other's spec."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from runc_fixture import bundle, configure, make_bundle, runtimes  # noqa: F401 - fixtures

pytestmark = pytest.mark.root

PROBE = ("echo PID=$$; hostname; grep -E '^(Cap(Inh|Prm|Eff|Bnd|Amb)|NoNewPrivs)' /proc/self/status; "
         "cat /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/pids/pids.max; ulimit -n; "
         "ls /dev; cat /sys/fs/cgroup/devices/devices.list; echo MOUNTS; cat /proc/self/mountinfo; exit 3")


def normalise(output: str, cid: str) -> list[str]:
    """Mount ids, parent ids and device numbers differ from run to run; everything else must not."""
    lines, in_mounts = [], False
    for line in output.replace(cid, "<ID>").splitlines():
        if in_mounts:
            line = " ".join(line.split()[3:])
        in_mounts = in_mounts or line == "MOUNTS"
        lines.append(line)
    return lines


def test_same_container_as_runc(runtimes, bundle: Path) -> None:
    configure(bundle, args=["sh", "-c", PROBE], memory=64 * 1024 * 1024, pids=40)
    seen = {}
    for runtime in ("runc", "minirunc"):
        cid = runtimes.new_id("parity")
        done = runtimes(runtime, "run", "--bundle", str(bundle), cid)
        assert done.returncode == 3, f"{runtime}: {done.stderr}"
        seen[runtime] = normalise(done.stdout, cid)
    assert seen["minirunc"][:2] == ["PID=1", "runc"]
    assert "67108864" in seen["minirunc"] and "40" in seen["minirunc"]
    assert any(line.startswith("CapEff:") for line in seen["minirunc"])
    assert len([x for x in seen["minirunc"] if " - " in x]) > 10  # a real mount table was compared
    assert seen["minirunc"] == seen["runc"]


def test_spec_equals_runc_spec(tmp_path: Path) -> None:
    for runtime, name in (("runc", "a"), ("minirunc", "b")):
        (tmp_path / name).mkdir()
        exe = runtime if runtime == "runc" else str(Path(__import__("sys").executable).parent / "minirunc")
        subprocess.run([exe, "spec"], cwd=tmp_path / name, check=True)
    assert json.loads((tmp_path / "b" / "config.json").read_text()) == json.loads((tmp_path / "a" / "config.json").read_text())


def test_minirunc_spec_runs_under_runc(runtimes, busybox_rootfs: Path, tmp_path: Path) -> None:
    b = make_bundle(tmp_path / "from-minirunc", busybox_rootfs, generator="minirunc")
    configure(b, args=["sh", "-c", "echo pid=$$ host=$(hostname); exit 5"])
    cid = runtimes.new_id("spec")
    done = runtimes("runc", "run", "--bundle", str(b), cid)
    assert (done.returncode, done.stdout.strip()) == (5, "pid=1 host=runc"), done.stderr


def test_lifecycle_and_state_keys_match_runc(runtimes, bundle: Path) -> None:
    """create -> created, start -> running, kill -> stopped, delete -> gone; state JSON has runc's keys."""
    configure(bundle, args=["sleep", "60"])
    keys = {}
    for runtime in ("runc", "minirunc"):
        cid = runtimes.new_id("life")
        assert runtimes(runtime, "create", "--bundle", str(bundle), cid).returncode == 0
        created = runtimes.state(runtime, cid)
        assert created["status"] == "created" and created["pid"] > 0
        assert runtimes(runtime, "start", cid).returncode == 0
        assert runtimes.state(runtime, cid)["status"] == "running"
        assert runtimes(runtime, "kill", cid, "KILL").returncode == 0
        _wait_for(lambda: runtimes.state(runtime, cid)["status"] == "stopped")
        assert runtimes(runtime, "delete", cid).returncode == 0
        assert runtimes(runtime, "state", cid).returncode != 0
        keys[runtime] = set(created)
    assert keys["minirunc"] == keys["runc"]


def test_exec_joins_the_container(runtimes, bundle: Path) -> None:
    configure(bundle, args=["sleep", "60"])
    cid = runtimes.new_id("exec")
    assert runtimes("minirunc", "run", "-d", "--bundle", str(bundle), cid).returncode == 0
    done = runtimes("minirunc", "exec", cid, "sh", "-c", "hostname; ls /proc | grep -c '^[0-9]'; grep CapEff /proc/self/status; exit 4")
    assert done.returncode == 4, done.stderr
    hostname, nprocs, capeff = done.stdout.split("\n")[:3]
    assert hostname == "runc" and int(nprocs) <= 4  # init, sh, ls, grep: no host process
    assert capeff.split()[1] == "0000000020000420"  # CAP_AUDIT_WRITE, CAP_KILL, CAP_NET_BIND_SERVICE


def _wait_for(predicate, seconds: float = 10) -> None:
    import time

    deadline = time.monotonic() + seconds
    while not predicate():
        assert time.monotonic() < deadline, "condition not reached in time"
        time.sleep(0.02)


def test_docker_default_spec_same_as_runc(runtimes, busybox_rootfs: Path, tmp_path: Path) -> None:
    """Docker's default config.json (14 capabilities, device rules, masked paths, cgroupsPath under the
    engine's parent, oomScoreAdj, no_new_privs) gives the same container under both runtimes."""
    from minidocker.oci.defaults import default_spec

    probe = ("grep -E '^(Cap(Inh|Prm|Eff|Bnd|Amb)|NoNewPrivs)' /proc/self/status; cat /proc/self/oom_score_adj; "
             "cat /sys/fs/cgroup/devices/devices.list; hostname; ls /dev; echo MOUNTS; cat /proc/self/mountinfo; exit 6")
    seen = {}
    try:
        for runtime in ("runc", "minirunc"):
            cid = runtimes.new_id("docker")
            bundle = tmp_path / runtime
            bundle.mkdir()
            spec = default_spec(cid, ["sh", "-c", probe], hostname="docker-like", instance=f"minirunc-tests-{runtime}")
            spec["root"]["path"] = str(busybox_rootfs)
            (bundle / "config.json").write_text(json.dumps(spec))
            done = runtimes(runtime, "run", "--bundle", str(bundle), cid)
            assert done.returncode == 6, f"{runtime}: {done.stderr}"
            seen[runtime] = [line.replace(f"minirunc-tests-{runtime}", "<PARENT>") for line in normalise(done.stdout, cid)]
    finally:
        runtimes.cleanup()
        for runtime in ("runc", "minirunc"):  # the engine-named parents (runc leaves its own behind)
            for top in Path("/sys/fs/cgroup").iterdir():
                parent = top / f"minirunc-tests-{runtime}"
                if parent.is_dir():
                    parent.rmdir()
    assert "CapEff:\t00000000a80425fb" in seen["minirunc"]  # Docker's 14 capabilities
    assert seen["minirunc"] == seen["runc"]
