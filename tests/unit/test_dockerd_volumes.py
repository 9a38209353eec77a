"""The local volume driver, the event bus and the archive helper's stat, without a daemon."""

from __future__ import annotations

import os
import stat

import pytest

from minidocker.dockerd.containers import archive_child
from minidocker.dockerd.events import EventBus, matches
from minidocker.dockerd.volumes import VolumeService
from minidocker.errors import Conflict, InvalidArgument, NotFound


def test_volume_lifecycle_and_in_use_refusal(md_root):
    users: dict[str, list[str]] = {}
    svc = VolumeService(lambda name: users.get(name, []))
    v = svc.create("data", labels={"k": "v"})
    assert v["Name"] == "data" and v["Driver"] == "local" and v["Scope"] == "local"
    assert v["Mountpoint"] == str(md_root / "lib" / "volumes" / "data" / "_data") and os.path.isdir(v["Mountpoint"])
    assert svc.create("data") == v  # idempotent, as Docker's
    anon = svc.create()
    assert len(anon["Name"]) == 64 and svc.is_anonymous(anon["Name"]) and not svc.is_anonymous("data")
    assert [x["Name"] for x in svc.list({"label": ["k=v"]})] == ["data"]
    users["data"] = ["c1"]
    with pytest.raises(Conflict, match=r"remove data: volume is in use - \[c1\]"):
        svc.remove("data")
    assert [x["Name"] for x in svc.list({"dangling": ["true"]})] == [anon["Name"]]
    pruned = svc.prune()
    assert pruned["VolumesDeleted"] == [anon["Name"]]
    users.clear()
    svc.remove("data")
    with pytest.raises(NotFound, match="get data: no such volume"):
        svc.get("data")
    svc.remove("data", force=True)
    with pytest.raises(InvalidArgument):
        svc.create("../escape")
    with pytest.raises(InvalidArgument):
        svc.list({"bogus": ["1"]})


def test_event_bus_replays_since_and_filters():
    bus = EventBus()
    bus.emit("container", "create", "a" * 64, {"name": "web", "image": "busybox"}, image="busybox")
    past, q = bus.subscribe(since=0)
    bus.emit("container", "die", "a" * 64, {"name": "web", "exitCode": "3"})
    assert [e["Action"] for e in past] == ["create"] and past[0]["status"] == "create"
    live = q.get(timeout=1)
    assert live["Action"] == "die" and live["Actor"]["Attributes"]["exitCode"] == "3"
    assert matches(live, {"container": ["web"], "event": ["die"]})
    assert not matches(live, {"event": ["start"]})
    assert matches(live, {"container": ["aaaa"]}) and not matches(live, {"type": ["image"]})
    bus.unsubscribe(q)


def test_go_file_modes_for_the_path_stat_header(tmp_path):
    d = tmp_path / "d"
    d.mkdir(mode=0o750)
    os.chmod(d, 0o750)
    (tmp_path / "l").symlink_to("d")
    assert archive_child.go_mode(os.lstat(d)) == (1 << 31) | 0o750
    assert archive_child.go_mode(os.lstat(tmp_path / "l")) & (1 << 27)
    f = tmp_path / "f"
    f.write_text("x")
    os.chmod(f, 0o4755)
    assert archive_child.go_mode(os.lstat(f)) == (1 << 23) | 0o755
    assert stat.S_ISDIR(os.lstat(d).st_mode)
