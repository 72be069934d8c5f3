"""The build steps and the benchmark of CNN Explorer. Not part of the product or its wheel.

    project.py      paths, the Pyodide version, BuildError, log/run/sha256/git helpers
    wheels.py       numpy's wheel (cache, CDN, PyPI transport; sha256-checked), pycore's wheel
    lockfile.py     the pyodide-lock.json dist/ ships (pruned, checked)
    npm.py          node_modules from package-lock.json (the Pyodide runtime)
    python_deps.py  pip installs the build and the tests need
    chromium.py     the headless Chromium the browser tests and the benchmark drive
    vendor.py       CodeMirror 6 bundled by esbuild into dist/js/vendor/
    compile.py      bytecode for the wheels and the stdlib (pyodide-build on a Python 3.12)
    compress.py     the .br and .gz copies beside dist/'s files
    dist.py         assembles dist/ (and the service worker's offline-manifest.json)
    serve.py        serves a folder over HTTP with the right MIME types and Content-Encoding
    testing.py      what `build.py test` runs: ruff, eslint, node --test, pytest
    make_digits_data.py  regenerates pycore/data/digits.npz from scikit-learn (sha256-checked)
    bench/          `build.py bench`: the benchmark harness, its cases and its page

Imports go down this list (project.py imports no other tools module); build.py, the command
line, sits on top and nothing imports it.
"""
