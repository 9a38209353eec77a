"""Guest side of scripts/test-cgroup2-vm.sh: in a VM where cgroup2 alone is mounted at /sys/fs/cgroup, prove that
limits really bite through the v2 controllers: minirunc, the whole chain (minidocker run), chapter 06's cells.

Each check prints `ok NAME: what held` or `FAIL NAME: what did not`; the last line is the summary, and the
exit status is 0 only when every check held. Run as root inside the VM (cgroup2_vm_guest.sh does).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
import traceback
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
BIN = Path(sys.executable).parent
WORK = Path("/tmp/cgroup2-vm")
MEMORY, PIDS = 32 * 1024 * 1024, 16

# Run inside a container: the limits as its own cgroup shows them (at /sys/fs/cgroup, else the whole tree is there), an OOM kill (tail keeps /dev/zero's one
# endless line in memory), then more children than pids.max allows (read with builtins only: no fork is left).
PROBE = ("g=/sys/fs/cgroup; [ -e $g/memory.max ] || g=$g$(cut -d: -f3 /proc/self/cgroup); "
         "echo memory.max=$(cat $g/memory.max) pids.max=$(cat $g/pids.max); "
         "tail /dev/zero; echo tail-exit=$?; echo $(grep oom_kill $g/memory.events); "
         "(i=0; while [ $i -lt 40 ]; do sleep 3 & i=$((i+1)); done) 2>/dev/null; "  # a refused fork ends the subshell
         "read cur < $g/pids.current; echo pids.current=$cur; "
         "while read k v; do [ $k = max ] && echo pids.events.max=$v; done < $g/pids.events; true")


def probe_held(out: str) -> str:
    """What the probe's output proves, or AssertionError saying what it does not."""
    values = dict(re.findall(r"([\w.-]+)=(\S+)", out))
    events = dict(re.findall(r"^(oom_kill) (\d+)$", out, re.M))
    events["max"] = values.get("pids.events.max", "0")
    assert values.get("memory.max") == str(MEMORY), f"memory.max is {values.get('memory.max')}, not {MEMORY}: {out!r}"
    assert values.get("pids.max") == str(PIDS), f"pids.max is {values.get('pids.max')}, not {PIDS}: {out!r}"
    assert values.get("tail-exit") == "137", f"tail /dev/zero was not killed (exit {values.get('tail-exit')}): {out!r}"
    assert int(events.get("oom_kill", 0)) >= 1, f"memory.events counts no oom_kill: {out!r}"
    assert 0 < int(values.get("pids.current", 0)) <= PIDS, f"pids.current {values.get('pids.current')} > {PIDS}: {out!r}"
    assert int(events.get("max", 0)) >= 1, f"pids.events counts no refused fork: {out!r}"
    return (f"memory.max={MEMORY} pids.max={PIDS}, tail OOM-killed (137, oom_kill {events['oom_kill']}), "
            f"forks refused at {values['pids.current']} (pids.events max {events['max']})")


def check_cgroup2_alone() -> str:
    from minidocker.runc import cgroups

    mounts = [line.split() for line in Path("/proc/self/mountinfo").read_text().splitlines()]
    kinds = [(m[4], m[m.index("-") + 1]) for m in mounts if m[m.index("-") + 1].startswith("cgroup")]
    assert kinds == [("/sys/fs/cgroup", "cgroup2")], f"cgroup mounts: {kinds}"
    enabled = set(Path("/sys/fs/cgroup/cgroup.subtree_control").read_text().split())
    assert {"memory", "pids", "cpu"} <= enabled, f"subtree_control: {enabled}"
    assert cgroups.is_unified(), "minirunc does not see the unified hierarchy"
    v1 = subprocess.run(["mount", "-t", "cgroup", "-o", "memory", "none", "/mnt"], capture_output=True, text=True)
    assert v1.returncode != 0, "a v1 memory hierarchy could be mounted"
    return f"only cgroup2 at /sys/fs/cgroup, subtree_control: {' '.join(sorted(enabled))}; v1 refused"


def check_minirunc() -> str:
    from minidocker.observe import oci_runtime as lab

    bundle = lab.make_bundle(WORK / "bundle")
    lab.edit_config(bundle, process__args=["sh", "-c", PROBE], process__terminal=False,
                    linux__resources__memory={"limit": MEMORY}, linux__resources__pids={"limit": PIDS})
    out = lab.runtime("minirunc", WORK / "state", "run", "--bundle", str(bundle), "c2-probe", check=False)
    assert out.rstrip().endswith("(exit code 0)"), f"minirunc run: {out!r}"
    held = probe_held(out)
    assert not list(Path("/sys/fs/cgroup").glob("**/c2-probe")), "the container's cgroup outlived it"
    return held


