"""Chapters 02/07/09 helpers against a real engine: layer reuse on disk, the course registry as a mirror,
resetting a chapter's engine, whiteouts on disk and in saved layers."""

import json
import os
from pathlib import Path

import pytest

from engine_fixture import engine  # noqa: F401 - the module-scoped engine fixture
from minidocker import teach
from minidocker.observe import build_steps, chapter_engine, course_registry, layer_files, reuse

pytestmark = pytest.mark.root


@pytest.fixture(scope="module")
def eng(engine):  # noqa: F811 - the fixture above
    """The fixture's engine as chapters see it: a teach.Engine, called like the CLI."""
    return teach.Engine(engine.root, engine.socket)


def build(eng, tmp_path: Path, tag: str, files: dict[str, str]) -> str:
    ctx = build_steps.write_context(tmp_path / tag.replace(":", "-"), files)
    return eng("build", "-t", tag, str(ctx))


def app_files(text: str) -> dict[str, str]:
    return {"app.sh": text, "Dockerfile": 'FROM busybox\nCOPY app.sh /app.sh\nCMD ["sh", "/app.sh"]\n'}


def test_reuse_counts_the_shared_base_layer_once(eng, tmp_path):
    for n in ("1", "2"):
        build(eng, tmp_path, f"reuse{n}:1", app_files(f"echo {n}\n" * 100))
        eng("run", "--rm", f"reuse{n}:1")  # a first container: every layer unpacked
    refs = ["busybox", "reuse1:1", "reuse2:1"]
    measured = reuse.measure(eng, refs)
    base = measured.images["busybox"][0]
    assert base.path is not None and base.path.is_dir() and base.size > 1_000_000
    assert [layers[0].path for layers in measured.images.values()] == [base.path] * 3
    assert measured.shared() == {base.chain_id: refs}
    assert len(measured.distinct()) == 3
    assert measured.copies - measured.on_disk == 2 * base.size  # two copies of busybox not made
    assert [row[1] for row in measured.rows()] == [1, 2, 2]
    assert reuse.same_file([base.path / "bin" / "sh", base.path / "bin" / "ls"])  # busybox's hard links
    source = reuse.graph(measured).source
    assert source.count('role=image') == 3 and source.count('role=layer') == 3


def test_layer_steps_match_the_layers(eng, tmp_path):
    build(eng, tmp_path, "steps:1", {"a": "a", "Dockerfile": "FROM busybox\nENV X=1\nCOPY a /a\nRUN rm /a\nCMD [\"sh\"]\n"})
    steps = reuse.layer_steps(eng, "steps:1")
    assert len(steps) == len(reuse.diff_ids(eng, "steps:1")) == 3
    assert "COPY" in steps[1] and "rm /a" in steps[2]


def test_store_names_a_dangling_image(eng, tmp_path):
    build(eng, tmp_path, "dangle:1", app_files("echo one\n"))
    old = eng("images", "-q", "dangle:1").strip()
    build(eng, tmp_path, "dangle:1", app_files("echo two\n"))
    labels = list(reuse.store(eng).images)
    assert f"<none>:<none>\n{old}" in labels
    assert any(label.startswith("dangle:1\n") for label in labels)


def test_whiteouts_on_disk_and_in_the_saved_layer(eng, tmp_path):
    build(eng, tmp_path, "wh:1", {"Dockerfile": "FROM busybox\nRUN echo x > /gone\nRUN rm /gone\n"})
    assert "gone" not in eng("run", "--rm", "wh:1", "ls", "/")
    top = reuse.layers_on_disk(eng, "wh:1")[-1]
    assert ["/gone", "whiteout (deleted below)", ""] in layer_files.listing(top.path)
    archive = tmp_path / "wh.tar"
    eng("save", "-o", str(archive), "wh:1")
    assert layer_files.whiteouts(layer_files.saved_layers(archive)[-1]) == [".wh.gone"]


