"""The CodeMirror bundle (tools/vendor.py): built by esbuild from node_modules, offline, into
one self-contained ES module that exports what the Python panel imports."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tools import project, vendor

NODE = shutil.which("node")
pytestmark = pytest.mark.skipif(
    NODE is None or not (project.NODE_MODULES / ".bin" / "esbuild").exists(),
    reason="needs node and `npm ci` (esbuild in node_modules)")

# Runs in node with the bundle copied to a folder that has no node_modules: an import of a bare
# package name would fail, so this also proves the bundle is self-contained. The state half of
# CodeMirror works without a DOM: the Python language parses, and Tab is bound by basicSetup.
PROBE = r"""
import * as cm from "./codemirror.js";
const state = cm.EditorState.create({ doc: "def f(x):\n    return x + 1\n", extensions: [cm.basicSetup, cm.python()] });
const keys = state.facet(cm.keymap).flat().map((b) => b.key).filter(Boolean);
console.log(JSON.stringify({ exports: Object.keys(cm).sort(), lines: state.doc.lines,
  tab: keys.includes("Tab"), indentWithTab: cm.indentWithTab.key }));
"""


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    site = tmp_path_factory.mktemp("site")
    info = vendor.bundle_codemirror(site)
    return site, info


def test_bundle_is_written_with_its_licenses(built):
    site, info = built
    bundle = site / "js" / "vendor" / "codemirror.js"
    assert info["file"] == "js/vendor/codemirror.js"
    assert bundle.stat().st_size == info["size"]
    assert 100_000 < info["size"] < 1_500_000  # minified CodeMirror + Python: about 370 KiB
    text = bundle.read_text(encoding="utf-8")
    assert "\nimport " not in text and not text.startswith("import") and "require(" not in text
    names = {p["name"] for p in info["packages"]}
    assert {"@codemirror/view", "@codemirror/state", "@codemirror/lang-python", "@lezer/python"} <= names
    licenses = (site / "js" / "vendor" / "codemirror.LICENSES.txt").read_text(encoding="utf-8")
    for p in info["packages"]:
        assert f"{p['name']} {p['version']} (MIT)" in licenses


def test_bundle_exports_what_the_panel_needs(built, tmp_path):
    site, _ = built
    shutil.copy(site / "js" / "vendor" / "codemirror.js", tmp_path / "codemirror.js")
    (tmp_path / "probe.mjs").write_text(PROBE, encoding="utf-8")
    proc = subprocess.run([NODE, "probe.mjs"], cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert sorted(vendor.EXPORTS) == out["exports"]
    assert out["lines"] == 3
    assert out["tab"] and out["indentWithTab"] == "Tab"


@pytest.mark.skipif(shutil.which("unshare") is None or subprocess.run(["unshare", "-rn", "true"]).returncode != 0,
                    reason="needs `unshare -rn` (a user and network namespace) to cut the network")
def test_bundling_works_offline(tmp_path):
    # the build step itself, in a process with no network at all (only a loopback that is down)
    code = ("import sys; from pathlib import Path; from tools import vendor; "
            "print(vendor.bundle_codemirror(Path(sys.argv[1]))['size'])")
    proc = subprocess.run(["unshare", "-rn", sys.executable, "-c", code, str(tmp_path)], cwd=project.ROOT,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert (tmp_path / "js" / "vendor" / "codemirror.js").stat().st_size == int(proc.stdout.split()[-1])


def test_web_must_not_ship_its_own_bundle(tmp_path):
    (tmp_path / "js" / "vendor").mkdir(parents=True)
    (tmp_path / "js" / "vendor" / "codemirror.js").write_text("// stale copy")
    with pytest.raises(project.BuildError, match="must not exist"):
        vendor.bundle_codemirror(tmp_path)


def test_missing_esbuild_is_a_build_error(tmp_path):
    with pytest.raises(project.BuildError, match="npm ci"):
        vendor.esbuild_path(Path(tmp_path) / "node_modules")
