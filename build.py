#!/usr/bin/env python3
"""CNN Explorer: build, serve and test the static site.

    python3 build.py [build]           assemble dist/ (incremental; seconds once cached)
    python3 build.py serve [--port 8000] [--host 127.0.0.1]
    python3 build.py test [pytest args...]   ruff, eslint, node --test tests/js/, then pytest
    python3 build.py bench [--quick]   the benchmark (tools/bench/)

The steps live in tools/ (the list is in tools/__init__.py) and the command line in
tools/cli.py; this file only starts it, and nothing imports it. Only the standard library
is used at import time: the build itself installs everything else.
"""
import sys

from tools.cli import main

if __name__ == "__main__":
    sys.exit(main())
