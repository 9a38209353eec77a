"""Differential tests, issue 12 point 6: load errors streamed, info's image count, realtime CPU fields, storage-opt.

One real docker CLI against minidockerd and against dockerd 20.10 (diff_docker_fixture.py), exit codes and
normalised output compared.
"""

from __future__ import annotations

import pytest

from diff_docker_fixture import norm, pair  # noqa: F401 - `pair` is the module-scoped fixture

pytestmark = pytest.mark.root


def test_load_of_a_broken_archive_is_an_in_stream_error(pair, tmp_path):
    bad = tmp_path / "bad.tar"
    bad.write_bytes(b"this is not a tar archive\n" * 40)
    real, mini = pair.both("load", "-i", str(bad))
    assert real.returncode != 0
    assert mini.returncode == real.returncode, (real, mini)
    # dockerd answers 200 and puts the error into the JSON stream: the CLI prints it bare (no "Error response")
    assert "Error response from daemon" not in real.stderr
    assert "Error response from daemon" not in mini.stderr and "tar" in mini.stderr, mini.stderr
    # the wording differs (dockerd names its Go tar reader): docs/differences-from-docker.md


def test_info_counts_every_image_including_intermediate_ones(pair, tmp_path):
    (tmp_path / "Dockerfile").write_text("FROM busybox\nRUN echo a > /a\nRUN echo b > /b\n")
    for side in (pair.real, pair.mini):
        built = side("build", "-q", "-t", "infocount:1", str(tmp_path), env={"DOCKER_BUILDKIT": "0"})
        assert built.returncode == 0, built
    counts = []
    for side in (pair.real, pair.mini):
        every = set(side("images", "-aq", "--no-trunc").stdout.split())
        top = set(side("images", "-q", "--no-trunc").stdout.split())
        info = int(side("info", "--format", "{{.Images}}").stdout.strip())
        assert len(every) > len(top)  # the build left intermediate images
        counts.append((info == len(every), info == len(top)))
        side("rmi", "infocount:1")
    assert counts[1] == counts[0] == (True, False)


@pytest.mark.parametrize("opts", [
    ("--cpu-rt-period", "1000000", "--cpu-rt-runtime", "0"),
    ("--cpu-rt-runtime", "950000"),
])
def test_realtime_cpu_fields_are_stored_or_refused_as_dockerd(pair, opts):
    fmt = "{{.HostConfig.CpuRealtimePeriod}} {{.HostConfig.CpuRealtimeRuntime}}"
    results = []
    for side in (pair.real, pair.mini):
        made = side("create", "--network", "none", *opts, "busybox", "true")
        shown = side("inspect", "--format", fmt, made.stdout.strip()).stdout if made.returncode == 0 else ""
        results.append((made.returncode, shown, norm(made.stderr)))
        if made.returncode == 0:
            side("rm", made.stdout.strip())
    assert results[1] == results[0]


def test_storage_opt_is_refused_as_overlay2_without_quota_does(pair):
    real, mini = pair.both("create", "--network", "none", "--storage-opt", "size=1G", "busybox", "true")
    for made in (real, mini):
        if made.returncode == 0:
            made_id = made.stdout.strip()
            (pair.real if made is real else pair.mini)("rm", made_id)
    assert (mini.returncode, norm(mini.stderr)) == (real.returncode, norm(real.stderr)), (real.stderr, mini.stderr)
