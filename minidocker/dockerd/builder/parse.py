"""A Dockerfile split into build stages, each instruction checked (cf. buildkit frontend/dockerfile/instructions/parse.go).

The lexing is BuildKit's own parser (the `dockerfile` package: line continuations, JSON forms,
heredocs); this module adds what the classic builder checks before running anything: known
instructions, FROM first, stage names, flags each instruction accepts.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import dockerfile

from ...errors import InvalidArgument

# Instruction -> the flags it accepts (without their values).
FLAGS: dict[str, set[str]] = {
    "FROM": {"platform"}, "RUN": {"mount", "network", "security"}, "CMD": set(), "LABEL": set(),
    "MAINTAINER": set(), "EXPOSE": set(), "ENV": set(), "ADD": {"chown", "chmod", "checksum", "keep-git-dir", "link"},
    "COPY": {"from", "chown", "chmod", "link", "parents", "exclude"}, "ENTRYPOINT": set(), "VOLUME": set(),
    "USER": set(), "WORKDIR": set(), "ARG": set(), "ONBUILD": set(), "STOPSIGNAL": set(),
    "HEALTHCHECK": {"interval", "timeout", "start-period", "start-interval", "retries"}, "SHELL": set(),
}


@dataclass
class Instruction:
    """One instruction as written: its name, flags (name -> value), words and heredocs."""

    cmd: str
    args: tuple[str, ...]
    flags: dict[str, str]
    json: bool
    original: str
    line: int
    heredocs: tuple = ()
    sub_cmd: str | None = None


@dataclass
class Stage:
    """A FROM and the instructions up to the next FROM."""

    index: int
    base: str
    name: str | None
    platform: str | None
    line: int
    instructions: list[Instruction] = field(default_factory=list)


@dataclass
class Dockerfile:
    """The ARGs before the first FROM (usable in FROM lines) and the stages."""

    meta_args: list[Instruction]
    stages: list[Stage]

    def stage(self, ref: str) -> Stage | None:
        """A stage by name (case-insensitive) or index, for COPY --from and --target."""
        for s in self.stages:
            if s.name is not None and s.name == ref.lower():
                return s
        if ref.isdigit() and int(ref) < len(self.stages):
            return self.stages[int(ref)]
        return None


def _error(line: int, message: str) -> InvalidArgument:
    return InvalidArgument(f"dockerfile parse error line {line}: {message}")


def _flags(cmd: dockerfile.Command) -> dict[str, str]:
    allowed = FLAGS[cmd.cmd.upper()]
    out: dict[str, str] = {}
    for raw in cmd.flags:
        name, _, value = raw[2:].partition("=")
        if not raw.startswith("--") or name not in allowed:
            raise _error(cmd.start_line, f"unknown flag: {name or raw}")
        out[name] = value
    return out


def parse(text: str) -> Dockerfile:
    """Parse and check a Dockerfile; raises InvalidArgument with Docker's wording on the first problem."""
    if not text.strip():
        raise InvalidArgument("the Dockerfile (Dockerfile) cannot be empty")
    try:
        commands = dockerfile.parse_string(text)
    except dockerfile.GoParseError as err:
        raise InvalidArgument(f"dockerfile parse error: {err}") from None
    if not commands:
        raise InvalidArgument("the Dockerfile (Dockerfile) cannot be empty")
    meta: list[Instruction] = []
    stages: list[Stage] = []
    for cmd in commands:
        name = cmd.cmd.upper()
        if name not in FLAGS:
            raise _error(cmd.start_line, f"unknown instruction: {cmd.cmd}")
        if name == "ONBUILD" and (cmd.sub_cmd or "").upper() in ("ONBUILD", "FROM", "MAINTAINER"):
            raise _error(cmd.start_line, f"{cmd.sub_cmd} isn't allowed as an ONBUILD trigger")
        ins = Instruction(name, tuple(cmd.value), _flags(cmd), cmd.json, cmd.original,
                          cmd.start_line, tuple(cmd.heredocs), cmd.sub_cmd)
        if name == "FROM":
            stages.append(_stage(ins, len(stages), stages))
        elif stages:
            stages[-1].instructions.append(ins)
        elif name == "ARG":
            meta.append(ins)
        else:
            raise _error(cmd.start_line, "no build stage in current context")
    if not stages:
        raise InvalidArgument("no build stage in current context")
    return Dockerfile(meta, stages)


def parse_trigger(text: str) -> Instruction:
    """One ONBUILD trigger kept in an image's config, parsed again when a later FROM runs it."""
    try:
        commands = dockerfile.parse_string(text + "\n")
    except dockerfile.GoParseError as err:
        raise InvalidArgument(f"dockerfile parse error: {err}") from None
    if len(commands) != 1 or commands[0].cmd.upper() not in FLAGS:
        raise InvalidArgument(f"invalid ONBUILD trigger: {text!r}")
    cmd = commands[0]
    name = cmd.cmd.upper()
    if name in ("ONBUILD", "FROM", "MAINTAINER"):
        raise InvalidArgument(f"{cmd.cmd} isn't allowed as an ONBUILD trigger")
    return Instruction(name, tuple(cmd.value), _flags(cmd), cmd.json, cmd.original, cmd.start_line,
                       tuple(cmd.heredocs), cmd.sub_cmd)


def _stage(ins: Instruction, index: int, previous: list[Stage]) -> Stage:
    words = list(ins.args)
    if len(words) == 3 and words[1].upper() == "AS":
        name = words[2].lower()
        if not name or not (name[0].isalpha()) or any(not (c.isalnum() or c in "_.-") for c in name):
            raise _error(ins.line, f"invalid name for build stage: {words[2]!r}, name can't start with a number or contain symbols")
        if any(s.name == name for s in previous):
            raise _error(ins.line, f"duplicate name {name!r}")
    elif len(words) == 1:
        name = None
    else:
        raise _error(ins.line, "FROM requires either one or three arguments")
    return Stage(index, words[0], name, ins.flags.get("platform"), ins.line)
