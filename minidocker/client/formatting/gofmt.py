"""How Go prints JSON-decoded values: fmt's %v, Sprint/Sprintln, a Printf subset, strconv.Quote and encoding/json (cf. Go fmt/print.go, fmt/format.go, strconv/ftoa.go, encoding/json/encode.go).

Values are what json.loads gives: None, bool, int, float, str, list, dict. Go's typed structs print
`{a b}`; ours are dicts and print as maps, `map[k:v]` with the keys sorted, as Go prints maps.
"""

from __future__ import annotations

import re

TYPE_CHECKING = False
if TYPE_CHECKING:  # annotations only (client/__init__.py says why)
    from typing import Any


class GoMap(dict):
    """A dict that stands for a Go map, not a struct (encoding/json sorts its keys), with the methods of the
    Go value it stands for: docker's list rows have Label(name) beside their fields."""

    def __init__(self, items: Any = (), methods: dict[str, Any] | None = None, struct: str = "",
                 fields: frozenset[str] = frozenset()) -> None:
        super().__init__(items)
        self.methods = methods or {}
        self.struct = struct  # set: the value is a Go struct of that type, whose unknown fields are errors
        self.fields = fields  # the struct's fields and methods, present here or not


def go_type(v: Any) -> str:
    """The Go type name a JSON value decodes to, for error messages and %T."""
    if isinstance(v, bool):
        return "bool"
    if isinstance(v, int):
        return "int"
    if isinstance(v, float):
        return "float64"
    if isinstance(v, str):
        return "string"
    if isinstance(v, list):
        return "[]interface {}"
    if isinstance(v, dict):
        return "map[string]interface {}"
    return "<nil>" if v is None else type(v).__name__


def _digits(x: float) -> tuple[str, int]:
    """Shortest decimal digits of |x| and the decimal point position (0.d1d2... x 10^dp), as strconv's shortest."""
    mant, _, exp = repr(abs(x)).partition("e")
    ip, _, fp = mant.partition(".")
    full = ip + fp
    point = len(ip) + int(exp or 0)
    stripped = full.lstrip("0")
    point -= len(full) - len(stripped)
    return (stripped.rstrip("0") or "0"), point


def _exp_form(digits: str, point: int, min_exp_digits: int = 2) -> str:
    exp = point - 1
    mant = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
    return f"{mant}e{'-' if exp < 0 else '+'}{abs(exp):0{min_exp_digits}d}"


def _plain_form(digits: str, point: int) -> str:
    if point <= 0:
        return "0." + "0" * -point + digits
    if point >= len(digits):
        return digits + "0" * (point - len(digits))
    return digits[:point] + "." + digits[point:]


def go_float(x: float) -> str:
    """strconv.FormatFloat(x, 'g', -1, 64) as fmt's %v prints it: 1e+06, 123456, 1.5, 1e-05."""
    if x != x:
        return "NaN"
    if x in (float("inf"), float("-inf")):
        return "+Inf" if x > 0 else "-Inf"
    sign = "-" if str(x).startswith("-") else ""
    if x == 0:
        return sign + "0"
    digits, point = _digits(x)
    exp = point - 1  # shortest %g switches to %e from an exponent of 6 (strconv/ftoa.go: eprec = 6)
    return sign + (_exp_form(digits, point) if exp < -4 or exp >= 6 else _plain_form(digits, point))


def json_float(x: float) -> str:
    """encoding/json's float64: 'f' unless below 1e-6 or from 1e21, then 'e' without a leading exponent zero."""
    if x != x or x in (float("inf"), float("-inf")):
        raise ValueError(f"json: unsupported value: {go_float(x)}")
    if x == 0:
        return "-0" if str(x).startswith("-") else "0"
    sign = "-" if x < 0 else ""
    digits, point = _digits(x)
    if abs(x) < 1e-6 or abs(x) >= 1e21:
        return sign + _exp_form(digits, point, 1)
    return sign + _plain_form(digits, point)


