"""errors.py across gRPC, both ways (cf. containerd errdefs/grpc.go).

The server answers a MinidockerError with the matching status code and names its class in the
trailing metadata "md-error-kind", so that the client raises the very same class (a DigestMismatch
stays a DigestMismatch, not merely an InvalidArgument).
"""

from __future__ import annotations

import functools

import grpc

from .. import errors

KIND_KEY = "md-error-kind"

CODES = {
    errors.NotFound: grpc.StatusCode.NOT_FOUND,
    errors.Conflict: grpc.StatusCode.FAILED_PRECONDITION,
    errors.NotModified: grpc.StatusCode.FAILED_PRECONDITION,
    errors.InvalidArgument: grpc.StatusCode.INVALID_ARGUMENT,
    errors.Unsupported: grpc.StatusCode.UNIMPLEMENTED,
}
BY_CODE = {
    grpc.StatusCode.NOT_FOUND: errors.NotFound,
    grpc.StatusCode.ALREADY_EXISTS: errors.Conflict,
    grpc.StatusCode.FAILED_PRECONDITION: errors.Conflict,
    grpc.StatusCode.INVALID_ARGUMENT: errors.InvalidArgument,
    grpc.StatusCode.UNIMPLEMENTED: errors.Unsupported,
}


def code_for(err: errors.MinidockerError) -> grpc.StatusCode:
    for cls in type(err).__mro__:
        if cls in CODES:
            return CODES[cls]
    return grpc.StatusCode.INTERNAL


def servicer_method(fn):
    """Wrap a servicer method: an engine error becomes a status code plus its class name."""

    @functools.wraps(fn)
    def wrapper(self, request, context):
        try:
            return fn(self, request, context)
        except errors.MinidockerError as err:
            context.set_trailing_metadata(((KIND_KEY, type(err).__name__),))
            context.abort(code_for(err), str(err))
        except OSError as err:
            context.set_trailing_metadata(((KIND_KEY, "RuntimeFailure"),))
            context.abort(grpc.StatusCode.INTERNAL, f"{type(err).__name__}: {err}")

    return wrapper


def from_rpc_error(err: grpc.RpcError) -> errors.MinidockerError:
    """The errors.py exception a failed call stands for."""
    kind = ""
    try:
        kind = dict(err.trailing_metadata() or ()).get(KIND_KEY, "")
    except Exception:  # noqa: BLE001 - a connection failure has no metadata
        kind = ""
    cls = getattr(errors, kind, None) if kind else None
    if not (isinstance(cls, type) and issubclass(cls, errors.MinidockerError)):
        code = err.code() if hasattr(err, "code") else None
        if code == grpc.StatusCode.UNAVAILABLE:
            return errors.RuntimeFailure(f"containerd is not reachable: {err.details()}")
        cls = BY_CODE.get(code, errors.RuntimeFailure)
    return cls(err.details() if hasattr(err, "details") else str(err))
