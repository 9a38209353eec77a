"""Differential tests: image, build, volume and disk-usage commands of the real docker CLI, minidockerd vs dockerd 20.10.

The same command runs on both daemons; exit code, normalised stdout and stderr must agree. Known differences
(see /work/helpers/DISCREPANCIES.md) are left out: only what already agrees is asserted. The tests of this
module build on each other's state in file order, and the state is the same on both daemons.
"""

from __future__ import annotations

import json
import re

import pytest

from diff_docker_fixture import norm, pair  # noqa: F401 - `pair` is the module-scoped fixture

pytestmark = pytest.mark.root

LEGACY = {"DOCKER_BUILDKIT": "0"}


def same(pair, *args: str, sizes: bool = False, sort: bool = False, env: dict | None = None, cwd: str | None = None,
         input=None):
    """Run on both; exit code, stdout and stderr must agree (sizes compared exactly unless sizes=True)."""
    real, mini = pair.both(*args, env=env, cwd=cwd, input=input)
    n = (lambda t: norm(t)) if sizes else (lambda t: norm_keep_sizes(t))
    order = sorted if sort else list
    assert mini.returncode == real.returncode, (args, real, mini)
    assert order(n(mini.stdout).splitlines()) == order(n(real.stdout).splitlines()), (args, real.stdout, mini.stdout)
    assert n(mini.stderr) == n(real.stderr), (args, real.stderr, mini.stderr)
    return real, mini


def norm_keep_sizes(text: str) -> str:
    """As norm(), but sizes stay: both daemons hold the very same image bytes."""
    sizes = re.findall(r"\b\d+(?:\.\d+)?\s?(?:B|kB|KB|MB|GB)\b", text)
    out = norm(text)
    for size in sizes:
        out = out.replace("<SIZE>", size, 1)
    return out


def test_system_df_on_a_fresh_engine(pair):
    same(pair, "system", "df")
    same(pair, "system", "df", "-v")


@pytest.mark.parametrize("args", [
    ("images",), ("images", "-q"), ("images", "-a"), ("images", "--digests"), ("images", "--no-trunc"),
    ("images", "--filter", "dangling=true"), ("images", "busybox"), ("images", "nosuch"),
    ("history", "busybox"), ("history", "--no-trunc", "busybox"), ("history", "-q", "busybox"), ("history", "nosuch"),
])
def test_image_listings(pair, args):
    same(pair, *args)


def test_image_inspect_keys_and_values(pair):
    real, mini = pair.both("image", "inspect", "busybox")
    assert mini.returncode == real.returncode == 0
    r, m = json.loads(real.stdout)[0], json.loads(mini.stdout)[0]
    assert set(m) == set(r)
    # GraphDriver (the storage driver's own paths) and Metadata.LastTagTime differ: DISCREPANCIES.md.
    for key in set(r) - {"GraphDriver", "Metadata"}:
        assert m[key] == r[key], key
    assert set(m["Metadata"]) == set(r["Metadata"])


def test_tag_and_rmi(pair):
    same(pair, "tag", "busybox", "mybox:v1")
    same(pair, "tag", "busybox", "other/box:v2")
    same(pair, "images", sort=True)
    same(pair, "rmi", _busybox_id(pair))
    same(pair, "rmi", "mybox:v1")
    same(pair, "rmi", "other/box:v2")
    same(pair, "images")


def _busybox_id(pair) -> str:
    real, mini = pair.both("images", "-q", "busybox")
    assert real.stdout == mini.stdout  # the same image, loaded from minidocker's save
    return mini.stdout.strip()


def test_rmi_conflict_with_a_container(pair):
    same(pair, "tag", "busybox", "used:v1")
    same(pair, "create", "--name", "user", "--network", "none", "used:v1", "true")
    same(pair, "rmi", "used:v1")
    same(pair, "rmi", _busybox_id(pair))
    same(pair, "rm", "user")
    same(pair, "rmi", "used:v1")


