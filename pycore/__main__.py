"""``python -m pycore``: see :mod:`pycore.cli`."""

from .cli import main

raise SystemExit(main())
