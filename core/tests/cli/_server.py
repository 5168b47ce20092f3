"""One real HTTP(S) server on 127.0.0.1 for the boot-image tests (downloads, progress, TLS).

Each route is a body (sent whole with its Content-Length) or a function that answers the
request itself (a download cut off, one that stalls, one sent slowly).  Every request's path,
without its query, is logged, so a test can tell a cached image from a fresh download.  With an
``ssl.SSLContext`` it serves HTTPS; a client refusing the certificate is then what the test
wants, so connection errors are not printed.
"""

from __future__ import annotations

import http.server
import ssl
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field

Route = bytes | Callable[[http.server.BaseHTTPRequestHandler], None]


@dataclass
class LocalServer:
    url: str  # http://127.0.0.1:<port> or https://...
    log: list[str] = field(default_factory=list)

    def gets(self, path: str) -> int:
        return self.log.count(path)


def send_headers(handler: http.server.BaseHTTPRequestHandler, length: int) -> None:
    """200 with a Content-Length: what a route function sends before its body."""
    handler.send_response(200)
    handler.send_header("Content-Length", str(length))
    handler.end_headers()


@contextmanager
def local_server(routes: Mapping[str, Route], *, tls: ssl.SSLContext | None = None) -> Iterator[LocalServer]:
    server = LocalServer("")

    class Handler(http.server.BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            path = self.path.split("?", 1)[0]
            server.log.append(path)
            route = routes.get(path)
            if route is None:
                self.send_error(404, "Not Found")
            elif isinstance(route, bytes):
                send_headers(self, len(route))
                self.wfile.write(route)
            else:
                route(self)

    class Server(http.server.ThreadingHTTPServer):
        daemon_threads = True

        def handle_error(self, request: object, client_address: object) -> None:
            if tls is None:
                super().handle_error(request, client_address)  # type: ignore[arg-type]

    httpd = Server(("127.0.0.1", 0), Handler)
    if tls is not None:
        httpd.socket = tls.wrap_socket(httpd.socket, server_side=True)
    server.url = f"{'https' if tls else 'http'}://127.0.0.1:{httpd.server_address[1]}"
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        yield server
    finally:
        httpd.shutdown()
        httpd.server_close()
