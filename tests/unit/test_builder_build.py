"""The classic builder's step loop against an in-memory backend: output, cache, layers, failures.

The backend here is a test double of dockerd's image and container services (images in a dict,
RUN recorded instead of run); the real one is exercised end to end in tests/integration.
"""

import contextlib
import hashlib
import io
import json
import tarfile

import pytest

from minidocker.dockerd.builder.backend import BuildImage, Layer
from minidocker.dockerd.builder.build import Builder, Options, run_build
from minidocker.dockerd.builder.context import BuildContext
from minidocker.errors import InvalidArgument, NotFound


class MemoryBackend:
    def __init__(self, tmp_path):
        self.tmp = tmp_path
        self.images, self.layers, self.cache, self.tags, self.runs = {}, {}, {}, {}, []
        self.exit_codes = {}
        base = {"architecture": "amd64", "os": "linux", "config": {"Env": ["PATH=/bin"], "Cmd": ["sh"]},
                "rootfs": {"type": "layers", "diff_ids": []}, "history": []}
        self.images["busybox"] = self.commit(None, base, None)

    def image(self, ref, pull=False):
        if ref in self.tags:
            return self.tags[ref]
        if ref in self.images:
            return self.images[ref]
        raise NotFound(f"pull access denied for {ref}, repository does not exist")

    def commit(self, parent, config, layer):
        data = json.dumps(config, sort_keys=True).encode()
        image = BuildImage("sha256:" + hashlib.sha256(data).hexdigest(), config)
        self.images[image.id] = image
        return image

    def write_layer(self, write):
        buf = io.BytesIO()
        write(buf)
        data = buf.getvalue()
        digest = "sha256:" + hashlib.sha256(data).hexdigest()
        self.layers[digest] = data
        return Layer(digest, digest, len(data))

    def run(self, image, argv, env, user, workdir, output, on_start, keep_on_failure=False, host=None):
        self.runs.append((argv, env, user, workdir))
        on_start("c" * 64)
        output(1, b"ran " + argv[-1].encode() + b"\n")
        return self.exit_codes.get(argv[-1], 0), self.write_layer(lambda f: tarfile.open(fileobj=f, mode="w").close())

    @contextlib.contextmanager
    def rootfs(self, image):
        root = self.tmp / ("root-" + image.id[7:19])
        root.mkdir(exist_ok=True)
        for diff_id in image.config["rootfs"]["diff_ids"]:
            with tarfile.open(fileobj=io.BytesIO(self.layers[diff_id])) as tar:
                tar.extractall(root)
        yield root

    def cached_child(self, parent, key, sources=None):
        return self.cache.get(((parent.id if parent else None), key))

    def remember(self, parent, key, image):
        self.cache[((parent.id if parent else None), key)] = image

    def tag(self, image, ref):
        self.tags[ref] = image
        return ref


@pytest.fixture
def backend(tmp_path):
    return MemoryBackend(tmp_path)


@pytest.fixture
def context(tmp_path):
    root = tmp_path / "ctx"
    root.mkdir()
    (root / "f.txt").write_text("one")
    return BuildContext(root)


DOCKERFILE = "FROM busybox\nENV A=1\nCOPY f.txt /data/\nRUN echo $A > /x\nCMD [\"cat\", \"/data/f.txt\"]\n"


def build(backend, context, text=DOCKERFILE, **options):
    out = []
    image = run_build(Builder(backend, context, text, Options(**options), out.append))
    stream = "".join(item.get("stream", "") for item in out)
    return image, stream, out


