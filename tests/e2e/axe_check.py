"""axe-core in the end-to-end tests: inject node_modules/axe-core/axe.min.js (an npm
devDependency, installed by the build's npm step; never shipped in dist/) into a page, run it,
and report the violations of impact serious or critical.

    violations(page, include=None) -> list of {id, impact, help, targets}
    describe(found) -> str, one line per violation: id, impact, the first targets
    assert_no_serious(page, where) fails the test with that description
"""
from __future__ import annotations

from tools.project import ROOT

AXE_JS = ROOT / "node_modules" / "axe-core" / "axe.min.js"
SERIOUS = ("serious", "critical")
FIRST_TARGETS = 5


def inject(page) -> None:
    """Load axe into the page once (a reload or a new page needs it again)."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        if not AXE_JS.is_file():
            raise AssertionError(f"{AXE_JS} is missing: run `python3 build.py test` (its npm "
                                 "step installs the devDependency axe-core)")
        page.add_script_tag(path=str(AXE_JS))


def violations(page, include: str | None = None) -> list[dict]:
    """axe.run on the document (or the `include` selector): every violation of impact
    serious or critical, with the CSS selectors of the nodes it was found on."""
    inject(page)
    found = page.evaluate(
        """async (include) => {
            const r = await axe.run(include ? { include: [include] } : document,
                                    { resultTypes: ['violations'] });
            return r.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help,
                targets: v.nodes.map(n => n.target.join(' ')),
                summaries: v.nodes.map(n => n.failureSummary || ''),
            }));
        }""",
        include,
    )
    return [v for v in found if v["impact"] in SERIOUS]


def describe(found: list[dict]) -> str:
    lines = []
    for v in found:
        targets = ", ".join(v["targets"][:FIRST_TARGETS])
        more = len(v["targets"]) - FIRST_TARGETS
        lines.append(f"  {v['id']} ({v['impact']}, {len(v['targets'])} nodes): {v['help']}; "
                     f"{targets}" + (f" and {more} more" if more > 0 else ""))
        first = (v["summaries"] or [""])[0].replace("\n", " ")
        if first:
            lines.append(f"      first: {first[:300]}")
    return "\n".join(lines)


def assert_no_serious(page, where: str, include: str | None = None) -> None:
    """Fail naming each serious or critical violation (and print them for the log)."""
    found = violations(page, include)
    if found:
        text = describe(found)
        print(f"axe, {where}:\n{text}")
        raise AssertionError(f"axe found {len(found)} serious or critical violation(s) "
                             f"{where}:\n{text}")
