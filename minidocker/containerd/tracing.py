"""A span per gRPC method while MINIDOCKER_TRACE is set (cf. containerd's otelgrpc server interceptor)."""

from __future__ import annotations

import time

import grpc

from .. import trace


class SpanInterceptor(grpc.ServerInterceptor):
    """Wraps each unary and server-streaming handler so that its time lands in the trace."""

    def intercept_service(self, continuation, handler_call_details):
        handler = continuation(handler_call_details)
        if handler is None:
            return None
        name = handler_call_details.method.rsplit(".", 1)[-1]  # "/containerd.services.tasks.v1.Tasks/Start" -> "Tasks/Start"
        if handler.unary_unary:
            inner = handler.unary_unary

            def unary(request, context):
                start = time.monotonic_ns()
                try:
                    return inner(request, context)
                finally:
                    trace.emit(name, start, time.monotonic_ns())

            return handler._replace(unary_unary=unary)
        if handler.unary_stream:
            inner_stream = handler.unary_stream

            def stream(request, context):
                start = time.monotonic_ns()
                try:
                    yield from inner_stream(request, context)
                finally:
                    trace.emit(name, start, time.monotonic_ns())

            return handler._replace(unary_stream=stream)
        return handler
