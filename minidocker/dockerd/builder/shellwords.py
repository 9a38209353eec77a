"""Docker's word expansion for Dockerfile instructions (cf. buildkit frontend/dockerfile/shell/lex.go).

Quotes and escapes are processed and $VAR / ${VAR} / ${VAR:-default} / ${VAR:+alt} / ${VAR:?msg}
are expanded from the build's ARG and ENV values, exactly where Docker does it: in the arguments
of ADD, COPY, ENV, EXPOSE, FROM, LABEL, STOPSIGNAL, USER, VOLUME, WORKDIR, ARG (not in RUN, CMD or
ENTRYPOINT, which a shell will expand at run time).
"""

from __future__ import annotations

from typing import Mapping

from ...errors import InvalidArgument


class _Lexer:
    def __init__(self, text: str, env: Mapping[str, str], escape: str = "\\") -> None:
        self.text, self.env, self.escape, self.pos = text, env, escape, 0

    def peek(self) -> str:
        return self.text[self.pos] if self.pos < len(self.text) else ""

    def take(self) -> str:
        ch = self.peek()
        self.pos += 1
        return ch

    def words(self) -> list[str]:
        """Split into words on unquoted whitespace, processing quotes, escapes and variables."""
        words: list[str] = []
        word: list[str] = []
        in_word = False
        while self.pos < len(self.text):
            ch = self.take()
            if ch.isspace():
                if in_word:
                    words.append("".join(word))
                    word, in_word = [], False
                continue
            in_word = True
            if ch == "'":
                word.append(self.single_quoted())
            elif ch == '"':
                word.append(self.double_quoted())
            elif ch == "$":
                word.append(self.variable())
            elif ch == self.escape:
                nxt = self.take()
                word.append(nxt if nxt else ch)
            else:
                word.append(ch)
        if in_word:
            words.append("".join(word))
        return words

    def single_quoted(self) -> str:
        end = self.text.find("'", self.pos)
        if end < 0:
            raise InvalidArgument("unexpected end of statement while looking for matching single-quote")
        out, self.pos = self.text[self.pos:end], end + 1
        return out

    def double_quoted(self) -> str:
        out: list[str] = []
        while True:
            ch = self.take()
            if ch == "":
                raise InvalidArgument("unexpected end of statement while looking for matching double-quote")
            if ch == '"':
                return "".join(out)
            if ch == "$":
                out.append(self.variable())
            elif ch == self.escape and self.peek() in ('"', "$", self.escape):
                out.append(self.take())
            else:
                out.append(ch)

    def name(self) -> str:
        start = self.pos
        while self.peek() and (self.peek().isalnum() or self.peek() == "_"):
            self.pos += 1
        return self.text[start:self.pos]

    def variable(self) -> str:
        if self.peek() == "{":
            self.take()
            return self.braced()
        name = self.name()
        if not name:
            return "$"
        return self.env.get(name, "")

    def braced(self) -> str:
        name = self.name()
        if not name:
            raise InvalidArgument(f"missing ':' in substitution or bad variable name near {self.text!r}")
        ch = self.take()
        if ch == "}":
            return self.env.get(name, "")
        colon = ch == ":"
        if colon:
            ch = self.take()
        if ch not in "-+?":
            raise InvalidArgument(f"unsupported modifier ({ch}) in substitution: {self.text}")
        word = self.until_brace()
        value = self.env.get(name)
        is_set = value is not None and (value != "" or not colon)
        if ch == "-":
            return value if is_set else word  # type: ignore[return-value]
        if ch == "+":
            return word if is_set else ""
        if not is_set:
            raise InvalidArgument(f"{name}: {word or 'is not allowed to be unset'}")
        return value  # type: ignore[return-value]

    def until_brace(self) -> str:
        out: list[str] = []
        while True:
            ch = self.take()
            if ch == "":
                raise InvalidArgument(f"syntax error: missing '}}' in {self.text!r}")
            if ch == "}":
                return "".join(out)
            if ch == "$":
                out.append(self.variable())
            elif ch == self.escape and self.peek():
                out.append(self.take())
            elif ch == "'":
                out.append(self.single_quoted())
            elif ch == '"':
                out.append(self.double_quoted())
            else:
                out.append(ch)


def expand_words(text: str, env: Mapping[str, str], escape: str = "\\") -> list[str]:
    """Expand and split a whole argument string into words (as for COPY, EXPOSE, VOLUME)."""
    return _Lexer(text, env, escape).words()


def expand_word(text: str, env: Mapping[str, str], escape: str = "\\") -> str:
    """Expand one value keeping its inner whitespace (as for ENV and LABEL values, WORKDIR, USER)."""
    return " ".join(_Lexer(text, env, escape).words()) if text.strip() else ""
