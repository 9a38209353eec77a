"""The rootless engine as an ordinary user (issue 15): daemon start in a user namespace mapped to the user's
subordinate ids, busybox from the first start, run/exec/logs/build/volumes/networks, limits refused
without a delegated cgroup, a user without subordinate ids, and two users who cannot reach each other."""

from __future__ import annotations

import json
import os
import socket
import stat
import time

import pytest

from rootless_fixture import learners  # noqa: F401

pytestmark = pytest.mark.root


def _first_subid(name: str, path: str = "/etc/subuid") -> int:
    with open(path) as f:
        return next(int(line.split(":")[1]) for line in f if line.split(":")[0] == name)


@pytest.fixture(scope="module")
def alice(learners):  # noqa: F811
    user = learners()
    out = user.md("daemon", "start")
    assert str(user.run_dir / "minidocker.sock") in out.stdout, out.stdout
    return user


def test_engine_is_the_users_own(alice):
    st = os.lstat(alice.run_dir)
    assert (st.st_uid, stat.S_IMODE(st.st_mode)) == (alice.uid, 0o700)
    sock = os.lstat(alice.run_dir / "minidocker.sock")
    assert stat.S_ISSOCK(sock.st_mode) and sock.st_uid == alice.uid and stat.S_IMODE(sock.st_mode) == 0o600
    assert (alice.state_dir / "minidockerd.log").exists()
    st = os.stat(alice.state_dir)
    assert st.st_mode & 0o007 == 0 and st.st_uid == alice.uid and st.st_gid == alice.gid  # 0710: moby's, group the user's
    assert "busybox:latest" in alice.md("images", "--format", "{{.Repository}}:{{.Tag}}").stdout.split()
    assert alice.md("daemon", "status").returncode == 0
    # The daemons run as the user on the host, as root in their user namespace.
    pid = int((alice.run_dir / "minidockerd.pid").read_text())
    assert os.stat(f"/proc/{pid}").st_uid == alice.uid
    assert os.stat(f"/proc/{pid}/ns/user").st_ino != os.stat("/proc/self/ns/user").st_ino


def test_root_inside_the_users_ids_outside(alice):
    assert alice.md("run", "--rm", "busybox", "id", "-u").stdout.strip() == "0"
    first = _first_subid(alice.name)
    vol = alice.home / "vol"
    alice.run("mkdir", "-p", str(vol))
    alice.run("chmod", "1777", str(vol))  # uid 1000 inside is not the owner (root inside is)
    cid = alice.md("run", "-d", "--name", "holder", "-v", f"{vol}:/data", "busybox", "sleep", "300").stdout.strip()
    try:
        pid = json.loads(alice.md("inspect", cid).stdout)[0]["State"]["Pid"]
        assert os.stat(f"/proc/{pid}").st_uid == alice.uid  # root inside is the user outside
        alice.md("exec", "holder", "touch", "/data/by-root")
        alice.md("exec", "-u", "1000:1000", "holder", "touch", "/data/by-1000")
        assert os.stat(vol / "by-root").st_uid == alice.uid
        assert os.stat(vol / "by-1000").st_uid == first + 999  # uid 1000 inside: subordinate id 999 (0 is the user)
        out = alice.md("exec", "-u", "1000", "holder", "sh", "-c", "sleep 0; ps -o user,args")
        assert "1000" in out.stdout
    finally:
        alice.md("rm", "-f", "holder")


def test_logs_and_exec(alice):
    alice.md("run", "-d", "--name", "talker", "busybox", "sh", "-c", "echo hello-logs; sleep 300")
    try:
        assert "hello-logs" in alice.md("logs", "talker").stdout
        assert alice.md("exec", "talker", "cat", "/etc/hostname").stdout.strip()
    finally:
        alice.md("rm", "-f", "talker")


def test_build_rootless(alice):
    ctx = alice.home / "ctx"
    alice.run("mkdir", "-p", str(ctx))
    alice.run("sh", "-c", f"printf 'FROM busybox\\nRUN echo built-rootless > /made && chown 1000:1000 /made\\nCMD [\"cat\", \"/made\"]\\n' > {ctx}/Dockerfile")
    alice.md("build", "-t", "mine", str(ctx))
    assert alice.md("run", "--rm", "mine").stdout.strip() == "built-rootless"
    assert alice.md("run", "--rm", "mine", "stat", "-c", "%u", "/made").stdout.strip() == "1000"


