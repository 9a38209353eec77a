"""Fuzz (Hypothesis) of the Engine API's JSON bodies against a real engine under a temporary root.

Property: whatever the body, the answer is 2xx or 4xx (501 counts as a clear refusal), never 500, and
the engine stays whole: `GET /containers/json?all=1` and `GET /images/json` still answer 200 with a
list, also after a daemon restart reloads what was saved. Bodies are drawn from moby's Go types
(dockerd/apitypes.py): each field gets either a value of its type or any JSON value, so both the type
layer and the logic behind it are exercised. Fields that would touch the host outside the engine's
root when well-typed (bind sources, devices) only ever get wrong-typed or empty values. Bounded for CI
by SETTINGS (about 30 s on the 2-core machines).
"""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from engine_fixture import engine  # noqa: F401 - the module-scoped engine
from minidocker.dockerd import apitypes
from test_robust_engine import request

pytestmark = pytest.mark.root

SETTINGS = settings(max_examples=80, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
HOST_TOUCHING = {"Binds", "Mounts", "Devices", "VolumesFrom", "ContainerIDFile", "Links", "Sysctls",
                 "CgroupParent", "DeviceCgroupRules", "DeviceRequests", "BlkioWeightDevice"}

ANY_JSON = st.recursive(st.none() | st.booleans() | st.integers(-2**70, 2**70) | st.floats(allow_nan=False) |
                        st.text(max_size=12), lambda kids: st.lists(kids, max_size=3) |
                        st.dictionaries(st.text(max_size=8), kids, max_size=3), max_leaves=8)
SCALARS = {"string": st.sampled_from(["", "busybox", "none", "bridge", "host", "1", "-1", "/", "a:b", "x" * 70]) |
           st.text(max_size=10),
           "bool": st.booleans(), "int": st.integers(-2**63, 2**63 - 1), "int64": st.integers(-2**63, 2**63 - 1),
           "uint16": st.integers(0, 2**16 - 1), "uint32": st.integers(0, 2**32 - 1),
           "uint64": st.integers(0, 2**64 - 1), "uint": st.integers(0, 2**64 - 1)}


def of_type(t: apitypes.GoType, noisy: bool, depth: int = 0) -> st.SearchStrategy:
    """A value of Go type t; when noisy, a quarter of the time any JSON value instead (wrong types too)."""
    if isinstance(t, apitypes.Scalar):
        right = SCALARS[t.name]
    elif isinstance(t, apitypes.StrSlice):
        right = st.none() | st.text(max_size=10) | st.lists(st.sampled_from(["true", "sh", "-c", "", "x"]), max_size=3)
    elif isinstance(t, apitypes.Empty):
        right = st.just({})
    elif isinstance(t, apitypes.List):
        right = st.lists(of_type(t.item, noisy, depth + 1), max_size=2)
    elif isinstance(t, apitypes.Map):
        keys = st.sampled_from(["80/tcp", "80", "a", "", "99999/tcp", "53/udp", "x/sctp", "com.example"])
        right = st.dictionaries(keys, of_type(t.value, noisy, depth + 1), max_size=2)
    elif isinstance(t, apitypes.Struct):
        right = struct(t, noisy, depth + 1)
    else:
        right = ANY_JSON
    return st.one_of(right, right, right, ANY_JSON) if noisy else right


def struct(t: apitypes.Struct, noisy: bool, depth: int = 0) -> st.SearchStrategy:
    if depth > 3:
        return st.just({})
    fields = {}
    for name, ft in t.fields.items():
        if name in HOST_TOUCHING:
            fields[name] = st.sampled_from([None, 1, "x", {}, []]) if noisy else st.sampled_from([None, []])
        else:
            fields[name] = of_type(ft, noisy, depth)
    return st.fixed_dictionaries({}, optional=fields)


def both(t: apitypes.Struct) -> st.SearchStrategy:
    """Well-typed bodies (they reach the logic behind the type layer), noisy ones, and any JSON at all."""
    return struct(t, False) | struct(t, True) | ANY_JSON


RUNNABLE = {"Image": "busybox", "Cmd": ["true"]}
CREATE = struct(apitypes.CONTAINER_CREATE, False).map(lambda b: {**b, **RUNNABLE}) | \
    struct(apitypes.CONTAINER_CREATE, True).map(lambda b: {**b, **RUNNABLE}) | both(apitypes.CONTAINER_CREATE)


def still_whole(engine) -> None:
    for path in ("/v1.41/containers/json?all=1", "/v1.41/images/json"):
        status, text = request(engine, "GET", path)
        assert status == 200 and isinstance(json.loads(text), list), (path, status, text)


@SETTINGS
@given(body=CREATE)
def test_any_create_body_is_answered_below_500_and_leaves_ps_working(engine, body):
    status, text = request(engine, "POST", "/v1.41/containers/create", body)
    event(f"create answered {status}")  # shown by --hypothesis-show-statistics
    assert status < 500 or status == 501, (status, text, body)
    if status == 201:
        cid = json.loads(text)["Id"]
        status, text = request(engine, "GET", f"/v1.41/containers/{cid}/json")
        assert status == 200, text
        still_whole(engine)
        assert request(engine, "DELETE", f"/v1.41/containers/{cid}?force=1&v=1")[0] == 204
    still_whole(engine)


OTHER = st.one_of(
    st.tuples(st.just("/volumes/create"), both(apitypes.VOLUME_CREATE)),
    st.tuples(st.just("/containers/fuzzed/exec"), both(apitypes.EXEC_CREATE)),
    st.tuples(st.just("/exec/nosuch/start"), both(apitypes.EXEC_START)),
    st.tuples(st.just("/commit?container=fuzzed&repo=fuzz"), both(apitypes.CONFIG)),
    st.tuples(st.just("/containers/fuzzed/update"), both(apitypes.CONTAINER_UPDATE)),
)


@SETTINGS
@given(case=OTHER)
def test_other_bodies_are_answered_below_500(engine, case):
    if request(engine, "GET", "/v1.41/containers/fuzzed/json")[0] == 404:
        assert request(engine, "POST", "/v1.41/containers/create?name=fuzzed", {"Image": "busybox", "Cmd": ["true"]})[0] == 201
    path, body = case
    status, text = request(engine, "POST", "/v1.41" + path, body)
    event(f"{path.split('?')[0]} answered {status}")
    assert status < 500 or status == 501, (status, text, path, body)
    if path == "/volumes/create" and status == 201:
        name = json.loads(text)["Name"]
        assert request(engine, "DELETE", f"/v1.41/volumes/{name}")[0] == 204
    if path.startswith("/commit") and status == 201:
        request(engine, "DELETE", f"/v1.41/images/{json.loads(text)['Id']}?force=1")
    still_whole(engine)


def test_what_was_saved_survives_a_restart(engine):
    """After the fuzz: a daemon restart reloads every record, and ps/images still answer."""
    engine.restart_daemons()
    still_whole(engine)


QUERY_VALUE = st.one_of(st.text(max_size=12), st.integers(-2**70, 2**70).map(str), ANY_JSON.map(json.dumps),
                        st.sampled_from(["", "1", "0", "true", "all", "-1", "1e3", "1.5", "[1]", '{"status":"x"}',
                                         '{"label":{"a=b":true}}', '{"before":["nosuch"]}', "SIGKILL", "99"]))
QUERIES = st.one_of(
    st.tuples(st.just("GET"), st.just("/containers/json"),
              st.fixed_dictionaries({}, optional={k: QUERY_VALUE for k in ("all", "limit", "size", "filters")})),
    st.tuples(st.just("GET"), st.just("/images/json"),
              st.fixed_dictionaries({}, optional={k: QUERY_VALUE for k in ("all", "filters", "digests")})),
    st.tuples(st.just("GET"), st.just("/networks"), st.fixed_dictionaries({}, optional={"filters": QUERY_VALUE})),
    st.tuples(st.just("GET"), st.just("/volumes"), st.fixed_dictionaries({}, optional={"filters": QUERY_VALUE})),
    st.tuples(st.just("GET"), st.just("/containers/fuzzed/logs"),
              st.fixed_dictionaries({"stdout": st.just("1")},
                                    optional={k: QUERY_VALUE for k in ("tail", "since", "until", "timestamps")})),
    st.tuples(st.just("POST"), st.just("/containers/fuzzed/kill"),
              st.fixed_dictionaries({}, optional={"signal": QUERY_VALUE})),
    st.tuples(st.just("POST"), st.just("/containers/fuzzed/resize"),
              st.fixed_dictionaries({}, optional={"h": QUERY_VALUE, "w": QUERY_VALUE})),
    st.tuples(st.just("GET"), st.just("/containers/fuzzed/stats"), st.just({"stream": "0"})),
)


@SETTINGS
@given(case=QUERIES)
def test_any_query_is_answered_below_500(engine, case):
    from urllib.parse import urlencode

    if request(engine, "GET", "/v1.41/containers/fuzzed/json")[0] == 404:
        assert request(engine, "POST", "/v1.41/containers/create?name=fuzzed", {"Image": "busybox", "Cmd": ["true"]})[0] == 201
    method, path, query = case
    status, text = request(engine, method, "/v1.41" + path + ("?" + urlencode(query) if query else ""))
    event(f"{method} {path} answered {status}")
    assert status < 500 or status == 501, (status, text, method, path, query)
    still_whole(engine)
