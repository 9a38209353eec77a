"""dockerd/containers/tasks.py: forget() asks containerd only about ids it may hold something for (a
`run --rm` used to send six deletes, of which two found anything), and never skips one it may hold."""

from __future__ import annotations

from minidocker.dockerd.containers.tasks import Tasks
from minidocker.errors import Conflict, NotFound


class FakeContainerd:
    """Records every call; containerd's side is a set of ids with a task and a set with a container."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str]] = []
        self.held_tasks: set[str] = set()
        self.held: set[str] = set()
        self.refuse_task_delete = False
        outer = self

        class _Containers:
            def create(self, cid, spec, **kw):
                outer.calls.append(("containers.create", cid))
                outer.held.add(cid)

            def delete(self, cid):
                outer.calls.append(("containers.delete", cid))
                if cid not in outer.held:
                    raise NotFound(cid)
                outer.held.discard(cid)

        class _Tasks:
            def delete(self, cid, exec_id=""):
                outer.calls.append(("tasks.delete", cid))
                if outer.refuse_task_delete:
                    raise Conflict("task is running")
                if cid not in outer.held_tasks:
                    raise NotFound(cid)
                outer.held_tasks.discard(cid)

        self.containers, self.tasks = _Containers(), _Tasks()


def test_a_new_id_costs_no_round_trip_until_containerd_was_given_it() -> None:
    ctd = FakeContainerd()
    tasks = Tasks(ctd)
    tasks.new_id("a")
    tasks.forget("a")  # the start's clean-up of leftovers: there can be none
    assert ctd.calls == []
    tasks.create_container("a", b"{}", "minirunc", "a", "img")
    ctd.held_tasks.add("a")
    tasks.forget("a")  # after the exit: both really deleted
    assert ctd.calls[1:] == [("tasks.delete", "a"), ("containers.delete", "a")]
    assert not ctd.held and not ctd.held_tasks
    n = len(ctd.calls)
    tasks.forget("a", removing=True)  # rm after the exit's clean-up: nothing left to ask
    assert len(ctd.calls) == n


def test_an_unknown_id_is_always_asked_about() -> None:
    ctd = FakeContainerd()
    tasks = Tasks(ctd)
    ctd.held.add("b")  # left by a dockerd that crashed: this process never heard of it
    tasks.forget("b")
    assert ctd.calls == [("tasks.delete", "b"), ("containers.delete", "b")] and not ctd.held


def test_a_refused_delete_is_asked_again() -> None:
    ctd = FakeContainerd()
    tasks = Tasks(ctd)
    tasks.create_container("c", b"{}", "minirunc", "c", "img")
    ctd.held_tasks.add("c")
    ctd.refuse_task_delete = True
    tasks.forget("c")
    ctd.refuse_task_delete = False
    tasks.forget("c", removing=True)
    assert ctd.calls.count(("tasks.delete", "c")) == 2 and not ctd.held_tasks
