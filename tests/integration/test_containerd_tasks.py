"""minicontainerd + minidocker-shim + an OCI runtime on a real kernel: output through the FIFOs and the json
log, exit statuses through Wait, the process tree Docker has, exec, tty, stdin, and clean deletes."""

from __future__ import annotations

import importlib.util
import json
import os
import signal

import psutil
import pytest

from containerd_fixture import ALL_RUNTIMES, RUNTIMES, ctd, mounts_under, poll  # noqa: F401
from minidocker import paths
from minidocker.containerd.types import IO
from minidocker.errors import Conflict, NotFound

pytestmark = pytest.mark.root


def read_fifo(path: str) -> int:
    return os.open(path, os.O_RDONLY | os.O_NONBLOCK)


def read_all(fd: int) -> bytes:
    """Read a FIFO until the shim closes its end (end of file)."""
    chunks = []

    def more():
        try:
            data = os.read(fd, 65536)
        except BlockingIOError:
            return False
        chunks.append(data)
        return data == b""

    poll(more, 20, "end of file on the FIFO")
    os.close(fd)
    return b"".join(chunks)


@pytest.mark.parametrize("runtime", ALL_RUNTIMES)
def test_run_output_log_and_exit_status(ctd, runtime):
    io = ctd.fifos("c1")
    out, err = read_fifo(io.stdout), read_fifo(io.stderr)
    ctd.run("c1", ["sh", "-c", "echo hello; echo oops >&2; exit 3"], runtime=runtime, io=io)
    status = ctd.client.tasks.wait("c1")
    assert status.exit_status == 3 and not status.oom_killed and status.exited_at_ns > 0
    assert read_all(out) == b"hello\n"
    assert read_all(err) == b"oops\n"
    entries = [json.loads(line) for line in ctd.log_path("c1").read_text().splitlines()]
    assert sorted((e["stream"], e["log"]) for e in entries) == [("stderr", "oops\n"), ("stdout", "hello\n")]
    assert all(e["time"].endswith("Z") for e in entries)
    assert ctd.client.tasks.get("c1").status == "stopped"
    bundle = paths.run_dir() / "containerd" / "tasks" / "c1"
    assert str(bundle / "rootfs") in mounts_under(ctd.root)
    assert ctd.client.tasks.delete("c1").exit_status == 3
    assert not bundle.exists() and not mounts_under(ctd.root)
    with pytest.raises(NotFound):
        ctd.client.tasks.get("c1")
    ctd.client.containers.delete("c1")


def test_process_tree_shim_is_detached_and_runtime_gone(ctd):
    init_pid = ctd.run("tree", ["sleep", "60"], start=False)
    shim = psutil.Process(ctd.client.tasks.get("tree").shim_pid)
    daemon = psutil.Process(ctd.proc.pid)
    assert shim.name() == "minidocker-shim" and daemon.name() == "minicontainerd"
    assert shim.pid not in {p.pid for p in daemon.children(recursive=True)}
    assert shim.ppid() != daemon.pid
    assert psutil.Process(init_pid).ppid() == shim.pid  # the shim is the container's parent (subreaper)
    names = {p.name() for p in shim.children(recursive=True)}
    assert not names & {"runc", "minirunc", "crun"}, names  # the runtime exits once the container is created
    ctd.client.tasks.start("tree")
    assert ctd.client.tasks.pids("tree") == [init_pid]
    with pytest.raises(Conflict):
        ctd.client.tasks.delete("tree")  # running
    ctd.client.tasks.kill("tree", signal.SIGKILL)
    assert ctd.client.tasks.wait("tree").exit_status == 137
    ctd.client.tasks.delete("tree")
    poll(lambda: not shim.is_running() or shim.status() == psutil.STATUS_ZOMBIE, 10, "the shim to exit")


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_containerd_sigkill_and_restart(ctd, runtime):
    ctd.run("long", ["sleep", "60"], runtime=runtime)
    io = ctd.fifos("short", stdin=True)
    ctd.run("short", ["sh", "-c", "read line; exit 5"], runtime=runtime, io=io)
    stdin = os.open(io.stdin, os.O_WRONLY)
    shim_pids = {p.pid for p in ctd.shims()}
    assert len(shim_pids) == 2
    ctd.kill(signal.SIGKILL)
    os.write(stdin, b"go\n")  # the short container exits while containerd is down
    os.close(stdin)
    short_pid = json.loads((paths.run_dir() / "containerd" / "tasks" / "short" / "shim.json").read_text())["pid"]
    poll(lambda: _state(short_pid), 20, "the shim to see the exit")
    assert {p.pid for p in ctd.shims()} == shim_pids  # shims outlive containerd
    ctd.start()
    assert {t.container_id: t.status for t in ctd.client.tasks.list()} == {"long": "running", "short": "stopped"}
    assert ctd.client.tasks.wait("short").exit_status == 5  # reported after the restart
    ctd.client.tasks.kill("long", signal.SIGKILL)
    assert ctd.client.tasks.wait("long").exit_status == 137
    for cid in ("long", "short"):
        ctd.client.tasks.delete(cid)
        ctd.client.containers.delete(cid)
    assert ctd.client.tasks.list() == [] and not mounts_under(ctd.root)


