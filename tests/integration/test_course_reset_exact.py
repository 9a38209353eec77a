"""`course reset ROOT` stops exactly what ROOT owns: never a sibling root whose path merely starts with ROOT's,
never its own ancestors, never a process that only names ROOT on its command line (issue 11 point 3)."""

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from minidocker import course, course_owners

pytestmark = pytest.mark.root
BUSYBOX = "/bin/busybox"


def _alive(proc: subprocess.Popen) -> bool:
    return proc.poll() is None


def _pivoted_sleeper(rootfs: Path) -> subprocess.Popen:
    """A process in a mount namespace of its own whose root is rootfs (bind-mounted and pivot_root'ed, as a
    runtime does): from here its exe, cwd and root all read "/...", only its mounts say where it lives."""
    (rootfs / "bin").mkdir(parents=True)
    (rootfs / "old").mkdir()
    shutil.copy2(BUSYBOX, rootfs / "bin" / "busybox")
    script = (f"mount --bind {rootfs} {rootfs} && cd {rootfs} && pivot_root . old && "
              "exec /bin/busybox sh -c 'umount -l /old; exec /bin/busybox sleep 600'")
    return subprocess.Popen(["unshare", "--mount", "--propagation", "private", "sh", "-c", script], cwd="/",
                            stdin=subprocess.DEVNULL)


def _sleepers(root: Path) -> dict[str, subprocess.Popen]:
    """One process for each way a root owns a process."""
    (root / "bin").mkdir(parents=True)
    (root / "run").mkdir()
    shutil.copy2(shutil.which("sleep"), root / "bin" / "sleep")
    procs = {
        "cwd": subprocess.Popen(["sleep", "600"], cwd=root),
        "exe": subprocess.Popen([str(root / "bin" / "sleep"), "600"], cwd="/"),
        "pid file": subprocess.Popen(["sleep", "600"], cwd="/"),
        "mount namespace": _pivoted_sleeper(root / "rootfs"),
    }
    (root / "run" / "minidockerd.pid").write_text(f"{procs['pid file'].pid}\n")
    return procs


