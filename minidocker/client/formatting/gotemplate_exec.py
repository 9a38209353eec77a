"""Executes a parsed Go template on JSON-decoded data: Go's builtins and docker's functions (cf. Go text/template exec.go, funcs.go; docker/cli templates/templates.go).

Dicts stand for Go structs and maps alike: `.Key` looks a key up (a missing key is Go's zero interface,
printed `<no value>`; a field of nil is Go's "nil pointer evaluating" error). A dict value that is callable
is a method: `{{.Label "k"}}` calls it with the arguments.
"""

from __future__ import annotations


from . import gofmt
from .gotemplate_parse import Branch, Command, Loop, Node, Operand, Pipe, TemplateError, Text

TYPE_CHECKING = False
if TYPE_CHECKING:  # annotations only (client/__init__.py says why)
    from typing import Any, Callable


class _Break(Exception):
    pass


class _Continue(Exception):
    pass


def truth(v: Any) -> bool:
    """text/template's IsTrue: false, 0, nil and empty strings, slices and maps are false."""
    if v is None:
        return False
    if isinstance(v, (bool, int, float, str, list, dict, tuple)):
        return bool(v)
    return True


def _want(fn: str, v: Any, kind: type, name: str) -> Any:
    if isinstance(v, bool) or not isinstance(v, kind):
        if kind is int and isinstance(v, float) and v.is_integer():
            return int(v)
        raise TemplateError(f"wrong type for value; expected {name}; got {gofmt.go_type(v)}")
    return v


def _strings(v: Any) -> list[str]:
    if not isinstance(v, list) or not all(isinstance(i, str) for i in v):
        raise TemplateError(f"wrong type for value; expected []string; got {gofmt.go_type(v)}")
    return v


def _go_title(s: str) -> str:
    """strings.Title: upper-case each letter that follows a separator (not a letter, digit or underscore)."""
    out, prev = [], " "
    for ch in s:
        sep = not (prev.isalnum() or prev == "_") if prev < "\x80" else prev.isspace()
        out.append(ch.title() if sep else ch)
        prev = ch
    return "".join(out)


def _truncate(s: str, n: int) -> str:
    raw = s.encode()
    return s if len(raw) < n else raw[:n].decode(errors="ignore")


def _basic(v: Any) -> str:
    """The basic kind eq and lt compare within (text/template funcs.go basicKind); "" when not comparable so."""
    return {"bool": "bool", "int": "int", "float64": "float", "string": "string"}.get(gofmt.go_type(v), "")


def _eq(a: Any, *rest: Any) -> bool:
    if not rest:
        raise TemplateError("missing argument for comparison")
    if isinstance(a, (list, dict)):
        raise TemplateError("non-comparable type")
    for b in rest:
        if a is None or b is None:
            if a is b:
                return True
            continue
        if isinstance(b, (list, dict)):
            raise TemplateError("non-comparable types")
        if _basic(a) != _basic(b):
            raise TemplateError("incompatible types for comparison")
        if a == b:
            return True
    return False


def _lt(a: Any, b: Any) -> bool:
    ka, kb = _basic(a), _basic(b)
    if ka in ("", "bool") or kb in ("", "bool"):
        raise TemplateError("invalid type for comparison")
    if ka != kb:
        raise TemplateError("incompatible types for comparison")
    return a < b


def _index(item: Any, *keys: Any) -> Any:
    for key in keys:
        if item is None:
            raise TemplateError("index of untyped nil")
        if isinstance(item, dict):
            if key not in item:
                # typed docker maps (labels, options) are map[string]string: their zero value is ""
                return "" if all(isinstance(v, str) for v in item.values()) else None
            item = item[key]
        elif isinstance(item, (list, str)):
            if isinstance(key, bool) or not isinstance(key, int):
                raise TemplateError(f"cannot index slice/array with type {gofmt.go_type(key)}")
            seq = item.encode() if isinstance(item, str) else item
            if not 0 <= key < len(seq):
                raise TemplateError(f"index out of range: {key}")
            item = seq[key]
        else:
            raise TemplateError(f"can't index item of type {gofmt.go_type(item)}")
    return item


