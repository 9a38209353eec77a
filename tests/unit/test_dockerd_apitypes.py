"""Request bodies are checked against moby's Go types before anything is saved, in encoding/json's words."""

from __future__ import annotations

import json

import pytest

from minidocker.dockerd import apitypes
from minidocker.dockerd.api.router import Request
from minidocker.dockerd.containers.record import Container
from minidocker.dockerd.containers.store import ContainerStore
from minidocker.errors import InvalidArgument

# What dockerd 20.10 answered for each body (its messages, captured against Debian's dockerd on this machine).
REFUSED = [
    ({"Image": "busybox", "Labels": [1]},
     "json: cannot unmarshal array into Go struct field ContainerConfigWrapper.Labels of type map[string]string"),
    ({"Labels": {"a": 1}}, "json: cannot unmarshal number into Go struct field ContainerConfigWrapper.Labels of type string"),
    ([1], "json: cannot unmarshal array into Go value of type runconfig.ContainerConfigWrapper"),
    ({"Image": 1}, "json: cannot unmarshal number into Go struct field ContainerConfigWrapper.Image of type string"),
    ({"Env": "x"}, "json: cannot unmarshal string into Go struct field ContainerConfigWrapper.Env of type []string"),
    ({"HostConfig": {"Memory": "x"}},
     "json: cannot unmarshal string into Go struct field HostConfig.HostConfig.Memory of type int64"),
]


@pytest.mark.parametrize("body,message", REFUSED)
def test_wrong_types_are_refused_with_dockerds_message(body, message):
    req = Request("POST", "/containers/create", {}, {}, {}, json.dumps(body).encode())
    with pytest.raises(InvalidArgument) as err:
        req.json(apitypes.CONTAINER_CREATE)
    assert str(err.value) == message and err.value.status == 400


@pytest.mark.parametrize("body", [
    {"Image": "busybox", "Cmd": "sh"}, {"Image": "busybox", "Cmd": ["sh", "-c", "x"], "Labels": {"a": "b"}},
    {"Image": "busybox", "labels": {"a": "b"}, "Unknown": [1, {}]}, {"Image": None, "HostConfig": None},
    {"HostConfig": {"Memory": 1 << 40, "PortBindings": {"80/tcp": [{"HostPort": "8080"}]}, "Init": True}},
])
def test_what_go_accepts_passes(body):
    assert apitypes.check(body, apitypes.CONTAINER_CREATE) == body


@pytest.mark.parametrize("value", [1.5, 1 << 64, True, "1"])
def test_integers_must_be_whole_in_range_numbers(value):
    with pytest.raises(InvalidArgument, match="of type int64"):
        apitypes.check({"HostConfig": {"Memory": value}}, apitypes.CONTAINER_CREATE)


def test_field_names_match_case_insensitively_as_go_does():
    with pytest.raises(InvalidArgument, match="ContainerConfigWrapper.labels of type map"):
        apitypes.check({"labels": [1]}, apitypes.CONTAINER_CREATE)


def _save(cid: str, labels) -> None:
    c = Container(cid, "/c" + cid[:4], {"Image": "busybox", "Labels": labels}, {"NetworkMode": "default"},
                  "sha256:" + "b" * 64, "sh", [])
    c.save()


def test_a_corrupt_record_on_disk_is_skipped_and_the_others_load(md_root):
    _save("a" * 64, {"ok": "yes"})
    _save("b" * 64, [1])  # what a laxer daemon saved before: it broke `ps -a` for every client
    (md_root / "lib" / "containers" / ("c" * 64)).mkdir()
    (md_root / "lib" / "containers" / ("c" * 64) / "config.v2.json").write_text("{not json")
    loaded = ContainerStore().load_all()
    assert [c.id for c in loaded] == ["a" * 64]
