"""One build, step by step, printed as the classic builder prints it (cf. moby builder/dockerfile/builder.go, evaluator.go).

Step N/M headers, ` ---> <id>` after each step, ` ---> Using cache` on a cache hit, ` ---> Running in
<id>` / `Removing intermediate container <id>` around RUN, `Successfully built` and `Successfully
tagged` at the end. A failing RUN ends the build with errorDetail.code = its exit code, which the
CLI turns into its own exit code.
"""

from __future__ import annotations

import copy
import hashlib
import json
import time
from dataclasses import dataclass, field
from typing import Callable

from ...errors import InvalidArgument, MinidockerError
from .backend import BuildImage, BuilderBackend, Layer
from .context import BuildContext
from .copy import LayerWriter, copy_into_layer
from .parse import Dockerfile, Instruction, Stage, parse, parse_trigger
from .shellwords import expand_word, expand_words
from .state import DEFAULT_PATH, PREDEFINED_ARGS, BuildState, nop
from .users import resolve as resolve_user

Emit = Callable[[dict], None]


class BuildFailed(MinidockerError):
    """A step failed; `code` is what errorDetail.code carries (a RUN's exit code, else 1)."""

    def __init__(self, message: str, code: int = 1) -> None:
        super().__init__(message)
        self.code = code


@dataclass
class Options:
    tags: list[str] = field(default_factory=list)
    build_args: dict[str, str] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)
    no_cache: bool = False
    quiet: bool = False
    target: str | None = None
    pull: bool = False
    force_rm: bool = False  # remove a failed RUN step's container too (docker build --force-rm)
    cache_from: list[str] = field(default_factory=list)  # when given, only these images' chains are cache
    extra_hosts: list[str] = field(default_factory=list)  # --add-host, for RUN containers
    network_mode: str = ""  # --network, for RUN containers ("" or "default": the default bridge)


def short(image_id: str) -> str:
    return image_id.split(":")[-1][:12]


