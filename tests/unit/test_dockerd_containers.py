"""dockerd's container pieces without a kernel: state machine, store lookups, names, views, command merge, mounts, spec, logs."""

from __future__ import annotations

import json
import time

import pytest

from minidocker.dockerd import create
from minidocker.dockerd.containers import logs, mounts, names, spec, views
from minidocker.dockerd.containers.record import Container
from minidocker.dockerd.containers.state import State, Status, now_rfc3339, parse_rfc3339
from minidocker.dockerd.containers.store import ContainerStore
from minidocker.errors import Conflict, InvalidArgument, NotFound


def _container(cid: str = "a" * 64, name: str = "/web", **config) -> Container:
    cfg = {"Image": "busybox", "Env": ["FOO=bar"], "Labels": {}, **config}
    return Container(cid, name, cfg, {"NetworkMode": "default"}, "sha256:" + "b" * 64, "sh", ["-c", "echo hi; sleep 1"])


def test_state_machine_refuses_unlisted_transitions():
    st = State()
    assert st.status is Status.CREATED
    with st.cond:
        st.set_status(Status.RUNNING)
        st.set_status(Status.EXITED)
        with pytest.raises(Conflict):
            st.set_status(Status.PAUSED)
        st.set_status(Status.REMOVING)
        st.set_status(Status.DEAD)
    assert st.to_json()["Dead"] is True and st.to_json()["Running"] is False


def test_rfc3339_roundtrip_and_zero_time():
    ns = 1_795_841_222_123_456_789
    text = now_rfc3339(ns)
    assert text == "2026-11-28T04:47:02.123456789Z"
    assert abs(parse_rfc3339(text) - ns / 1e9) < 1e-6
    assert parse_rfc3339("0001-01-01T00:00:00Z") == 0.0


def test_store_finds_by_id_name_and_unique_prefix(md_root):
    store = ContainerStore()
    a, b = _container("abc1" + "0" * 60, "/one"), _container("abc2" + "0" * 60, "/two")
    store.reserve(a)
    store.reserve(b)
    assert store.get("one") is a and store.get("/two") is b
    assert store.get(a.id) is a and store.get("abc2") is b
    with pytest.raises(InvalidArgument, match="multiple IDs found with provided prefix: abc"):
        store.get("abc")
    with pytest.raises(NotFound, match="No such container: nosuch"):
        store.get("nosuch")
    with pytest.raises(Conflict) as err:
        store.reserve(_container("c" * 64, "/one"))
    assert str(err.value) == (f'Conflict. The container name "/one" is already in use by container "{a.id}". '
                              "You have to remove (or rename) that container to be able to reuse that name.")


def test_names_are_validated_and_generated():
    assert names.validate("web") == "/web"
    with pytest.raises(InvalidArgument, match=r"Invalid container name \(x y\)"):
        names.validate("x y")
    taken = {"/" + a + "_" + s for a in names.ADJECTIVES for s in names.SURNAMES[:-1]}
    name = names.generate(taken)
    assert name not in taken and names.VALID_NAME.match(name)


@pytest.mark.parametrize("seconds,text", [
    (0.4, "Less than a second"), (1, "1 second"), (3, "3 seconds"), (59, "59 seconds"), (60, "About a minute"),
    (150, "2 minutes"), (3600, "About an hour"), (3 * 3600, "3 hours"), (3 * 86400, "3 days"),
    (20 * 86400, "2 weeks"), (90 * 86400, "3 months"), (800 * 86400, "2 years"),
])
def test_human_duration_as_go_units(seconds, text):
    assert views.human_duration(seconds) == text


def test_status_text_and_summary():
    c = _container()
    assert views.status_text(c) == "Created"
    now = time.time()
    c.state.status = Status.RUNNING
    c.state.started_at = now_rfc3339(int((now - 3) * 1e9))
    assert views.status_text(c, now) == "Up 3 seconds"
    c.state.status = Status.EXITED
    c.state.exit_code = 7
    c.state.finished_at = now_rfc3339(int((now - 130) * 1e9))
    assert views.status_text(c, now) == "Exited (7) 2 minutes ago"
    s = views.summary(c, "busybox")
    assert s["Names"] == ["/web"] and s["Command"] == "sh -c 'echo hi; sleep 1'" and s["State"] == "exited"
    sample = json.load(open("/work/shared/reference/engine-api-samples/ps-running-1.json"))["response"][0]
    assert set(sample) <= set(s)


def test_command_merge_follows_docker():
    image = {"Entrypoint": ["/entry"], "Cmd": ["default"]}
    assert create.command({"Cmd": None, "Entrypoint": None}, image) == (["/entry"], ["default"])
    assert create.command({"Cmd": ["x"], "Entrypoint": None}, image) == (["/entry"], ["x"])
    assert create.command({"Cmd": None, "Entrypoint": ["/other"]}, image) == (["/other"], None)
    assert create.command({"Cmd": None, "Entrypoint": [""]}, {"Cmd": ["sh"]}) == (None, None)


