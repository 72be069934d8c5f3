"""`python3 build.py bench`: how fast pycore is in the browser, against references.

    run.py                 the command: build, measure, print, write bench-results.json
    modes.py               how many repeats (--quick or full)
    cases.py               the cases, plain Python run byte-identical in CPython and Pyodide
    cpython.py             the CPython side (and the notebook's loops)
    notebook_reference.py  the seed notebook's own loop code, for the speed-up figure
    browser.py             dist-bench/ and what Playwright measures in headless Chromium
    machine.py             the machine, its load, numpy's OpenBLAS
    report.py              targets, the table, the README section, the JSON (pure)
    page/                  the bench page (HTML and JS) served from dist-bench/bench/

cases.py imports only the standard library, numpy and pycore (Pyodide imports it alone);
the other modules import numpy only inside functions, so `build.py bench` can install it first.
"""