def _build(pair, ctx, *extra: str):
    return same(pair, "build", *extra, str(ctx), env=LEGACY, sizes=True)


@pytest.fixture(scope="module")
def context(tmp_path_factory):
    ctx = tmp_path_factory.mktemp("ctx")
    (ctx / "Dockerfile").write_text("FROM busybox\nCOPY f.txt /f.txt\nRUN echo built > /built && cat /f.txt\n")
    (ctx / "f.txt").write_text("content\n")
    return ctx


def test_build_output_and_cache(pair, context):
    real, _ = _build(pair, context, "-t", "b1")
    assert "Successfully tagged b1:latest" in real.stdout and " ---> Running in <id>" in norm(real.stdout)
    real, _ = _build(pair, context, "-t", "b1")
    assert norm(real.stdout).count(" ---> Using cache") == 2
    same(pair, "run", "--rm", "--network", "none", "b1", "cat", "/built", "/f.txt")
    real, mini = pair.both("history", "--no-trunc", "--format", "{{.CreatedBy}}|{{.Size}}|{{.Comment}}", "b1")
    # The COPY source's content hash is computed differently (DISCREPANCIES.md): everything else agrees.
    copy_hash = lambda out: re.sub(r"file:[0-9a-f]{64}", "file:<HASH>", out)  # noqa: E731
    assert mini.returncode == real.returncode == 0
    assert copy_hash(mini.stdout) == copy_hash(real.stdout)


def test_build_metadata_steps_agree_but_for_their_intermediate_containers(pair, tmp_path):
    # For ENV/WORKDIR/CMD, real docker runs (and removes) an intermediate container; minidocker does not
    # (DISCREPANCIES.md). Everything else in the output must agree.
    (tmp_path / "Dockerfile").write_text('FROM busybox\nENV GREETING=hello\nWORKDIR /app\nCMD ["cat", "/etc/hostname"]\n')
    real, mini = pair.both("build", "-t", "meta", str(tmp_path), env=LEGACY)
    drop = re.compile(r"^( ---> Running in \S+|Removing intermediate container \S+)$")
    keep = lambda out: [ln for ln in norm(out).splitlines() if not drop.match(ln)]  # noqa: E731
    assert mini.returncode == real.returncode == 0
    assert keep(mini.stdout) == keep(real.stdout)
    same(pair, "run", "--rm", "--network", "none", "meta", "sh", "-c", "pwd; echo $GREETING")
    same(pair, "inspect", "-f", "{{.Config.Cmd}} {{.Config.WorkingDir}} {{.Config.Env}}", "meta")


def test_build_failing_run(pair, tmp_path):
    (tmp_path / "Dockerfile").write_text("FROM busybox\nRUN echo before; exit 3\n")
    real, _ = _build(pair, tmp_path)
    assert real.returncode == 3
    assert "The command '/bin/sh -c echo before; exit 3' returned a non-zero code: 3" in real.stderr
    # real docker keeps the failed step's container, minidocker removes it (DISCREPANCIES.md): clear both.
    for fn in (pair.real, pair.mini):
        assert fn("container", "prune", "-f").returncode == 0


def test_build_unknown_instruction(pair, tmp_path):
    (tmp_path / "Dockerfile").write_text("FROM busybox\nFOO bar\n")
    real, _ = _build(pair, tmp_path)
    assert real.returncode == 1 and "unknown instruction: FOO" in real.stderr


def _build_lines(out: str) -> list[str]:
    """Build output without the metadata steps' intermediate-container lines (DISCREPANCIES.md)."""
    drop = re.compile(r"^( ---> Running in \S+|Removing intermediate container \S+)$")
    return [ln for ln in norm(out).splitlines() if not drop.match(ln)]


