"""The build state of one stage: the image config being made, ARGs in scope, history text (cf. moby builder/dockerfile/dispatchers.go).

Metadata instructions (ENV, LABEL, WORKDIR, USER, EXPOSE, VOLUME, CMD, ENTRYPOINT, SHELL,
STOPSIGNAL, ARG, ONBUILD, HEALTHCHECK, MAINTAINER) change only the config and make an empty
layer; their history line reads `/bin/sh -c #(nop)  ENV A=1`, as the classic builder writes it.
"""

from __future__ import annotations

import copy
import json
import posixpath
from dataclasses import dataclass, field

from ...errors import InvalidArgument
from .parse import Instruction
from .shellwords import expand_word, expand_words

DEFAULT_SHELL = ["/bin/sh", "-c"]
DEFAULT_PATH = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
# ARGs Docker lets a build use without declaring them (and keeps out of the image's history).
PREDEFINED_ARGS = {"HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "FTP_PROXY", "ftp_proxy",
                   "NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy"}


@dataclass
class BuildState:
    """What one stage has made so far: the image config and the build arguments in scope."""

    config: dict
    build_args: dict[str, str]
    args: dict[str, str | None] = field(default_factory=dict)
    used_args: set[str] = field(default_factory=set)
    maintainer: str = ""
    cmd_set: bool = False  # CMD given in this stage: a later ENTRYPOINT keeps it

    @classmethod
    def from_image(cls, image_config: dict | None, build_args: dict[str, str]) -> "BuildState":
        config = copy.deepcopy(image_config or {})
        config.setdefault("Env", [DEFAULT_PATH] if image_config is None else [])
        return cls(config, build_args)

    # -- environment seen by word expansion and RUN --
    def env(self) -> dict[str, str]:
        """ENV of the image, overridden by ARG values in scope (ARG loses to ENV, as Docker documents)."""
        out = {k: v for k, v in self.arg_values().items()}
        for item in self.config.get("Env") or []:
            key, _, value = item.partition("=")
            out[key] = value
        return out

    def arg_values(self) -> dict[str, str]:
        values = {}
        for name, default in self.args.items():
            if name in self.build_args:
                values[name] = self.build_args[name]
            elif default is not None:
                values[name] = default
        return values

    def run_env(self) -> list[str]:
        """The environment of a RUN step: the image's ENV plus the ARGs in scope not shadowed by ENV."""
        env = list(self.config.get("Env") or [])
        names = {e.partition("=")[0] for e in env}
        env += [f"{k}={v}" for k, v in self.arg_values().items() if k not in names]
        return env

    def set_env(self, key: str, value: str) -> None:
        env = [e for e in self.config.get("Env") or [] if e.partition("=")[0] != key]
        self.config["Env"] = env + [f"{key}={value}"]

    def shell(self) -> list[str]:
        return list(self.config.get("Shell") or DEFAULT_SHELL)

    def resolve_path(self, path: str) -> str:
        """A destination made absolute against WORKDIR; a trailing "/" (or "/.", or ".") means 'a directory' and is kept."""
        base = self.config.get("WorkingDir") or "/"
        joined = posixpath.normpath(posixpath.join(base, path))
        is_dir = path.endswith("/") or path.endswith("/.") or path == "."
        return joined + ("/" if is_dir and joined != "/" else "")

    # -- metadata instructions --
    def apply(self, ins: Instruction) -> str:
        """Apply a metadata instruction; returns its history line (created_by)."""
        handler = getattr(self, "_" + ins.cmd.lower(), None)
        if handler is None:
            raise InvalidArgument(f"{ins.cmd} does not only change the image config")
        return handler(ins)

    def _words(self, ins: Instruction) -> list[str]:
        return [w for a in ins.args for w in expand_words(a, self.env())]

    def _pairs(self, ins: Instruction) -> list[tuple[str, str]]:
        if len(ins.args) % 2:
            raise InvalidArgument(f"{ins.cmd} requires at least one argument")
        env = self.env()
        return [(expand_word(ins.args[i], env), expand_word(ins.args[i + 1], env)) for i in range(0, len(ins.args), 2)]

    def _env(self, ins: Instruction) -> str:
        pairs = self._pairs(ins)
        for key, value in pairs:
            if not key:
                raise InvalidArgument("ENV names can not be blank")
            self.set_env(key, value)
        return nop("ENV " + " ".join(f"{k}={v}" for k, v in pairs))

    def _label(self, ins: Instruction) -> str:
        pairs = self._pairs(ins)
        labels = self.config.get("Labels") or {}
        labels.update(pairs)
        self.config["Labels"] = labels
        return nop("LABEL " + " ".join(f"{k}={v}" for k, v in pairs))

    def _maintainer(self, ins: Instruction) -> str:
        self.maintainer = " ".join(ins.args)
        return nop("MAINTAINER " + self.maintainer)

    def _workdir(self, ins: Instruction) -> str:
        path = expand_word(" ".join(ins.args), self.env())
        self.config["WorkingDir"] = self.resolve_path(path).rstrip("/") or "/"
        return nop("WORKDIR " + self.config["WorkingDir"], spaces=1)  # withCmdCommentString

    def _user(self, ins: Instruction) -> str:
        self.config["User"] = expand_word(" ".join(ins.args), self.env())
        return nop("USER " + self.config["User"])

    def _expose(self, ins: Instruction) -> str:
        ports = self.config.get("ExposedPorts") or {}
        added = []
        for word in self._words(ins):
            port, _, proto = word.partition("/")
            if not port.split("-")[0].isdigit() or (proto and proto.lower() not in ("tcp", "udp", "sctp")):
                raise InvalidArgument(f"invalid containerPort: {word}")
            key = f"{port}/{(proto or 'tcp').lower()}"
            ports[key] = {}
            added.append(word)
        self.config["ExposedPorts"] = ports
        return nop("EXPOSE " + " ".join(added))  # the ports as written, in order

    def _volume(self, ins: Instruction) -> str:
        paths = list(ins.args) if ins.json else self._words(ins)
        if not paths or any(not p.strip() for p in paths):
            raise InvalidArgument("VOLUME specified can not be an empty string")
        volumes = self.config.get("Volumes") or {}
        volumes.update({p: {} for p in paths})
        self.config["Volumes"] = volumes
        return nop("VOLUME " + go_list(paths))

    def _command(self, ins: Instruction) -> list[str]:
        if ins.json:
            return list(ins.args)
        return self.shell() + [" ".join(ins.args)]

    def _cmd(self, ins: Instruction) -> str:
        self.config["Cmd"] = self._command(ins)
        self.cmd_set = True
        return nop("CMD " + go_quoted_list(self.config["Cmd"]))

    def _entrypoint(self, ins: Instruction) -> str:
        self.config["Entrypoint"] = self._command(ins) if ins.args and ins.args != ("",) else None
        if not self.cmd_set:
            self.config["Cmd"] = None  # ENTRYPOINT resets an inherited CMD, as Docker does
        return nop("ENTRYPOINT " + go_quoted_list(self.config["Entrypoint"] or []))

    def _shell(self, ins: Instruction) -> str:
        if not ins.json:
            raise InvalidArgument("SHELL requires the arguments to be in JSON form")
        self.config["Shell"] = list(ins.args)
        return nop("SHELL " + go_list(self.config["Shell"]))

    def _stopsignal(self, ins: Instruction) -> str:
        self.config["StopSignal"] = expand_word(" ".join(ins.args), self.env())
        return nop("STOPSIGNAL " + self.config["StopSignal"])

    def _arg(self, ins: Instruction) -> str:
        for word in ins.args:
            name, eq, default = word.partition("=")
            value = expand_word(default, self.env()) if eq else None
            self.args[name] = value
            if name in self.build_args:
                self.used_args.add(name)
        return nop("ARG " + " ".join(ins.args))

    def _onbuild(self, ins: Instruction) -> str:
        trigger = ins.original.split(None, 1)[1] if " " in ins.original else ""
        self.config["OnBuild"] = (self.config.get("OnBuild") or []) + [trigger]
        return nop("ONBUILD " + trigger)

    def _healthcheck(self, ins: Instruction) -> str:
        """HEALTHCHECK [--interval= --timeout= --start-period= --retries=] CMD ... | NONE (buildkit parseHealthcheck)."""
        words = list(ins.args)
        kind = words[0].upper() if words else ""
        if kind == "NONE":
            if len(words) > 1:
                raise InvalidArgument("HEALTHCHECK NONE takes no arguments")
            health: dict = {"Test": ["NONE"]}
        elif kind == "CMD":
            rest = words[1:]
            if not rest:
                raise InvalidArgument("Missing command after HEALTHCHECK CMD")
            health = {"Test": ["CMD"] + rest if ins.json else ["CMD-SHELL", " ".join(rest)]}
            for flag, key in (("interval", "Interval"), ("timeout", "Timeout"), ("start-period", "StartPeriod")):
                health[key] = _interval(flag, ins.flags.get(flag, ""))
            retries = ins.flags.get("retries", "")
            if retries:
                if not retries.lstrip("-").isdigit():
                    raise InvalidArgument(f'strconv.ParseInt: parsing "{retries}": invalid syntax')
                if int(retries) < 1:
                    raise InvalidArgument(f"--retries must be at least 1 (not {int(retries)})")
            health["Retries"] = int(retries or 0)
        else:
            raise InvalidArgument(f"Unknown type {kind!r} in HEALTHCHECK (try CMD)".replace("'", '"'))
        self.config["Healthcheck"] = health
        return nop("HEALTHCHECK " + go_health_config(health))