def test_host_config_validation_messages():
    with pytest.raises(InvalidArgument, match="Minimum memory limit allowed is 6MB"):
        create.validate_host_config({"Memory": 1024})
    with pytest.raises(InvalidArgument, match="Range of CPUs is from 0.01 to"):
        create.validate_host_config({"NanoCpus": 10_000 * 1_000_000_000})
    create.validate_host_config({"Memory": 64 << 20, "NanoCpus": 500_000_000})


def test_bind_specs():
    assert mounts.parse_bind("/host:/data:ro") == {"Type": "bind", "Source": "/host", "Destination": "/data",
                                                   "Mode": "ro", "RW": False, "Propagation": "rprivate"}
    v = mounts.parse_bind("vol:/v")
    assert (v["Type"], v["Name"], v["RW"]) == ("volume", "vol", True)
    anon = mounts.parse_bind("/only")
    assert (anon["Type"], anon["Name"], anon["Destination"]) == ("volume", "", "/only")
    with pytest.raises(InvalidArgument):
        mounts.parse_bind("/h:relative")
    with pytest.raises(InvalidArgument):
        mounts.parse_bind("/h:/d:bogus")
    with pytest.raises(InvalidArgument):
        mounts.parse_bind("./rel:/d")
    oci = mounts.oci_mounts([mounts.parse_bind("/host:/data:ro")])
    assert oci == [{"destination": "/data", "type": "bind", "source": "/host", "options": ["rbind", "rprivate", "ro"]}]


def test_capabilities_add_drop_all():
    base = spec.capabilities(None, None, False)
    assert len(base) == 14 and "CAP_NET_RAW" in base and "CAP_SYS_ADMIN" not in base
    caps = spec.capabilities(["NET_ADMIN"], ["chown"], False)
    assert "CAP_NET_ADMIN" in caps and "CAP_CHOWN" not in caps
    assert spec.capabilities(None, ["ALL"], False) == []
    assert spec.capabilities(["ALL"], ["MKNOD"], False).count("CAP_SYS_ADMIN") == 1
    with pytest.raises(InvalidArgument):
        spec.capabilities(["NOT_A_CAP"], None, False)


def test_spec_from_a_container(tmp_path):
    layer = tmp_path / "layer"
    (layer / "etc").mkdir(parents=True)
    (layer / "etc" / "passwd").write_text("root:x:0:0::/root:/bin/sh\nnobody:x:65534:65534::/:/bin/false\n")
    (layer / "etc" / "group").write_text("root:x:0:\nnogroup:x:65534:\n")
    c = _container(User="nobody", WorkingDir="/tmp", Tty=True)
    c.host_config.update({"Memory": 64 << 20, "MemorySwap": 0, "NanoCpus": 1_500_000_000, "PidsLimit": 50,
                          "ReadonlyRootfs": True, "CapAdd": ["SYS_TIME"]})
    s = spec.build(c, {"Env": ["PATH=/bin", "FOO=image"]}, [{"type": "bind", "source": str(layer), "options": []}],
                   [{"destination": "/data", "type": "bind", "source": "/srv", "options": ["rbind"]}], "/run/netns/x")
    p = s["process"]
    assert p["args"] == ["sh", "-c", "echo hi; sleep 1"] and p["terminal"] is True
    assert p["env"][0] == "PATH=/bin" and "FOO=bar" in p["env"] and "FOO=image" not in p["env"]
    assert "HOSTNAME=" + c.id[:12] in p["env"] and "TERM=xterm" in p["env"]
    assert p["cwd"] == "/tmp" and p["user"] == {"uid": 65534, "gid": 65534, "additionalGids": [65534]}
    assert "CAP_SYS_TIME" in p["capabilities"]["bounding"]
    assert s["root"]["readonly"] is True and s["hostname"] == c.id[:12]
    res = s["linux"]["resources"]
    assert res["memory"] == {"limit": 64 << 20, "swap": 128 << 20}
    assert res["cpu"] == {"period": 100000, "quota": 150000} and res["pids"] == {"limit": 50}
    assert {"type": "network", "path": "/run/netns/x"} in s["linux"]["namespaces"]
    assert s["mounts"][-1]["destination"] == "/data"
    assert "/proc/kcore" in s["linux"]["maskedPaths"]
    host = spec.build(_container(), {}, [], [], "")
    assert "network" not in [n["type"] for n in host["linux"]["namespaces"]]


def _log(path, entries):
    with open(path, "w") as f:
        for stream, text, t in entries:
            f.write(json.dumps({"log": text, "stream": stream, "time": t}) + "\n")


