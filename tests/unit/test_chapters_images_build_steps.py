"""Chapters 07/09 helpers without an engine: reading classic-builder output, build contexts, layer tars."""

import io
import json
import tarfile

from minidocker.observe import build_steps, layer_files

OUTPUT = """Sending build context to Docker daemon  3.072kB
Step 1/4 : FROM busybox
 ---> ba96dc5c2eba
Step 2/4 : COPY a.txt /a.txt
 ---> Using cache
 ---> 1111aaaa2222
Step 3/4 : RUN echo hi > /x
 ---> Running in 0123456789ab
hi-output
Removing intermediate container 0123456789ab
 ---> 3333bbbb4444
Step 4/4 : CMD ["cat", "/a.txt"]
 ---> 5555cccc6666
Successfully built 5555cccc6666
"""


def test_steps_read_cache_hits_runs_and_ids():
    steps = build_steps.steps(OUTPUT)
    assert [s.number for s in steps] == [1, 2, 3, 4]
    assert [s.cached for s in steps] == [False, True, False, False]
    assert [s.ran for s in steps] == [False, False, True, False]
    assert [s.image for s in steps] == ["ba96dc5c2eba", "1111aaaa2222", "3333bbbb4444", "5555cccc6666"]
    assert steps[1].instruction == "COPY a.txt /a.txt"


def test_rows_and_cached_count():
    rows = build_steps.rows(OUTPUT)
    assert [r[2] for r in rows] == ["base image", "Using cache", "ran a container", "built"]
    assert build_steps.cached_count(OUTPUT) == (1, 3)
    every = OUTPUT.replace(" ---> Running in 0123456789ab\n", " ---> Using cache\n").replace(
        "Step 4/4 : CMD [\"cat\", \"/a.txt\"]\n", "Step 4/4 : CMD [\"cat\", \"/a.txt\"]\n ---> Using cache\n")
    assert build_steps.cached_count(every) == (3, 3)


def test_long_instructions_are_cut_in_rows():
    long = "Step 2/2 : RUN " + "x" * 200 + "\n ---> 1111aaaa2222\n"
    text = build_steps.rows("Step 1/2 : FROM busybox\n ---> ba96dc5c2eba\n" + long)[1][1]
    assert len(text) == 70 and text.endswith("…")


def test_write_context_holds_exactly_the_given_files(tmp_path):
    ctx = tmp_path / "ctx"
    build_steps.write_context(ctx, {"Dockerfile": "FROM busybox\n", "old.txt": "x"})
    build_steps.write_context(ctx, {"Dockerfile": "FROM busybox\n", "sub/new.txt": "y"})
    assert sorted(str(p.relative_to(ctx)) for p in ctx.rglob("*")) == ["Dockerfile", "sub", "sub/new.txt"]
    assert (ctx / "sub" / "new.txt").read_text() == "y"


def _tar(entries: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        for name, data in entries.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def test_saved_layers_and_whiteouts_read_a_docker_archive(tmp_path):
    base = _tar({"bin/sh": b"#!", "etc/passwd": b"root"})
    top = _tar({"app/.wh.big.bin": b"", "app/keep.txt": b"k", "etc/.wh..wh..opq": b""})
    manifest = [{"Config": "c.json", "RepoTags": ["x:1"], "Layers": ["l1/layer.tar", "l2/layer.tar"]}]
    archive = tmp_path / "image.tar"
    with tarfile.open(archive, "w") as tar:
        for name, data in {"manifest.json": json.dumps(manifest).encode(), "l1/layer.tar": base,
                           "l2/layer.tar": top}.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    layers = layer_files.saved_layers(archive)
    assert layers[0] == ["bin/sh", "etc/passwd"]
    assert layer_files.whiteouts(layers[0]) == []
    assert layer_files.whiteouts(layers[1]) == ["app/.wh.big.bin", "etc/.wh..wh..opq"]


def test_listing_kinds_and_limit(tmp_path):
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "f").write_text("abc")
    (tmp_path / "link").symlink_to("d/f")
    rows = layer_files.listing(tmp_path)
    assert rows == [["/d", "dir", ""], ["/d/f", "file", "3"], ["/link", "symlink", ""]]
    assert layer_files.listing(tmp_path, limit=1) == [["/d", "dir", ""], ["...", "2 more", ""]]


def test_graph_chains_the_steps_coloured_by_how_they_were_made():
    source = build_steps.graph(OUTPUT, "t").source
    assert source.count("parent of") == 3
    for role in ("base-image", "Using-cache", "ran-a-container", "built"):
        assert f"role={role}" in source or f'role="{role}"' in source
