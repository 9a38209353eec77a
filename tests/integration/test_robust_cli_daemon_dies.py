"""The CLI when the daemon dies mid-stream: one line on stderr and a non-zero exit, never a Python traceback."""

from __future__ import annotations

import subprocess
import sys

import pytest

from engine_fixture import engine  # noqa: F401 - the module-scoped engine (its own root)

pytestmark = pytest.mark.root

STREAMS = {
    "logs -f": ["logs", "-f", "talker"],
    "attach": ["attach", "--no-stdin", "talker"],
    "stats": ["stats", "talker"],
}


@pytest.mark.parametrize("verb", sorted(STREAMS))
def test_a_stream_cut_by_the_daemons_death_ends_in_one_line(engine, verb):
    if engine.cli("inspect", "talker").returncode != 0:
        out = engine.cli("run", "-d", "--name", "talker", "busybox", "sh", "-c",
                         "while true; do echo tick; sleep 0.2; done")
        assert out.returncode == 0, out.stderr
    proc = subprocess.Popen([sys.executable, "-m", "minidocker.client.cli", *STREAMS[verb]], env=engine.env,
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        first = proc.stdout.readline()
        assert first, proc.stderr.read().decode()
        engine.stop_daemons(kill=True)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        engine.start()  # the shims kept the container; the next case streams from it again
    text = err.decode()
    assert proc.returncode != 0, text
    assert "Traceback" not in text, text
    assert len(text.strip().splitlines()) == 1, text
