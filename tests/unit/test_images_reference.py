"""Reference normalisation as Docker documents it (docker tag / distribution reference rules)."""

from __future__ import annotations

import pytest

from minidocker.dockerd.images import reference as refs
from minidocker.errors import InvalidArgument

DIGEST = "sha256:" + "ab" * 32

# (what the user typed, the full normalised reference, the familiar form shown back)
NORMALISED = [
    ("busybox", "docker.io/library/busybox", "busybox"),
    ("busybox:latest", "docker.io/library/busybox:latest", "busybox:latest"),
    ("busybox:1.36", "docker.io/library/busybox:1.36", "busybox:1.36"),
    ("library/busybox", "docker.io/library/busybox", "busybox"),
    ("docker.io/busybox", "docker.io/library/busybox", "busybox"),
    ("index.docker.io/busybox", "docker.io/library/busybox", "busybox"),
    ("docker.io/library/busybox:1", "docker.io/library/busybox:1", "busybox:1"),
    ("user/app", "docker.io/user/app", "user/app"),
    ("user/app:v2", "docker.io/user/app:v2", "user/app:v2"),
    ("library/a/b", "docker.io/library/a/b", "library/a/b"),
    ("localhost/app", "localhost/app", "localhost/app"),
    ("localhost:5000/mybox:v1", "localhost:5000/mybox:v1", "localhost:5000/mybox:v1"),
    ("registry.example.com/team/app", "registry.example.com/team/app", "registry.example.com/team/app"),
    ("Example.COM/app", "Example.COM/app", "Example.COM/app"),  # the domain may have capitals
    ("127.0.0.1:5000/a", "127.0.0.1:5000/a", "127.0.0.1:5000/a"),
    ("a_b/c-d__e.f", "docker.io/a_b/c-d__e.f", "a_b/c-d__e.f"),
    (f"busybox@{DIGEST}", f"docker.io/library/busybox@{DIGEST}", f"busybox@{DIGEST}"),
    (f"busybox:1@{DIGEST}", f"docker.io/library/busybox:1@{DIGEST}", f"busybox:1@{DIGEST}"),
    (f"localhost:5000/x@{DIGEST}", f"localhost:5000/x@{DIGEST}", f"localhost:5000/x@{DIGEST}"),
]


@pytest.mark.parametrize("text,full,familiar", NORMALISED)
def test_normalisation(text: str, full: str, familiar: str) -> None:
    ref = refs.parse(text)
    assert str(ref) == full
    assert ref.familiar() == familiar


def test_bare_name_gets_latest_but_digest_does_not() -> None:
    assert str(refs.parse("busybox").tagged_or_latest()) == "docker.io/library/busybox:latest"
    digested = refs.parse(f"busybox@{DIGEST}").tagged_or_latest()
    assert digested.tag is None and digested.digest == DIGEST


@pytest.mark.parametrize("text,message", [
    ("", "invalid reference format"),
    ("a:b:c", "invalid reference format"),
    ("busybox:", "invalid reference format"),
    (":latest", "invalid reference format"),
    ("-busybox", "invalid reference format"),
    ("busybox-", "invalid reference format"),
    ("bus..box", "invalid reference format"),
    ("busybox:-tag", "invalid reference format"),
    ("busy box", "invalid reference format"),
    ("busybox@sha256:abc", "invalid reference format"),
    ("busybox:" + "t" * 129, "invalid reference format"),
    ("Busybox", "invalid reference format: repository name must be lowercase"),
    ("localhost:5000/Upper", "invalid reference format: repository name must be lowercase"),
    ("a" * 64 * 2 + "/" + "b" * 130, "repository name must not be more than 255 characters"),
    ("f" * 64, "cannot specify 64-byte hexadecimal strings"),
])
def test_malformed(text: str, message: str) -> None:
    with pytest.raises(InvalidArgument) as err:
        refs.parse(text)
    assert message in str(err.value)


def test_repo_and_tag_arrive_apart() -> None:
    assert str(refs.parse_repo_tag("localhost:5000/mybox", "v1")) == "localhost:5000/mybox:v1"
    assert str(refs.parse_repo_tag("mybox", None)) == "docker.io/library/mybox:latest"
    with pytest.raises(InvalidArgument):
        refs.parse_repo_tag("mybox", "bad tag")
    with pytest.raises(InvalidArgument):
        refs.parse_repo_tag(f"mybox@{DIGEST}", None)


def test_familiar_of_a_stored_string() -> None:
    assert refs.familiar("docker.io/library/busybox:latest") == "busybox:latest"
    assert refs.familiar("docker.io/library/a/b:1") == "library/a/b:1"
