"""Engine API gaps closed after differential runs against dockerd 20.10: build prune, create-time validation, users, diff, commit."""

from __future__ import annotations

import json
import socket

import pytest

from engine_fixture import engine  # noqa: F401 - the module-scoped engine

pytestmark = pytest.mark.root


def _post(engine, path: str) -> tuple[int, dict]:
    """One raw POST on the engine's socket: (status, JSON body)."""
    s = socket.socket(socket.AF_UNIX)
    s.connect(str(engine.socket))
    try:
        s.sendall(f"POST /v1.41{path} HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".encode())
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    finally:
        s.close()
    head, _, body = data.partition(b"\r\n\r\n")
    status = int(head.split()[1])
    if b"chunked" in head.lower():
        out, rest = b"", body
        while rest:
            size, _, rest = rest.partition(b"\r\n")
            n = int(size, 16)
            if n == 0:
                break
            out, rest = out + rest[:n], rest[n + 2:]
        body = out
    return status, json.loads(body)


def test_build_prune_answers_like_a_legacy_only_dockerd(engine):
    assert _post(engine, "/build/prune") == (200, {"CachesDeleted": None, "SpaceReclaimed": 0})
    status, body = _post(engine, "/build/prune?filters=%7B%22nosuch%22%3A%7B%22x%22%3Atrue%7D%7D")
    assert (status, body["message"]) == (400, "failed to prune build cache: Invalid filter 'nosuch'")
    assert _post(engine, "/build/prune?keep-storage=abc")[0] == 400
    res = engine.docker("builder", "prune", "-f")
    assert (res.returncode, res.stdout) == (0, "Total reclaimed space: 0B\n"), res.stderr


def test_system_prune_runs_to_its_report(engine):
    engine.docker("create", "--name", "gaps-prune", "busybox", "true", check=True)
    res = engine.docker("system", "prune", "-f")
    assert res.returncode == 0, res.stderr
    assert res.stdout.startswith("Deleted Containers:\n")
    assert res.stdout.splitlines()[-1].startswith("Total reclaimed space: ")
    assert engine.docker("ps", "-aq", "--filter", "name=gaps-prune", check=True).stdout == ""


def _ids(engine) -> set[str]:
    return set(engine.docker("ps", "-aq", "--no-trunc", check=True).stdout.split())


def test_unknown_capability_is_refused_at_create(engine):
    before = _ids(engine)
    res = engine.docker("create", "--cap-add", "NOSUCH", "busybox", "true")
    assert (res.returncode, res.stdout) == (1, "")
    assert res.stderr.strip() == 'Error response from daemon: invalid CapAdd: unknown capability: "CAP_NOSUCH"'
    res = engine.docker("run", "--rm", "--cap-drop", "nosuch", "busybox", "true")
    assert res.returncode == 125
    assert 'docker: Error response from daemon: invalid CapDrop: unknown capability: "CAP_NOSUCH"' in res.stderr
    assert _ids(engine) == before  # nothing half-made


def test_capabilities_are_stored_normalized(engine):
    cid = engine.docker("create", "--cap-add", "net_admin", "--cap-drop", "CAP_chown", "busybox", "true",
                        check=True).stdout.strip()
    try:
        out = engine.docker("inspect", "-f", "{{json .HostConfig.CapAdd}} {{json .HostConfig.CapDrop}}", cid,
                            check=True).stdout
        assert out.split() == ['["CAP_NET_ADMIN"]', '["CAP_CHOWN"]']
    finally:
        engine.docker("rm", "-f", cid)


def test_negative_pids_limit_means_unlimited(engine):
    v2 = engine.docker("info", "--format", "{{.CgroupVersion}}", check=True).stdout.strip() == "2"
    pids_max = "/sys/fs/cgroup/pids.max" if v2 else "/sys/fs/cgroup/pids/pids.max"
    res = engine.docker("run", "--name", "gaps-pids", "--pids-limit", "-5", "busybox", "cat", pids_max)
    try:
        assert (res.returncode, res.stdout) == (0, "max\n"), res.stderr
        out = engine.docker("inspect", "-f", "{{json .HostConfig.PidsLimit}}", "gaps-pids", check=True).stdout
        assert out.strip() == "null"
    finally:
        engine.docker("rm", "-f", "gaps-pids")