def go_json(v: Any) -> str:
    """json.Marshal with SetEscapeHTML(false), compact; object keys kept in their order (they stand for struct fields)."""
    import json

    if v is None:
        return "null"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return json_float(v)
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False).replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    if isinstance(v, list):
        return "[" + ",".join(go_json(i) for i in v) + "]"
    if isinstance(v, dict):
        items = sorted(v.items()) if isinstance(v, GoMap) else v.items()
        return "{" + ",".join(go_json(str(k)) + ":" + go_json(i) for k, i in items) + "}"
    raise ValueError(f"json: unsupported type: {go_type(v)}")


def go_quote(s: str) -> str:
    """strconv.Quote: Go escapes, printable unicode kept, other control characters as \\x.. or \\u...."""
    out = ['"']
    for ch in s:
        code = ord(ch)
        if ch in '"\\':
            out.append("\\" + ch)
        elif ch in "\a\b\f\n\r\t\v":
            out.append("\\" + "abfnrtv"["\a\b\f\n\r\t\v".index(ch)])
        elif ch.isprintable() or ch == " ":
            out.append(ch)
        elif code < 0x80:
            out.append(f"\\x{code:02x}")
        elif code < 0x10000:
            out.append(f"\\u{code:04x}")
        else:
            out.append(f"\\U{code:08x}")
    return "".join(out + ['"'])


def sprint_value(v: Any, top: bool = True) -> str:
    """fmt's %v of a value; nil is <nil> inside containers (text/template prints a top-level nil as <no value>)."""
    if v is None:
        return "<no value>" if top else "<nil>"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return go_float(v)
    if isinstance(v, str):
        return v
    if isinstance(v, list):
        return "[" + " ".join(sprint_value(i, False) for i in v) + "]"
    if isinstance(v, dict):
        return "map[" + " ".join(f"{sprint_value(k, False)}:{sprint_value(i, False)}" for k, i in _sorted_items(v)) + "]"
    return str(v)


def _sorted_items(d: dict) -> list[tuple[Any, Any]]:
    """Go's fmt and range sort map keys (internal/fmtsort): numbers by value, strings by bytes."""
    try:
        return sorted(d.items(), key=lambda kv: kv[0].encode() if isinstance(kv[0], str) else kv[0])
    except TypeError:
        return list(d.items())


sorted_items = _sorted_items  # range uses Go's map order too


def sprint(args: list[Any]) -> str:
    """fmt.Sprint: a space between operands when neither side is a string."""
    out = []
    for i, a in enumerate(args):
        if i and not isinstance(a, str) and not isinstance(args[i - 1], str):
            out.append(" ")
        out.append(sprint_value(a, False))
    return "".join(out)


def sprintln(args: list[Any]) -> str:
    return " ".join(sprint_value(a, False) for a in args) + "\n"


_VERB = re.compile(r"%([-+# 0]*)(\*|\d+)?(?:\.(\*|\d*))?([a-zA-Z%])")


def _bad(verb: str, v: Any) -> str:
    if v is None:
        return f"%!{verb}(<nil>)"
    return f"%!{verb}({go_type(v)}={sprint_value(v, False)})"


def _pad(text: str, flags: str, width: int | None, numeric: bool = False) -> str:
    if width is None or len(text) >= width:
        return text
    if "-" in flags:
        return text.ljust(width)
    if "0" in flags and numeric:
        sign = text[0] if text[:1] in "+-" else ""
        return sign + text[len(sign):].rjust(width - len(sign), "0")
    return text.rjust(width)


