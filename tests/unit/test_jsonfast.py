"""minidocker/jsonfast.py gives json's results and json's errors (it runs json's own C scanner and encoder)."""

from __future__ import annotations

import json
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from minidocker import jsonfast

values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner, max_size=4),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(value=values, compact=st.booleans())
def test_dumps_and_loads_agree_with_json(value: object, compact: bool) -> None:
    separators = (",", ":") if compact else (", ", ": ")
    text = json.dumps(value, separators=separators)
    assert jsonfast.dumps(value, separators=separators) == text
    assert jsonfast.loads(text) == json.loads(text)
    assert jsonfast.loads(text.encode()) == json.loads(text.encode())
    assert jsonfast.loads(f" \n{text}\t\r\n") == json.loads(f" \n{text}\t\r\n")


def test_what_json_accepts_beyond_the_fast_path_is_still_accepted() -> None:
    assert jsonfast.loads('{"a": "\u00e9"}'.encode("utf-16")) == {"a": "é"}  # json detects UTF-16
    assert jsonfast.loads(b"\xef\xbb\xbf[1]") == [1]  # a UTF-8 byte-order mark in bytes
    assert math.isnan(jsonfast.loads("NaN")) and jsonfast.loads("[-Infinity]") == [float("-inf")]
    assert jsonfast.dumps(float("inf")) == "Infinity" and jsonfast.dumps("é") == '"\\u00e9"'


@pytest.mark.parametrize("bad", ["", "  ", "{", "[1,]", '{"a":1} x', "\ufeff[1]", '"\x01"', "nul", b"\xff"])
def test_bad_json_raises_what_json_raises(bad: str | bytes) -> None:
    with pytest.raises(ValueError) as ours:
        jsonfast.loads(bad)
    with pytest.raises(ValueError) as theirs:
        json.loads(bad)
    assert (type(ours.value), str(ours.value)) == (type(theirs.value), str(theirs.value))


def test_unserializable_objects_raise_jsons_type_error() -> None:
    with pytest.raises(TypeError, match="Object of type set is not JSON serializable"):
        jsonfast.dumps({"a": {1}})
    with pytest.raises(TypeError) as theirs:
        json.loads(None)  # type: ignore[arg-type]
    with pytest.raises(TypeError) as ours:
        jsonfast.loads(None)  # type: ignore[arg-type]
    assert str(ours.value) == str(theirs.value)
