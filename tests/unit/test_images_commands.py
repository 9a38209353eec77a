"""Image commands with Docker's semantics: lookups, tag, list filters, inspect, history, rmi, prune, df."""

from __future__ import annotations

from pathlib import Path

import pytest

from minidocker.errors import Conflict, InvalidArgument, NotFound

from images_fixtures import make_image, make_service

BASE = {"bin/sh": b"#!shell\n" * 100, "etc/passwd": b"root:x:0:0::/root:/bin/sh\n"}


@pytest.fixture
def svc(tmp_path: Path):
    service, containers = make_service(tmp_path)
    service.containers = containers  # the tests reach the fake through the service
    return service


def test_lookup_by_name_id_and_prefix(svc) -> None:
    img = make_image(svc, [BASE], tags=("busybox:latest",))
    assert svc.get("busybox").id == img.id
    assert svc.get("docker.io/library/busybox:latest").id == img.id
    assert svc.get(img.id).id == img.id
    assert svc.get(img.id[7:]).id == img.id
    assert svc.get(img.id[7:19]).id == img.id
    with pytest.raises(NotFound, match="No such image: nosuchimage:latest"):
        svc.get("nosuchimage")
    with pytest.raises(InvalidArgument, match="invalid reference format"):
        svc.get("Bad:Ref:x")


def test_tag_and_list_shapes(svc) -> None:
    img = make_image(svc, [BASE], tags=("busybox:latest",))
    svc.tag("busybox", "localhost:5000/mybox", "v1")
    (entry,) = svc.list()
    assert entry["Id"] == img.id
    assert entry["RepoTags"] == ["busybox:latest", "localhost:5000/mybox:v1"]
    assert entry["Containers"] == -1 and entry["SharedSize"] == -1
    assert entry["Size"] == sum(len(v) for v in BASE.values()) == entry["VirtualSize"]
    assert entry["Created"] == 1767225600
    inspect = svc.inspect("localhost:5000/mybox:v1")
    assert inspect["RootFS"] == {"Type": "layers", "Layers": img.diff_ids}
    assert inspect["Config"]["Cmd"] == ["sh"] and inspect["Config"]["Hostname"] == ""
    assert inspect["Metadata"]["LastTagTime"].endswith("Z")
    with pytest.raises(InvalidArgument, match="'scratch' is a reserved name"):
        svc.tag("busybox", "scratch", None)
    with pytest.raises(NotFound, match="No such image: nope:latest"):
        svc.tag("nope", "x", "1")


def test_retag_leaves_the_old_image_dangling(svc) -> None:
    old = make_image(svc, [BASE], tags=("app:latest",))
    new = make_image(svc, [BASE, {"app": b"v2"}], tags=("app:latest",))
    dangling = svc.list(filters={"dangling": ["true"]})
    assert [e["Id"] for e in dangling] == [old.id]
    assert dangling[0]["RepoTags"] == ["<none>:<none>"] and dangling[0]["RepoDigests"] == ["<none>@<none>"]
    assert [e["Id"] for e in svc.list(filters={"dangling": ["false"]})] == [new.id]


def test_intermediate_images_only_with_all(svc) -> None:
    base = make_image(svc, [BASE], tags=("busybox:latest",))
    step = make_image(svc, [BASE, {"a": b"1"}], parent=base.id)
    final = make_image(svc, [BASE, {"a": b"1"}, {"b": b"2"}], parent=step.id, tags=("built:latest",))
    assert {e["Id"] for e in svc.list()} == {base.id, final.id}
    assert {e["Id"] for e in svc.list(all=True)} == {base.id, step.id, final.id}
    assert svc.list(filters={"dangling": ["true"]}) == []  # an intermediate is not dangling
    assert svc.inspect("built")["Parent"] == step.id