def test_build_multistage_args_ignore_add_and_metadata(pair, tmp_path):
    import tarfile

    (tmp_path / "a.txt").write_text("a\n")
    (tmp_path / "skip.txt").write_text("secret\n")
    (tmp_path / ".dockerignore").write_text("skip.txt\n")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "s").write_text("s\n")
    with tarfile.open(tmp_path / "arch.tar", "w") as tar:
        tar.add(tmp_path / "sub", arcname="sub")
    (tmp_path / "Dockerfile").write_text(
        "FROM busybox AS base\nARG V=def\nRUN echo \"v=$V\" > /v\nFROM busybox\nCOPY --from=base /v /v\n"
        "COPY *.txt /files/\nADD arch.tar /unpacked/\nLABEL team=a\nEXPOSE 8080\nUSER nobody\n"
        'ENTRYPOINT ["cat"]\nCMD ["/v"]\n')
    real, mini = pair.both("build", "-t", "ms", "--build-arg", "V=given", str(tmp_path), env=LEGACY)
    assert mini.returncode == real.returncode == 0
    assert _build_lines(mini.stdout) == _build_lines(real.stdout)
    assert norm(mini.stderr) == norm(real.stderr)
    same(pair, "run", "--rm", "--network", "none", "ms")
    same(pair, "run", "--rm", "--network", "none", "--entrypoint", "ls", "ms", "/files", "/unpacked/sub")
    same(pair, "inspect", "-f", "{{.Config.User}} {{.Config.Labels}} {{.Config.ExposedPorts}} {{.Config.Entrypoint}} "
         "{{.Config.Cmd}}", "ms")
    # real's COPY --from layer is byte-identical to the first stage's RUN layer and shared with it, so real
    # deletes one layer fewer (DISCREPANCIES.md): compare the untag, the exit code and what remains.
    real, mini = pair.both("rmi", "ms")
    assert mini.returncode == real.returncode == 0
    assert mini.stdout.splitlines()[0] == real.stdout.splitlines()[0] == "Untagged: ms:latest"
    same(pair, "images", "--format", "{{.Repository}}:{{.Tag}}", sort=True)


def test_build_copy_of_a_missing_file(pair, tmp_path):
    (tmp_path / "Dockerfile.bad").write_text("FROM busybox\nCOPY nosuch /x\n")
    real, _ = same(pair, "build", "-f", str(tmp_path / "Dockerfile.bad"), str(tmp_path), env=LEGACY, sizes=True)
    assert real.returncode == 1 and "COPY failed: file not found in build context" in real.stderr


def test_build_from_stdin(pair):
    real, mini = pair.both("build", "-q", "-", input="FROM busybox\nRUN echo from-stdin > /s\n", env=LEGACY)
    assert mini.returncode == real.returncode == 0
    assert norm(mini.stdout) == norm(real.stdout) == "sha256:<ID>"


def test_rebuild_makes_a_dangling_image_and_prune_removes_it(pair, context):
    (context / "f.txt").write_text("changed\n")
    _build(pair, context, "-q", "-t", "b1")
    same(pair, "images", "--filter", "dangling=true", "--format", "{{.Repository}}:{{.Tag}}")
    real, mini = pair.both("images", "-aq")
    assert len(mini.stdout.split()) == len(real.stdout.split())
    # The prune's report differs (DISCREPANCIES.md); what it leaves behind must agree.
    real, mini = pair.both("image", "prune", "-f")
    assert mini.returncode == real.returncode == 0
    same(pair, "images", "--filter", "dangling=true")
    real, mini = pair.both("images", "-aq")
    assert len(mini.stdout.split()) == len(real.stdout.split())


def test_rmi_multi_tag_conflict_and_force(pair):
    same(pair, "tag", "b1", "m1:a")
    same(pair, "tag", "b1", "m2:b")
    for args in (("rmi", "{id}"), ("rmi", "-f", "{id}")):
        outs = []
        for fn in (pair.real, pair.mini):
            image = fn("images", "-q", "m1:a").stdout.strip()
            res = fn(*(a.format(id=image) for a in args))
            outs.append((res.returncode, norm(res.stdout), norm(res.stderr)))
        assert outs[1] == outs[0], args
    same(pair, "images", "-a", "--format", "{{.Repository}}:{{.Tag}}", sort=True)
    same(pair, "rmi", "-f", "m1")