def _one(verb: str, flags: str, width: int | None, prec: int | None, v: Any) -> str:
    if isinstance(v, (list, dict)) and verb not in "vTq":  # Go applies the verb to each element
        if isinstance(v, list):
            return "[" + " ".join(_one(verb, flags, width, prec, i) for i in v) + "]"
        return "map[" + " ".join(f"{_one(verb, flags, width, prec, k)}:{_one(verb, flags, width, prec, i)}"
                                 for k, i in _sorted_items(v)) + "]"
    if verb == "T":
        return _pad(go_type(v), flags, width)
    if verb == "v":
        if isinstance(v, str) and "#" in flags:
            return _pad(go_quote(v), flags, width)
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            return _one("g" if isinstance(v, float) else "d", flags, width, prec, v)
        text = sprint_value(v, False)
        return _pad(text, flags, width)
    if isinstance(v, bool):
        return _pad("true" if v else "false", flags, width) if verb == "t" else _bad(verb, v)
    if isinstance(v, int):
        if verb in "dxXobc" or verb == "q":
            if verb == "c":
                return _pad(chr(v), flags, width)
            if verb == "q":
                return _pad("'" + go_quote(chr(v))[1:-1].replace("'", "\\'").replace('\\"', '"') + "'", flags, width)
            spec = {"d": "d", "x": "x", "X": "X", "o": "o", "b": "b"}[verb]
            text = format(abs(v), spec)
            if prec is not None:
                text = text.rjust(prec, "0")
            if "#" in flags and verb in "xX":
                text = ("0x" if verb == "x" else "0X") + text
            sign = "-" if v < 0 else ("+" if "+" in flags else (" " if " " in flags else ""))
            return _pad(sign + text, flags, width, numeric=prec is None)
        return _bad(verb, v)
    if isinstance(v, float):
        if verb in "eEfFgG":
            if prec is None and verb in "gG":
                text = go_float(abs(v))
            elif prec is None and verb in "eE":
                text = format(abs(v), ".6" + verb)
            else:
                text = format(abs(v), f".{6 if prec is None else prec}{verb.lower() if verb in 'fF' else verb}")
            if verb in "eEgG":
                text = re.sub(r"e([+-])(\d)$", r"e\g<1>0\2", text)
            sign = "-" if str(v).startswith("-") else ("+" if "+" in flags else (" " if " " in flags else ""))
            return _pad(sign + text, flags, width, numeric=True)
        return _bad(verb, v)
    if isinstance(v, str):
        if verb == "s":
            return _pad(v if prec is None else v[:prec], flags, width)
        if verb == "q":
            return _pad(go_quote(v), flags, width)
        if verb in "xX":
            text = v.encode().hex()
            return _pad(text.upper() if verb == "X" else text, flags, width)
        return _bad(verb, v)
    return _bad(verb, v)


def sprintf(fmt: str, args: list[Any]) -> str:
    """fmt.Sprintf for the verbs docker's templates use: %v %s %d %q %t %x %X %f %e %g %c %T %%, flags, width, precision."""
    out, pos, argi = [], 0, 0
    for m in _VERB.finditer(fmt):
        out.append(fmt[pos:m.start()])
        pos = m.end()
        flags, width_s, prec_s, verb = m.groups()
        if verb == "%" and not flags and width_s is None and prec_s is None:
            out.append("%")
            continue
        width = prec = None
        if width_s == "*":
            width, argi = (args[argi] if argi < len(args) and isinstance(args[argi], int) else None), argi + 1
        elif width_s:
            width = int(width_s)
        if prec_s == "*":
            prec, argi = (args[argi] if argi < len(args) and isinstance(args[argi], int) else None), argi + 1
        elif prec_s is not None:
            prec = int(prec_s or 0)
        if argi >= len(args):
            out.append(f"%!{verb}(MISSING)")
            continue
        out.append(_one(verb, flags, width, prec, args[argi]))
        argi += 1
    out.append(fmt[pos:])
    if argi < len(args):
        out.append("%!(EXTRA " + ", ".join(f"{go_type(a)}={sprint_value(a, False)}" for a in args[argi:]) + ")")
    return "".join(out)
