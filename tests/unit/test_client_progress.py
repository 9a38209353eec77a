"""JSON-message streams rendered as docker's jsonmessage does: lines when piped, per-layer rewrites on a terminal, errors with codes."""

from __future__ import annotations

import io

import pytest

from minidocker.client.errors import StreamError
from minidocker.client.formatting.progress import display_stream, progress_text

PULL = [
    {"status": "Pulling from library/busybox", "id": "latest"},
    {"status": "Pulling fs layer", "progressDetail": {}, "id": "aaa"},
    {"status": "Downloading", "progressDetail": {"current": 500, "total": 1000}, "id": "aaa"},
    {"status": "Download complete", "progressDetail": {}, "id": "aaa"},
    {"status": "Digest: sha256:123"},
    {"status": "Status: Downloaded newer image for busybox:latest"},
]


def test_piped_output_has_one_line_per_message_and_no_progress_bars() -> None:
    out = io.StringIO()
    display_stream(PULL, out, terminal=False)
    assert out.getvalue().splitlines() == [
        "latest: Pulling from library/busybox", "aaa: Pulling fs layer", "aaa: Download complete",
        "Digest: sha256:123", "Status: Downloaded newer image for busybox:latest"]


def test_build_stream_is_printed_as_is_and_aux_goes_to_the_callback() -> None:
    out, aux = io.StringIO(), []
    display_stream([{"stream": "Step 1/2 : FROM busybox"}, {"stream": "\n"}, {"aux": {"ID": "sha256:1"}},
                    {"stream": " ---> 1234\n"}], out, terminal=False, on_aux=aux.append)
    assert out.getvalue() == "Step 1/2 : FROM busybox\n ---> 1234\n"
    assert aux == [{"ID": "sha256:1"}]


def test_an_error_message_raises_with_its_code() -> None:
    msgs = [{"stream": "Step 2/2 : RUN exit 3\n"},
            {"errorDetail": {"code": 3, "message": "The command '/bin/sh -c exit 3' returned a non-zero code: 3"},
             "error": "The command '/bin/sh -c exit 3' returned a non-zero code: 3"}]
    with pytest.raises(StreamError) as info:
        display_stream(msgs, io.StringIO(), terminal=False)
    assert info.value.code == 3 and "non-zero code: 3" in info.value.message


def test_terminal_output_rewrites_each_layer_line_in_place() -> None:
    out = io.StringIO()
    display_stream(PULL, out, terminal=True)
    text = out.getvalue()
    assert "\x1b[1A" in text  # cursor up to the layer's line
    assert "[" + "=" * 25 + ">" + " " * 25 + "]     500B/1kB" in text


def test_progress_bar_text() -> None:
    assert progress_text({}) == ""
    assert progress_text({"current": 0, "total": 0}) == ""
    bar = progress_text({"current": 1000, "total": 1000})
    assert bar == "[" + "=" * 50 + "]      1kB/1kB"