def test_ulimits_reach_the_process(engine):
    res = engine.docker("run", "--rm", "--ulimit", "nofile=100:200", "--ulimit", "nproc=50:60", "busybox",
                        "sh", "-c", "ulimit -n; ulimit -Hn; ulimit -u; ulimit -Hu")
    assert (res.returncode, res.stdout.split()) == (0, ["100", "200", "50", "60"]), res.stderr
    res = engine.docker("run", "--rm", "--ulimit", "nofile=300:200", "busybox", "true")
    assert res.returncode == 125 and "soft limit must be less than or equal to hard limit" in res.stderr


NOUSER = "unable to find user nouser: no matching entries in passwd file"


def test_exec_as_unknown_user_fails_in_stream_with_126(engine):
    engine.docker("run", "-d", "--name", "gaps-exec", "--network", "none", "busybox", "sleep", "300", check=True)
    try:
        res = engine.docker("exec", "-u", "nouser", "gaps-exec", "id")
        assert (res.returncode, res.stdout, res.stderr) == (126, NOUSER + "\r\n", "")
        res = engine.docker("exec", "-u", "root:nogrp", "gaps-exec", "id")
        assert (res.returncode, res.stdout) == (126, "unable to find group nogrp: no matching entries in group file\r\n")
        res = engine.docker("exec", "-d", "-u", "nouser", "gaps-exec", "id")
        assert (res.returncode, res.stderr.strip()) == (1, "Error response from daemon: " + NOUSER)
        assert engine.docker("exec", "gaps-exec", "true").returncode == 0  # the container is unharmed
    finally:
        engine.docker("rm", "-f", "gaps-exec")


def test_run_as_unknown_user_is_refused_by_dockerd(engine):
    res = engine.docker("run", "--name", "gaps-nouser", "--network", "none", "-u", "nouser", "busybox", "id")
    try:
        assert res.returncode == 125
        assert res.stderr.startswith("docker: Error response from daemon: " + NOUSER + "\n"), res.stderr
        out = engine.docker("inspect", "-f", "{{.State.Status}} {{.State.ExitCode}} {{.State.Error}}", "gaps-nouser",
                            check=True).stdout
        assert out.strip() == "created 128 " + NOUSER
    finally:
        engine.docker("rm", "-f", "gaps-nouser")


def _changes(engine, name: str) -> set[str]:
    return set(engine.docker("diff", name, check=True).stdout.splitlines())


def test_diff_lists_the_writable_layer(engine):
    engine.docker("run", "-d", "--name", "gaps-diff", "--network", "none", "busybox", "sh", "-c",
                  "touch /newfile; echo q > /tmp/q; rm /bin/ls; mkdir -p /a/b; echo > /etc/passwd; touch /ready;"
                  " sleep 300", check=True)
    try:
        deadline = __import__("time").monotonic() + 20
        while "A /ready" not in _changes(engine, "gaps-diff"):
            assert __import__("time").monotonic() < deadline, "the container's changes never showed"
        assert _changes(engine, "gaps-diff") == {"A /a", "A /a/b", "A /newfile", "A /ready", "C /bin", "D /bin/ls",
                                                 "C /etc", "C /etc/passwd", "C /tmp", "A /tmp/q"}
        # the runtime's mount points for hostname/hosts/resolv.conf are not the container's changes
        engine.docker("create", "--name", "gaps-diff0", "busybox", "true", check=True)
        assert engine.docker("diff", "gaps-diff0", check=True).stdout == ""
        assert engine.docker("ps", "-a", "-s", "--filter", "name=gaps-diff0", "--format", "{{.Size}}",
                             check=True).stdout.startswith("0B")
        res = engine.docker("diff", "nosuch")
        assert (res.returncode, res.stderr.strip()) == (1, "Error response from daemon: No such container: nosuch")
    finally:
        engine.docker("rm", "-f", "gaps-diff", "gaps-diff0")


