"""The classic builder through the whole engine: real RUN containers, layers, the cache, dangling images, errors."""

import io
import json
import tarfile

import pytest

from engine_fixture import engine  # noqa: F401 - the module-scoped engine fixture

pytestmark = pytest.mark.root

DOCKERFILE = """FROM busybox
ENV GREETING=hello
COPY greeting.txt /data/
RUN echo "$GREETING from a RUN step" > /made-by-run && cat /data/greeting.txt
RUN rm /bin/vi
CMD ["cat", "/made-by-run"]
"""


@pytest.fixture
def context(tmp_path):
    (tmp_path / "Dockerfile").write_text(DOCKERFILE)
    (tmp_path / "greeting.txt").write_text("from the context\n")
    (tmp_path / "ignored.log").write_text("never sent\n")
    (tmp_path / ".dockerignore").write_text("*.log\n")
    return tmp_path


def steps(output: str) -> list[str]:
    return [line for line in output.splitlines() if line.startswith("Step ")]


def test_build_runs_steps_as_containers_and_the_image_runs(engine, context):
    out = engine.cli("build", "-t", "built:1", str(context))
    assert out.returncode == 0, out.stderr + engine.logs()
    assert len(steps(out.stdout)) == 6
    assert "from the context" in out.stdout  # the RUN step's own output, streamed
    assert out.stdout.count("Removing intermediate container") == 2
    run = engine.cli("run", "--rm", "built:1")
    assert run.stdout == "hello from a RUN step\n"
    gone = engine.cli("run", "--rm", "built:1", "ls", "/bin/vi")
    assert gone.returncode != 0  # deleted in a later layer: a whiteout hides it
    kept = engine.cli("run", "--rm", "built:1", "ls", "/bin/ls")
    assert kept.returncode == 0
    history = engine.cli("history", "--no-trunc", "--format", "{{.CreatedBy}}", "built:1")
    assert "rm /bin/vi" in history.stdout or "rm /bin/vi" in engine.cli("history", "--no-trunc", "built:1").stdout


def test_dockerignore_keeps_files_out_of_the_image(engine, context):
    assert engine.cli("build", "-t", "built:ign", str(context)).returncode == 0
    (context / "Dockerfile").write_text("FROM busybox\nCOPY . /ctx/\n")
    out = engine.cli("build", "-t", "built:ctx", str(context))
    assert out.returncode == 0, out.stderr
    listing = engine.cli("run", "--rm", "built:ctx", "ls", "/ctx").stdout.split()
    assert "greeting.txt" in listing and "ignored.log" not in listing


def test_rebuild_is_cached_and_a_changed_file_rebuilds_from_its_step(engine, context):
    first = engine.cli("build", "-t", "cached:1", str(context))
    assert first.returncode == 0, first.stderr
    again = engine.cli("build", "-t", "cached:1", str(context))
    assert again.stdout.count("Using cache") == 5  # every step after FROM
    (context / "greeting.txt").write_text("changed\n")
    changed = engine.cli("build", "-t", "cached:1", str(context))
    lines = changed.stdout.splitlines()
    copy_at = lines.index("Step 3/6 : COPY greeting.txt /data/")
    assert "Using cache" in lines[copy_at - 2] and "Using cache" not in "\n".join(lines[copy_at:])
    assert "changed" in changed.stdout


def test_rebuilding_a_tag_leaves_the_old_image_dangling(engine, context):
    (context / "Dockerfile").write_text("FROM busybox\nRUN date +%s%N > /stamp\n")
    assert engine.cli("build", "-t", "dangle:1", str(context)).returncode == 0
    old = engine.cli("images", "-q", "dangle:1").stdout.strip()
    assert engine.cli("build", "--no-cache", "-t", "dangle:1", str(context)).returncode == 0
    dangling = engine.cli("images", "-q", "--filter", "dangling=true").stdout.split()
    assert old in dangling
    assert engine.cli("images", "-q", "dangle:1").stdout.strip() != old