def _wait_until(check, what: str, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, what
        time.sleep(0.05)


def _stop(procs) -> None:
    for p in procs:
        if p.poll() is None:
            p.kill()
        p.wait(10)


def test_a_reset_stops_what_root_owns_and_nothing_of_a_sibling_root_or_its_own_parents(tmp_path):
    root, root2 = tmp_path / "x" / "root", tmp_path / "x" / "root2"  # str(root) is a prefix of str(root2)
    mine: dict[str, subprocess.Popen] = {}
    decoys: dict[str, subprocess.Popen] = {}
    try:
        mine = _sleepers(root)
        decoys = _sleepers(root2)
        # Started against ROOT (a client, a notebook kernel): MINIDOCKER_ROOT is ROOT, whatever its cwd.
        mine["environment"] = subprocess.Popen(["sleep", "600"], cwd="/", env=dict(os.environ, MINIDOCKER_ROOT=str(root)))
        # Only names ROOT on its command line, and was started against ROOT2: not ROOT's.
        decoys["names root"] = subprocess.Popen(["sh", "-c", f"sleep 600; : {root}"], cwd="/",
                                                env=dict(os.environ, MINIDOCKER_ROOT=str(root2)))
        # A pid file older than the process it names: the pid was recycled, the process is not the root's.
        recycled = subprocess.Popen(["sleep", "600"], cwd="/")
        decoys["recycled pid"] = recycled
        stale = root / "run" / "old.pid"
        stale.write_text(f"{recycled.pid}\n")
        os.utime(stale, (time.time() - 3600, time.time() - 3600))
        instance = course._instance(root.resolve())
        pivoted = mine["mount namespace"].pid  # found by its cwd until it has pivoted, then by its mounts only
        _wait_until(lambda: course_owners.owned(root, instance).get(pivoted, "").startswith("root mount"),
                    "the pivoted process is not found by its root mount")
        found = course_owners.owned(root, instance)
        assert {p.pid for p in mine.values()} <= set(found) and not {p.pid for p in decoys.values()} & set(found), found

        # The reset runs under `timeout`, from a shell whose working directory is the root: both are its ancestors.
        shell = f"cd {root} && {sys.executable} -m minidocker.course reset {root}; echo ancestor-alive $?"
        out = subprocess.run(["timeout", "120", "sh", "-c", shell], capture_output=True, text=True, timeout=150,
                             cwd=Path(__file__).parents[2])
        assert out.returncode == 0 and "ancestor-alive 0" in out.stdout, (out.returncode, out.stdout, out.stderr)
        assert f"reset {root}" in out.stdout

        for why, proc in mine.items():
            _wait_until(lambda: not _alive(proc), f"the root's process found by its {why} survived the reset")
        for why, proc in decoys.items():
            assert _alive(proc), f"the decoy ({why}) was killed by a reset of {root}"
        assert not root.exists() and (root2 / "run" / "minidockerd.pid").exists()
        assert not any(course_owners.under(line.split()[4], root.resolve())
                       for line in Path("/proc/self/mountinfo").read_text().splitlines())
    finally:
        _stop([*mine.values(), *decoys.values()])
        course.reset(root2)
        course.reset(root)


def test_components_are_compared_not_strings():
    assert course_owners.under("/x/root/lib", Path("/x/root"))
    assert course_owners.under("/x/root", Path("/x/root"))
    assert not course_owners.under("/x/root2/lib", Path("/x/root"))
    assert not course_owners.under("/x", Path("/x/root"))


def test_a_reset_without_dir_also_resets_the_chapters_fixed_path_leftovers(tmp_path, monkeypatch):
    leftover = tmp_path / "minidocker-chNN"
    (leftover / "state").mkdir(parents=True)
    proc = subprocess.Popen(["sleep", "600"], cwd=leftover / "state")
    try:
        monkeypatch.setattr(course, "CHAPTER_LEFTOVERS", (leftover,))
        monkeypatch.setenv(course.ENV_COURSE_ROOT, str(tmp_path / "course"))
        assert course.main(["reset", str(tmp_path / "course")]) == 0  # as run-tests does, beside others' runs
        assert proc.poll() is None and leftover.exists()  # only the teacher's reset without DIR touches them
        assert course.main(["reset"]) == 0
        proc.wait(20)
        assert not leftover.exists()
    finally:
        _stop([proc])


def test_images_removes_only_the_names_chapters_and_exercises_made(tmp_path):
    root = tmp_path / "eng"
    root.mkdir()
    env = dict(os.environ, MINIDOCKER_ROOT=str(root))
    cli = [sys.executable, "-m", "minidocker.client.cli"]

    def run(*args: str) -> subprocess.CompletedProcess:
        out = subprocess.run(cli + list(args), env=env, capture_output=True, text=True, timeout=120)
        assert out.returncode == 0, (args, out.stderr)
        return out

    try:
        run("daemon", "start")
        for tag in ("ch02-app:1", "ex02-hello-1:latest", "mine:1"):
            run("tag", "busybox", tag)
        run("create", "--name", "ch00-first", "busybox", "true")
        run("create", "--name", "mybox", "busybox", "true")
        run("create", "--name", "kept", "ex02-hello-1")  # an image name in use by a container not the course's
        out = subprocess.run([sys.executable, "-m", "minidocker.course", "reset", "--images", str(tmp_path / "none")],
                             env=env, capture_output=True, text=True, timeout=120)
        assert out.returncode == 0, out.stderr
        names = run("ps", "-a", "--format", "{{.Names}}").stdout.split()
        tags = run("images", "--format", "{{.Repository}}:{{.Tag}}").stdout.split()
        assert sorted(names) == ["kept", "mybox"]
        assert "ch02-app:1" not in tags and {"busybox:latest", "mine:1"} <= set(tags)
        assert "removed container ch00-first" in out.stdout and "removed image ch02-app:1" in out.stdout
    finally:
        course.reset(root)


def test_bad_arguments_exit_2_and_reset_nothing(tmp_path):
    out = subprocess.run([sys.executable, "-m", "minidocker.course", "reset", "--all", str(tmp_path)],
                         capture_output=True, text=True)
    assert out.returncode == 2 and "usage" in out.stderr and tmp_path.exists()