def test_steps_layers_and_config(backend, context):
    image, stream, out = build(backend, context, tags=["app:1"])
    assert [line for line in stream.splitlines() if line.startswith("Step")] == [
        "Step 1/5 : FROM busybox", "Step 2/5 : ENV A=1", "Step 3/5 : COPY f.txt /data/",
        "Step 4/5 : RUN echo $A > /x", 'Step 5/5 : CMD ["cat", "/data/f.txt"]']
    assert " ---> Running in cccccccccccc" in stream and "Removing intermediate container cccccccccccc" in stream
    assert stream.endswith(f"Successfully built {image.id[7:19]}\nSuccessfully tagged app:1\n")
    assert {"aux": {"ID": image.id}} in out
    assert len(image.config["rootfs"]["diff_ids"]) == 2  # COPY and RUN made layers; ENV and CMD did not
    assert [bool(h.get("empty_layer")) for h in image.config["history"]] == [True, False, False, True]
    assert image.config["config"]["Cmd"] == ["cat", "/data/f.txt"]
    argv, env, _, _ = backend.runs[0]
    assert argv == ["/bin/sh", "-c", "echo $A > /x"] and "A=1" in env
    with backend.rootfs(image) as root:
        assert (root / "data" / "f.txt").read_text() == "one"


def test_rebuild_uses_the_cache_at_every_step_and_a_changed_file_rebuilds_from_its_step(backend, context):
    first, _, _ = build(backend, context)
    again, stream, _ = build(backend, context)
    assert again.id == first.id and stream.count("Using cache") == 4 and len(backend.runs) == 1
    (context.root / "f.txt").write_text("two")
    changed, stream, _ = build(backend, context)
    assert changed.id != first.id
    assert stream.count("Using cache") == 1  # ENV only; COPY, RUN and CMD run again
    assert len(backend.runs) == 2


def test_no_cache_runs_everything(backend, context):
    build(backend, context)
    _, stream, _ = build(backend, context, no_cache=True)
    assert "Using cache" not in stream and len(backend.runs) == 2


def test_a_failing_run_gives_its_exit_code(backend, context):
    backend.exit_codes["exit 3"] = 3
    image, _, out = build(backend, context, "FROM busybox\nRUN exit 3\n")
    assert image is None
    assert out[-1]["errorDetail"] == {"code": 3, "message": "The command '/bin/sh -c exit 3' returned a non-zero code: 3"}


def test_build_args_are_seen_by_run_keyed_in_the_cache_and_unused_ones_warned(backend, context):
    text = "FROM busybox\nARG V=1\nRUN echo $V\n"
    _, _, _ = build(backend, context, text, build_args={"V": "2", "EXTRA": "x"})
    assert "V=2" in backend.runs[-1][1]
    _, stream, _ = build(backend, context, text, build_args={"V": "3"})
    assert "Using cache" in stream and len(backend.runs) == 2  # ARG step cached, RUN not (V changed)
    _, stream, _ = build(backend, context, text, build_args={"V": "3", "EXTRA": "x"})
    assert "[Warning] One or more build-args [EXTRA] were not consumed" in stream


def test_multi_stage_copy_from_a_stage_and_scratch(backend, context):
    text = "FROM busybox AS build\nCOPY f.txt /out/f.txt\nFROM scratch\nCOPY --from=build /out/f.txt /f.txt\n"
    image, stream, _ = build(backend, context, text, tags=["small"])
    assert "Step 3/4 : FROM scratch" in stream
    assert len(image.config["rootfs"]["diff_ids"]) == 1
    with backend.rootfs(image) as root:
        assert (root / "f.txt").read_text() == "one"


def test_missing_copy_source_and_missing_base_image_are_stream_errors(backend, context):
    _, _, out = build(backend, context, "FROM busybox\nCOPY nosuch /x\n")
    assert "file not found in build context" in out[-1]["error"]
    _, _, out = build(backend, context, "FROM nosuchimage\n")
    assert "nosuchimage" in out[-1]["error"]


def test_parse_errors_are_raised_before_any_output(backend, context):
    with pytest.raises(InvalidArgument, match="unknown instruction: FOO"):
        Builder(backend, context, "FROM busybox\nFOO bar\n", Options(), lambda item: None)


def test_quiet_prints_only_the_id(backend, context):
    image, stream, out = build(backend, context, quiet=True)
    assert stream == image.id + "\n"
