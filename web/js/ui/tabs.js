// Tabs that follow the URL hash (#convolution, #explore, #build; anything after a "?"
// in the hash belongs to the panel, e.g. the builder's shareable state) and the
// keyboard pattern of WAI-ARIA tabs: arrows move, Home/End jump.

/** The tab id named by a hash like "#build?s=..." (or null). */
export function tabFromHash(hash) {
  const id = (hash || "").replace(/^#/, "").split("?")[0];
  return id || null;
}

export function wireTabs(tablist, onShow = () => {}) {
  const tabs = [...tablist.querySelectorAll('[role="tab"]')];
  const panels = tabs.map((t) => document.getElementById(t.getAttribute("aria-controls")));

  function show(id, { focus = false } = {}) {
    const i = Math.max(0, tabs.findIndex((t) => t.getAttribute("aria-controls") === id));
    tabs.forEach((t, j) => {
      t.setAttribute("aria-selected", String(i === j));
      t.tabIndex = i === j ? 0 : -1;
      panels[j].hidden = i !== j;
    });
    if (focus) tabs[i].focus();
    onShow(tabs[i].getAttribute("aria-controls"));
  }

  tabs.forEach((t, i) => {
    t.addEventListener("click", (e) => {
      e.preventDefault();
      const id = t.getAttribute("aria-controls");
      if (tabFromHash(location.hash) !== id) history.pushState(null, "", `#${id}`);
      show(id);
    });
    t.addEventListener("keydown", (e) => {
      const moves = { ArrowRight: i + 1, ArrowLeft: i - 1, Home: 0, End: tabs.length - 1 };
      if (!(e.key in moves)) return;
      e.preventDefault();
      const j = (moves[e.key] + tabs.length) % tabs.length;
      tabs[j].click();
      tabs[j].focus();
    });
  });
  window.addEventListener("hashchange", () => show(tabFromHash(location.hash) || tabs[0].getAttribute("aria-controls")));
  show(tabFromHash(location.hash) || tabs[0].getAttribute("aria-controls"));
  return { show };
}
