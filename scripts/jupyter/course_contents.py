"""The learner's view of the repository in JupyterLab: notebooks/, exercises/, diagrams/ alone (cf. jupyter_server's FileContentsManager).

The contents API, /files/ and the checkpoints all go through `_get_os_path`, so refusing a path there
(with the 404 jupyter_server gives for a path outside its root) hides teacher/solutions, tests/ and the
engine's source from the file browser and from any URL a learner could type. It is not a sandbox: a
learner's kernel and terminal run as root and can read the whole disk (teacher/class-guide.md says so).
"""

from __future__ import annotations

import posixpath

from jupyter_server.files.handlers import FilesHandler
from jupyter_server.services.contents.largefilemanager import AsyncLargeFileManager
from tornado.web import HTTPError
from traitlets import List, Unicode, default

LEARNER_FOLDERS = ("notebooks", "exercises", "diagrams")  # the chapters, the assignments, the figures


def visible_to_learners(api_path: str, folders: tuple[str, ...] = LEARNER_FOLDERS) -> bool:
    """The root itself, or a path inside one of `folders` (after resolving `..`, as jupyter_server does)."""
    path = posixpath.normpath("/" + api_path.strip("/")).lstrip("/")
    return path == "" or path.split("/")[0] in folders


class CourseContentsManager(AsyncLargeFileManager):
    """JupyterLab's default manager, showing learners only the course's folders."""

    learner_folders = List(Unicode(), default_value=list(LEARNER_FOLDERS), config=True,
                           help="Top-level folders of the root that learners see; everything else is a 404.")

    # /files/ through this manager (jupyter_server's generic handler), not the static handler that
    # FileContentsManager serves straight from the disk under its root (the params, {"path": root}, stay).
    @default("files_handler_class")
    def _files_handler_class_default(self):
        return FilesHandler

    def _get_os_path(self, path):
        if not visible_to_learners(path, tuple(self.learner_folders)):
            raise HTTPError(404, f"{path} is not part of the course")
        return super()._get_os_path(path)

    # Existence checks answer "no" rather than 404: jupytext asks for jupytext.toml and pyproject.toml in
    # every parent folder up to the root, and a 404 there would break opening any notebook.
    async def file_exists(self, path=""):
        return visible_to_learners(path, tuple(self.learner_folders)) and await super().file_exists(path)

    async def dir_exists(self, path):
        return visible_to_learners(path, tuple(self.learner_folders)) and await super().dir_exists(path)

    async def is_hidden(self, path):
        return not visible_to_learners(path, tuple(self.learner_folders)) or await super().is_hidden(path)

    async def _dir_model(self, path, content=True):
        if posixpath.normpath("/" + path.strip("/")) != "/":
            return await super()._dir_model(path, content=content)
        # The root's listing: the course's folders alone (the default lists every entry of the root).
        model = await super()._dir_model(path, content=False)
        if content:
            model["format"] = "json"
            model["content"] = [await self.get(name, content=False) for name in self.learner_folders
                                if await self.dir_exists(name)]
        return model