def test_reference_label_before_since_filters(svc) -> None:
    a = make_image(svc, [{"a": b"1"}], tags=("busybox:latest", "localhost:5000/busybox:1"), created="2026-01-01T00:00:00Z")
    b = make_image(svc, [{"b": b"1"}], tags=("other/app:v1",), created="2026-02-01T00:00:00Z", labels={"tier": "web"})
    c = make_image(svc, [{"c": b"1"}], tags=("other/app:v2",), created="2026-03-01T00:00:00Z")
    only = svc.list(filters={"reference": ["busybox"]})
    assert [(e["Id"], e["RepoTags"]) for e in only] == [(a.id, ["busybox:latest"])]
    assert [e["Id"] for e in svc.list(filters={"reference": ["other/*"]})] == [c.id, b.id]
    assert [e["Id"] for e in svc.list(filters={"reference": ["*/*:v1"]})] == [b.id]
    assert svc.list(filters={"reference": ["*:v1"]}) == []  # path.Match: * never crosses a /

    assert [e["Id"] for e in svc.list(filters={"label": ["tier=web"]})] == [b.id]
    assert [e["Id"] for e in svc.list(filters={"label": ["tier=db"]})] == []
    assert [e["Id"] for e in svc.list(filters={"before": ["other/app:v2"]})] == [b.id, a.id]
    assert [e["Id"] for e in svc.list(filters={"since": ["busybox"]})] == [c.id, b.id]
    with pytest.raises(InvalidArgument, match="invalid filter 'colour'"):
        svc.list(filters={"colour": ["red"]})


def test_history_walks_local_parents(svc) -> None:
    base = make_image(svc, [BASE], tags=("busybox:latest",),
                      history=[{"created": "2026-01-01T00:00:00Z", "created_by": "ADD rootfs"},
                               {"created": "2026-01-01T00:00:00Z", "created_by": "CMD sh", "empty_layer": True}])
    top = make_image(svc, [BASE, {"x": b"12345"}], parent=base.id, tags=("app:1",),
                     history=[{"created": "2026-01-01T00:00:00Z", "created_by": "ADD rootfs"},
                              {"created": "2026-01-01T00:00:00Z", "created_by": "CMD sh", "empty_layer": True},
                              {"created": "2026-01-02T00:00:00Z", "created_by": "COPY x /"}])
    rows = svc.history("app:1")
    assert [r["CreatedBy"] for r in rows] == ["COPY x /", "CMD sh", "ADD rootfs"]
    assert [r["Id"] for r in rows] == [top.id, base.id, "<missing>"]
    assert [r["Size"] for r in rows] == [5, 0, sum(len(v) for v in BASE.values())]
    assert rows[0]["Tags"] == ["app:1"] and rows[1]["Tags"] == ["busybox:latest"] and rows[2]["Tags"] is None


def test_rmi_by_tag_untags_until_the_last(svc) -> None:
    img = make_image(svc, [BASE], tags=("busybox:latest", "localhost:5000/mybox:v1"))
    assert svc.remove("localhost:5000/mybox:v1") == [{"Untagged": "localhost:5000/mybox:v1"}]
    records = svc.remove("busybox")
    assert records[0] == {"Untagged": "busybox:latest"}
    assert records[1] == {"Deleted": img.id}
    assert records[2]["Deleted"] == img.diff_ids[0]  # the layer went too (chain id = diff id at the bottom)
    assert not svc.content.exists(img.layers[0]["digest"])
    assert svc.list(all=True) == []


def test_rmi_by_id_with_several_repositories_needs_force(svc) -> None:
    img = make_image(svc, [BASE], tags=("busybox:latest", "localhost:5000/mybox:v1"))
    with pytest.raises(Conflict) as err:
        svc.remove(img.id[7:19])
    assert str(err.value) == (f"conflict: unable to delete {img.id[7:19]} (must be forced) - "
                              "image is referenced in multiple repositories")
    records = svc.remove(img.id[7:19], force=True)
    assert {"Untagged": "busybox:latest"} in records and {"Untagged": "localhost:5000/mybox:v1"} in records
    assert {"Deleted": img.id} in records


def test_rmi_refused_while_a_container_uses_it(svc) -> None:
    img = make_image(svc, [BASE], tags=("busybox:latest",))
    svc.containers.users[img.id] = [("c" * 64, False)]
    with pytest.raises(Conflict, match=r'unable to remove repository reference "busybox" \(must force\) - container cccccccccccc'):
        svc.remove("busybox")
    with pytest.raises(Conflict, match="image is being used by stopped container cccccccccccc"):
        svc.remove(img.id)
    svc.containers.users[img.id] = [("d" * 64, True)]
    with pytest.raises(Conflict, match=r"\(cannot be forced\) - image is being used by running container dddddddddddd"):
        svc.remove(img.id, force=True)
    svc.containers.users[img.id] = [("c" * 64, False)]
    records = svc.remove("busybox", force=True)
    assert records[:2] == [{"Untagged": "busybox:latest"}, {"Deleted": img.id}]


