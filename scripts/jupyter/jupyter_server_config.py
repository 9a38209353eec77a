# JupyterLab's settings for the course (scripts/jupyter.sh passes this file with --config).
# Learners (the default) see notebooks/, exercises/ and diagrams/ alone and no nbgrader; `scripts/jupyter.sh --teacher`
# (MINIDOCKER_COURSE_MODE=teacher) serves the whole repository with nbgrader's menu and formgrader.
import os
import sys
from pathlib import Path

c = get_config()  # noqa: F821 - traitlets' config loader defines it
here = Path(__file__).resolve().parent

# Terminals: a plain interactive bash, not a login shell. A login shell reads /etc/profile, whose PATH
# would drop the .venv/bin that scripts/jupyter.sh puts first (then `minidocker` is not found).
c.ServerApp.terminado_settings = {"shell_command": ["/bin/bash"]}
# The chapters' sources live in the hidden folder notebooks/.build: out of the learner's way in the file
# browser, still reachable for teachers (View > Show Hidden Files).
c.ContentsManager.allow_hidden = True
# Default settings of the course's JupyterLab: no news pop-up, no update check (lab-settings/overrides.json).
c.LabApp.app_settings_dir = str(here / "lab-settings")

if os.environ.get("MINIDOCKER_COURSE_MODE", "learner") != "teacher":
    # Only notebooks/, exercises/ and diagrams/ through the contents API and /files/ (course_contents.py): not
    # teacher/solutions. The root stays the repository, so the chapters' ../exercises links, the kernels'
    # working directories and the terminal's `.venv/bin/python -m pytest exercises/...` are unchanged.
    sys.path.insert(0, str(here))
    c.ServerApp.contents_manager_class = "course_contents.CourseContentsManager"
    # nbgrader is the teacher's tool: its server side off here, its menu and sidebar off through
    # learner/labconfig/page_config.json (scripts/jupyter.sh puts learner/ on JUPYTER_CONFIG_PATH).
    c.ServerApp.jpserver_extensions = {f"nbgrader.server_extensions.{name}": False for name in
                                       ("formgrader", "validate_assignment", "assignment_list", "course_list")}