def test_networks_none_host_bridge(alice):
    none = alice.md("run", "--rm", "--network", "none", "busybox", "ip", "-o", "link").stdout
    assert "lo" in none and "eth0" not in none
    # host: the engine's own network namespace (as rootless Docker's), not the machine's
    host = alice.md("run", "--rm", "--network", "host", "busybox", "ip", "-o", "addr").stdout
    assert "tap0" in host
    assert "tap0" not in open("/proc/net/dev").read()
    bridge = alice.md("run", "--rm", "busybox", "ip", "-o", "-4", "addr", "show", "eth0").stdout
    assert "inet " in bridge


def _free_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def _get(port: int, deadline: float) -> bytes:
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=5) as c:
                c.sendall(b"GET / HTTP/1.0\r\nHost: x\r\n\r\n")
                data = b""
                while chunk := c.recv(4096):
                    data += chunk
                if data:
                    return data
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise AssertionError(f"nothing answered on 127.0.0.1:{port}")
        time.sleep(0.2)


def test_published_port_reaches_the_host(alice):
    port = _free_port()
    alice.md("run", "-d", "--name", "web", "-p", f"127.0.0.1:{port}:80", "busybox", "sh", "-c",
             "mkdir -p /www && echo hello-from-rootless > /www/index.html && exec httpd -f -p 80 -h /www")
    try:
        assert b"hello-from-rootless" in _get(port, time.monotonic() + 30)
        assert f"127.0.0.1:{port}->80/tcp" in alice.md("ps", "--format", "{{.Ports}}").stdout
    finally:
        alice.md("rm", "-f", "web")
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # our GET's TIME_WAIT is no listener
    try:
        s.bind(("127.0.0.1", port))  # the forward went with the container
        s.listen()
    finally:
        s.close()


@pytest.mark.parametrize("limit", [["--memory", "16m"], ["--pids-limit", "10"]])
def test_limits_refused_without_a_delegated_cgroup(alice, limit):
    done = alice.md("run", "--rm", *limit, "busybox", "true", check=False)
    assert done.returncode == 125
    assert f"{limit[0]} needs a cgroup subtree delegated to {alice.name}" in done.stderr, done.stderr
    assert "OCI runtime" not in done.stderr  # refused by dockerd at create, not wrapped in the runtime's failure
    assert alice.md("run", "--rm", "busybox", "true").returncode == 0  # nothing left behind


def test_without_subordinate_ids_own_uid_alone(learners):  # noqa: F811
    bob = learners(subids=False)
    out = bob.md("daemon", "start")
    assert "/etc/subuid" in out.stderr and bob.name in out.stderr, out.stderr
    assert bob.md("run", "--rm", "--network", "none", "busybox", "id", "-u").stdout.strip() == "0"
    denied = bob.md("run", "--rm", "--network", "none", "-u", "1000", "busybox", "id", "-u", check=False)
    assert denied.returncode != 0  # no id 1000 in a namespace that maps one uid