def test_child_image_is_a_hard_conflict_and_parents_are_pruned(svc) -> None:
    base = make_image(svc, [BASE])
    child = make_image(svc, [BASE, {"a": b"1"}], parent=base.id, tags=("app:latest",))
    with pytest.raises(Conflict, match=r"\(cannot be forced\) - image has dependent child images"):
        svc.remove(base.id, force=True)
    records = svc.remove("app")
    assert {"Deleted": child.id} in records and {"Deleted": base.id} in records
    assert svc.list(all=True) == []


def test_rmi_force_of_every_id_empties_the_store(svc) -> None:
    """`rmi -f $(images -qa)`: some ids are already gone when their turn comes, the store ends empty."""
    base = make_image(svc, [BASE], tags=("busybox:latest", "localhost:5000/busybox:latest"))
    step = make_image(svc, [BASE, {"a": b"1"}], parent=base.id)
    make_image(svc, [BASE, {"a": b"1"}, {"b": b"1"}], parent=step.id, tags=("built:latest",))
    make_image(svc, [{"old": b"1"}])  # dangling
    for entry in svc.list(all=True):
        try:
            svc.remove(entry["Id"][7:19], force=True)
        except NotFound:
            pass
    assert svc.list(all=True) == []


def test_prune_dangling_then_all(svc) -> None:
    used = make_image(svc, [{"u": b"1"}])
    svc.containers.users[used.id] = [("e" * 64, False)]
    dangling = make_image(svc, [{"d": b"12345678"}])
    tagged = make_image(svc, [{"t": b"1"}], tags=("keep:latest",))
    report = svc.prune({"dangling": ["true"]})
    assert report["ImagesDeleted"][0] == {"Deleted": dangling.id}
    assert report["SpaceReclaimed"] == 8
    assert {e["Id"] for e in svc.list(all=True)} == {used.id, tagged.id}
    report = svc.prune({"dangling": ["false"]})
    assert {"Untagged": "keep:latest"} in report["ImagesDeleted"] and {"Deleted": tagged.id} in report["ImagesDeleted"]
    assert [e["Id"] for e in svc.list(all=True)] == [used.id]  # in use by a container: kept
    assert svc.prune({})["ImagesDeleted"] is None


def test_df_counts_shared_layers_once(svc) -> None:
    a = make_image(svc, [BASE], tags=("busybox:latest",))
    b = make_image(svc, [BASE, {"x": b"123"}], tags=("app:latest",))
    svc.containers.users[b.id] = [("f" * 64, True)]
    df = svc.df()
    base_size = sum(len(v) for v in BASE.values())
    assert df["LayersSize"] == base_size + 3
    by_id = {e["Id"]: e for e in df["Images"]}
    assert by_id[a.id]["SharedSize"] == base_size and by_id[a.id]["Containers"] == 0
    assert by_id[b.id]["SharedSize"] == base_size and by_id[b.id]["Containers"] == 1
    assert by_id[b.id]["Size"] == base_size + 3


def test_store_survives_a_restart(tmp_path: Path) -> None:
    svc, _ = make_service(tmp_path)
    img = make_image(svc, [BASE], tags=("busybox:latest",))
    svc.tag("busybox", "again", None)
    again, _ = make_service(tmp_path)
    assert again.get("again:latest").id == img.id
    assert again.inspect("busybox")["RepoTags"] == ["again:latest", "busybox:latest"]


def test_prune_label_and_until_filters(svc) -> None:
    old = make_image(svc, [{"o": b"1"}], created="2020-01-01T00:00:00Z", labels={"keep": "no"})
    new = make_image(svc, [{"n": b"1"}], created="2026-01-01T00:00:00Z", labels={"keep": "yes"})
    report = svc.prune({"until": ["2021-01-01T00:00:00Z"]})
    assert [r for r in report["ImagesDeleted"] if "Deleted" in r][0] == {"Deleted": old.id}
    assert svc.prune({"label!": ["keep=yes"]})["ImagesDeleted"] is None
    assert svc.prune({"until": ["24h"], "label": ["keep"]})["ImagesDeleted"][0] == {"Deleted": new.id}
    with pytest.raises(InvalidArgument, match="invalid filter 'until=soon'"):
        svc.prune({"until": ["soon"]})
