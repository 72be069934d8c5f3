"""The command line of build.py: `build` (the default), `serve`, `test`, `bench`."""
from __future__ import annotations

import argparse
import importlib
import sys

from tools import dist, serve, testing
from tools.project import DIST_DIR, BuildError


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        # test and bench pass their arguments through untouched (e.g. `build.py test -k ops`).
        if argv[:1] == ["test"]:
            return testing.run_tests(argv[1:])
        if argv[:1] == ["bench"]:
            # Imported on use: the benchmark's modules need numpy, the build only the stdlib.
            bench = importlib.import_module("tools.bench.run")
            return int(bench.main(argv[1:]) or 0)
        parser = argparse.ArgumentParser(prog="build.py", description="CNN Explorer: build, serve "
                                         "and test the static site.")
        sub = parser.add_subparsers(dest="command")
        sub.add_parser("build", help="assemble dist/ (the default)")
        p_serve = sub.add_parser("serve", help="build, then serve dist/ over HTTP")
        p_serve.add_argument("--port", type=int, default=8000)
        p_serve.add_argument("--host", default="127.0.0.1")
        sub.add_parser("test", help="install what tests need, build, then ruff, eslint, "
                       "node --test tests/js/ and pytest [args...]")
        sub.add_parser("bench", help="benchmarks (tools/bench/)")
        args = parser.parse_args(argv)
        dist.build()
        if args.command == "serve":
            serve.serve_forever(DIST_DIR, args.host, args.port)
        return 0
    except BuildError as exc:
        print(f"build.py: error: {exc}", file=sys.stderr, flush=True)
        return 1
