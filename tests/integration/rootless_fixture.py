"""Throwaway ordinary users for the rootless engine's tests: made with useradd, each with the subordinate
id range useradd allocates (or none), and removed with everything they started, even when a test fails.

    from rootless_fixture import learners   # noqa: F401  (a module-scoped factory fixture)

    def test_x(learners):
        alice = learners()                     # a new user with /etc/subuid and /etc/subgid ranges
        out = alice.md("run", "--rm", "busybox", "id")   # the minidocker CLI, run as alice (runuser)

Teardown kills every process of the user and every process in a user namespace one of them was in
(containers run as subordinate ids), then userdel -r (which also drops their /etc/subuid lines), and
removes /tmp/minidocker-UID. Their mounts, bridges and veths live in their own namespaces and go with them.
learners(cgroups={"memory": 512 << 20, "pids": 512}) also delegates a capped cgroup subtree to the user
(minidocker.rootless.cgroups.delegate, as run-classroom does); teardown removes it, whatever the test did.
"""

from __future__ import annotations

import os
import pwd
import secrets
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

MINIDOCKER = str(Path(sys.executable).parent / "minidocker")


class Learner:
    def __init__(self, name: str) -> None:
        self.name = name
        entry = pwd.getpwnam(name)
        self.uid, self.gid, self.home = entry.pw_uid, entry.pw_gid, Path(entry.pw_dir)
        self.run_dir = Path(f"/tmp/minidocker-{self.uid}")
        self.state_dir = self.home / ".local" / "share" / "minidocker"

    def env(self) -> list[str]:
        return ["env", "-i", f"HOME={self.home}", f"USER={self.name}", f"LOGNAME={self.name}",
                "PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin", "LANG=C.UTF-8"]

    def run(self, *argv: str, check: bool = True, timeout: float = 180, input: str | None = None) -> subprocess.CompletedProcess:
        """Run a command as this user, from their home, with a clean login-like environment."""
        done = subprocess.run(["runuser", "-u", self.name, "--", *self.env(), *argv], capture_output=True, text=True,
                              timeout=timeout, cwd=self.home, input=input)
        if check and done.returncode != 0:
            raise AssertionError(f"{argv} as {self.name} exited {done.returncode}:\n{done.stdout}\n{done.stderr}")
        return done

    def md(self, *args: str, check: bool = True, timeout: float = 180) -> subprocess.CompletedProcess:
        return self.run(MINIDOCKER, *args, check=check, timeout=timeout)

    def py(self, code: str, check: bool = True) -> subprocess.CompletedProcess:
        return self.run(sys.executable, "-c", code, check=check)


def _pids_of(uid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if os.stat(f"/proc/{entry}").st_uid == uid:
                    found.append(int(entry))
            except OSError:
                continue
    return found


def _user_namespaces(pids: list[int]) -> set[int]:
    spaces = set()
    init = os.stat("/proc/self/ns/user").st_ino  # the test's own: the machine's
    for pid in pids:
        try:
            ino = os.stat(f"/proc/{pid}/ns/user").st_ino
        except OSError:
            continue
        if ino != init:
            spaces.add(ino)
    return spaces


def _in_namespaces(spaces: set[int]) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if os.stat(f"/proc/{entry}/ns/user").st_ino in spaces:
                    found.append(int(entry))
            except OSError:
                continue
    return found


def remove_user(learner: Learner) -> None:
    """Kill what the user started (their engine, its containers), then remove the account and its files."""
    from minidocker.course import kill_until_gone
    from minidocker.rootless import cgroups

    spaces: set[int] = set()  # their user namespaces, remembered: processes in them outlive the user's own

    def theirs() -> set[int]:
        pids = _pids_of(learner.uid)
        spaces.update(_user_namespaces(pids))
        return (set(pids) | set(_in_namespaces(spaces))) - {os.getpid()}

    kill_until_gone(theirs, rounds=20)

    cgroups.undelegate(learner.name)  # kills what is left in their subtree, removes it (nothing if none)
    subprocess.run(["userdel", "-r", "-f", learner.name], capture_output=True)
    shutil.rmtree(learner.run_dir, ignore_errors=True)


@pytest.fixture(scope="module")
def learners():
    """A factory of throwaway users: learners() with subordinate ids, learners(subids=False) without."""
    if os.geteuid() != 0 or shutil.which("useradd") is None or shutil.which("newuidmap") is None:
        pytest.skip("needs root, useradd and newuidmap (Debian's passwd and uidmap) to make throwaway users")
    made: list[Learner] = []

    def make(subids: bool = True, cgroups: dict | None = None) -> Learner:
        name = "mdrl" + secrets.token_hex(4)
        argv = ["useradd", "--create-home", "--shell", "/bin/sh", "--user-group", "-K", "HOME_MODE=0700"]
        if not subids:
            argv += ["-K", "SUB_UID_COUNT=0", "-K", "SUB_GID_COUNT=0"]
        subprocess.run([*argv, name], check=True, capture_output=True)
        learner = Learner(name)
        made.append(learner)
        if cgroups is not None:
            from minidocker.rootless import cgroups as delegation

            delegation.delegate(name, **cgroups)
        return learner

    try:
        yield make
    finally:
        for learner in made:
            remove_user(learner)
