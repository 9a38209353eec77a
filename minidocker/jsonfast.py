"""json.loads / json.dumps on json's own C accelerator (_json), without importing the json package.

The json package imports re (with enum) and compiles its regular expressions when imported: about a
millisecond on every `minidocker` command, for the one small JSON document it reads (and in a traced
process, on its first span: trace.py). _json is the C
scanner and encoder json itself uses; this module hands them the settings a default JSONDecoder /
JSONEncoder would. Anything the fast path does not take -- bad JSON, a byte-order mark, another
encoding, an object json cannot serialize -- is handed to the json package, so results and error
messages are json's own (tests/unit/test_jsonfast.py compares the two).
"""

from __future__ import annotations

import _json

TYPE_CHECKING = False
if TYPE_CHECKING:  # annotations only (minidocker/client/__init__.py says why)
    from typing import Any

_WHITESPACE = " \t\n\r"  # JSON's whitespace, what json.decoder.WHITESPACE matches


class _DecoderSettings:
    """The attributes _json.make_scanner reads from a JSONDecoder(), at their defaults."""

    strict = True
    object_hook = None
    object_pairs_hook = None
    parse_float = float
    parse_int = int
    parse_constant = {"-Infinity": float("-inf"), "Infinity": float("inf"), "NaN": float("nan")}.__getitem__
    memo: dict = {}


_scan = _json.make_scanner(_DecoderSettings())


def loads(data: str | bytes | bytearray) -> Any:
    """json.loads(data)."""
    try:
        text = data.decode("utf-8") if isinstance(data, (bytes, bytearray)) else data
        start = len(text) - len(text.lstrip(_WHITESPACE))
        value, end = _scan(text, start)
        if text[end:].strip(_WHITESPACE) or text.startswith("\ufeff"):
            raise ValueError(text)
        return value
    except (ValueError, StopIteration, TypeError, AttributeError):
        import json  # json's own answer, or its own error message

        return json.loads(data)


def quote(text: str) -> str:
    """json.dumps(text, ensure_ascii=False): a JSON string literal, non-ASCII characters kept."""
    return _json.encode_basestring(text)


def _unserializable(obj: object) -> Any:
    import json

    return json.JSONEncoder().default(obj)  # raises json's TypeError


def dumps(obj: Any, separators: tuple[str, str] = (", ", ": ")) -> str:
    """json.dumps(obj, separators=separators): ASCII-only, keys in insertion order, NaN allowed."""
    if isinstance(obj, str):
        return _json.encode_basestring_ascii(obj)
    item_separator, key_separator = separators
    encode = _json.make_encoder({}, _unserializable, _json.encode_basestring_ascii, None, key_separator,
                                item_separator, False, False, True)
    return "".join(encode(obj, 0))