def _slice(item: Any, *idx: Any) -> Any:
    if not isinstance(item, (list, str)):
        raise TemplateError(f"can't slice item of type {gofmt.go_type(item)}")
    if len(idx) > 3 or (len(idx) == 3 and isinstance(item, str)):
        raise TemplateError("too many slice indexes: %d" % len(idx))
    seq = item.encode() if isinstance(item, str) else item
    bounds = [0, len(seq)]
    for i, v in enumerate(idx[:2]):
        bounds[i] = _want("slice", v, int, "int")
    if not 0 <= bounds[0] <= bounds[1] <= len(seq):
        raise TemplateError(f"invalid slice index: {bounds[0]} > {bounds[1]}" if bounds[0] > bounds[1]
                            else f"index out of range: {max(bounds)}")
    out = seq[bounds[0]:bounds[1]]
    return out.decode(errors="ignore") if isinstance(item, str) else out


def _length(v: Any) -> int:
    if v is None:
        return 0  # docker's typed nil slices and maps have length 0
    if isinstance(v, str):
        return len(v.encode())
    if isinstance(v, (list, dict)):
        return len(v)
    raise TemplateError(f"len of type {gofmt.go_type(v)}")


def _eval_args_string(args: tuple) -> str:
    if len(args) == 1 and isinstance(args[0], str):
        return args[0]
    return gofmt.sprint(list(args))


def _html(*args: Any) -> str:
    s = _eval_args_string(args)
    for a, b in (("&", "&amp;"), ("'", "&#39;"), ("<", "&lt;"), (">", "&gt;"), ('"', "&#34;"), ("\0", "\ufffd")):
        s = s.replace(a, b)
    return s


def _js(*args: Any) -> str:
    out = []
    for ch in _eval_args_string(args):
        if ch in "\\'\"":
            out.append("\\" + ch)
        elif ch in "<>&=":
            out.append(f"\\u{ord(ch):04X}")
        elif ord(ch) < 0x20:
            out.append(f"\\u{ord(ch):04X}")
        else:
            out.append(ch)
    return "".join(out)


def _urlquery(*args: Any) -> str:
    from urllib.parse import quote_plus

    return quote_plus(_eval_args_string(args), safe="-_.~")


def _pad(s: Any, prefix: Any, suffix: Any) -> str:
    s = _want("pad", s, str, "string")
    return s if s == "" else " " * _want("pad", prefix, int, "int") + s + " " * _want("pad", suffix, int, "int")


FUNCS: dict[str, Callable[..., Any]] = {
    "not": lambda v: not truth(v),
    "eq": _eq,
    "ne": lambda a, b: not _eq(a, b),
    "lt": _lt,
    "le": lambda a, b: _lt(a, b) or _eq(a, b),
    "gt": lambda a, b: not (_lt(a, b) or _eq(a, b)),
    "ge": lambda a, b: not _lt(a, b),
    "len": _length,
    "index": _index,
    "slice": _slice,
    "print": lambda *a: gofmt.sprint(list(a)),
    "println": lambda *a: gofmt.sprintln(list(a)),
    "printf": lambda f, *a: gofmt.sprintf(_want("printf", f, str, "string"), list(a)),
    "html": _html,
    "js": _js,
    "urlquery": _urlquery,
    "json": lambda v: gofmt.go_json(v),
    "split": lambda s, sep: _want("split", s, str, "string").split(_want("split", sep, str, "string"))
    if sep else list(s),
    "join": lambda a, sep: _want("join", sep, str, "string").join(_strings(a)),
    "title": lambda s: _go_title(_want("title", s, str, "string")),
    "lower": lambda s: _want("lower", s, str, "string").lower(),
    "upper": lambda s: _want("upper", s, str, "string").upper(),
    "pad": _pad,
    "truncate": lambda s, n: _truncate(_want("truncate", s, str, "string"), _want("truncate", n, int, "int")),
}
ARITY = {"not": 1, "ne": 2, "lt": 2, "le": 2, "gt": 2, "ge": 2, "len": 1, "json": 1, "split": 2, "join": 2,
         "title": 1, "lower": 1, "upper": 1, "pad": 3, "truncate": 2, "printf": -1, "index": -1, "slice": -1}
# docker/cli's HeaderFunctions: in a table header these return their first argument untouched
HEADER_FUNCS = {name: (lambda v, *_: v) for name in ("json", "split", "join", "title", "lower", "upper", "truncate")}


