"""The course's JupyterLab set-up: kernels and terminals find `minidocker`, no news pop-up, stopped by pid."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_venv_kernel_puts_the_venv_bin_first_on_path():
    """scripts/setup.sh writes it; jupyter_client fills in ${PATH} when it starts a kernel."""
    spec = json.loads(Path(sys.prefix, "share/jupyter/kernels/python3/kernel.json").read_text())
    assert spec["env"]["PATH"] == f"{Path(sys.prefix)}/bin:${{PATH}}"


def test_server_config_gives_terminals_a_non_login_shell_and_allows_the_hidden_sources():
    config = {}

    class C(dict):
        def __getattr__(self, name):
            return self.setdefault(name, C())

        def __setattr__(self, name, value):
            self[name] = value

    c = C()
    exec((ROOT / "scripts/jupyter/jupyter_server_config.py").read_text(), {"get_config": lambda: c, "__file__": str(ROOT / "scripts/jupyter/jupyter_server_config.py")}, config)
    shell = c.ServerApp.terminado_settings["shell_command"]
    assert "-l" not in shell and "--login" not in shell  # a login shell's /etc/profile would reset PATH
    assert c.ContentsManager.allow_hidden is True
    overrides = json.loads((Path(c.LabApp.app_settings_dir) / "overrides.json").read_text())
    assert overrides["@jupyterlab/apputils-extension:notification"]["fetchNews"] == "false"


def test_jupyter_sh_stop_touches_only_its_own_pid(tmp_path):
    """A pid file naming a process that is not this repo's JupyterLab: `stop` leaves that process alone."""
    (tmp_path / "lib").mkdir()
    decoy = subprocess.Popen(["sleep", "60"])
    try:
        (tmp_path / "lib" / "jupyterlab.pid").write_text(str(decoy.pid))
        out = subprocess.run([str(ROOT / "scripts/jupyter.sh"), "stop"], env=dict(os.environ, MINIDOCKER_ROOT=str(tmp_path)),
                             capture_output=True, text=True, timeout=30)
        assert out.returncode == 0 and "not running" in out.stdout
        assert decoy.poll() is None
    finally:
        decoy.kill()
        decoy.wait()
    assert "pkill" not in (ROOT / "scripts/jupyter.sh").read_text()
