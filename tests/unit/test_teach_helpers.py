"""teach.py: source rendering, tables, preflight and the /_ping probe (no root needed)."""

from __future__ import annotations

import socket
import threading
from pathlib import Path

import graphviz

from minidocker import teach
from minidocker.observe import host


def test_source_of_returns_the_real_code_and_location():
    where, code = teach.source_of(teach.ping)
    assert where.startswith("minidocker/teach.py:")
    assert code.lstrip().startswith("def ping(")
    line = int(where.rsplit(":", 1)[1])
    assert Path(teach.__file__).read_text().splitlines()[line - 1].startswith("def ping(")


def test_show_source_prints_outside_jupyter(capsys):
    teach.show_source(teach.require_root)
    out = capsys.readouterr().out
    assert "def require_root" in out and "minidocker/teach.py" in out


def test_svg_of_graph_and_dot_text():
    g = graphviz.Digraph()
    g.edge("client", "dockerd")
    assert "<svg" in teach.svg_of(g)
    assert "<svg" in teach.svg_of("digraph { a -> b }")


def test_table_text_and_html():
    t = teach.table(["a", "bb"], [[1, "<x>"], ["long", 2]])
    lines = str(t).splitlines()
    assert lines[0].split() == ["a", "bb"] and lines[2].split() == ["long", "2"]
    assert "&lt;x&gt;" in t._repr_html_()


def test_preflight_lists_every_check():
    names = [row[0] for row in teach.preflight().rows]
    assert names == [c.name for c in host.checks()] + ["engine"]


def test_cgroup_layout_is_known():
    assert host.cgroup_layout() in {"v1", "v2", "hybrid", "none"}


def _serve_once(path: Path, reply: bytes) -> threading.Thread:
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(str(path))
    srv.listen(1)

    def run():
        conn, _ = srv.accept()
        conn.recv(4096)
        conn.sendall(reply)
        conn.close()
        srv.close()

    t = threading.Thread(target=run, daemon=True)
    t.start()
    return t


def test_ping_answers_ok_and_refuses_others(tmp_path):
    ok = tmp_path / "ok.sock"
    t = _serve_once(ok, b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nOK")
    assert teach.ping(ok)
    t.join(2)
    bad = tmp_path / "bad.sock"
    t = _serve_once(bad, b"HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\n\r\n")
    assert not teach.ping(bad)
    t.join(2)
    assert not teach.ping(tmp_path / "absent.sock")


def test_wide_diagrams_are_scaled_to_the_notebook_width_and_narrow_ones_kept():
    from minidocker import teach

    wide = '<svg width="1320pt" height="200pt"\n viewBox="0.00 0.00 1320.00 200.00">'
    assert teach.fit_width(wide).startswith(f'<svg width="{teach.MAX_WIDTH_PT}pt" height="100pt"')
    assert "viewBox=\"0.00 0.00 1320.00 200.00\"" in teach.fit_width(wide)
    narrow = '<svg width="300pt" height="200pt">'
    assert teach.fit_width(narrow) == narrow
    svg = teach.svg_of("digraph { " + " ".join(f"n{i} -> m{i};" for i in range(40)) + " }")
    import re
    assert float(re.search(r'<svg width="([\d.]+)pt"', svg)[1]) <= teach.MAX_WIDTH_PT


def test_rooted_writes_roots_as_their_variables_by_path_component(monkeypatch):
    from minidocker import teach

    monkeypatch.setenv("MINIDOCKER_ROOT", "/srv/odd dir/system")
    monkeypatch.setenv("MINIDOCKER_COURSE_ROOT", "/srv/odd dir/system/course")
    text = ("socket /srv/odd dir/system/course/ch05/run/containerd.sock, /srv/odd dir/system/run/minidocker.sock;"
            " '/srv/odd dir/system' /srv/odd dir/systemd/x")
    assert teach.rooted(text) == ("socket $MINIDOCKER_COURSE_ROOT/ch05/run/containerd.sock, $MINIDOCKER_ROOT/run/minidocker.sock;"
                                  " '$MINIDOCKER_ROOT' /srv/odd dir/systemd/x")
    monkeypatch.delenv("MINIDOCKER_ROOT")
    monkeypatch.delenv("MINIDOCKER_COURSE_ROOT")
    assert teach.rooted("/var/lib/minidocker-course/ch08/lib /run/minidocker/x") == "$MINIDOCKER_COURSE_ROOT/ch08/lib /run/minidocker/x"


def test_transcript_puts_progress_before_output_and_raises_on_failure(tmp_path, monkeypatch):
    from minidocker import teach

    script = tmp_path / "fake-cli"
    script.write_text("#!/bin/sh\necho result; echo progress >&2; [ \"$1\" = ok ]\n")
    script.chmod(0o755)
    monkeypatch.setattr(teach, "cli_path", lambda: [str(script)])
    eng = teach.Engine(None, tmp_path / "sock")
    assert eng.transcript("ok") == "progress\nresult\n"
    import pytest
    with pytest.raises(RuntimeError, match="exited 1"):
        eng.transcript("fail")