def test_users_cannot_reach_each_other(alice, learners):  # noqa: F811
    carol = learners()
    carol.md("daemon", "start")
    cid = alice.md("run", "-d", "--name", "secret", "busybox", "sleep", "300").stdout.strip()
    try:
        pid = json.loads(alice.md("inspect", cid).stdout)[0]["State"]["Pid"]
        assert "secret" not in carol.md("ps", "-a").stdout
        probe = carol.py(
            "import os, socket, sys\n"
            "s = socket.socket(socket.AF_UNIX)\n"
            "results = []\n"
            "try:\n"
            f"    s.connect({str(alice.run_dir / 'minidocker.sock')!r}); results.append('socket-open')\n"
            "except OSError as e: results.append('socket-' + type(e).__name__)\n"
            "try:\n"
            f"    os.listdir({str(alice.state_dir)!r}); results.append('state-open')\n"
            "except OSError as e: results.append('state-' + type(e).__name__)\n"
            "try:\n"
            f"    os.kill({pid}, 0); results.append('kill-allowed')\n"
            "except OSError as e: results.append('kill-' + type(e).__name__)\n"
            "print(' '.join(results))\n").stdout.split()
        assert probe == ["socket-PermissionError", "state-PermissionError", "kill-PermissionError"], probe
        other = carol.md("-H", f"unix://{alice.run_dir / 'minidocker.sock'}", "ps", check=False)
        assert other.returncode != 0 and "secret" not in other.stdout
        # Root inside carol's engine is carol outside: a bind mount of alice's home or of /etc/shadow gives
        # carol's container no more than carol has (CAP_DAC_OVERRIDE of a user namespace covers only its ids).
        (alice.home / "private.txt").write_text("alice's answers\n")
        os.chown(alice.home / "private.txt", alice.uid, alice.gid)
        os.chmod(alice.home / "private.txt", 0o600)
        for target in (str(alice.home / "private.txt"), "/etc/shadow"):
            peek = carol.md("run", "--rm", "--network", "none", "-v", f"{target}:/peek:ro", "busybox", "cat", "/peek",
                            check=False)
            assert peek.returncode != 0 and "alice's answers" not in peek.stdout and "root:" not in peek.stdout, peek
    finally:
        alice.md("rm", "-f", "secret")


def test_push_and_pull_through_the_course_registry(learners, tmp_path):  # noqa: F811
    """The course registry on the host's loopback is 10.0.2.2 from the engine's namespace (slirp4netns)."""
    import subprocess
    import sys

    port = _free_port()
    registry = subprocess.Popen([sys.executable, "-m", "minidocker.registry", "serve", "--listen", f"127.0.0.1:{port}",
                                 "--root", str(tmp_path / "registry")], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert time.monotonic() < deadline and registry.poll() is None, "the registry did not start"
                time.sleep(0.1)
        dave = learners()
        state = dave.state_dir
        dave.run("mkdir", "-p", str(state))
        dave.run("sh", "-c", f"echo '{{\"insecure-registries\": [\"10.0.2.2:{port}\"]}}' > {state}/daemon.json")
        dave.md("daemon", "start")
        ref = f"10.0.2.2:{port}/course/bb:1"
        dave.md("tag", "busybox", ref)
        dave.md("push", ref)
        dave.md("rmi", ref)
        dave.md("pull", ref)
        assert dave.md("run", "--rm", ref, "echo", "pulled-rootless").stdout.strip() == "pulled-rootless"
        # The chapters name the registry 127.0.0.1:PORT, as on a root engine: the engine dials the host's
        # loopback through slirp4netns, the names stay the learner's.
        local = f"127.0.0.1:{port}/course/bb:2"
        dave.md("tag", "busybox", local)
        dave.md("push", local)
        dave.md("rmi", local)
        dave.md("pull", local)
        assert f"127.0.0.1:{port}/course/bb" in dave.md("images", "--format", "{{.Repository}}").stdout.split()
        assert "course/bb" in dave.md("search", f"127.0.0.1:{port}/bb").stdout
    finally:
        registry.terminate()
        registry.wait(timeout=30)


def _spares(user) -> set[int]:
    """The user's spare shims (process name shim-spare), living ones only."""
    found = set()
    for entry in os.listdir("/proc"):
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read()
        except (OSError, ValueError):
            continue
        name, state = fields[fields.index("(") + 1:fields.rindex(")")], fields[fields.rindex(")") + 2]
        if name == "shim-spare" and state != "Z" and os.stat(f"/proc/{entry}").st_uid == user.uid:
            found.add(int(entry))
    return found


def test_a_spare_shim_waits_and_stays_rootless(alice):
    """As for root: containerd keeps a spare shim (it cannot take back a nice value in a user namespace, so it
    is started un-niced there), and a run's shim is forked from it rather than started as a new interpreter."""
    deadline = time.monotonic() + 30
    while not _spares(alice) and time.monotonic() < deadline:
        time.sleep(0.1)
    before = _spares(alice)
    assert len(before) == 1, before
    alice.md("run", "--rm", "busybox", "true")
    assert _spares(alice) == before  # the same template, still there for the next run
