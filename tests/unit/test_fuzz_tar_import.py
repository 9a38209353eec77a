"""Fuzz (Hypothesis) of the tar importer: any tar either imports cleanly or is refused with a clear error,
and nothing is ever written outside the target. Bounded for CI (see SETTINGS).

The strategy builds tars that aim at the known breakouts: names with "..", absolute names, symlinks to
the absolute path of a sentinel directory outside the target and relative climbs, entries written
through those symlinks, hard links to missing or outside targets, file/dir clashes, whiteouts, FIFOs
and device nodes, odd modes. Each example imports the tar into a fresh image service and, when it is
accepted, unpacks the stored layer again (what `run` will do) to prove "accepted" means "unpackable".
"""

from __future__ import annotations

import io
import os
import tarfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from images_fixtures import make_service
from minidocker.containerd.archive import apply_tar
from minidocker.errors import InvalidArgument
from minidocker.linux.removeall import remove_all

SETTINGS = settings(max_examples=80, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
OUTSIDE = "/OUTSIDE"  # replaced by the sentinel directory's absolute path in each example

COMPONENTS = st.sampled_from(["a", "b", "etc", "..", ".", "", "lnk", "dir", ".wh.a", ".wh..wh..opq", "x" * 120])
NAMES = st.lists(COMPONENTS, min_size=1, max_size=4).map("/".join) | st.sampled_from(
    ["/etc/passwd", "../evil", "a/../../evil", "lnk/evil", "dir/lnk/evil", "/", "./", "a\x00b"])
TARGETS = NAMES | st.sampled_from([OUTSIDE, OUTSIDE + "/evil", "../../..", "/", "/etc"])
KINDS = st.sampled_from(["file", "dir", "sym", "hard", "fifo", "chr"])
ENTRY = st.tuples(NAMES, KINDS, TARGETS, st.binary(max_size=64), st.integers(0, 0o7777))


def build_tar(entries, outside: str) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as t:
        for name, kind, target, data, mode in entries:
            info = tarfile.TarInfo(name)
            info.mode = mode
            target = target.replace(OUTSIDE, outside)
            if kind == "file":
                info.size = len(data)
                t.addfile(info, io.BytesIO(data))
                continue
            info.type = {"dir": tarfile.DIRTYPE, "sym": tarfile.SYMTYPE, "hard": tarfile.LNKTYPE,
                         "fifo": tarfile.FIFOTYPE, "chr": tarfile.CHRTYPE}[kind]
            if kind in ("sym", "hard"):
                info.linkname = target
            t.addfile(info)
    return buf.getvalue()


def tree(path: Path) -> dict[str, tuple[int, int]]:
    """Every path under path with (mode, size), without following symlinks."""
    out = {}
    for dirpath, dirs, files in os.walk(path):
        for n in dirs + files:
            p = os.path.join(dirpath, n)
            st_ = os.lstat(p)
            out[os.path.relpath(p, path)] = (st_.st_mode, st_.st_size)
    return out


@SETTINGS
@given(entries=st.lists(ENTRY, min_size=1, max_size=8))
def test_any_tar_imports_cleanly_or_is_refused_clearly_and_never_writes_outside(tmp_path_factory, entries):
    base = tmp_path_factory.mktemp("fuzz")
    try:
        outside = base / "outside"
        outside.mkdir()
        (outside / "keep").write_text("precious")
        svc, _ = make_service(base / "engine")
        before = tree(outside)
        data = build_tar(entries, str(outside))
        try:
            image_id = svc.import_image(io.BytesIO(data), repo="fuzz")
        except InvalidArgument as err:
            message = str(err)
            assert message and "\n" not in message and "Traceback" not in message
            image_id = None
        assert tree(outside) == before, "the importer wrote outside its target"
        assert sorted(os.listdir(base)) == ["engine", "outside"]
        if image_id is not None:
            (layer,) = svc.store.get(image_id).layers
            rootfs = base / "rootfs"
            rootfs.mkdir()
            apply_tar(io.BytesIO(svc.content.read_bytes(layer["digest"])), rootfs)  # what `run` will do
            assert tree(outside) == before, "unpacking the accepted layer wrote outside its root"
    finally:
        remove_all(base)
