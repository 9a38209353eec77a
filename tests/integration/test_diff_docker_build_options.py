"""Differential tests, issue 12 point 5: build options and steps as dockerd 20.10's classic builder has them.

--label (also on FROM scratch), a repeated `dockerfile` query parameter, RUN's stderr marked in the stream,
--cache-from, the context's .dockerignore on the server, --add-host/--network for RUN, ONBUILD triggers.
One real docker CLI (DOCKER_BUILDKIT=0) against minidockerd and dockerd 20.10 (diff_docker_fixture.py).
"""

from __future__ import annotations

import io
import json
import re
import socket
import tarfile

import pytest

from diff_docker_fixture import norm, pair  # noqa: F401 - `pair` is the module-scoped fixture

pytestmark = pytest.mark.root

LEGACY = {"DOCKER_BUILDKIT": "0"}
# Lines only real docker prints: it runs (and removes) a container for metadata steps, minidocker does not.
_META = re.compile(r"^( ---> Running in \S+|Removing intermediate container \S+)$")


def build(pair, ctx, *opts):
    real, mini = pair.both("build", *opts, str(ctx), env=LEGACY)
    return real, mini


def lines(out: str, keep_meta: bool = False) -> list[str]:
    return [ln for ln in norm(out).splitlines() if keep_meta or not _META.match(ln)]


def both_inspect(pair, fmt: str, ref: str) -> tuple[str, str]:
    real, mini = pair.both("image", "inspect", "--format", fmt, ref)
    assert real.returncode == mini.returncode == 0, (real, mini)
    return real.stdout, mini.stdout


def test_label_option_is_a_last_step(pair, tmp_path):
    (tmp_path / "Dockerfile").write_text("FROM busybox\nRUN true\n")
    real, mini = build(pair, tmp_path, "--label", "course=minidocker", "-t", "labelled")
    assert real.returncode == mini.returncode == 0, (real, mini)
    assert lines(mini.stdout) == lines(real.stdout)
    r, m = both_inspect(pair, "{{json .Config.Labels}}", "labelled")
    assert json.loads(m) == json.loads(r)
    r, m = pair.both("history", "--no-trunc", "--format", "{{.CreatedBy}}", "labelled")
    assert m.stdout == r.stdout


def test_label_option_on_from_scratch(pair, tmp_path):
    (tmp_path / "Dockerfile").write_text("FROM scratch\n")
    real, mini = build(pair, tmp_path, "--label", "a=b", "-t", "scratchlabel")
    assert mini.returncode == real.returncode, (real, mini)
    assert lines(mini.stdout) == lines(real.stdout)
    assert norm(mini.stderr) == norm(real.stderr)
    if real.returncode == 0:
        r, m = both_inspect(pair, "{{json .Config.Labels}} {{len .RootFS.Layers}}", "scratchlabel")
        assert m == r


def _context_tar(files: dict[str, str]) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        for name, text in files.items():
            data = text.encode()
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def _post_build(sock: str, query: str, body: bytes) -> str:
    s = socket.socket(socket.AF_UNIX)
    s.settimeout(60)
    s.connect(sock)
    s.sendall(f"POST /v1.41/build?{query} HTTP/1.1\r\nHost: docker\r\nContent-Type: application/x-tar\r\n"
              f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode() + body)
    out = b""
    try:
        while chunk := s.recv(65536):
            out += chunk
    except ConnectionResetError:
        pass  # dockerd may close before the client's side is drained; the answer is in already
    s.close()
    return out.decode(errors="replace")


def test_repeated_dockerfile_parameter_takes_the_first(pair):
    body = _context_tar({"First.df": "FROM busybox\nLABEL which=first\n", "Second.df": "FROM busybox\nLABEL which=second\n"})
    query = "dockerfile=First.df&dockerfile=Second.df&t=whichdf"
    _post_build(str(pair.reald.sock), query, body)
    _post_build(str(pair.engine.socket), query, body)
    r, m = both_inspect(pair, "{{.Config.Labels.which}}", "whichdf")
    assert r.strip() == "first" and m == r