def test_a_failing_run_step_gives_its_exit_code_and_leaves_its_container_unless_force_rm(engine, tmp_path):
    (tmp_path / "Dockerfile").write_text("FROM busybox\nRUN echo before; exit 3\n")
    before = set(engine.cli("ps", "-aq").stdout.split())
    out = engine.cli("build", str(tmp_path))
    assert out.returncode == 3
    assert "returned a non-zero code: 3" in out.stderr + out.stdout
    left = set(engine.cli("ps", "-aq").stdout.split()) - before
    assert len(left) == 1  # kept for inspection, as the classic builder keeps it
    assert "before" in engine.cli("logs", left.pop()).stdout
    engine.cli("rm", "-f", *(set(engine.cli("ps", "-aq").stdout.split()) - before))
    forced = engine.cli("build", "--force-rm", str(tmp_path))
    assert forced.returncode == 3 and set(engine.cli("ps", "-aq").stdout.split()) == before


@pytest.mark.parametrize("dockerfile, message", [
    ("FROM busybox\nFOO bar\n", "unknown instruction: FOO"),
    ("FROM busybox\nCOPY nosuch.txt /x\n", "file not found in build context"),
    ("FROM nosuchimage:latest\n", "nosuchimage"),
])
def test_bad_dockerfiles_get_a_clear_error(engine, tmp_path, dockerfile, message):
    (tmp_path / "Dockerfile").write_text(dockerfile)
    out = engine.cli("build", str(tmp_path))
    assert out.returncode != 0
    assert message in out.stderr + out.stdout
    assert len((out.stderr.strip() or "x").splitlines()) <= 2


def test_the_real_docker_cli_builds_with_the_classic_builder(engine, context):
    engine.env["DOCKER_BUILDKIT"] = "0"
    try:
        out = engine.docker("build", "-t", "viadocker:1", "--build-arg", "UNUSED=1", str(context))
        assert out.returncode == 0, out.stderr
        assert "Successfully tagged viadocker:1" in out.stdout
        assert "[Warning] One or more build-args [UNUSED] were not consumed" in out.stdout
        quiet = engine.docker("build", "-q", str(context))
        assert quiet.stdout.strip().startswith("sha256:")
        assert engine.docker("run", "--rm", "viadocker:1").stdout == "hello from a RUN step\n"
    finally:
        engine.env.pop("DOCKER_BUILDKIT", None)


def test_multi_stage_copy_from_into_scratch(engine, tmp_path):
    (tmp_path / "Dockerfile").write_text(
        "FROM busybox AS build\nRUN mkdir /out && echo artefact > /out/a.txt\n"
        "FROM scratch\nCOPY --from=build /out/a.txt /a.txt\nCOPY --from=build /bin/busybox /bin/cat\nCMD [\"/bin/cat\", \"/a.txt\"]\n")
    out = engine.cli("build", "-t", "tiny:1", str(tmp_path))
    assert out.returncode == 0, out.stderr
    assert engine.cli("run", "--rm", "tiny:1").stdout == "artefact\n"
    inspect = json.loads(engine.cli("image", "inspect", "tiny:1").stdout)[0]
    assert len(inspect["RootFS"]["Layers"]) == 2


