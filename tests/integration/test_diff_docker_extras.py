"""Differential tests, the rest of the container surface: rename, attach, logs -f, stdin to exec/start, limits' errors.

Same method as test_diff_docker_containers.py: one real docker CLI, two daemons (minidockerd and dockerd 20.10),
exit code + normalised stdout + stderr compared. Known differences: /work/helpers/DISCREPANCIES.md.
"""

from __future__ import annotations

import concurrent.futures

import pytest

from diff_docker_fixture import norm, pair, poll  # noqa: F401 - `pair` is the module-scoped fixture

pytestmark = pytest.mark.root

NONET = ("--network", "none")


def same(pair, *args: str, input=None):
    real, mini = pair.both(*args, input=input)
    assert mini.returncode == real.returncode, (args, real, mini)
    assert norm(mini.stdout) == norm(real.stdout), (args, real.stdout, mini.stdout)
    assert norm(mini.stderr) == norm(real.stderr), (args, real.stderr, mini.stderr)
    return real, mini


@pytest.mark.parametrize("opts, cmd", [
    (("--entrypoint", "echo"), ("hi",)),
    (("--memory", "1k"), ("true",)),
    (("--memory", "abc"), ("true",)),
    (("--name", "bad name"), ("true",)),
    (("--tmpfs", "/data"), ("sh", "-c", "grep ' /data ' /proc/mounts")),
    (("--cpus", "0.5"), ("cat", "/sys/fs/cgroup/cpu/cpu.cfs_quota_us")),
    (("-t",), ("sh", "-c", "echo tty; tty")),
    (("-u", "1000:1000"), ("sh", "-c", "id -u; id -g; touch /x")),
])
def test_run_option_results_and_errors(pair, opts, cmd):
    same(pair, "run", "--rm", *NONET, *opts, "busybox", *cmd)


def test_unknown_capability_fails_the_run(pair):
    # real docker refuses it at create time with its own text; minidocker only at start (DISCREPANCIES.md)
    real, mini = pair.both("run", "--rm", *NONET, "--cap-add", "NOSUCH", "busybox", "true")
    assert mini.returncode == real.returncode == 125
    assert "CAP_NOSUCH" in mini.stderr and mini.stderr.startswith("docker: Error response from daemon: ")


def test_bind_mount_read_only(pair, tmp_path):
    (tmp_path / "a").write_text("a\n")
    same(pair, "run", "--rm", *NONET, "-v", f"{tmp_path}:/mnt:ro", "busybox", "sh", "-c", "cat /mnt/a; touch /mnt/b")
    same(pair, "run", "--rm", *NONET, "-v", f"{tmp_path}:/mnt", "busybox", "sh", "-c", "echo b > /mnt/b")
    assert (tmp_path / "b").read_text() == "b\n"  # both wrote it through the bind mount


def test_rename_and_ps_filters(pair):
    same(pair, "run", "-d", "--name", "p1", *NONET, "--label", "team=a", "busybox", "sleep", "300")
    same(pair, "rename", "p1", "p2")
    same(pair, "rename", "nosuch", "x")
    same(pair, "ps", "--filter", "label=team=a", "--format", "{{.Names}} {{.Labels}}")
    same(pair, "ps", "--filter", "ancestor=busybox", "--format", "{{.Names}}")
    same(pair, "ps", "-n", "1", "--format", "{{.Names}}")
    same(pair, "ps", "-l", "--format", "{{.Names}} {{.Command}}")
    same(pair, "stop", "-t", "1", "p2", "nosuch")
    same(pair, "start", "p2")
    same(pair, "rm", "-f", "p2")


@pytest.mark.parametrize("flt", ["volume=va", "network=none", "before=f2", "since=f1", "status=running",
                                 "status=created", "label=x", "is-task=false", "health=none"])
def test_ps_filters(pair, flt):
    for args in (("run", "-d", "--name", "f1", *NONET, "-v", "va:/data", "busybox", "sleep", "300"),
                 ("run", "-d", "--name", "f2", *NONET, "busybox", "sleep", "300")):
        if pair.mini("ps", "-aq", "--filter", f"name={args[3]}").stdout == "":
            same(pair, *args)
    # publish=/expose= filters are ignored by minidockerd (DISCREPANCIES.md)
    same(pair, "ps", "-a", "--filter", "name=f", "--filter", flt, "--format", "{{.Names}}")


def test_logs_follow_and_attach_exit_codes(pair):
    same(pair, "run", "-d", "--name", "lf", *NONET, "busybox", "sh", "-c", "echo a; sleep 1; echo b; exit 3")
    same(pair, "logs", "-f", "lf")
    same(pair, "run", "-d", "--name", "at", *NONET, "busybox", "sh", "-c", "sleep 3; echo attached; exit 5")
    # both attaches at once: one after the other, the second would come after its container's 3 s
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        real, mini = pool.submit(pair.real, "attach", "at"), pool.submit(pair.mini, "attach", "at")
        real, mini = real.result(), mini.result()
    assert (mini.returncode, mini.stdout, norm(mini.stderr)) == (real.returncode, real.stdout, norm(real.stderr)) \
        == (5, "attached\n", "")
    same(pair, "rm", "lf", "at")