def test_course_registry_serves_as_the_mirror_and_leftovers_are_stopped(eng, tmp_path):
    daemon_json = reuse.state_dir(eng) / "daemon.json"
    daemon_json.write_text(json.dumps({"debug": True}))
    first = course_registry.start(tmp_path / "reg")
    try:
        second = course_registry.start(tmp_path / "reg")  # as a new run would: the old one is stopped
        assert first.proc.wait(timeout=10) is not None
        assert second.catalog() == []
        eng("tag", "busybox", f"{second.address}/library/mirrored:1")
        eng("push", f"{second.address}/library/mirrored:1")
        eng("rmi", f"{second.address}/library/mirrored:1")
        assert second.catalog() == ["library/mirrored"]
        course_registry.use_as_mirror(eng, second.url)
        assert json.loads(daemon_json.read_text()) == {"debug": True, "registry-mirrors": [second.url]}
        assert "mirrored" in eng("search", "mirrored")  # official images listed without library/, as Docker Hub does
        assert "Pulling from library/mirrored" in eng("pull", "mirrored:1")  # a Docker Hub name, from the mirror
        eng("rmi", "mirrored:1")
        second.stop()
        assert second.proc.poll() is not None
        assert not (tmp_path / "reg" / "registry").exists() and not (tmp_path / "reg" / "registry.pid").exists()
    finally:
        for reg in (first, locals().get("second")):
            if reg is not None and reg.proc.poll() is None:
                reg.stop()
        course_registry.use_as_mirror(eng, None)
    assert json.loads(daemon_json.read_text()) == {"debug": True}


def test_reset_leaves_only_busybox_and_no_containers(eng, engine, tmp_path):  # noqa: F811
    build(eng, tmp_path, "reset:1", app_files("echo r\n"))
    eng("tag", "busybox", "another-name:1")
    eng("run", "--name", "reset-stopped", "reset:1")
    eng("run", "-d", "--name", "reset-running", "busybox", "sleep", "60")
    again = chapter_engine.reset(engine.root)
    assert again.socket == eng.socket
    assert eng("ps", "-aq").split() == []
    assert json.loads(eng("image", "inspect", "--format", "{{json .RepoTags}}", "busybox")) == ["busybox:latest"]
    assert len(eng("images", "-qa").split()) == 1
    assert os.path.isdir(reuse.snapshots_root(eng))


def test_backing_file_one_copy_of_the_base_many_of_what_containers_write(eng, tmp_path):
    from minidocker.observe import layers

    names = ["backing-a", "backing-b"]
    for n in names:
        eng("run", "-d", "--name", n, "busybox", "sh", "-c", "echo mine > /etc/motd; rm /bin/vi; sleep 60")
    try:
        for n in names:  # wait for each shell to have written and deleted (poll with a deadline)
            assert eng("exec", n, "sh", "-c", "while [ ! -s /etc/motd ] || [ -e /bin/vi ]; do sleep 0.05; done; echo ok",
                       ).strip() == "ok"
        mounts = [layers.container_mount(p) for p in teach.container_pids(eng, names).values()]
        base = reuse.layers_on_disk(eng, "busybox")[0]
        shared = [reuse.backing_file(m, "/bin/busybox") for m in mounts]
        assert shared == [base.path / "bin" / "busybox"] * 2 and reuse.same_file(shared)
        own = [reuse.backing_file(m, "/etc/motd") for m in mounts]
        assert all(p is not None and p.read_text() == "mine\n" for p in own) and not reuse.same_file(own)
        assert [reuse.backing_file(m, "/bin/vi") for m in mounts] == [None, None]  # whited out in each upper
    finally:
        eng("rm", "-f", *names)


def test_course_registry_ends_with_its_parent(tmp_path):
    import subprocess
    import sys
    import time

    code = ("import sys, time; from minidocker.observe import course_registry as c; "
            "r = c.start(sys.argv[1]); print(r.proc.pid, flush=True); time.sleep(60)")
    parent = subprocess.Popen([sys.executable, "-c", code, str(tmp_path / "reg")], stdout=subprocess.PIPE, text=True)
    try:
        pid = int(parent.stdout.readline())
        assert Path(f"/proc/{pid}").exists()
        parent.kill()  # as a kernel killed mid-chapter: no stop() is ever called
        parent.wait()
        deadline = time.monotonic() + 10
        while Path(f"/proc/{pid}").exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not Path(f"/proc/{pid}").exists()
    finally:
        if parent.poll() is None:
            parent.kill()
        course_registry.stop_leftover(tmp_path / "reg")