def test_save_load_round_trip_across_daemons(pair, tmp_path):
    (tmp_path / "Dockerfile").write_text("FROM busybox\nRUN echo round-trip > /rt\n")
    _build(pair, tmp_path, "-q", "-t", "rt")
    real_tar, mini_tar = tmp_path / "real.tar", tmp_path / "mini.tar"
    assert pair.real("save", "-o", str(real_tar), "rt").returncode == 0
    assert pair.mini("save", "-o", str(mini_tar), "rt").returncode == 0
    real_id = pair.real("images", "-q", "--no-trunc", "rt").stdout.strip()
    mini_id = pair.mini("images", "-q", "--no-trunc", "rt").stdout.strip()
    same(pair, "rmi", "rt")
    # each daemon loads the other's archive: the same ids come back, and the image runs
    res_r = pair.real("load", "-i", str(mini_tar))
    res_m = pair.mini("load", "-i", str(real_tar))
    assert (res_r.returncode, res_r.stdout) == (res_m.returncode, res_m.stdout) == (0, "Loaded image: rt:latest\n")
    assert pair.real("images", "-q", "--no-trunc", "rt").stdout.strip() == mini_id
    assert pair.mini("images", "-q", "--no-trunc", "rt").stdout.strip() == real_id
    same(pair, "run", "--rm", "--network", "none", "rt", "cat", "/rt")
    # and each loads its own archive back over it: docker's rename note, then the same result
    res_r = pair.real("load", "-i", str(real_tar))
    res_m = pair.mini("load", "-i", str(mini_tar))
    assert res_m.returncode == res_r.returncode == 0
    assert norm(res_m.stdout) == norm(res_r.stdout)
    assert "renaming the old one with ID sha256:" in res_m.stdout


def test_load_of_a_non_archive_fails(pair, tmp_path):
    junk = tmp_path / "junk.tar"
    junk.write_text("not a tar\n")
    real, mini = pair.both("load", "-i", str(junk))
    assert mini.returncode == real.returncode == 1
    same(pair, "images", "-a", "--format", "{{.Repository}}:{{.Tag}}", sort=True)


def test_volumes(pair):
    same(pair, "volume", "create", "v1")
    same(pair, "volume", "ls")
    real, mini = pair.both("volume", "inspect", "v1")
    r, m = json.loads(real.stdout)[0], json.loads(mini.stdout)[0]
    assert set(m) == set(r)
    for key in ("Driver", "Name", "Scope"):
        assert m[key] == r[key]
    same(pair, "run", "--name", "vu", "--network", "none", "-v", "vx:/data", "busybox", "sh", "-c", "echo hi > /data/f")
    same(pair, "volume", "rm", "vx")
    same(pair, "run", "--rm", "--network", "none", "-v", "vx:/data", "busybox", "cat", "/data/f")
    same(pair, "volume", "ls", "-q", sort=True)
    same(pair, "rm", "vu")
    same(pair, "volume", "rm", "v1")
    same(pair, "volume", "rm", "v1")
    same(pair, "volume", "inspect", "nosuch")
    same(pair, "volume", "prune", "-f", sort=True)
    same(pair, "volume", "ls")


def test_system_df_after_images_and_volumes(pair):
    same(pair, "volume", "create", "v2")
    real, mini = pair.both("system", "df")
    assert mini.returncode == real.returncode == 0
    # A container's own size differs, and minidocker counts intermediate images in TOTAL (DISCREPANCIES.md):
    # the Containers row and the Images row's TOTAL are left out.
    def rows(out):
        kept = []
        for line in norm_keep_sizes(out).splitlines():
            if line.startswith("Images"):
                kept.append(line.split("  ")[:1] + line.split("  ")[2:])
            elif not line.startswith("Containers"):
                kept.append(line.split("  "))
        return kept
    assert rows(mini.stdout) == rows(real.stdout), [fn("images", "-a").stdout for fn in (pair.real, pair.mini)]
    same(pair, "volume", "rm", "v2")
