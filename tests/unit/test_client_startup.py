"""What the CLI imports to answer `ps`, `images` and `run`: the start-up rule of minidocker/client/__init__.py.

Each command runs in a fresh interpreter started as the launcher starts it (-I -S), against the fake
engine, and reports the modules it ended with. The heavy ones (and what imports them) must not be
among them: they are a third to a half of what such a command costs (docs/speed.md).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from client_fake_engine import FakeEngine, install_samples
from test_client_run_sequence import _container_routes

REPO = Path(__file__).resolve().parents[2]
HEAVY = {"typing", "argparse", "re", "json", "socket", "enum", "pathlib", "threading", "signal", "locale", "warnings",
         "gettext", "collections", "functools", "selectors", "urllib.parse", "base64", "datetime", "shlex"}
REPORT = "modules:"
LAUNCH = f"""
import sys
sys.path.insert(0, {str(REPO)!r})
from minidocker.client.cli import main
code = main(sys.argv[1:])
sys.stderr.write({REPORT!r} + ",".join(sorted(sys.modules)) + "\\n")
sys.exit(code)
"""


@pytest.fixture
def engine(tmp_path: Path):
    eng = FakeEngine(tmp_path / "api.sock").start()
    install_samples(eng)
    yield eng
    eng.stop()


def run_cli(engine: FakeEngine, tmp_path: Path, *argv: str) -> tuple[subprocess.CompletedProcess, set[str]]:
    env = {"MINIDOCKER_HOST": f"unix://{engine.sock_path}", "MINIDOCKER_CONFIG": str(tmp_path / "cfg"),
           "HOME": str(tmp_path), "PATH": "/usr/bin:/bin"}
    done = subprocess.run([sys.executable, "-I", "-S", "-c", LAUNCH, *argv], env=env, capture_output=True,
                          text=True, timeout=60)
    lines = [line for line in done.stderr.splitlines() if line.startswith(REPORT)]
    assert lines, done.stderr
    return done, set(lines[-1][len(REPORT):].split(","))


@pytest.mark.parametrize("argv, shows", [(["ps"], "CONTAINER ID"), (["images"], "REPOSITORY"),
                                         (["ps", "-aq", "--no-trunc"], ""), (["images", "-q", "busybox"], "")])
def test_ps_and_images_answer_without_the_heavy_modules(engine: FakeEngine, tmp_path: Path, argv: list[str],
                                                        shows: str) -> None:
    done, modules = run_cli(engine, tmp_path, *argv)
    assert done.returncode == 0, done.stderr
    assert shows in done.stdout
    assert modules & HEAVY == set()
    assert "minidocker.client.commands." + argv[0] in modules  # it did run the verb's own module
    assert "minidocker.client.api" not in modules  # one GET on the transport: not every endpoint's module


def test_run_answers_without_the_heavy_modules(engine: FakeEngine, tmp_path: Path) -> None:
    _container_routes(engine, exit_code=3)
    done, modules = run_cli(engine, tmp_path, "run", "--rm", "--network", "none", "busybox", "true")
    assert done.returncode == 3, done.stderr
    assert done.stdout == "to-stdout\n"
    assert modules & HEAVY == set()


def test_help_and_errors_still_get_argparse(engine: FakeEngine, tmp_path: Path) -> None:
    """The check above can fail: what needs argparse imports it (and so the heavy modules)."""
    done, modules = run_cli(engine, tmp_path, "ps", "--bogus")
    assert done.returncode == 125 and "unknown flag: --bogus" in done.stderr
    assert {"argparse", "re"} <= modules
