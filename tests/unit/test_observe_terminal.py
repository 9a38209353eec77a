"""observe.terminal: a command run on a pty, typed into at each prompt, its screen and exit code kept."""

from __future__ import annotations

import pytest

from minidocker.observe import terminal

SH = {"PS1": "$ ", "PATH": "/usr/bin:/bin"}


def test_the_command_is_on_a_terminal_of_the_given_size():
    shell = terminal.session(["/bin/sh", "-i"], ["tty", "stty size", "exit 3"], env=SH, size=(30, 100))
    assert "/dev/pts/" in shell.screen and "30 100" in shell.screen and shell.code == 3
    assert "\r" not in shell.screen and "\x1b" not in shell.screen


def test_nothing_is_typed_before_the_prompt_comes():
    with pytest.raises(TimeoutError):
        terminal.session(["/bin/sh", "-c", "echo no prompt here; sleep 30"], ["never typed"], timeout=1)
