"""process.user from the image's /etc/passwd and /etc/group (runc GetExecUser semantics, Docker's primary-gid-first)."""

from __future__ import annotations

import pytest

from minidocker.dockerd.containers.spec import resolve_user
from minidocker.errors import InvalidArgument

PASSWD = "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/home:/bin/false\napp:x:500:500::/:/bin/sh\n"
GROUP = "root:x:0:\nwheel:x:10:root,app\ntty:x:5:\napp:x:500:\nnogroup:x:65534:\n"


@pytest.fixture
def mounts(tmp_path):
    (tmp_path / "etc").mkdir()
    (tmp_path / "etc/passwd").write_text(PASSWD)
    (tmp_path / "etc/group").write_text(GROUP)
    return [{"type": "bind", "source": str(tmp_path), "options": []}]


@pytest.mark.parametrize("user, want", [
    ("", (0, 0, [0, 10])),
    ("root", (0, 0, [0, 10])),
    ("0", (0, 0, [0, 10])),
    ("app", (500, 500, [500, 10])),
    ("500", (500, 500, [500, 10])),
    ("nobody", (65534, 65534, [65534])),
    ("1000", (1000, 0, [0])),
    ("1000:1000", (1000, 1000, [1000])),
    ("app:tty", (500, 5, [5])),
    ("nobody:10", (65534, 10, [10])),
])
def test_user_forms(mounts, user, want):
    u = resolve_user(user, mounts)
    assert (u["uid"], u["gid"], u["additionalGids"]) == want


def test_group_add_by_name_and_unknown_id(mounts):
    u = resolve_user("nobody", mounts, ["tty", "4242", "65534"])
    assert u["additionalGids"] == [65534, 5, 4242]


@pytest.mark.parametrize("user, groups, text", [
    ("nosuch", None, "unable to find user nosuch"),
    ("root:nosuch", None, "unable to find group nosuch"),
    ("root", ["nosuch"], "unable to find group nosuch"),
])
def test_unknown_names_refused(mounts, user, groups, text):
    with pytest.raises(InvalidArgument, match=text):
        resolve_user(user, mounts, groups)
