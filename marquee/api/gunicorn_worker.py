"""The gthread worker marquee serves with, answering gunicorn's own errors in marquee's JSON error shape.

Gunicorn rejects some requests before the app sees them (a request line or headers over its limits, a
malformed request) and answers those with an HTML page. Every error a client gets from marquee is
``{"error": {"code", "message"}}``, so the worker writes these in that shape too. The message is gunicorn's
reason phrase only: gunicorn's detail can quote the request, and errors never echo what a client sent.
"""

from __future__ import annotations

import json
import socket

from gunicorn import util
from gunicorn.workers.gthread import ThreadWorker

CODES = {400: "bad_request", 403: "forbidden", 414: "uri_too_long", 417: "expectation_failed",
         431: "headers_too_large", 500: "internal_error", 501: "not_implemented"}


def write_json_error(sock: socket.socket, status_int: int, reason: str, mesg: str) -> None:
    body = json.dumps({"error": {"code": CODES.get(status_int, "bad_request"), "message": reason}}) + "\n"
    head = (f"HTTP/1.1 {status_int} {reason}\r\nConnection: close\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n\r\n")
    util.write_nonblock(sock, (head + body).encode("latin1"))


class JsonErrorsThreadWorker(ThreadWorker):
    def init_process(self) -> None:
        # gunicorn's Worker.handle_error calls util.write_error by name when it answers: replacing it in this
        # worker process turns every such page into JSON without copying gunicorn's error classification
        util.write_error = write_json_error
        super().init_process()