def test_commit_makes_an_image_of_the_changes(engine):
    engine.docker("run", "-d", "--name", "gaps-commit", "--network", "none", "busybox", "sh", "-c",
                  "echo q > /tmp/q; rm /bin/ls; touch /ready; sleep 300", check=True)
    try:
        deadline = __import__("time").monotonic() + 20
        while "A /ready" not in _changes(engine, "gaps-commit"):
            assert __import__("time").monotonic() < deadline, "the container's changes never showed"
        res = engine.docker("commit", "-a", "me", "-m", "msg", "-c", 'CMD ["cat","/tmp/q"]', "-c", "ENV A=b",
                            "gaps-commit", "gaps-committed:v1", check=True)
        assert res.stdout.startswith("sha256:") and len(res.stdout.strip()) == 71
        assert engine.docker("run", "--rm", "--network", "none", "gaps-committed:v1", check=True).stdout == "q\n"
        assert engine.docker("run", "--rm", "--network", "none", "gaps-committed:v1", "sh", "-c",
                             "echo $A; test -e /bin/ls || echo gone", check=True).stdout == "b\ngone\n"
        fmt = "{{.Author}}|{{.Comment}}|{{len .RootFS.Layers}}|{{.Parent}}|{{.Container}}"
        out = engine.docker("image", "inspect", "-f", fmt, "gaps-committed:v1", check=True).stdout.strip()
        base = engine.docker("image", "inspect", "-f", "{{.Id}}|{{len .RootFS.Layers}}", "busybox",
                             check=True).stdout.strip().split("|")
        cid = engine.docker("inspect", "-f", "{{.Id}}", "gaps-commit", check=True).stdout.strip()
        assert out == f"me|msg|{int(base[1]) + 1}|{base[0]}|{cid}"
        top = engine.docker("history", "--format", "{{.CreatedBy}}|{{.Comment}}", "--no-trunc", "gaps-committed:v1",
                            check=True).stdout.splitlines()[0]
        assert top == "sh -c echo q > /tmp/q; rm /bin/ls; touch /ready; sleep 300|msg"
        res = engine.docker("commit", "-c", "RUN true", "gaps-commit")
        assert res.returncode == 1 and "run is not a valid change command" in res.stderr
    finally:
        engine.docker("rm", "-f", "gaps-commit")
        engine.docker("rmi", "gaps-committed:v1")


def test_exec_environment_is_built_as_dockerd_builds_it(engine):
    engine.docker("run", "-d", "--name", "gaps-env", "-e", "FOO=bar", "-h", "myhost", "--network", "none", "busybox",
                  "sleep", "300", check=True)
    try:
        path = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
        out = engine.docker("exec", "gaps-env", "env", check=True).stdout.splitlines()
        assert out == [path, "HOSTNAME=myhost", "FOO=bar", "HOME=/root"]
        out = engine.docker("exec", "-t", "-e", "X=1", "-e", "FOO=baz", "gaps-env", "env", check=True).stdout
        assert out.split("\r\n") == [path, "HOSTNAME=myhost", "TERM=xterm", "FOO=baz", "X=1", "HOME=/root", ""]
    finally:
        engine.docker("rm", "-f", "gaps-env")


def test_exec_right_after_a_short_container_ends_says_not_running(engine):
    engine.docker("create", "--name", "gaps-short", "--network", "none", "busybox", "true", check=True)
    try:
        for _ in range(3):
            engine.docker("start", "gaps-short", check=True)
            res = engine.docker("exec", "gaps-short", "true")
            if res.returncode == 0:
                continue  # it was still running: nothing to check this round
            cid = engine.docker("inspect", "-f", "{{.Id}}", "gaps-short", check=True).stdout.strip()
            assert (res.returncode, res.stderr.strip()) == (1, f"Error response from daemon: Container {cid} is not running")
    finally:
        engine.docker("rm", "-f", "gaps-short")


def test_inspect_env_order_and_exec_ids(engine):
    engine.docker("run", "-d", "--name", "gaps-insp", "-e", "FOO=bar", "--network", "none", "busybox", "sleep", "300",
                  check=True)
    try:
        env = engine.docker("inspect", "-f", "{{json .Config.Env}}", "gaps-insp", check=True).stdout.strip()
        assert env == '["FOO=bar","PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"]'
        engine.docker("exec", "gaps-insp", "true", check=True)
        assert engine.docker("inspect", "-f", "{{json .ExecIDs}}", "gaps-insp", check=True).stdout.strip() == "null"
    finally:
        engine.docker("rm", "-f", "gaps-insp")


