"""Serve a folder (dist/, dist-bench/) over HTTP: explicit MIME types, `Cache-Control: no-cache`."""
from __future__ import annotations

import errno
import functools
import http.server
import os
import signal
import sys
import threading
from pathlib import Path

from tools.project import BuildError, log, relative

MIME_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".htm": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json",
    ".map": "application/json",
    ".wasm": "application/wasm",
    ".whl": "application/octet-stream",
    ".zip": "application/zip",
    ".tar": "application/x-tar",
    ".txt": "text/plain; charset=utf-8",
    ".md": "text/markdown; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".ico": "image/x-icon",
    ".woff": "font/woff",
    ".woff2": "font/woff2",
}


class DistRequestHandler(http.server.SimpleHTTPRequestHandler):
    """Static files with explicit MIME types and `Cache-Control: no-cache`."""

    quiet = False

    def guess_type(self, path):
        ext = os.path.splitext(str(path))[1].lower()
        return MIME_TYPES.get(ext) or super().guess_type(path)

    def end_headers(self):
        self.send_header("Cache-Control", "no-cache")
        super().end_headers()

    def log_message(self, format, *args):
        if not self.quiet:
            super().log_message(format, *args)


class DistServer(http.server.ThreadingHTTPServer):
    daemon_threads = True
    quiet = False

    def handle_error(self, request, client_address):
        exc = sys.exc_info()[1]
        if isinstance(exc, (ConnectionResetError, BrokenPipeError)) or self.quiet:
            return  # the browser cancelled a request; not an error of ours
        super().handle_error(request, client_address)


def make_server(directory: Path, host: str = "127.0.0.1", port: int = 0,
                quiet: bool = False) -> DistServer:
    handler = type("Handler", (DistRequestHandler,), {"quiet": quiet})
    server = DistServer((host, port), functools.partial(handler, directory=str(directory)))
    server.quiet = quiet
    return server


def server_url(server: DistServer) -> str:
    host, port = server.server_address[:2]
    return f"http://{host}:{port}"


def serve_in_thread(directory: Path, host: str = "127.0.0.1", port: int = 0,
                    quiet: bool = True) -> tuple[DistServer, threading.Thread]:
    """Start serving in a daemon thread; stop with server.shutdown(); server.server_close()."""
    server = make_server(directory, host, port, quiet)
    thread = threading.Thread(target=server.serve_forever, name="dist-server", daemon=True)
    thread.start()
    return server, thread


def raise_keyboard_interrupt(signum, frame):
    raise KeyboardInterrupt


def serve_forever(directory: Path, host: str, port: int) -> None:
    """Serve directory in the foreground until Ctrl-C or SIGTERM.

    A port that is taken (or a host that cannot be bound) is a BuildError: one line
    naming --port, no traceback."""
    try:
        server = make_server(directory, host, port)
    except OSError as exc:
        why = "is already in use" if exc.errno == errno.EADDRINUSE else f"cannot be opened ({exc.strerror or exc})"
        raise BuildError(f"port {port} on {host} {why}; choose another with --port N "
                         f"(e.g. python3 build.py serve --port {port + 1 if port < 65535 else 8001})") from None
    # Ctrl-C stops the server even when started from a script that ignores SIGINT; so does kill.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, raise_keyboard_interrupt)
    log(f"serving {relative(directory)} at {server_url(server)}/  (Ctrl-C stops)")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        log("stopped")
    finally:
        server.server_close()
