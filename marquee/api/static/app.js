// The search page: plain JS over the JSON API. Highlights arrive HTML-escaped with <mark> from the server.
(() => {
  const $ = (id) => document.getElementById(id);
  const state = { q: "", filters: {}, from: 0, size: 10, understand: true };
  const FACET_PARAM = { genres: "genre", kind: "kind", countries: "country", rating: "rating" };
  const text = (value) => { const span = document.createElement("span"); span.textContent = value; return span.innerHTML; };

  function params() {
    const p = new URLSearchParams({ q: state.q, from: state.from, size: state.size });
    if (!state.understand) p.set("understand", "false");
    for (const [name, values] of Object.entries(state.filters)) values.forEach((v) => p.append(name, v));
    return p;
  }

  async function search(push = true) {
    const response = await fetch(`/search?${params()}`);
    const body = await response.json();
    if (!response.ok) { $("summary").textContent = body.error.message; $("results").innerHTML = ""; return; }
    if (push) history.replaceState(null, "", `/?${params()}`);
    render(body);
    sendEvent(body);
  }

  function render(body) {
    $("summary").textContent = `${body.total} result${body.total === 1 ? "" : "s"} · ${body.took_ms} ms`;
    $("results").innerHTML = body.hits.map((hit, i) => {
      const f = hit.fields;
      const meta = [f.kind, f.year, (f.genres || []).slice(0, 3).join(", "), f.rating].filter(Boolean).map(text).join(" · ");
      const body = hit.highlights.body || text((f.body || "").slice(0, 220));
      return `<li><h2><a href="#" data-id="${text(hit.id)}" data-position="${state.from + i + 1}">${hit.highlights.title || text(hit.title)}</a></h2>
              <p class="meta">${meta}</p><p>${body}</p></li>`;
    }).join("");
    renderUnderstood(body.understood);
    renderFacets(body.facets);
    const page = Math.floor(state.from / state.size) + 1, pages = Math.ceil(body.total / state.size);
    $("pager").innerHTML = `<button id="prev" ${state.from === 0 ? "disabled" : ""}>Previous</button>
      <span>Page ${page} of ${Math.max(pages, 1)}</span><button id="next" ${page >= pages ? "disabled" : ""}>Next</button>`;
  }

  function renderUnderstood(u) {
    const chips = [];
    for (const [field, values] of Object.entries((u.filters || {}).terms || {})) {
      values.forEach((v) => chips.push(`<span class="chip">${text(field.replace(".raw", ""))}: ${text(v)}
        <button data-drop-understood aria-label="Search without understanding">×</button></span>`));
    }
    for (const [field, range] of Object.entries((u.filters || {}).ranges || {})) {
      chips.push(`<span class="chip">${text(field)}: ${text(range.join("–"))}<button data-drop-understood aria-label="Search without understanding">×</button></span>`);
    }
    const notes = (u.notes || []).map((n) => `<span class="note">${text(n)}</span>`);
    $("understood").innerHTML = chips.length || notes.length ? `<span class="note">Understood as:</span>${chips.join("")}${notes.join("")}` : "";
  }

  function renderFacets(facets) {
    $("facets").innerHTML = Object.entries(FACET_PARAM).map(([field, param]) => {
      const buckets = facets[field] || [];
      if (!buckets.length) return "";
      const active = state.filters[param] || [];
      return `<h3>${text(field)}</h3>` + buckets.slice(0, 8).map((b) =>
        `<button data-facet="${param}" data-value="${text(b.value)}" aria-pressed="${active.includes(b.value)}">
           <span>${text(b.value)}</span><span>${b.count}</span></button>`).join("");
    }).join("");
  }

  function sendEvent(body) {
    state.last = { query_id: body.query_id, query: state.q || "*",
                   impressions: body.hits.map((h, i) => ({ doc_id: h.id, position: state.from + i + 1 })) };
    if (!state.q) return;
    fetch("/events", { method: "POST", headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ ...state.last, timestamp: new Date().toISOString() }) }).catch(() => {});
  }

  async function openDetail(id, position) {
    if (state.last && state.q) {
      fetch("/events", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({
        ...state.last, timestamp: new Date().toISOString(), clicks: [{ doc_id: id, position }] }) }).catch(() => {});
    }
    const doc = await (await fetch(`/documents/${encodeURIComponent(id)}`)).json();
    $("detail-title").textContent = doc.title;
    $("detail-meta").textContent = [doc.kind, doc.year, (doc.genres || []).join(", "), (doc.directors || []).join(", ")].filter(Boolean).join(" · ");
    $("detail-body").textContent = doc.body;
    const similar = await (await fetch(`/documents/${encodeURIComponent(id)}/similar?size=6`)).json();
    $("detail-similar").innerHTML = similar.hits.map((h) => `<li><a href="#" data-id="${text(h.id)}">${text(h.title)}</a></li>`).join("");
    if (!$("detail").open) $("detail").showModal();
  }

  $("search-form").addEventListener("submit", (e) => {
    e.preventDefault(); state.q = $("q").value.trim(); state.from = 0; state.filters = {}; state.understand = true; search();
  });
  let timer;
  $("q").addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(async () => {
      const q = $("q").value.trim();
      if (q.length < 2) return;
      const body = await (await fetch(`/suggest?${new URLSearchParams({ q })}`)).json();
      $("suggestions").innerHTML = (body.suggestions || []).map((s) => `<option value="${text(s.text)}">`).join("");
    }, 120);
  });
  document.addEventListener("click", (e) => {
    const facet = e.target.closest("[data-facet]");
    if (facet) {
      const { facet: name, value } = facet.dataset;
      const values = state.filters[name] || [];
      state.filters[name] = values.includes(value) ? values.filter((v) => v !== value) : [...values, value];
      state.from = 0; search(); return;
    }
    if (e.target.closest("[data-drop-understood]")) { state.understand = false; state.from = 0; search(); return; }
    const link = e.target.closest("a[data-id]");
    if (link) { e.preventDefault(); openDetail(link.dataset.id, Number(link.dataset.position || 1)); return; }
    if (e.target.id === "prev") { state.from = Math.max(0, state.from - state.size); search(); }
    if (e.target.id === "next") { state.from += state.size; search(); }
  });

  const initial = new URLSearchParams(location.search);
  state.q = initial.get("q") || "";
  $("q").value = state.q;
  search(false);
})();