def test_ps_publish_and_expose_filters(engine):
    # Matched against the live port map, as dockerd does: a created container matches neither filter.
    engine.docker("create", "--name", "gaps-pub0", "-p", "80", "busybox", "true", check=True)
    engine.docker("run", "-d", "--name", "gaps-pub", "-p", "80", "--expose", "90/udp", "busybox", "sleep", "300",
                  check=True)
    engine.docker("run", "-d", "--name", "gaps-nopub", "--network", "none", "busybox", "sleep", "300", check=True)
    try:
        def names(*filters: str) -> list[str]:
            args = [a for f in filters for a in ("--filter", f)]
            return engine.docker("ps", "-a", "--format", "{{.Names}}", "--filter", "name=gaps-", *args,
                                 check=True).stdout.split()

        assert names("publish=80") == ["gaps-pub"]
        assert names("publish=80/udp") == [] and names("publish=70-85/tcp") == ["gaps-pub"]
        assert names("publish=90/udp") == [] and names("expose=90/udp") == ["gaps-pub"]
        assert names("expose=80") == ["gaps-pub"] and names("expose=90") == []
        assert sorted(names()) == ["gaps-nopub", "gaps-pub", "gaps-pub0"]
        res = engine.docker("ps", "--filter", "publish=abc")
        assert res.returncode == 1 and res.stderr.strip() == ('Error response from daemon: error while looking up for '
                                                  'publish abc: strconv.ParseUint: parsing "abc": invalid syntax')
    finally:
        engine.docker("rm", "-f", "gaps-pub", "gaps-nopub", "gaps-pub0")


def test_list_filter_errors_use_dockerd_words(engine):
    for flt, msg in (("nosuch=1", "Invalid filter 'nosuch'"), ("status=bogus", "Invalid filter 'status=bogus'"),
                     ("exited=x", 'strconv.Atoi: parsing "x": invalid syntax')):
        res = engine.docker("ps", "--filter", flt)
        assert (res.returncode, res.stderr.strip()) == (1, "Error response from daemon: " + msg)


def test_config_volumes_null_without_volumes(engine):
    engine.docker("create", "--name", "gaps-vol", "busybox", "true", check=True)
    engine.docker("create", "--name", "gaps-vol1", "-v", "/data", "busybox", "true", check=True)
    try:
        out = engine.docker("inspect", "-f", "{{json .Config.Volumes}}", "gaps-vol", "gaps-vol1", check=True).stdout
        assert out.split() == ["null", '{"/data":{}}']
    finally:
        engine.docker("rm", "-f", "-v", "gaps-vol", "gaps-vol1")


def test_system_df_counts_top_level_images_only(engine, tmp_path):
    (tmp_path / "Dockerfile").write_text("FROM busybox\nRUN echo one > /one\nRUN echo two > /two\n")
    engine.docker("build", "-q", "-t", "gaps-df:v1", str(tmp_path), check=True)
    try:
        top = len(engine.docker("images", "-q", check=True).stdout.split())
        every = len(engine.docker("images", "-aq", check=True).stdout.split())
        assert every > top  # the RUN steps left intermediate images
        out = engine.docker("system", "df", "--format", "{{.Type}} {{.TotalCount}}", check=True).stdout
        assert f"Images {top}" in out.splitlines()
    finally:
        engine.docker("rmi", "gaps-df:v1")


def test_resource_ranges_are_checked_at_create(engine):
    before = _ids(engine)
    for opts, msg in ((("--oom-score-adj", "2000"), "Invalid value 2000, range for oom score adj is [-1000, 1000]"),
                      (("--cpu-period", "500"), "CPU cfs period can not be less than 1ms (i.e. 1000) or larger than 1s"
                                                " (i.e. 1000000)"),
                      (("--cpu-quota", "500"), "CPU cfs quota can not be less than 1ms (i.e. 1000)"),
                      (("--memory-reservation", "1k"), "Minimum memory reservation allowed is 6MB"),
                      (("--cpuset-cpus", "abc"), "Invalid value abc for cpuset cpus: invalid format: abc"),
                      (("--cpuset-cpus", "4096"), "Requested CPUs are not available - requested 4096, available: ")):
        res = engine.docker("create", *opts, "busybox", "true")
        assert res.returncode == 1 and res.stderr.startswith("Error response from daemon: " + msg), (opts, res.stderr)
    assert _ids(engine) == before
    res = engine.docker("create", "--name", "gaps-blkio", "--blkio-weight", "300", "busybox", "true")
    try:
        assert res.returncode == 0 and res.stderr.startswith("WARNING: Your kernel does not support Block I/O weight")
        out = engine.docker("inspect", "-f", "{{.HostConfig.BlkioWeight}}", "gaps-blkio", check=True).stdout
        assert out.strip() == "0"
    finally:
        engine.docker("rm", "-f", "gaps-blkio")