def _state(shim_pid: int) -> bool:
    """Whether the shim at shim_pid reports its init stopped (asked directly, containerd being down)."""
    from minidocker.shim import protocol

    for ref in (paths.run_dir() / "containerd" / "tasks").glob("*/shim.json"):
        data = json.loads(ref.read_text())
        if data["pid"] == shim_pid:
            return protocol.call(data["address"], "state")["status"] == "stopped"
    return False


@pytest.mark.parametrize("runtime", ALL_RUNTIMES)
def test_exec_exit_code_and_output(ctd, runtime):
    if runtime == "minirunc" and importlib.util.find_spec("minidocker.runc.exec") is None:
        pytest.skip("minirunc exec is not implemented yet")
    ctd.run("ex", ["sleep", "60"], runtime=runtime)
    process = {"args": ["sh", "-c", "echo from-exec; exit 4"], "cwd": "/", "env": ["PATH=/bin"],
               "user": {"uid": 0, "gid": 0}, "terminal": False}
    io = ctd.fifos("ex-1")
    out = read_fifo(io.stdout)
    ctd.client.tasks.exec("ex", "e1", json.dumps(process).encode(), io)
    assert ctd.client.tasks.get("ex", "e1").status == "created"
    assert ctd.client.tasks.start("ex", "e1") > 0
    assert ctd.client.tasks.wait("ex", "e1").exit_status == 4
    assert read_all(out) == b"from-exec\n"
    ctd.client.tasks.delete("ex", "e1")
    with pytest.raises(NotFound):
        ctd.client.tasks.get("ex", "e1")
    assert "from-exec" not in ctd.log_path("ex").read_text()  # exec output is not the container's log
    ctd.client.tasks.kill("ex", signal.SIGKILL)
    ctd.client.tasks.wait("ex")
    ctd.client.tasks.delete("ex")


def test_piped_stdin_is_closed_on_eof(ctd):
    io = ctd.fifos("cat", stdin=True)
    out = read_fifo(io.stdout)
    ctd.run("cat", ["cat"], io=io)
    stdin = os.open(io.stdin, os.O_WRONLY)
    os.write(stdin, b"line one\nline two\n")
    os.close(stdin)  # the client half-closes: cat sees end of file and exits 0
    assert ctd.client.tasks.wait("cat").exit_status == 0
    assert read_all(out) == b"line one\nline two\n"
    ctd.client.tasks.delete("cat")


def test_terminal_and_resize(ctd):
    io = ctd.fifos("tty", stdin=True)
    io.stderr, io.terminal = "", True
    out = read_fifo(io.stdout)
    ctd.run("tty", ["sh", "-c", "read x; stty size; tty"], io=io, terminal=True)
    ctd.client.tasks.resize("tty", 100, 33)
    stdin = os.open(io.stdin, os.O_WRONLY)
    os.write(stdin, b"go\r")
    assert ctd.client.tasks.wait("tty").exit_status == 0
    os.close(stdin)
    text = read_all(out).decode()
    assert "33 100" in text and "/dev/pts/0" in text
    ctd.client.tasks.delete("tty")


def test_oom_kill_is_recorded(ctd):
    def limit(spec):
        spec["linux"]["resources"]["memory"] = {"limit": 16 << 20, "swap": 16 << 20}

    ctd.run("oom", ["sh", "-c", "x=$(head -c 200000000 /dev/zero | tr '\\0' a); echo survived"],
            spec_changes=limit)
    status = ctd.client.tasks.wait("oom")
    assert status.oom_killed and status.exit_status == 137
    ctd.client.tasks.delete("oom")


def test_twenty_concurrent_containers_leave_nothing(ctd):
    from concurrent.futures import ThreadPoolExecutor

    def one(n: int) -> int:
        cid = f"many-{n}"
        ctd.run(cid, ["sh", "-c", f"exit {n}"])
        code = ctd.client.tasks.wait(cid).exit_status
        ctd.client.tasks.delete(cid)
        ctd.client.containers.delete(cid)
        return code

    with ThreadPoolExecutor(20) as pool:
        assert list(pool.map(one, range(20))) == list(range(20))
    assert not ctd.shims()
    assert not mounts_under(ctd.root)
    assert not list((paths.run_dir() / "containerd" / "tasks").iterdir())
    assert not list((paths.run_dir() / "s").iterdir())  # shim and console sockets
    assert ctd.client.containers.list() == []


