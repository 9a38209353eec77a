# JupyterLab's settings for the course (scripts/jupyter.sh passes this file with --config).
from pathlib import Path

c = get_config()  # noqa: F821 - traitlets' config loader defines it

# Terminals: a plain interactive bash, not a login shell. A login shell reads /etc/profile, whose PATH
# would drop the .venv/bin that scripts/jupyter.sh puts first (then `minidocker` is not found).
c.ServerApp.terminado_settings = {"shell_command": ["/bin/bash"]}
# The chapters' sources live in the hidden folder notebooks/.build: out of the learner's way in the file
# browser, still reachable for teachers (View > Show Hidden Files).
c.ContentsManager.allow_hidden = True
# Default settings of the course's JupyterLab: no news pop-up, no update check (lab-settings/overrides.json).
c.LabApp.app_settings_dir = str(Path(__file__).resolve().parent / "lab-settings")