def check_chain() -> str:
    from minidocker import course, paths

    root = WORK / "engine"
    env = dict(os.environ, MINIDOCKER_ROOT=str(root))
    cli = [str(BIN / "minidocker")]

    def run(*args: str, ok: bool = True) -> subprocess.CompletedProcess:
        done = subprocess.run(cli + list(args), env=env, capture_output=True, text=True, timeout=300)
        assert not ok or done.returncode == 0, f"minidocker {' '.join(args)}: {done.returncode} {done.stderr.strip()}"
        return done

    try:
        run("daemon", "start")
        version = run("info", "--format", "{{.CgroupVersion}}").stdout.strip()
        assert version == "2", f"info says CgroupVersion {version!r}"
        probe = run("run", "--rm", "--memory", "32m", "--pids-limit", str(PIDS), "busybox", "sh", "-c", PROBE)
        held = probe_held(probe.stdout)
        oomed = run("run", "--name", "oomed", "--memory", "32m", "busybox", "tail", "/dev/zero", ok=False)
        assert oomed.returncode == 137, f"run --memory 32m tail /dev/zero exited {oomed.returncode}: {oomed.stderr}"
        state = json.loads(run("inspect", "oomed").stdout)[0]["State"]
        assert state["OOMKilled"] is True, f"inspect: {state}"
    finally:
        course.reset(root)
    os.environ[paths.ENV_ROOT] = str(root)
    instance = paths.instance_name()
    del os.environ[paths.ENV_ROOT]
    assert not Path("/sys/fs/cgroup", instance).exists(), "course reset left the engine's cgroup"
    return f"minidocker run: {held}; OOMKilled true, exit 137; CgroupVersion 2; reset left no cgroup"


def check_rootless() -> str:
    """An ordinary user with a delegated subtree (rootless/cgroups.py, as run-classroom makes): root starts
    their session inside it (v2's common-ancestor rule), their rootless engine moves itself to USER/engine,
    and `minidocker run --memory` is OOM-killed in USER/minidocker/<id>; they cannot raise their own cap."""
    import pwd
    import secrets

    from minidocker.rootless import cgroups as delegation

    user = "mdvm" + secrets.token_hex(3)
    # No subordinate ids: the engine maps the user's uid alone (no setuid newuidmap through the 9p root).
    # Home on the guest's tmpfs: the root's overlay (over 9p) cannot be an overlay's upper layer.
    home = f"/tmp/{user}"
    subprocess.run(["useradd", "--create-home", "--home-dir", home, "--shell", "/bin/sh", "-K", "SUB_UID_COUNT=0",
                    "-K", "SUB_GID_COUNT=0", user], check=True, capture_output=True)
    subprocess.run(["modprobe", "tun"], capture_output=True)  # slirp4netns's /dev/net/tun: 0666 as Debian's udev
    os.chmod("/dev/net/tun", 0o666)                           # rules make it (there is no udev here)
    env = ["env", "-i", f"HOME={home}", f"USER={user}", "PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin"]

    entry = pwd.getpwnam(user)

    def session() -> None:
        """As the hub's spawner: into the user's subtree while still root, then become the user (a root process
        left in it, as `runuser` would be, is one the user's cpuset could not move)."""
        delegation.enter(user, 0, check_owner=False)
        os.setgroups([])
        os.setgid(entry.pw_gid)
        os.setuid(entry.pw_uid)

    def as_user(*argv: str, ok: bool = True, session_start: bool = False) -> subprocess.CompletedProcess:
        cmd = [*env, *argv] if session_start else ["runuser", "-u", user, "--", *env, *argv]
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=300, cwd=home,
                              preexec_fn=session if session_start else None)
        assert not ok or done.returncode == 0, f"{' '.join(argv[:3])}: {done.returncode} {done.stderr.strip()[-400:]}"
        return done

    mine = f"/sys/fs/cgroup{delegation.relative(user)}"
    try:
        delegation.delegate(user, memory=768 << 20, pids=512)
        assert os.stat(mine).st_uid != 0 and os.stat(f"{mine}/memory.max").st_uid == 0, "ownership"
        cli = str(BIN / "minidocker")
        as_user(cli, "daemon", "start", session_start=True)
        engine = Path(f"{home}/.local/share/minidocker")
        pid = (Path(f"/tmp/minidocker-{os.stat(home).st_uid}") / "minidockerd.pid").read_text().strip()
        own = Path(f"/proc/{pid}/cgroup").read_text().strip()
        assert own == f"0::{delegation.relative(user)}/{delegation.ENGINE}", f"the engine's cgroup: {own}"
        below = Path(f"{mine}/cgroup.subtree_control").read_text().split()
        assert {"memory", "pids", "cpu"} <= set(below), f"controllers on below the subtree: {below}"
        probe = as_user(cli, "run", "--rm", "--network", "none", "--memory", "32m", "--pids-limit", str(PIDS),
                        "busybox", "sh", "-c", PROBE)
        held = probe_held(probe.stdout)
        oomed = as_user(cli, "run", "--name", "oomed", "--network", "none", "--memory", "32m", "busybox", "tail",
                        "/dev/zero", ok=False)
        assert oomed.returncode == 137, f"run --memory 32m tail /dev/zero exited {oomed.returncode}: {oomed.stderr}"
        state = json.loads(as_user(cli, "inspect", "oomed").stdout)[0]["State"]
        assert state["OOMKilled"] is True, f"inspect: {state}"
        raised = as_user("sh", "-c", f"echo max > {mine}/memory.max", ok=False)
        assert raised.returncode != 0, "the learner raised their own memory cap"
        left = as_user("sh", "-c", "echo $$ > /sys/fs/cgroup/cgroup.procs", ok=False)
        assert left.returncode != 0, "the learner moved a process out of their subtree"
        assert engine.is_dir()
    finally:
        delegation.undelegate(user)
        subprocess.run(["userdel", "-r", "-f", user], capture_output=True)
    assert not os.path.exists(mine), "undelegate left the subtree"
    return (f"rootless as {user}: engine in {delegation.relative(user)}/engine; {held}; OOMKilled true, exit 137; "
            f"their cap not writable, no way out; subtree removed")