def test_failed_create_leaves_nothing(ctd):
    with pytest.raises(Exception, match="(?i)no such file|not found"):
        ctd.run("bad", ["/no/such/binary"])
    with pytest.raises(NotFound):
        ctd.client.tasks.get("bad")
    assert not ctd.shims() and not mounts_under(ctd.root)
    assert not (paths.run_dir() / "containerd" / "tasks" / "bad").exists()
    ctd.client.containers.delete("bad")


def test_a_dead_shim_is_reported_and_cleaned_up(ctd):
    init_pid = ctd.run("orphan", ["sleep", "60"])
    shim = psutil.Process(ctd.client.tasks.get("orphan").shim_pid)
    shim.kill()
    psutil.Process(init_pid).kill()
    poll(lambda: shim.status() == psutil.STATUS_ZOMBIE if shim.is_running() else True, 10, "the shim to die")
    ctd.kill(signal.SIGKILL)
    ctd.start()  # reconnecting finds the shim gone
    state = ctd.client.tasks.get("orphan")
    assert (state.status, state.exit_status) == ("stopped", 255)
    assert ctd.client.tasks.wait("orphan").exit_status == 255
    ctd.client.tasks.delete("orphan")
    assert not mounts_under(ctd.root)
    assert not (paths.run_dir() / "containerd" / "tasks" / "orphan").exists()


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_exec_with_a_terminal(ctd, runtime):
    if runtime == "minirunc" and importlib.util.find_spec("minidocker.runc.exec") is None:
        pytest.skip("minirunc exec is not implemented yet")
    ctd.run("ext", ["sleep", "60"], runtime=runtime)
    io = ctd.fifos("ext-1")
    io.stderr, io.terminal = "", True
    out = read_fifo(io.stdout)
    process = {"args": ["sh", "-c", "tty; exit 2"], "cwd": "/", "env": ["PATH=/bin", "TERM=xterm"],
               "user": {"uid": 0, "gid": 0}, "terminal": True}
    ctd.client.tasks.exec("ext", "t1", json.dumps(process).encode(), io)
    ctd.client.tasks.start("ext", "t1")
    assert ctd.client.tasks.wait("ext", "t1").exit_status == 2
    assert read_all(out).decode().startswith("/dev/pts/")
    ctd.client.tasks.delete("ext", "t1")
    ctd.client.tasks.kill("ext", signal.SIGKILL)
    ctd.client.tasks.wait("ext")
    ctd.client.tasks.delete("ext")


def test_waiting_on_an_exec_never_started_ends_with_the_task(ctd):
    from concurrent.futures import ThreadPoolExecutor

    ctd.run("w", ["sleep", "60"])
    process = {"args": ["true"], "cwd": "/", "env": ["PATH=/bin"], "user": {"uid": 0, "gid": 0}}
    ctd.client.tasks.exec("w", "never", json.dumps(process).encode(), IO())
    with ThreadPoolExecutor(4) as pool:
        waiters = [pool.submit(ctd.client.tasks.wait, "w", "never") for _ in range(3)]
        init_waiters = [pool.submit(ctd.client.tasks.wait, "w") for _ in range(1)]
        ctd.client.tasks.kill("w", signal.SIGKILL)
        assert init_waiters[0].result(20).exit_status == 137
        ctd.client.tasks.delete("w")
        assert [w.result(20).exit_status for w in waiters] == [137, 137, 137]


def test_a_second_daemon_on_the_same_root_refuses_to_start(ctd):
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-m", "minidocker.containerd.main"], capture_output=True, text=True,
                         timeout=60, env=dict(os.environ, MINIDOCKER_ROOT=str(ctd.root)))
    assert out.returncode == 1
    assert "another minicontainerd is listening" in out.stderr
    assert ctd.client.ping(5)  # the first one is unharmed


@pytest.mark.parametrize("runtime", ALL_RUNTIMES)
def test_poststop_hooks_still_see_the_rootfs(ctd, runtime, tmp_path):
    """The shim unmounts a stopped container's rootfs while the runtime deletes it, but not when poststop
    hooks (run by that delete) may look at it: there, as containerd's shim, only after the runtime's delete."""
    seen = tmp_path / "seen"
    bundle = paths.run_dir() / "containerd" / "tasks" / "c3"

    def hook(spec):
        spec["hooks"] = {"poststop": [{"path": "/bin/sh", "args": [
            "sh", "-c", f"ls {bundle}/rootfs/bin/busybox > {seen} 2>&1"]}]}

    ctd.run("c3", ["true"], runtime=runtime, spec_changes=hook)
    assert ctd.client.tasks.wait("c3").exit_status == 0
    assert ctd.client.tasks.delete("c3").exit_status == 0
    assert seen.read_text().strip() == f"{bundle}/rootfs/bin/busybox"  # the rootfs was still there
    assert not bundle.exists() and not mounts_under(ctd.root)
    ctd.client.containers.delete("c3")
