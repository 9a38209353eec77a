"""Lexer and recursive-descent parser of Go's text/template language (cf. Go text/template/parse lex.go, parse.go, node.go).

The tree is made of small tuples-like node classes; `gotemplate_exec` walks it. Only the action grammar of
text/template is taken (no {{define}}/{{template}}/{{block}}: docker's --format never has named templates).
"""

from __future__ import annotations

import re

TYPE_CHECKING = False
if TYPE_CHECKING:  # annotations only (client/__init__.py says why)
    from typing import Any

FUNCTIONS = frozenset((
    "and", "or", "not", "eq", "ne", "lt", "le", "gt", "ge", "len", "index", "slice", "print", "printf",
    "println", "html", "js", "urlquery", "call",
    "json", "split", "join", "title", "lower", "upper", "pad", "truncate",  # docker/cli templates/templates.go
))
KEYWORDS = frozenset(("if", "else", "end", "range", "with", "break", "continue", "define", "template", "block", "nil",
                      "true", "false"))
_SPACE = " \t\r\n"


class TemplateError(ValueError):
    """A parse or execution error, worded as Go's ("template: :1: unexpected EOF")."""


# ---- nodes (cf. parse/node.go) ----
class Node:
    __slots__ = ("pos", "src")


class Text(Node):
    __slots__ = ("text",)

    def __init__(self, pos: int, text: str) -> None:
        self.pos, self.text = pos, text


class Pipe(Node):
    __slots__ = ("decl", "is_assign", "cmds")

    def __init__(self, pos: int, decl: list[str], is_assign: bool, cmds: list["Command"]) -> None:
        self.pos, self.decl, self.is_assign, self.cmds = pos, decl, is_assign, cmds


class Command(Node):
    __slots__ = ("args",)

    def __init__(self, pos: int, args: list[Any]) -> None:
        self.pos, self.args = pos, args


class Action(Node):
    __slots__ = ("pipe",)

    def __init__(self, pos: int, pipe: Pipe) -> None:
        self.pos, self.pipe = pos, pipe


class Branch(Node):
    """if / with / range: pipe, the list, and the else list (which may hold a nested if/with for {{else if}})."""
    __slots__ = ("kind", "pipe", "body", "other")

    def __init__(self, kind: str, pos: int, pipe: Pipe, body: list[Node], other: list[Node] | None) -> None:
        self.kind, self.pos, self.pipe, self.body, self.other = kind, pos, pipe, body, other


class Loop(Node):
    """{{break}} or {{continue}}."""
    __slots__ = ("kind",)

    def __init__(self, pos: int, kind: str) -> None:
        self.pos, self.kind = pos, kind


class Operand(Node):
    """One argument: kind is field, var, dot, ident, pipe, chain, string, number, bool, nil; value and field names."""
    __slots__ = ("kind", "value", "fields")

    def __init__(self, pos: int, kind: str, value: Any = None, fields: tuple[str, ...] = ()) -> None:
        self.pos, self.kind, self.value, self.fields = pos, kind, value, fields