def test_a_built_image_saved_as_oci_is_read_by_skopeo_and_unpacked_by_umoci_for_runc(engine, context, tmp_path):
    import shutil
    import subprocess
    import uuid

    if not all(shutil.which(tool) for tool in ("skopeo", "umoci", "runc")):
        pytest.skip("skopeo, umoci and runc are installed by the set-up")
    assert engine.cli("build", "-t", "interop:1", str(context)).returncode == 0
    archive = tmp_path / "interop.tar"
    assert engine.cli("save", "-o", str(archive), "interop:1").returncode == 0
    layout = tmp_path / "layout"
    layout.mkdir()
    subprocess.run(["tar", "-xf", str(archive), "-C", str(layout)], check=True)
    info = subprocess.run(["skopeo", "inspect", f"oci:{layout}:1"], capture_output=True, text=True, timeout=60)
    assert info.returncode == 0, info.stderr
    assert len(json.loads(info.stdout)["Layers"]) == 4  # busybox, then COPY, RUN and RUN rm: one layer each
    bundle = tmp_path / "bundle"
    out = subprocess.run(["umoci", "unpack", "--image", f"{layout}:1", str(bundle)], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    config = json.loads((bundle / "config.json").read_text())
    config["process"]["args"] = ["sh", "-c", "cat /made-by-run; ls /bin/vi || echo vi-gone"]
    config["process"]["terminal"] = False
    (bundle / "config.json").write_text(json.dumps(config))
    name, root = "md-" + uuid.uuid4().hex[:12], tmp_path / "runc"
    try:
        run = subprocess.run(["runc", "--root", str(root), "run", "--bundle", str(bundle), name],
                             capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    finally:
        subprocess.run(["runc", "--root", str(root), "delete", "-f", name], capture_output=True)
    assert run.returncode == 0, run.stderr
    assert run.stdout.splitlines()[0] == "hello from a RUN step" and run.stdout.splitlines()[-1] == "vi-gone"


def test_removing_the_dangling_image_a_rebuild_left_and_pruning_report_what_they_deleted(engine, tmp_path):
    (tmp_path / "Dockerfile").write_text("FROM busybox\nENV A=1\nCOPY f /f\n")
    (tmp_path / "f").write_text("1")
    assert engine.cli("build", "-q", "-t", "prunable:1", str(tmp_path)).returncode == 0
    (tmp_path / "f").write_text("2")
    assert engine.cli("build", "-q", "-t", "prunable:1", str(tmp_path)).returncode == 0
    dangling = engine.cli("images", "-q", "-f", "dangling=true").stdout.split()
    assert dangling
    out = engine.cli("rmi", *dangling)
    assert out.returncode == 0, out.stderr  # the cached ENV image has a child: not dangling, left quietly
    assert engine.cli("images", "-q", "-f", "dangling=true").stdout.split() == []
    (tmp_path / "f").write_text("3")
    assert engine.cli("build", "-q", "-t", "prunable:1", str(tmp_path)).returncode == 0
    pruned = engine.docker("image", "prune", "-f")
    assert pruned.returncode == 0 and "deleted: sha256:" in pruned.stdout


def test_workdir_makes_its_directory_and_copy_to_dot_lands_inside_it(engine, tmp_path):
    (tmp_path / "Dockerfile").write_text("FROM busybox\nWORKDIR /app/sub\nCOPY f .\nWORKDIR /empty\nRUN pwd; ls /app/sub\n")
    (tmp_path / "f").write_text("x")
    out = engine.cli("build", "-t", "wd:1", str(tmp_path))
    assert out.returncode == 0, out.stdout + out.stderr
    assert "/empty\nf\n" in out.stdout
    listing = engine.cli("run", "--rm", "wd:1", "sh", "-c", "ls -d /app/sub /empty; cat /app/sub/f").stdout
    assert listing == "/app/sub\n/empty\nx"


def test_run_layers_hold_only_what_the_step_changed(engine, tmp_path):
    (tmp_path / "Dockerfile").write_text("FROM busybox\nRUN echo x > /made\n")
    assert engine.cli("build", "-t", "runlayer:1", str(tmp_path)).returncode == 0
    archive = tmp_path / "runlayer.tar"
    assert engine.cli("save", "-o", str(archive), "runlayer:1").returncode == 0
    import tarfile

    with tarfile.open(archive) as outer:
        manifest = json.load(outer.extractfile("manifest.json"))[0]
        top = outer.extractfile(manifest["Layers"][-1]).read()
    with tarfile.open(fileobj=io.BytesIO(top)) as layer:
        names = sorted(m.name for m in layer)
    assert names == ["made"]  # not the mount points of /etc/hosts, /etc/hostname, /etc/resolv.conf