def check_chapter_06() -> str:
    import nbformat
    from nbclient import NotebookClient

    path = next((REPO / "notebooks").glob("06-*.ipynb"))
    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}).execute()
    cells = [c for c in nb.cells if c.cell_type == "code"]
    errors = [o for c in cells for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert not errors, f"{errors[0]['ename']}: {errors[0]['evalue']}"
    text = "".join(o.get("text", "") for c in cells for o in c.get("outputs", []) if o.get("output_type") == "stream")
    for expected in ("memory limit: 64 MiB", "cgroup still there? False"):
        assert expected in text, f"no {expected!r} in the chapter's output"
    seen = re.search(r"--- minirunc ---\n(.*?)--- runc ---\n(.*?)identical: (\w+)", text, re.S)
    assert seen, "the chapter did not run the probe under both runtimes"
    warning = "minirunc: warning: linux.resources.devices is not enforced on cgroup v2"
    mini = "".join(line for line in seen.group(1).splitlines(True) if not line.startswith(warning))
    assert mini == seen.group(2), f"the container saw other things under minirunc and runc: {seen.group(0)!r}"
    gap = ("; minirunc warns it does not enforce linux.resources.devices on v2 (runc does, with eBPF), so the "
           "chapter prints identical: False") if mini != seen.group(1) else ""
    return (f"{path.name}: {len(cells)} code cells executed in order without an error; the memory limit read "
            f"through v2, the cgroup removed on delete, the container saw the same under minirunc and runc{gap}")


CHECKS = [("cgroup2-alone", check_cgroup2_alone), ("minirunc", check_minirunc), ("minidocker-run", check_chain),
          ("chapter-06", check_chapter_06), ("rootless", check_rootless)]


def main(names: list[str]) -> int:
    WORK.mkdir(parents=True, exist_ok=True)
    passed = []
    for name, check in CHECKS:
        if names and name not in names:
            continue
        start = time.monotonic()
        try:
            what = check()
            passed.append(name)
            print(f"ok {name} ({time.monotonic() - start:.0f}s): {what}", flush=True)
        except Exception as err:  # noqa: BLE001 - every check reports, whatever broke
            detail = str(err).strip().splitlines() or [type(err).__name__]
            print(f"FAIL {name} ({time.monotonic() - start:.0f}s): {type(err).__name__}: {detail[0][:600]}", flush=True)
            traceback.print_exc(file=sys.stdout)
    ran = [n for n, _ in CHECKS if not names or n in names]
    failed = [n for n in ran if n not in passed] or ([] if ran else ["no check ran"])
    verdict = "PASS" if not failed else "FAIL (" + ", ".join(failed) + ")"
    print(f"cgroup2-vm checks: {verdict}: {len(passed)}/{len(ran)} held ({', '.join(passed) or 'none'})", flush=True)
    return 0 if not failed else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
