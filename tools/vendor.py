"""Third-party front-end code bundled at build time: CodeMirror 6 for the Python panel.

    dist/js/vendor/codemirror.js              one ES module, no imports (tools/codemirror_entry.mjs
                                              says what it exports)
    dist/js/vendor/codemirror.LICENSES.txt    the bundled npm packages, versions and licenses

esbuild (an npm devDependency, pinned in package-lock.json) bundles it from node_modules, so
the build needs no network once `npm ci` has run (tools/npm.py) and the page loads nothing from
a CDN. The bundle takes about a second and is rebuilt on every build.
"""
from __future__ import annotations

import json
from pathlib import Path

from tools.project import NODE_MODULES, ROOT, BuildError, log, run, sha256_file

ENTRY = ROOT / "tools" / "codemirror_entry.mjs"
VENDOR_SUBDIR = Path("js") / "vendor"
BUNDLE_NAME = "codemirror.js"
LICENSES_NAME = "codemirror.LICENSES.txt"
# What the panel imports from the bundle (the unit test checks each is exported).
EXPORTS = ("EditorState", "Compartment", "Prec", "EditorView", "keymap", "lineNumbers", "highlightActiveLine",
           "highlightActiveLineGutter", "drawSelection", "placeholder", "defaultKeymap", "history",
           "historyKeymap", "indentWithTab", "toggleTabFocusMode", "syntaxHighlighting",
           "defaultHighlightStyle", "python", "basicSetup")
# The npm scopes and packages whose code ends up in the bundle (for the licenses file).
BUNDLED_PREFIXES = ("@codemirror/", "@lezer/", "style-mod", "w3c-keyname", "crelt")


def esbuild_path(node_modules: Path = NODE_MODULES) -> Path:
    """node_modules/.bin/esbuild, or a BuildError saying how to get it."""
    exe = node_modules / ".bin" / "esbuild"
    if not exe.exists():
        raise BuildError(f"{exe} is missing: run `npm ci` (esbuild is a devDependency in package.json)")
    return exe


def bundled_packages(node_modules: Path = NODE_MODULES) -> list[dict]:
    """[{name, version, license}] of the installed packages the bundle draws from."""
    lock = json.loads((node_modules.parent / "package-lock.json").read_text(encoding="utf-8"))
    out = []
    for key, entry in sorted(lock["packages"].items()):
        name = key.removeprefix("node_modules/")
        if key.startswith("node_modules/") and "/node_modules/" not in name and name.startswith(BUNDLED_PREFIXES):
            out.append({"name": name, "version": entry.get("version"), "license": entry.get("license")})
    return out


def bundle_codemirror(site_dir: Path, node_modules: Path = NODE_MODULES) -> dict:
    """Write site_dir/js/vendor/codemirror.js (and its licenses file); return its build info.

    Raises BuildError when esbuild is missing or fails, or when site_dir already holds the
    bundle (web/ must not ship its own copy: the build makes it).
    """
    dest_dir = Path(site_dir) / VENDOR_SUBDIR
    bundle = dest_dir / BUNDLE_NAME
    if bundle.exists():
        raise BuildError(f"web/{VENDOR_SUBDIR.as_posix()}/{BUNDLE_NAME} must not exist: the build generates it")
    dest_dir.mkdir(parents=True, exist_ok=True)
    proc = run([esbuild_path(node_modules), ENTRY, "--bundle", "--format=esm", "--minify", "--target=es2020",
                "--legal-comments=eof", "--log-level=warning", f"--outfile={bundle}"], cwd=ROOT)
    if proc.returncode != 0 or not bundle.is_file():
        raise BuildError("esbuild failed to bundle CodeMirror (see above)")
    packages = bundled_packages(node_modules)
    lines = ["CodeMirror 6 for the Python panel, bundled by esbuild from these npm packages:", ""]
    lines += [f"{p['name']} {p['version']} ({p['license']})" for p in packages]
    lines += ["", "Each package's LICENSE file (in node_modules/<name>/) has its full text.", ""]
    (dest_dir / LICENSES_NAME).write_text("\n".join(lines), encoding="utf-8")
    size = bundle.stat().st_size
    log(f"vendor: {VENDOR_SUBDIR.as_posix()}/{BUNDLE_NAME} ({size / 1024:.0f} KiB) <- esbuild from node_modules "
        f"({len(packages)} packages)")
    return {"file": f"{VENDOR_SUBDIR.as_posix()}/{BUNDLE_NAME}", "size": size, "sha256": sha256_file(bundle),
            "packages": packages}