def _interval(flag: str, value: str) -> int:
    """A duration flag in nanoseconds; empty is 0 (the default applies at run time)."""
    from ...units import parse_go_duration

    if not value:
        return 0
    try:
        ns = parse_go_duration(value)
    except ValueError as err:
        raise InvalidArgument(str(err).replace("'", '"')) from None
    if ns < 1_000_000:
        raise InvalidArgument(f'Interval "{flag}" cannot be less than 1ms')
    return ns


def go_health_config(health: dict) -> str:
    """A *HealthConfig printed with Go's %q, as moby writes HEALTHCHECK into the history:
    &{["CMD-SHELL" "true"] "30s" "0s" "0s" '\x03'} (Test, Interval, Timeout, StartPeriod, Retries)."""
    from ...units import go_duration

    durations = " ".join(json.dumps(go_duration(int(health.get(k) or 0))) for k in ("Interval", "Timeout", "StartPeriod"))
    return f"&{{{go_quoted_list(health.get('Test') or [])} {durations} {go_quote_rune(int(health.get('Retries') or 0))}}}"


def go_quote_rune(n: int) -> str:
    """Go's strconv.QuoteRune (what %q does to an int)."""
    escapes = {7: "\\a", 8: "\\b", 12: "\\f", 10: "\\n", 13: "\\r", 9: "\\t", 11: "\\v", 39: "\\'", 92: "\\\\"}
    if n in escapes:
        return f"'{escapes[n]}'"
    ch = chr(n)
    if ch.isprintable():
        return f"'{ch}'"
    return f"'\\x{n:02x}'" if n < 0x100 else (f"'\\u{n:04x}'" if n < 0x10000 else f"'\\U{n:08x}'")


def nop(text: str, spaces: int = 2) -> str:
    """The history line of a metadata instruction, as the classic builder writes it.

    moby appends "#(nop) " and the comment as two words of the step's Cmd (withCmdComment), so most
    lines show two spaces; WORKDIR, COPY and ADD join them first (withCmdCommentString): one space.
    """
    return "/bin/sh -c #(nop)" + " " * spaces + text


def go_quoted_list(items: list[str]) -> str:
    """A []string printed with Go's %q, as moby formats CMD and ENTRYPOINT: ["sh" "-c" "echo hi"]."""
    return "[" + " ".join(json.dumps(i, ensure_ascii=False) for i in items) + "]"


def go_list(items: list[str]) -> str:
    """A []string printed with Go's %v, as moby formats VOLUME and SHELL: [/bin/sh -c]."""
    return "[" + " ".join(items) + "]"