def test_log_reader_filters_tail_since(tmp_path):
    path = tmp_path / "x-json.log"
    _log(path, [("stdout", "a\n", "2026-01-01T00:00:01.5Z"), ("stderr", "b\n", "2026-01-01T00:00:02Z"),
                ("stdout", "c\n", "2026-01-01T00:00:03Z")])
    never, stopped = (lambda: False), (lambda: True)

    def read(want, tail=None, since=0.0, until=0.0):
        return [r[1] for r in logs.read(path, want, tail, since, until, False, stopped, never)]

    assert read({"stdout", "stderr"}) == ["a\n", "b\n", "c\n"]
    assert read({"stdout"}) == ["a\n", "c\n"]
    assert read({"stdout", "stderr"}, tail=2) == ["b\n", "c\n"]
    assert read({"stdout", "stderr"}, tail=0) == []
    t2 = parse_rfc3339("2026-01-01T00:00:02Z")
    assert read({"stdout", "stderr"}, since=t2) == ["b\n", "c\n"]
    assert read({"stdout", "stderr"}, until=t2) == ["a\n", "b\n"]
    assert logs.parse_tail("all") is None and logs.parse_tail("3") == 3


def test_log_follow_reads_appended_lines_until_stopped(tmp_path):
    path = tmp_path / "f-json.log"
    _log(path, [("stdout", "first\n", now_rfc3339())])
    done = {"stopped": False}
    got = []
    reader = logs.read(path, {"stdout"}, None, 0, 0, True, lambda: done["stopped"], lambda: False)
    got.append(next(reader)[1])
    line = json.dumps({"log": "sec", "stream": "stdout", "time": now_rfc3339()}) + "\n"
    with open(path, "a") as f:
        f.write(line[:-9])  # half a line: the reader must wait for the rest
        f.flush()
        f.write(line[-9:])
    got.append(next(reader)[1])
    done["stopped"] = True
    assert list(reader) == []
    assert got == ["first\n", "sec"]


def test_unsupported_options_are_refused_not_ignored():
    from minidocker.errors import Unsupported

    for hc in ({"Devices": [{"PathOnHost": "/dev/kvm"}]}, {"SecurityOpt": ["seccomp=/x.json"]}):
        with pytest.raises(Unsupported):
            create.validate_host_config(hc)
    create.validate_host_config({"SecurityOpt": ["no-new-privileges:true", "seccomp=unconfined"]})
    with pytest.raises(InvalidArgument, match="invalid ulimit type: bogus"):
        create.validate_host_config({"Ulimits": [{"Name": "bogus", "Soft": 1, "Hard": 1}]})


def test_restart_policies_checked_with_dockerds_words():
    for policy, auto_remove, message in (
            ({"Name": "always"}, True, "can't create 'AutoRemove' container with restart policy"),
            ({"Name": "always", "MaximumRetryCount": 2}, False, "maximum retry count cannot be used with restart policy 'always'"),
            ({"Name": "on-failure", "MaximumRetryCount": -1}, False, "maximum retry count cannot be negative"),
            ({"Name": "sometimes"}, False, "invalid restart policy 'sometimes'")):
        with pytest.raises(InvalidArgument, match=message):
            create.validate_host_config({"RestartPolicy": policy, "AutoRemove": auto_remove})
    for name in ("no", "always", "unless-stopped", "on-failure"):
        create.validate_host_config({"RestartPolicy": {"Name": name}})


def test_ulimits_become_rlimits():
    c = _container()
    c.host_config["Ulimits"] = [{"Name": "nproc", "Soft": 100, "Hard": 200}]
    rl = {r["type"]: (r["soft"], r["hard"]) for r in spec.build(c, {}, [], [], None)["process"]["rlimits"]}
    assert rl["RLIMIT_NPROC"] == (100, 200) and "RLIMIT_NOFILE" in rl


def test_no_new_privileges_only_with_the_security_option():
    """Docker leaves no_new_privs off unless --security-opt no-new-privileges[=true] (the last one wins)."""
    from minidocker.dockerd.containers.spec import no_new_privileges

    assert no_new_privileges(None) is False and no_new_privileges(["seccomp=unconfined"]) is False
    assert no_new_privileges(["no-new-privileges"]) is True
    assert no_new_privileges(["no-new-privileges:true", "no-new-privileges=false"]) is False
    assert no_new_privileges(["no-new-privileges=1"]) is True
    with pytest.raises(InvalidArgument, match='invalid --security-opt 2: "no-new-privileges=maybe"'):
        create.validate_host_config({"SecurityOpt": ["no-new-privileges=maybe"]})
    c = _container()
    assert spec.build(c, {}, [], [], None)["process"]["noNewPrivileges"] is False
    c.host_config["SecurityOpt"] = ["no-new-privileges"]
    assert spec.build(c, {}, [], [], None)["process"]["noNewPrivileges"] is True
