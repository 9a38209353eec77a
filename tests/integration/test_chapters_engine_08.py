"""Chapter 08's helpers against a live engine: limits read back from the container's cgroup, the OOM killer
through the slider's runner, a published port answering on 127.0.0.1 (observe.run_options)."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from engine_fixture import Engine
from minidocker import teach
from minidocker.observe import run_options

pytestmark = pytest.mark.root


@pytest.fixture(scope="module")
def eng(tmp_path_factory: pytest.TempPathFactory):
    root = Path(tmp_path_factory.mktemp("ch08")) / "mdroot"
    root.mkdir()
    cleaner = Engine(root)
    try:
        yield teach.engine(root)
    finally:
        cleaner.teardown()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_limits_are_in_the_cgroup_files(eng):
    eng("run", "-d", "--name", "t08-lim", "--memory", "40m", "--pids-limit", "17", "busybox", "sleep", "300")
    pid = teach.container_pids(eng, ["t08-lim"])["t08-lim"]
    assert int(run_options.read_limit(pid, "memory")) == 40 * 2**20
    assert run_options.read_limit(pid, "pids") == "17"
    assert run_options.limit_file(pid, "pids").name == "pids.max"
    eng("rm", "-f", "t08-lim")


def test_hog_runner_is_oom_killed_below_its_need_only(eng):
    run_hog = run_options.hog_runner(eng)
    assert run_hog(24 * 2**20, 48)[0] == 137
    assert run_hog(128 * 2**20, 48)[0] == 0


def test_http_get_reaches_a_published_port(eng):
    port = _free_port()
    eng("run", "-d", "--name", "t08-web", "-p", f"127.0.0.1:{port}:80", "busybox", "sh", "-c",
        "mkdir -p /w && echo page-t08 > /w/index.html && exec httpd -f -p 80 -h /w")
    try:
        assert run_options.http_get(port).strip() == "page-t08"
    finally:
        eng("rm", "-f", "t08-web")


def test_wait_logs_sees_late_output(eng):
    eng("run", "-d", "--name", "t08-late", "busybox", "sh", "-c", "sleep 1; echo finally; sleep 300")
    assert "finally" in run_options.wait_logs(eng, "t08-late", "finally")
    eng("rm", "-f", "t08-late")


def test_docker_cli_drives_our_engine_with_its_exit_codes(eng):
    code, out = run_options.docker_cli(eng, "run", "--rm", "busybox", "sh", "-c", "echo via-docker; exit 3")
    if code == 127 and "not installed" in out:
        pytest.skip(out)
    assert code == 3 and "via-docker" in out
    code, out = run_options.docker_cli(eng, "rm", "no-such-container-t08")
    assert code == 1 and "No such container" in out


def test_hog_runner_starts_the_engine_again_after_the_chapter_took_it_down(eng):
    """Run All ends with the chapter's teardown: the slider, moved afterwards, must still run its container."""
    run_hog = run_options.hog_runner(eng)
    eng.stop()
    assert not teach.ping(eng.socket)
    assert run_hog(128 * 2**20, 16)[0] == 0
    assert teach.ping(eng.socket)


def test_run_it_through_a_pty_gives_the_container_a_terminal(eng):
    from minidocker.observe import terminal

    shell = terminal.session(teach.cli_path() + ["run", "-it", "--rm", "busybox", "sh"],
                             ["tty", "stty size", "exit 3"], env=eng.env(), size=(31, 97))
    assert "/dev/pts/0" in shell.screen and "31 97" in shell.screen and shell.code == 3
    code, out = eng.status("run", "-it", "--rm", "busybox", "sh")  # stdin a pipe: refused, as docker does
    assert code == 1 and "the input device is not a TTY" in out
    assert "not a tty" in eng("run", "-i", "--rm", "busybox", "tty", check=False)