def test_stdin_to_exec_and_start(pair):
    same(pair, "run", "-d", "--name", "sink", *NONET, "busybox", "sleep", "300")
    same(pair, "exec", "-i", "sink", "cat", input="via exec\n")
    same(pair, "exec", "-i", "sink", "sh", "-c", "cat; exit 9", input="x\n")
    same(pair, "create", "-i", "--name", "ci", *NONET, "busybox", "cat")
    same(pair, "start", "-ai", "ci", input="start-ai\n")
    same(pair, "rm", "-f", "sink", "ci")


def test_run_d_rm_is_removed_on_stop(pair):
    same(pair, "run", "-d", "--rm", "--name", "gone", *NONET, "busybox", "sleep", "300")
    same(pair, "stop", "-t", "1", "gone")
    for fn in (pair.real, pair.mini):
        poll(lambda: fn("ps", "-aq", "--filter", "name=gone").stdout == "", what="auto-removal")


def test_container_prune_removes_the_stopped_ones(pair):
    same(pair, "run", "--name", "ex1", *NONET, "busybox", "true")
    same(pair, "run", "-d", "--name", "alive", *NONET, "busybox", "sleep", "300")
    real, mini = pair.both("container", "prune", "-f")
    assert mini.returncode == real.returncode == 0
    # the list of deleted ids agrees; the reclaimed size does not (DISCREPANCIES.md)
    assert norm(mini.stdout).splitlines()[:3] == norm(real.stdout).splitlines()[:3] == ["Deleted Containers:", "<ID>", ""]
    same(pair, "ps", "-a", "--format", "{{.Names}}")
    same(pair, "rm", "-f", "alive")


def test_version_and_info_fields(pair):
    same(pair, "version", "--format", "{{.Server.APIVersion}} {{.Server.Os}} {{.Server.MinAPIVersion}} {{.Server.Arch}}")
    same(pair, "info", "--format", "{{.Driver}} {{.CgroupDriver}} {{.CgroupVersion}} {{.OSType}} {{.Architecture}} "
         "{{.NCPU}} {{.MemTotal}} {{.Containers}} {{.Images}} {{.KernelVersion}}")


def test_docker_py_against_both(pair):
    """The Docker SDK for Python: run, logs, exec, wait, errors, listings give the same answers."""
    docker = pytest.importorskip("docker")

    def session(url: str) -> list:
        client = docker.DockerClient(base_url=url, version="auto", timeout=60)
        out = [client.version()["ApiVersion"],
               client.containers.run("busybox", ["sh", "-c", "echo out"], network_mode="none", remove=True)]
        try:
            client.containers.run("busybox", ["sh", "-c", "echo boom >&2; exit 3"], network_mode="none", remove=True)
        except docker.errors.ContainerError as err:
            out.append((err.exit_status, err.stderr))
        box = client.containers.run("busybox", ["sh", "-c", "echo hi; sleep 100"], network_mode="none",
                                    detach=True, name="dpy")
        try:
            poll(lambda: box.logs() == b"hi\n", what="dpy's output")
            box.reload()
            out += [(box.status, box.name, box.image.tags, box.attrs["Config"]["Cmd"]),
                    tuple(box.exec_run(["sh", "-c", "echo e; exit 4"])),
                    tuple(box.exec_run(["sh", "-c", "echo $X; pwd; id -u"], environment={"X": "y"}, workdir="/tmp",
                                       user="nobody")),
                    tuple(box.exec_run("id -u", demux=True))]
            box.kill()
            out.append(box.wait())
        finally:
            box.remove(force=True)
        try:
            client.containers.get("nosuch")
        except docker.errors.NotFound as err:
            out.append(str(err))
        out.append(sorted((tuple(i.tags), i.short_id) for i in client.images.list()))
        client.close()
        return out

    real = session(f"unix://{pair.reald.sock}")
    mini = session(f"unix://{pair.engine.socket}")
    assert mini == real


def test_tty_streams_are_raw(pair):
    """With -t there is one raw stream: stderr goes to it too, and the pty turns \\n into \\r\\n."""
    same(pair, "run", "-d", "-t", "--name", "tt", *NONET, "busybox", "sh", "-c",
         "echo tty-out; echo tty-err >&2; sleep 300")
    for fn in (pair.real, pair.mini):
        poll(lambda: "tty-err" in fn("logs", "tt").stdout, what="tty output")
    real, mini = pair.both("logs", "tt")
    assert (mini.returncode, mini.stdout, mini.stderr) == (real.returncode, real.stdout, real.stderr) \
        == (0, "tty-out\r\ntty-err\r\n", "")
    real, mini = pair.both("exec", "-t", "tt", "sh", "-c", "echo e1; exit 2")
    assert (mini.returncode, mini.stdout) == (real.returncode, real.stdout) == (2, "e1\r\n")
    same(pair, "rm", "-f", "tt")
