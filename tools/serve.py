"""Serve a folder (dist/, dist-bench/) over HTTP: explicit MIME types, `Cache-Control: no-cache`,
and the build's precompressed files (tools/compress.py) as static hosts send them.

A request for `pyodide/pyodide.asm.wasm` whose Accept-Encoding allows brotli is answered with
`pyodide.asm.wasm.br` and `Content-Encoding: br` (or `.gz` with `gzip`), keeping the original's
Content-Type (`application/wasm`) and adding `Vary: Accept-Encoding`; otherwise the file itself.
"""
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

# Encodings the build writes next to a file (tools/compress.py), in order of preference.
ENCODING_SUFFIXES = {"br": ".br", "gzip": ".gz"}

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


def accepted_encodings(header: str | None) -> dict[str, float]:
    """An Accept-Encoding header as {coding: q}: `gzip, br;q=0.5` -> {gzip: 1.0, br: 0.5}."""
    weights = {}
    for part in (header or "").split(","):
        token, *params = [p.strip() for p in part.split(";")]
        if not token:
            continue
        q = 1.0
        for param in params:
            if param.lower().startswith("q="):
                try:
                    q = float(param[2:])
                except ValueError:
                    q = 0.0
        weights[token.lower()] = q
    return weights


def choose_encoding(header: str | None, available) -> str | None:
    """The coding of `available` (in order of preference) that the header accepts with the
    highest q (> 0), or None for the file as it is. `*` stands for any coding not named."""
    weights = accepted_encodings(header)
    best, best_q = None, 0.0
    for coding in available:
        q = weights.get(coding, weights.get("*", 0.0))
        if q > best_q:
            best, best_q = coding, q
    return best


def compressed_variants(path: str) -> list[str]:
    """The codings whose precompressed file exists next to `path`, in order of preference."""
    return [c for c, suffix in ENCODING_SUFFIXES.items() if os.path.isfile(path + suffix)]


class DistRequestHandler(http.server.SimpleHTTPRequestHandler):
    """Static files with explicit MIME types, `Cache-Control: no-cache`, and a file's
    precompressed variant when the request accepts its coding."""

    quiet = False
    request_log = None  # a list to append (method, path, status, coding) to, for tests
    coding = None    # the Content-Encoding of the response being sent, if any
    variants = ()    # codings the requested file has (then the response varies)
    variant_path = None  # the precompressed file sent instead of the requested one

    def send_head(self):
        self.coding, self.variants, self.variant_path = None, (), None
        path = super().translate_path(self.path)
        if os.path.isdir(path) and self.path.split("?", 1)[0].endswith("/"):
            path = os.path.join(path, "index.html")
        if os.path.isfile(path):
            self.variants = compressed_variants(path)
            self.coding = choose_encoding(self.headers.get("Accept-Encoding"), self.variants)
            if self.coding:
                self.variant_path = path + ENCODING_SUFFIXES[self.coding]
        return super().send_head()

    def translate_path(self, path):
        return self.variant_path or super().translate_path(path)

    def guess_type(self, path):
        path = str(path)
        if self.coding and path.endswith(ENCODING_SUFFIXES[self.coding]):
            path = path[: -len(ENCODING_SUFFIXES[self.coding])]  # the original's type
        ext = os.path.splitext(path)[1].lower()
        return MIME_TYPES.get(ext) or super().guess_type(path)

    def send_response(self, code, message=None):
        self.status_sent = code
        super().send_response(code, message)

    def end_headers(self):
        self.send_header("Cache-Control", "no-cache")
        if self.variants:
            self.send_header("Vary", "Accept-Encoding")
        if self.coding and getattr(self, "status_sent", None) == 200:
            self.send_header("Content-Encoding", self.coding)
        super().end_headers()

    def log_request(self, code="-", size="-"):
        if self.request_log is not None:
            self.request_log.append((self.command, self.path, int(code), self.coding))
        super().log_request(code, size)

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
                quiet: bool = False, request_log: list | None = None) -> DistServer:
    handler = type("Handler", (DistRequestHandler,), {"quiet": quiet, "request_log": request_log})
    server = DistServer((host, port), functools.partial(handler, directory=str(directory)))
    server.quiet = quiet
    return server


def server_url(server: DistServer) -> str:
    host, port = server.server_address[:2]
    return f"http://{host}:{port}"


def serve_in_thread(directory: Path, host: str = "127.0.0.1", port: int = 0,
                    quiet: bool = True, request_log: list | None = None
                    ) -> tuple[DistServer, threading.Thread]:
    """Start serving in a daemon thread; stop with server.shutdown(); server.server_close().
    request_log: a list that gets (method, path, status, Content-Encoding) per request."""
    server = make_server(directory, host, port, quiet, request_log)
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