class Builder:
    """Runs the stages of one Dockerfile against a BuilderBackend, emitting JSON-message-stream items."""

    def __init__(self, backend: BuilderBackend, context: BuildContext, dockerfile: str, options: Options, emit: Emit) -> None:
        self.backend, self.context, self.options, self._emit = backend, context, options, emit
        self.df: Dockerfile = parse(dockerfile)
        self.stages_done: dict[int, BuildImage | None] = {}
        self.used_args: set[str] = set()
        self.step, self.total = 0, 0

    # -- output --
    def say(self, text: str) -> None:
        if not self.options.quiet:
            self._emit({"stream": text})

    def header(self, ins_text: str) -> None:
        self.step += 1
        self.say(f"Step {self.step}/{self.total} : {ins_text}\n")

    # -- the build --
    def run(self) -> BuildImage | None:
        stages = self._stages_to_build()
        # --label: one LABEL step per label, sorted, at the end of the last stage (moby builder.go)
        self.total = sum(1 + len(s.instructions) for s in stages) + len(self.options.labels)
        self.last_stage = stages[-1]
        image: BuildImage | None = None
        for stage in stages:
            image = self._stage(stage)
            self.stages_done[stage.index] = image
        if image is None:
            raise BuildFailed("No image was generated. Is your Dockerfile empty?")
        unused = sorted(set(self.options.build_args) - self.used_args - PREDEFINED_ARGS)
        if unused:
            self.say(f"[Warning] One or more build-args [{' '.join(unused)}] were not consumed\n")
        self._emit({"aux": {"ID": image.id}})
        if self.options.quiet:
            self._emit({"stream": image.id + "\n"})
        self.say(f"Successfully built {short(image.id)}\n")
        for tag in self.options.tags:
            self.say(f"Successfully tagged {self.backend.tag(image, tag)}\n")
        return image

    def _stages_to_build(self) -> list[Stage]:
        if self.options.target is None:
            return self.df.stages
        target = self.df.stage(self.options.target)
        if target is None:
            raise InvalidArgument(f"failed to reach build target {self.options.target} in Dockerfile")
        return self.df.stages[: target.index + 1]

    def _meta_env(self) -> dict[str, str]:
        env: dict[str, str] = {}
        for ins in self.df.meta_args:
            for word in ins.args:
                name, eq, default = word.partition("=")
                if name in self.options.build_args:
                    env[name] = self.options.build_args[name]
                    self.used_args.add(name)
                elif eq:
                    env[name] = expand_word(default, env)
        return env

    def _stage(self, stage: Stage) -> BuildImage | None:
        base = expand_word(stage.base, self._meta_env())
        self.header(f"FROM {base}" + (f" AS {stage.name}" if stage.name else ""))
        image = self._base(base)
        state = BuildState.from_image((image.config.get("config") if image else None), self.options.build_args)
        image = self._triggers(image, state)
        self.say(f" ---> {short(image.id) if image else ''}\n")
        for ins in stage.instructions:
            self.header(ins.original.replace("\n", " ").strip() if not ins.heredocs else ins.original.split("\n")[0])
            image = self._instruction(ins, image, state)
            self.say(f" ---> {short(image.id)}\n")
        self.used_args |= state.used_args
        if stage is self.last_stage:
            for key, value in sorted(self.options.labels.items()):
                self.header(f"LABEL {key}={value}")
                state.config["Labels"] = {**(state.config.get("Labels") or {}), key: value}
                image = self._commit_or_cache(image, state, nop(f"LABEL {key}={value}"), None)
                self.say(f" ---> {short(image.id)}\n")
        return image

    def _triggers(self, image: BuildImage | None, state: BuildState) -> BuildImage | None:
        """The base image's ONBUILD triggers run first, as steps of this FROM (moby dispatchTriggeredOnBuild);
        the new image keeps none of them."""
        triggers = state.config.get("OnBuild") or []
        if not triggers:
            return image
        state.config["OnBuild"] = None
        self.say(f"# Executing {len(triggers)} build trigger{'s' if len(triggers) > 1 else ''}\n")
        for text in triggers:
            image = self._instruction(parse_trigger(text), image, state)
        return image

    def _base(self, base: str) -> BuildImage | None:
        if base == "scratch":
            return None
        done = self.df.stage(base)
        if done is not None and done.index in self.stages_done:
            return self.stages_done[done.index]
        return self.backend.image(base, pull=self.options.pull)

    def _instruction(self, ins: Instruction, image: BuildImage | None, state: BuildState) -> BuildImage:
        if ins.cmd == "RUN":
            return self._run(ins, image, state)
        if ins.cmd in ("COPY", "ADD"):
            return self._copy(ins, image, state)
        created_by = state.apply(ins)
        if ins.cmd == "WORKDIR":
            return self._workdir(image, state, created_by)
        return self._commit_or_cache(image, state, created_by, None)

    def _workdir(self, image: BuildImage | None, state: BuildState, created_by: str) -> BuildImage:
        """WORKDIR makes its directory when the image lacks it, "even if it's not used" (Docker's docs): a layer."""
        key = self._key(image, created_by, state)
        hit = self._cached(image, key)
        if hit is not None:
            return hit
        path = state.config["WorkingDir"]
        if image is not None:
            with self.backend.rootfs(image) as root:
                exists = (root / path.lstrip("/")).is_dir()
        else:
            exists = path == "/"
        if exists:
            return self._commit(image, state, created_by, None, key)

        def write(out) -> None:
            writer = LayerWriter(out, 0, 0)
            writer.parents(path.rstrip("/") + "/x")
            writer.close()

        return self._commit(image, state, created_by, self.backend.write_layer(write), key)

    # -- cache and commit --
    def _key(self, parent: BuildImage | None, created_by: str, state: BuildState) -> str:
        doc = json.dumps([parent.id if parent else "scratch", created_by, state.config], sort_keys=True)
        return hashlib.sha256(doc.encode()).hexdigest()

    def _cached(self, parent: BuildImage | None, key: str) -> BuildImage | None:
        if self.options.no_cache:
            return None
        hit = self.backend.cached_child(parent, key, self.options.cache_from or None)
        if hit is not None:
            self.say(" ---> Using cache\n")
        return hit

    def _commit_or_cache(self, parent: BuildImage | None, state: BuildState, created_by: str, layer: Layer | None,
                         key: str | None = None) -> BuildImage:
        key = key or self._key(parent, created_by, state)
        hit = self._cached(parent, key)
        return hit if hit is not None else self._commit(parent, state, created_by, layer, key)

    def _commit(self, parent: BuildImage | None, state: BuildState, created_by: str, layer: Layer | None, key: str) -> BuildImage:
        doc = copy.deepcopy(parent.config) if parent else {
            "architecture": "amd64", "os": "linux", "rootfs": {"type": "layers", "diff_ids": []}, "history": []}
        now = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime()) + f".{time.time_ns() % 10**9:09d}Z"
        doc["created"] = now
        doc["config"] = copy.deepcopy(state.config)
        if state.maintainer:
            doc["author"] = state.maintainer
        entry = {"created": now, "created_by": created_by}
        if layer is None:
            entry["empty_layer"] = True
        else:
            doc.setdefault("rootfs", {"type": "layers", "diff_ids": []})["diff_ids"].append(layer.diff_id)
        doc.setdefault("history", []).append(entry)
        image = self.backend.commit(parent, doc, layer)
        self.backend.remember(parent, key, image)
        return image

    # -- RUN --
    def _run(self, ins: Instruction, image: BuildImage | None, state: BuildState) -> BuildImage:
        if ins.heredocs and ins.args and ins.args[0].startswith("<<"):
            argv = state.shell() + [ins.heredocs[0].content]
        elif ins.json:
            argv = list(ins.args)
        else:
            argv = state.shell() + [" ".join(ins.args)]
        args = state.arg_values()
        env_names = {e.partition("=")[0] for e in state.config.get("Env") or []}
        shown = sorted(f"{k}={v}" for k, v in args.items() if k not in env_names and k not in PREDEFINED_ARGS)
        created_by = (f"|{len(shown)} {' '.join(shown)} " if shown else "") + " ".join(argv)
        key = self._key(image, created_by, state)
        hit = self._cached(image, key)
        if hit is not None:
            return hit
        if image is None:
            raise BuildFailed("Please provide a source image with `from` prior to run")
        containers: list[str] = []
        code, layer = self.backend.run(
            image, argv, state.run_env(), state.config.get("User") or "", state.config.get("WorkingDir") or "/",
            output=self._step_output,
            on_start=lambda cid: (containers.append(cid), self.say(f" ---> Running in {cid[:12]}\n")),
            keep_on_failure=not self.options.force_rm,
            host={"ExtraHosts": self.options.extra_hosts, "NetworkMode": self.options.network_mode})
        if code != 0:
            raise BuildFailed(f"The command '{' '.join(argv)}' returned a non-zero code: {code}", code)
        if containers:
            self.say(f"Removing intermediate container {containers[0][:12]}\n")
        return self._commit(image, state, created_by, layer, key)

    def _step_output(self, stream: int, data: bytes) -> None:
        text = data.decode(errors="replace")
        # dockerd marks a step's stderr in red, chunk by chunk (streamformatter.NewStderrWriter)
        self.say("\x1b[91m" + text + "\x1b[0m" if stream == 2 else text)

    # -- COPY / ADD --
    def _copy(self, ins: Instruction, image: BuildImage | None, state: BuildState) -> BuildImage:
        env = state.env()
        words = [w for a in ins.args for w in expand_words(a, env)] if not ins.json else list(ins.args)
        if ins.heredocs:
            raise BuildFailed(f"{ins.cmd} with a heredoc is not supported by the classic builder; use RUN")
        if len(words) < 2:
            raise BuildFailed(f"{ins.cmd} requires at least two arguments, but only one was provided. Destination could not be determined.")
        *patterns, dest = words
        dest = state.resolve_path(dest)
        source = ins.flags.get("from")
        if source is not None:
            return self._copy_from(ins, image, state, patterns, dest, source)
        return self._copy_from_context(ins, image, state, self.context, patterns, dest, f"{ins.cmd}")

    def _copy_from(self, ins, image, state, patterns, dest, source) -> BuildImage:
        stage = self.df.stage(source)
        src_image = self.stages_done.get(stage.index) if stage is not None else self.backend.image(source, pull=self.options.pull)
        if src_image is None:
            raise BuildFailed(f"COPY --from={source}: the stage made no image (FROM scratch with no layers)")
        with self.backend.rootfs(src_image) as root:
            context = BuildContext(root)
            return self._copy_from_context(ins, image, state, context, patterns, dest,
                                           f"COPY --from={source}", extra=src_image.id)

    def _copy_from_context(self, ins, image, state, context, patterns, dest, label, extra="") -> BuildImage:
        sources = [s for p in patterns for s in context.match(p)]
        kind = "multi" if len(sources) > 1 else ("dir" if sources[0].is_dir else "file")
        flags = " ".join(f"--{k}={v}" for k, v in sorted(ins.flags.items()) if k != "from")
        created_by = nop(f"{label} {flags + ' ' if flags else ''}{kind}:{context.checksum(sources)}{extra and ' ' + extra} in {dest} ", spaces=1)

        key = self._key(image, created_by, state)
        hit = self._cached(image, key)
        if hit is not None:
            return hit

        def probe(root):
            chown = ins.flags.get("chown")
            uid, gid = resolve_user(root, chown) if chown else (0, 0)
            chmod = int(ins.flags["chmod"], 8) if ins.flags.get("chmod") else None
            is_dir = (lambda p: root is not None and (root / p.lstrip("/")).is_dir() and not (root / p.lstrip("/")).is_symlink())
            return uid, gid, chmod, is_dir

        if image is not None:
            with self.backend.rootfs(image) as root:
                uid, gid, chmod, is_dir = probe(root)
                layer = self.backend.write_layer(lambda f: self._write_copy(f, context, sources, dest, ins, uid, gid, chmod, is_dir))
        else:
            uid, gid, chmod, is_dir = probe(None)
            layer = self.backend.write_layer(lambda f: self._write_copy(f, context, sources, dest, ins, uid, gid, chmod, is_dir))
        return self._commit(image, state, created_by, layer, key)

    @staticmethod
    def _write_copy(out, context, sources, dest, ins, uid, gid, chmod, is_dir) -> None:
        writer = LayerWriter(out, uid, gid, chmod)
        try:
            copy_into_layer(context, sources, dest, is_add=ins.cmd == "ADD", dest_is_dir=is_dir, writer=writer)
        finally:
            writer.close()


def run_build(builder: Builder) -> BuildImage | None:
    """Run a parsed build; a failure becomes the errorDetail item Docker ends a failed build with.

    Parse errors are raised earlier, by Builder(), so the API can answer them with a 400 as Docker does.
    """
    emit = builder._emit
    try:
        return builder.run()
    except BuildFailed as err:
        emit({"errorDetail": {"code": err.code, "message": str(err)}, "error": str(err)})
    except MinidockerError as err:
        emit({"errorDetail": {"message": str(err)}, "error": str(err)})
    return None