def test_run_stderr_is_marked_in_the_stream(pair, tmp_path):
    (tmp_path / "Dockerfile").write_text("FROM busybox\nRUN echo to-out; echo to-err >&2\n")
    real, mini = build(pair, tmp_path, "--no-cache")
    assert real.returncode == mini.returncode == 0
    assert "\x1b[91mto-err\n\x1b[0m" in real.stdout  # dockerd wraps stderr in red (streamformatter.NewStderrWriter)
    # stdout and stderr travel apart (two pipes in both engines): their interleaving is not part of the contract
    assert "\x1b[91mto-err\n\x1b[0m" in mini.stdout and "to-out\n" in mini.stdout
    rest = lambda out: lines(out.replace("\x1b[91mto-err\n\x1b[0m", "").replace("to-out\n", ""), keep_meta=True)  # noqa: E731
    assert rest(mini.stdout) == rest(real.stdout)


def test_cache_from_limits_the_cache_to_the_listed_images(pair, tmp_path):
    (tmp_path / "Dockerfile").write_text("FROM busybox\nRUN echo cached > /c\n")
    real, mini = build(pair, tmp_path, "-t", "cachesrc")
    assert real.returncode == mini.returncode == 0
    for opts in (("--cache-from", "nosuchimage"), ("--cache-from", "cachesrc"), ("--cache-from", "busybox"),
                 ("--cache-from", "cachesrc"), ()):
        real, mini = build(pair, tmp_path, *opts)
        assert real.returncode == mini.returncode == 0, (opts, real, mini)
        assert norm(mini.stdout).count("Using cache") == norm(real.stdout).count("Using cache"), (opts, real.stdout, mini.stdout)


def test_dockerignore_listing_the_dockerfile_drops_it_on_the_server(pair, tmp_path):
    (tmp_path / "Dockerfile").write_text("FROM busybox\nCOPY . /ctx\nRUN ls -a /ctx\n")
    (tmp_path / ".dockerignore").write_text("Dockerfile\n.dockerignore\n")
    (tmp_path / "kept.txt").write_text("k\n")
    real, mini = build(pair, tmp_path, "--no-cache")
    assert real.returncode == mini.returncode == 0, (real, mini)
    assert lines(mini.stdout, keep_meta=True) == lines(real.stdout, keep_meta=True)


def test_add_host_and_network_reach_run_steps(pair, tmp_path):
    (tmp_path / "Dockerfile").write_text("FROM busybox\nRUN grep course /etc/hosts; ls /sys/class/net | sort\n")
    real, mini = build(pair, tmp_path, "--no-cache", "--add-host", "course.example:10.9.8.7", "--network", "none")
    assert real.returncode == mini.returncode == 0, (real, mini)
    assert lines(mini.stdout, keep_meta=True) == lines(real.stdout, keep_meta=True)


def test_onbuild_triggers_run_in_a_later_from(pair, tmp_path):
    parent, child = tmp_path / "parent", tmp_path / "child"
    parent.mkdir()
    child.mkdir()
    (parent / "Dockerfile").write_text("FROM busybox\nONBUILD COPY marker /marker\nONBUILD RUN cat /marker\n")
    (child / "Dockerfile").write_text("FROM onbuildparent\nRUN echo child\n")
    (child / "marker").write_text("from the child's context\n")
    real, mini = build(pair, parent, "-t", "onbuildparent")
    assert real.returncode == mini.returncode == 0
    real, mini = build(pair, child, "-t", "onbuildchild")
    assert real.returncode == mini.returncode == 0, (real, mini)
    assert lines(mini.stdout) == lines(real.stdout)
    r, m = both_inspect(pair, "{{json .Config.OnBuild}}", "onbuildchild")
    assert m == r
    r, m = pair.both("history", "--no-trunc", "--format", "{{.CreatedBy}}", "onbuildchild")
    hashes = lambda out: re.sub(r"file:[0-9a-f]{64}", "file:<HASH>", out)  # noqa: E731
    assert hashes(m.stdout) == hashes(r.stdout)