# parameter kinds of the typed functions: a literal of another kind is refused as Go's evalArg does
SIGNATURES = {"split": "ss", "join": "-s", "title": "s", "lower": "s", "upper": "s", "pad": "sii", "truncate": "si",
              "printf": "s"}


# Go field names of docker's types whose JSON name differs: {{.ID}} and {{.Server.APIVersion}} work in docker
_JSON_NAMES = {"ID": "Id", "APIVersion": "ApiVersion"}


class Exec:
    def __init__(self, src: str, funcs: dict[str, Callable[..., Any]], missing_error: bool = False,
                 optional: frozenset[str] = frozenset()) -> None:
        self.optional = optional
        self.src = src
        self.funcs = funcs
        self.missing_error = missing_error  # Option("missingkey=error"), as docker's inspect sets it
        self.vars: list[tuple[str, Any]] = []

    typed_nils: dict[str, str] | None = None

    def nil_text(self, pipe: Pipe) -> str:
        """A nil field printed as docker's typed structs print it: [] for a nil slice, map[] for a nil map, else <nil>."""
        last = pipe.cmds[-1].args
        if len(pipe.cmds) == 1 and len(last) == 1 and last[0].kind in ("field", "var", "chain") and last[0].fields:
            return self.typed_nils.get(last[0].fields[-1], "<nil>")
        return "<no value>"

    def err(self, node: Node, msg: str, context: str | None = None) -> TemplateError:
        pos = node.pos
        line = self.src.count("\n", 0, pos) + 1
        col = pos - (self.src.rfind("\n", 0, pos) + 1) if "\n" in self.src[:pos] else pos
        ctx = context if context is not None else self.node_text(node)
        return TemplateError(f'template: :{line}:{col}: executing "" at <{ctx}>: {msg}')

    def node_text(self, node: Node) -> str:
        if isinstance(node, Operand):
            if node.kind == "field":
                return "." + ".".join(node.fields)
            if node.kind == "var":
                return node.value + "".join("." + f for f in node.fields)
            if node.kind == "ident":
                return node.value
            if node.kind == "dot":
                return "."
            if node.kind == "string":
                return gofmt.go_quote(node.value)
            if node.kind == "chain":
                return self.node_text(node.value) + "".join("." + f for f in node.fields)
            if node.kind == "pipe":
                return "(" + self.node_text(node.value) + ")"
            return "nil" if node.kind == "nil" else gofmt.sprint_value(node.value, False)
        if isinstance(node, Pipe):
            decl = (", ".join(node.decl) + (" = " if node.is_assign else " := ")) if node.decl else ""
            return decl + " | ".join(self.node_text(c) for c in node.cmds)
        if isinstance(node, Command):
            return " ".join(self.node_text(a) for a in node.args)
        return ""

    # ---- variables ----
    def setvar(self, name: str, value: Any, assign: bool) -> None:
        if assign:
            for i in range(len(self.vars) - 1, -1, -1):
                if self.vars[i][0] == name:
                    self.vars[i] = (name, value)
                    return
        self.vars.append((name, value))

    def getvar(self, node: Node, name: str) -> Any:
        for n, v in reversed(self.vars):
            if n == name:
                return v
        raise self.err(node, f"undefined variable: {name}")

    # ---- walking ----
    def walk(self, dot: Any, nodes: list[Node], out: list[str]) -> None:
        for node in nodes:
            if isinstance(node, Text):
                out.append(node.text)
            elif isinstance(node, Branch):
                self.branch(dot, node, out)
            elif isinstance(node, Loop):
                raise _Break() if node.kind == "break" else _Continue()
            else:
                value = self.pipeline(dot, node.pipe)
                if not node.pipe.decl:
                    out.append(self.nil_text(node.pipe) if value is None and self.typed_nils is not None
                               else gofmt.sprint_value(value))

    def branch(self, dot: Any, node: Branch, out: list[str]) -> None:
        mark = len(self.vars)
        try:
            if node.kind == "range":
                self.range_(dot, node, out)
                return
            value = self.pipeline(dot, node.pipe)
            if truth(value):
                self.walk(value if node.kind == "with" else dot, node.body, out)
            elif node.other is not None:
                self.walk(dot, node.other, out)
        finally:
            del self.vars[mark:]

    def range_(self, dot: Any, node: Branch, out: list[str]) -> None:
        pipe = node.pipe
        value = self.pipeline_value(dot, pipe)
        if isinstance(value, dict):
            items = gofmt.sorted_items(value)
        elif isinstance(value, list):
            items = list(enumerate(value))
        elif isinstance(value, int) and not isinstance(value, bool):
            items = [(i, i) for i in range(value)]  # Go 1.22: range over an integer
        elif value is None:
            items = []
        else:
            raise self.err(pipe, f"range can't iterate over {gofmt.sprint_value(value, False)}",
                           self.node_text(pipe))
        mark = len(self.vars)
        for key, elem in items:
            if len(pipe.decl) == 1:
                self.setvar(pipe.decl[0], elem, pipe.is_assign)
            elif len(pipe.decl) == 2:
                self.setvar(pipe.decl[0], key, pipe.is_assign)
                self.setvar(pipe.decl[1], elem, pipe.is_assign)
            try:
                self.walk(elem, node.body, out)
            except _Continue:
                pass
            except _Break:
                break
            finally:
                del self.vars[mark:]
        if not items and node.other is not None:
            self.walk(dot, node.other, out)

    def pipeline_value(self, dot: Any, pipe: Pipe) -> Any:
        value = None
        for i, cmd in enumerate(pipe.cmds):
            value = self.command(dot, cmd, value, has_final=i > 0)
        return value

    def pipeline(self, dot: Any, pipe: Pipe) -> Any:
        value = self.pipeline_value(dot, pipe)
        for name in pipe.decl:
            self.setvar(name, value, pipe.is_assign)
        return value

    def command(self, dot: Any, cmd: Command, final: Any, has_final: bool) -> Any:
        first, args = cmd.args[0], cmd.args[1:]
        if first.kind == "ident":
            return self.call(dot, first, cmd, args, final, has_final)
        if first.kind in ("field", "var", "chain", "dot"):
            if first.kind == "dot" and (args or has_final):
                raise self.err(first, "can't give argument to non-function .", self.node_text(cmd))
            return self.operand(dot, first, args, final, has_final, cmd)
        if args or has_final:
            raise self.err(first, f"can't give argument to non-function {self.node_text(first)}", self.node_text(cmd))
        if first.kind == "nil":
            raise self.err(first, "nil is not a command", self.node_text(cmd))
        return self.arg(dot, first)

    def call(self, dot: Any, fn: Operand, cmd: Command, args: list[Operand], final: Any, has_final: bool) -> Any:
        name = fn.value
        if name in ("and", "or"):
            # Go 1.18: evaluation stops at the first argument that decides the result
            values = [lambda a=a: self.arg(dot, a) for a in args] + ([lambda: final] if has_final else [])
            if not values:
                raise self.err(fn, f"wrong number of args for {name}: want at least 1 got 0", self.node_text(cmd))
            v = None
            for get in values:
                v = get()
                if truth(v) != (name == "and"):
                    return v
            return v
        if name == "call":
            raise self.err(fn, "call is not supported by minidocker's --format", self.node_text(cmd))
        for kind, a in zip(SIGNATURES.get(name, ""), args):
            if a.kind in ("string", "number", "bool", "nil"):
                ok = {"s": a.kind == "string", "i": a.kind == "number" and isinstance(a.value, int)}.get(kind, True)
                if not ok:
                    raise self.err(a, f"expected {'string' if kind == 's' else 'integer'}; found {self.node_text(a)}")
        values = [self.arg(dot, a) for a in args] + ([final] if has_final else [])
        want = ARITY.get(name)
        if want and want > 0 and len(values) != want:
            raise self.err(fn, f"wrong number of args for {name}: want {want} got {len(values)}", self.node_text(cmd))
        if want == -1 and not values:
            raise self.err(fn, f"wrong number of args for {name}: want at least 1 got 0", self.node_text(cmd))
        try:
            return self.funcs[name](*values)
        except TemplateError as err:
            text = str(err)
            if text.startswith("wrong type"):
                raise self.err(fn, text, self.node_text(cmd)) from None
            raise self.err(fn, f"error calling {name}: {text}", self.node_text(cmd)) from None
        except TypeError:
            raise self.err(fn, f"wrong number of args for {name}", self.node_text(cmd)) from None

    def arg(self, dot: Any, a: Operand) -> Any:
        if a.kind in ("string", "number", "bool"):
            return a.value
        if a.kind == "nil":
            return None
        if a.kind == "pipe":
            mark = len(self.vars)
            value = self.pipeline(dot, a.value)
            del self.vars[mark:]
            return value
        if a.kind == "ident":
            return self.call(dot, a, Command(a.pos, [a]), [], None, False)
        return self.operand(dot, a, [], None, False, a)

    def operand(self, dot: Any, a: Operand, args: list[Operand], final: Any, has_final: bool, ctx: Node) -> Any:
        """A field chain on dot, a variable, or a parenthesized term; only the last field gets the arguments."""
        if a.kind == "dot":
            return dot
        if a.kind == "field":
            receiver = dot
        elif a.kind == "var":
            receiver = self.getvar(a, a.value)
        else:  # chain: (pipe).Field
            receiver = self.arg(dot, a.value)
        if not a.fields:
            if args or has_final:
                raise self.err(a, f"can't give argument to non-function {self.node_text(a)}", self.node_text(ctx))
            return receiver
        if receiver is None and a.kind != "field":
            # a nil pipeline result or variable is Go's invalid value: "nil data" under missingkey=error, else nil
            if not self.missing_error:
                return None
            at = a.value.value.cmds[-1].args[-1] if a.kind == "chain" and a.value.kind == "pipe" else a
            raise self.err(at, f'nil data; no entry for key "{a.fields[0]}"', self.node_text(at))
        for i, name in enumerate(a.fields):
            last = i == len(a.fields) - 1
            receiver = self.field(dot, receiver, name, args if last else [], final, has_final and last, a, ctx, last)
        return receiver

    def field(self, dot: Any, receiver: Any, name: str, args: list[Operand], final: Any, has_final: bool,
              a: Operand, ctx: Node, last: bool = True) -> Any:
        if receiver is None:
            raise self.err(a, f"nil pointer evaluating interface {{}}.{name}", self.node_text(ctx))
        if not isinstance(receiver, dict):
            raise self.err(a, f"can't evaluate field {name} in type {gofmt.go_type(receiver)}", self.node_text(ctx))
        method = getattr(receiver, "methods", {}).get(name)
        if method is not None:
            return method(*([self.arg(dot, x) for x in args] + ([final] if has_final else [])))
        if name not in receiver and _JSON_NAMES.get(name) in receiver:
            name = _JSON_NAMES[name]
        if name not in receiver and getattr(receiver, "struct", "") and name not in receiver.fields:
            raise self.err(a, f"can't evaluate field {name} in type {receiver.struct}", self.node_text(ctx))
        if name not in receiver:
            if args or has_final:
                raise self.err(a, f"{name} is not a method but has arguments", self.node_text(ctx))
            if name in self.optional and last:
                return None  # a typed field docker's JSON omits when empty (omitempty): its zero value
            if all(isinstance(v, str) for v in receiver.values()):
                return ""  # docker's typed map[string]string (labels, options): the zero value
            if self.missing_error:
                raise self.err(a, f'map has no entry for key "{name}"', self.node_text(ctx))
        value = receiver.get(name)
        if callable(value):
            values = [self.arg(dot, x) for x in args] + ([final] if has_final else [])
            return value(*values)
        if args or has_final:
            raise self.err(a, f"{name} is not a method but has arguments", self.node_text(ctx))
        return value


def run(src: str, tree: list[Node], data: Any, header: bool = False, missing_error: bool = False,
        optional: frozenset[str] = frozenset(), typed_nils: dict[str, str] | None = None) -> str:
    funcs = dict(FUNCS, **HEADER_FUNCS) if header else FUNCS
    ex = Exec(src, funcs, missing_error, optional)
    ex.typed_nils = typed_nils
    ex.vars.append(("$", data))
    out: list[str] = []
    try:
        ex.walk(data, tree, out)
    except TemplateError as err:
        err.partial = "".join(out)  # what Go had written before the error
        raise
    return "".join(out)