# ---- lexer (cf. parse/lex.go) ----
_TOKEN = re.compile(r"""
    (?P<space>[ \t\r\n]+)
  | (?P<declare>:=)
  | (?P<assign>=)
  | (?P<pipe>\|)
  | (?P<lparen>\()
  | (?P<rparen>\))
  | (?P<comma>,)
  | (?P<string>"(?:[^"\\\n]|\\.)*")
  | (?P<raw>`[^`]*`)
  | (?P<char>'(?:[^'\\\n]|\\.)+')
  | (?P<number>[+-]?(?:0[xX][0-9a-fA-F_]+|0[bB][01_]+|0[oO][0-7_]+|(?:\d[\d_]*\.?[\d_]*|\.\d[\d_]*)(?:[eE][+-]?\d+)?)(?:i)?)
  | (?P<field>\.[^\W\d]\w*)
  | (?P<dot>\.)
  | (?P<var>\$\w*)
  | (?P<ident>[^\W\d]\w*)
""", re.X)
_ESCAPES = {"a": "\a", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v", "\\": "\\", '"': '"', "'": "'"}
_ESCAPE = re.compile(r"\\(?:([abfnrtv\\\"'])|x([0-9a-fA-F]{2})|([0-7]{3})|u([0-9a-fA-F]{4})|U([0-9a-fA-F]{8})|(.))", re.S)


def unquote(lit: str) -> str:
    """strconv.Unquote of a "..." or '...' literal."""
    def one(m: re.Match) -> str:
        if m.group(1):
            return _ESCAPES[m.group(1)]
        if m.group(6) is not None:
            raise TemplateError(f"invalid syntax: {lit}")
        code = m.group(2) or m.group(3) or m.group(4) or m.group(5)
        return chr(int(code, 8 if m.group(3) else 16))
    return _ESCAPE.sub(one, lit[1:-1])


def _number(text: str) -> int | float:
    t = text.replace("_", "")
    try:
        if re.fullmatch(r"[+-]?0[xXbBoO].*", t):
            return int(t, 0)
        if re.fullmatch(r"[+-]?\d+", t):
            return int(t, 8) if len(t.lstrip("+-")) > 1 and t.lstrip("+-")[0] == "0" else int(t)
        value = float(t)
    except ValueError:
        raise TemplateError(f"bad number syntax: {text!r}") from None
    return int(value) if value.is_integer() and abs(value) < 2 ** 63 and "e" not in t.lower() else value


class _Lexer:
    """Splits the source into text and action token lists, applying {{- -}} trimming and dropping comments."""

    def __init__(self, src: str) -> None:
        self.src = src

    def line(self, pos: int) -> int:
        return self.src.count("\n", 0, pos) + 1

    def err(self, pos: int, msg: str) -> TemplateError:
        return TemplateError(f"template: :{self.line(pos)}: {msg}")

    def items(self) -> list[tuple[str, int, Any]]:
        """[("text", pos, str) | ("action", pos, [(kind, pos, text)...])]."""
        src, pos, out, trim_next = self.src, 0, [], False
        while True:
            start = src.find("{{", pos)
            text = src[pos:] if start < 0 else src[pos:start]
            inner = start + 2
            left_trim = start >= 0 and src.startswith("-", inner) and inner + 1 < len(src) and src[inner + 1] in _SPACE
            if trim_next:
                text = text.lstrip(_SPACE)
            if left_trim:
                text = text.rstrip(_SPACE)
                inner += 2
            if text:
                out.append(("text", pos, text))
            if start < 0:
                return out
            if src.startswith("/*", inner):
                end = src.find("*/", inner + 2)
                if end < 0:
                    raise self.err(start, "unclosed comment")
                end += 2
                trim_next = src[end:end + 1] in tuple(_SPACE) and src.startswith("-}}", end + 1)
                if trim_next:
                    end += 4
                elif src.startswith("}}", end):
                    end += 2
                else:
                    raise self.err(start, "comment ends before closing delimiter")
                pos = end
                continue
            tokens, pos, trim_next = self._action(inner)
            out.append(("action", start, tokens))

    def _action(self, pos: int) -> tuple[list[tuple[str, int, str]], int, bool]:
        src, tokens, depth = self.src, [], 0
        while True:
            trim = src[pos:pos + 1] in tuple(_SPACE) and src.startswith("-}}", pos + 1)
            if trim or src.startswith("}}", pos):
                if depth:
                    raise self.err(pos, "unclosed left paren")
                return tokens, pos + (4 if trim else 2), trim
            if pos >= len(src):
                raise self.err(pos, "unclosed action")
            m = _TOKEN.match(src, pos)
            if not m:
                if src[pos] in "\"'":
                    raise self.err(pos, "unterminated quoted string")
                raise self.err(pos, f"unexpected {src[pos]!r} in command")
            kind, text = m.lastgroup, m.group()
            if kind == "lparen":
                depth += 1
            elif kind == "rparen":
                depth -= 1
                if depth < 0:
                    raise self.err(pos, "unexpected right paren")
            tokens.append((kind, pos, text))
            pos = m.end()


# ---- parser (cf. parse/parse.go) ----
class _Parser:
    def __init__(self, src: str) -> None:
        self.lex = _Lexer(src)
        self.items = self.lex.items()
        self.i = 0
        self.vars: list[str] = ["$"]
        self.toks: list[tuple[str, int, str]] = []
        self.t = 0

    def err(self, pos: int, msg: str) -> TemplateError:
        return self.lex.err(pos, msg)

    # token cursor inside one action
    def peek(self) -> tuple[str, int, str]:
        return self.toks[self.t] if self.t < len(self.toks) else ("end", self.end_pos, "}}")

    def next(self) -> tuple[str, int, str]:
        tok = self.peek()
        self.t += 1
        return tok

    def skip_space(self) -> None:
        while self.peek()[0] == "space":
            self.t += 1

    def next_non_space(self) -> tuple[str, int, str]:
        self.skip_space()
        return self.next()

    def peek_non_space(self) -> tuple[str, int, str]:
        self.skip_space()
        return self.peek()

    def unexpected(self, tok: tuple[str, int, str], context: str) -> TemplateError:
        if tok[0] == "end":
            return self.err(tok[1], f"unexpected }}}} in {context}" if context != "operand" else "missing value for command")
        return self.err(tok[1], f"unexpected {tok[2]!r} in {context}".replace("'", '"', 2) if '"' not in tok[2]
                        else f"unexpected {tok[2]} in {context}")

    def parse(self) -> list[Node]:
        nodes, stop = self.list_(top=True)
        return nodes

    def list_(self, top: bool = False) -> tuple[list[Node], tuple[str, int]]:
        """Nodes up to {{end}} or {{else}} (returned as the stop), or EOF at top level."""
        nodes: list[Node] = []
        while self.i < len(self.items):
            kind, pos, value = self.items[self.i]
            self.i += 1
            if kind == "text":
                nodes.append(Text(pos, value))
                continue
            self.toks, self.t, self.end_pos = value, 0, pos
            first = self.peek_non_space()
            word = first[2] if first[0] == "ident" else ""
            if word in ("end", "else"):
                if top:
                    raise self.err(pos, f"unexpected {{{{{word}}}}}")
                self.next()
                return nodes, (word, pos)
            nodes.append(self.action(pos, word))
        if not top:
            raise self.err(len(self.lex.src), "unexpected EOF")
        return nodes, ("eof", len(self.lex.src))

    def action(self, pos: int, word: str) -> Node:
        if word in ("if", "with", "range"):
            self.next()
            return self.control(word, pos)
        if word in ("break", "continue"):
            self.next()
            if not self.in_range:
                raise self.err(pos, f"{{{{{word}}}}} outside {{{{range}}}}")
            if self.peek_non_space()[0] != "end":
                raise self.err(pos, f"unexpected {self.peek()[2]} in {{{{{word}}}}}")
            return Loop(pos, word)
        if word in ("define", "template", "block"):
            raise self.err(pos, f"{{{{{word}}}}} is not supported by minidocker's --format")
        return Action(pos, self.pipeline("command", pos))

    in_range = 0

    def control(self, kind: str, pos: int) -> Branch:
        mark = len(self.vars)
        pipe = self.pipeline(kind, pos)
        if kind == "range":
            self.in_range += 1
        body, stop = self.list_()
        if kind == "range":
            self.in_range -= 1
        other = None
        if stop[0] == "else":
            nxt = self.peek_non_space()
            if kind in ("if", "with") and nxt[0] == "ident" and nxt[2] == kind:
                # {{else if x}} / {{else with x}}: a nested branch ending at the same {{end}}
                self.next()
                other = [self.control(kind, stop[1])]
            else:
                if nxt[0] != "end":
                    raise self.unexpected(nxt, "else")
                other, stop2 = self.list_()
                if stop2[0] != "end":
                    raise self.err(stop2[1], "expected end; found {{else}}")
        elif self.peek_non_space()[0] != "end":
            raise self.unexpected(self.peek(), "end")
        del self.vars[mark:]
        return Branch(kind, pos, pipe, body, other)

    def pipeline(self, context: str, pos: int, end: str = "end") -> Pipe:
        decl: list[str] = []
        is_assign = False
        tok = self.peek_non_space()
        pos = tok[1] if tok[0] != "end" else pos
        if tok[0] == "var":
            save = self.t
            self.next()
            after = self.peek_non_space()
            if after[0] in ("declare", "assign"):
                self.next()
                decl, is_assign = [tok[2]], after[0] == "assign"
            elif after[0] == "comma" and context == "range":
                self.next()
                second = self.next_non_space()
                op = self.next_non_space()
                if second[0] != "var" or op[0] not in ("declare", "assign"):
                    raise self.err(pos, "range can only initialize variables")
                decl, is_assign = [tok[2], second[2]], op[0] == "assign"
            else:
                self.t = save
            if decl:
                for name in decl:
                    if is_assign and name not in self.vars:
                        raise self.err(pos, f"undefined variable \"{name}\"")
                if not is_assign:
                    self.vars.extend(decl)
        cmds: list[Command] = []
        while True:
            tok = self.peek_non_space()
            if tok[0] == end:
                if end == "rparen":
                    self.next()
                if not cmds:
                    raise self.err(pos, f"missing value for {context}")
                return Pipe(pos, decl, is_assign, cmds)
            if tok[0] == "end":
                raise self.err(tok[1], "unclosed left paren")
            cmds.append(self.command(end))

    def command(self, end: str) -> Command:
        pos = self.peek()[1]
        args = []
        while True:
            self.skip_space()
            operand = self.operand()
            if operand is not None:
                args.append(operand)
            tok = self.next()
            if tok[0] == "space":
                continue
            if tok[0] == end or (tok[0] == "end" and end == "rparen"):
                self.t -= 1
            elif tok[0] == "pipe":
                pass
            else:
                raise self.unexpected(tok, "operand")
            break
        if not args:
            raise self.err(pos, "empty command")
        return Command(pos, args)

    def operand(self) -> Operand | None:
        node = self.term()
        if node is None:
            return None
        fields = []
        chain_pos = self.peek()[1]
        while self.peek()[0] == "field":
            fields.append(self.next()[2][1:])
        if not fields:
            return node
        if node.kind in ("field", "var"):
            node.fields += tuple(fields)
            node.pos = chain_pos  # Go positions a chained field at its second element
            return node
        if node.kind in ("string", "number", "bool", "nil", "dot"):
            raise self.err(node.pos, f"unexpected . after term {node.value!r}")
        return Operand(node.pos, "chain", node, tuple(fields))

    def term(self) -> Operand | None:
        kind, pos, text = self.next()
        if kind == "ident":
            if text in ("true", "false"):
                return Operand(pos, "bool", text == "true")
            if text == "nil":
                return Operand(pos, "nil")
            if text not in FUNCTIONS:
                raise self.err(pos, f'function "{text}" not defined')
            return Operand(pos, "ident", text)
        if kind == "dot":
            return Operand(pos, "dot")
        if kind == "var":
            if text not in self.vars:
                raise self.err(pos, f'undefined variable "{text}"')
            return Operand(pos, "var", text)
        if kind == "field":
            return Operand(pos, "field", None, (text[1:],))
        if kind == "number":
            return Operand(pos, "number", _number(text))
        if kind == "char":
            value = unquote(text)
            if len(value) != 1:
                raise self.err(pos, f"malformed character constant: {text}")
            return Operand(pos, "number", ord(value))
        if kind == "string":
            try:
                return Operand(pos, "string", unquote(text))
            except TemplateError as err:
                raise self.err(pos, str(err)) from None
        if kind == "raw":
            return Operand(pos, "string", text[1:-1])
        if kind == "lparen":
            pipe = self.pipeline("parenthesized pipeline", pos, end="rparen")
            return Operand(pos, "pipe", pipe)
        self.t -= 1
        return None


def parse(src: str) -> list[Node]:
    """The template's tree; raises TemplateError worded as Go's parse errors."""
    return _Parser(src).parse()
