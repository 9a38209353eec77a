"""--format templates: Go's text/template with docker's functions (cf. docker/cli templates/templates.go, Go text/template).

The parser is gotemplate_parse, the evaluator gotemplate_exec, Go's printing gofmt. Errors come out as
the docker CLI prints them ("template parsing error: template: :1: unclosed action", exit code 64).
"""

from __future__ import annotations


from ..errors import StreamError

TYPE_CHECKING = False
if TYPE_CHECKING:  # annotations only (client/__init__.py says why)
    from typing import Any

_cache: dict[str, list] = {}
# pointer and omitempty fields of docker's inspect types that its JSON leaves out when unset: docker executes
# on the typed struct first, where they are nil (false in if/with), not a missing key
INSPECT_OPTIONAL = frozenset(("Health", "Healthcheck", "SizeRw", "SizeRootFs", "ExposedPorts", "Volumes",
                              "OnBuild", "Shell", "StopSignal", "StopTimeout", "Entrypoint", "Cmd"))

# how docker's typed structs print a field the JSON has as null: nil slices and maps (others are nil pointers)
_NIL_SLICES = ("Entrypoint", "Cmd", "Shell", "OnBuild", "Env", "Binds", "Links", "Dns", "DnsOptions", "DnsSearch",
               "ExtraHosts", "CapAdd", "CapDrop", "GroupAdd", "SecurityOpt", "VolumesFrom", "Devices", "DeviceRequests",
               "DeviceCgroupRules", "Mounts", "Ulimits", "MaskedPaths", "ReadonlyPaths", "Aliases", "RepoTags",
               "RepoDigests", "Layers", "Args", "ExecIDs", "DNSNames", "BlkioWeightDevice", "BlkioDeviceReadBps",
               "BlkioDeviceWriteBps", "BlkioDeviceReadIOps", "BlkioDeviceWriteIOps", "ConsoleSize")
_NIL_MAPS = ("Labels", "Volumes", "ExposedPorts", "PortBindings", "Ports", "Tmpfs", "Sysctls", "StorageOpt",
             "Options", "DriverOpts", "Data", "Containers", "Networks", "Annotations", "Status")
TYPED_NILS = {**{k: "[]" for k in _NIL_SLICES}, **{k: "map[]" for k in _NIL_MAPS}}


class TemplateError(StreamError):
    """A bad template: cli.main prints `message` as is and exits with `code` (docker's StatusError)."""

    def __init__(self, message: str, code: int, partial: str = "") -> None:
        super().__init__(message, code)
        self.partial = partial  # the output written before an execution error


def _tree(template: str) -> list:
    """The parsed template (the parser is imported here: commands without --format never load it)."""
    from .gotemplate_parse import TemplateError as GoTemplateError
    from .gotemplate_parse import parse

    tree = _cache.get(template)
    if tree is None:
        try:
            tree = _cache[template] = parse(template)
        except GoTemplateError as err:
            raise TemplateError(f"template parsing error: {err}", 64) from None
    return tree


def check(template: str) -> None:
    """Parse now (TemplateError, exit code 64, when the template is bad)."""
    _tree(template)


def execute(template: str, data: Any, header: bool = False, missing_error: bool = False,
            optional: frozenset[str] = frozenset(), typed_nils: dict[str, str] | None = None) -> str:
    """Render one object with Go's text/template and docker's functions.

    header: docker's HeaderFunctions (a table header keeps its column names); missing_error: the
    Option("missingkey=error") docker's inspect executes with.
    """
    from .gotemplate_exec import run
    from .gotemplate_parse import TemplateError as GoTemplateError

    tree = _tree(template)
    try:
        return run(template, tree, data, header, missing_error, optional, typed_nils)
    except GoTemplateError as err:
        raise TemplateError(f"template parsing error: {err}", 1, getattr(err, "partial", "")) from None


def write_each(template: str, objects: list[Any]) -> list[str]:
    """docker's inspect: each object's output and a newline; the errors returned, for the caller to print (exit 1).

    A template that does not parse fails at once (exit code 64); when every object failed an empty line is
    written, as docker's TemplateInspector.Flush does.
    """
    import sys

    _tree(template)
    out, errors = [], []
    for obj in objects:
        try:
            out.append(execute(template, obj, missing_error=True, optional=INSPECT_OPTIONAL, typed_nils=TYPED_NILS) + "\n")
        except TemplateError as err:
            errors.append(err.message)
    sys.stdout.write("".join(out) or ("\n" if objects else ""))
    return errors