def test_add_host_and_dns_options_reach_the_container(engine):
    out = engine.docker("run", "--rm", "--network", "none", "--add-host", "foo:1.2.3.4", "--dns", "9.9.9.9",
                        "--dns-search", "example.org", "--dns-option", "ndots:2", "busybox", "sh", "-c",
                        "grep foo /etc/hosts; cat /etc/resolv.conf", check=True).stdout.splitlines()
    assert out[0] == "1.2.3.4\tfoo"
    assert out[1:] == ["search example.org", "nameserver 9.9.9.9", "options ndots:2"]
    out = engine.docker("run", "--rm", "--add-host", "bar:10.9.8.7", "-h", "gapsh", "busybox", "cat", "/etc/hosts",
                        check=True).stdout.splitlines()
    assert out.index("10.9.8.7\tbar") < next(i for i, line in enumerate(out) if "gapsh" in line.split()[1:])
    res = engine.docker("create", "--add-host", "gw:host-gateway", "busybox", "true")
    assert res.returncode == 1 and "host-gateway is not supported by minidocker" in res.stderr


def test_swappiness_oom_killer_and_cgroupns_reach_the_container(engine):
    v2 = engine.docker("info", "--format", "{{.CgroupVersion}}", check=True).stdout.strip() == "2"
    if not v2:
        out = engine.docker("run", "--rm", "--memory", "64m", "--memory-swappiness", "10", "--oom-kill-disable",
                            "busybox", "sh", "-c", "cat /sys/fs/cgroup/memory/memory.swappiness;"
                            " head -1 /sys/fs/cgroup/memory/memory.oom_control", check=True).stdout
        assert out.splitlines() == ["10", "oom_kill_disable 1"]
    host = engine.docker("run", "--rm", "busybox", "cat", "/proc/self/cgroup", check=True).stdout
    private = engine.docker("run", "--rm", "--cgroupns", "private", "busybox", "cat", "/proc/self/cgroup",
                            check=True).stdout
    assert any(not line.endswith(":/") for line in host.splitlines())  # the host's view: the container's path
    assert all(line.endswith(":/") for line in private.splitlines())  # its own namespace: it is the root
    res = engine.docker("create", "--cgroup-parent", "/gaps", "busybox", "true")
    assert res.returncode == 1 and "--cgroup-parent (HostConfig.CgroupParent) is not supported" in res.stderr


def test_plugin_list_and_inspect_of_an_engine_without_plugins(engine):
    res = engine.docker("plugin", "ls")
    assert (res.returncode, res.stdout.split()) == (0, ["ID", "NAME", "DESCRIPTION", "ENABLED"]), res.stderr
    res = engine.docker("plugin", "inspect", "nosuch")
    assert (res.returncode, res.stderr.strip()) == (1, 'Error response from daemon: plugin "nosuch" not found')
    res = engine.docker("plugin", "ls", "--filter", "nosuch=1")
    assert (res.returncode, res.stderr.strip()) == (1, "Error response from daemon: Invalid filter 'nosuch'")


def test_volume_without_labels_or_options_shows_null(engine):
    engine.docker("volume", "create", "gaps-v1", check=True)
    engine.docker("volume", "create", "--label", "k=v", "gaps-v2", check=True)
    try:
        fmt = "{{json .Labels}} {{json .Options}}"
        assert engine.docker("volume", "inspect", "-f", fmt, "gaps-v1", check=True).stdout.strip() == "null null"
        assert engine.docker("volume", "inspect", "-f", fmt, "gaps-v2", check=True).stdout.strip() == '{"k":"v"} null'
        out = engine.cli("volume", "ls")
        assert out.returncode == 0 and "gaps-v1" in out.stdout, out.stderr
    finally:
        engine.docker("volume", "rm", "gaps-v1", "gaps-v2")
