// The search page: plain JS over the JSON API, no build step. Highlights arrive HTML-escaped with <mark>.
(() => {
  const $ = (id) => document.getElementById(id);
  const FACETS = { genres: "genre", kind: "kind", decade: "decade", countries: "country", rating: "rating" };
  const FACET_LABEL = { genres: "Genre", kind: "Type", decade: "Decade", countries: "Country", rating: "Rating" };
  const FIELD_PARAM = { genres: "genre", countries: "country", kind: "kind", rating: "rating", "people.raw": "person" };
  const FILTER_PARAMS = ["genre", "kind", "country", "rating", "person", "year_from", "year_to"];
  const PAGE_SIZE = 10;
  const state = { q: "", filters: {}, from: 0, understand: true, spellcheck: true, last: null };
  const esc = (value) => { const span = document.createElement("span"); span.textContent = String(value ?? ""); return span.innerHTML; };

  // -- URL <-> state ------------------------------------------------------------------------------------
  function params() {
    const p = new URLSearchParams();
    if (state.q) p.set("q", state.q);
    for (const [name, values] of Object.entries(state.filters)) values.forEach((v) => p.append(name, v));
    if (!state.understand) p.set("understand", "false");
    if (!state.spellcheck) p.set("spellcheck", "false");
    if (state.from) p.set("from", state.from);
    return p;
  }
  function readUrl() {
    const p = new URLSearchParams(location.search);
    state.q = p.get("q") || "";
    state.from = Number(p.get("from")) || 0;
    state.understand = p.get("understand") !== "false";
    state.spellcheck = p.get("spellcheck") !== "false";
    state.filters = {};
    FILTER_PARAMS.forEach((name) => { const v = p.getAll(name); if (v.length) state.filters[name] = v; });
    $("q").value = state.q;
  }

  // -- search -------------------------------------------------------------------------------------------
  async function search({ push = true } = {}) {
    const query = params();
    query.set("size", PAGE_SIZE);
    const who = identity();  // an A/B experiment serves this viewer's arm (the page URL stays without them)
    query.set("client_id", who.client_id); query.set("session_id", who.session_id);
    $("results").setAttribute("aria-busy", "true");
    let body, response;
    try {
      response = await fetch(`/search?${query}`);
      body = await response.json();
    } catch (err) {
      body = { error: { message: "The search service is not reachable." } };
    }
    $("results").setAttribute("aria-busy", "false");
    if (!response || !response.ok) {
      $("summary").textContent = body.error ? body.error.message : "Something went wrong.";
      $("results").innerHTML = ""; $("pager").innerHTML = ""; $("facet-list").innerHTML = ""; $("understood").innerHTML = "";
      renderFallback(null); renderSpelling(null);
      return;
    }
    const url = `/?${params()}`;
    if (push && url !== location.pathname + location.search) history.pushState(null, "", url);
    render(body);
    sendImpressions(body);
    renderRows(!state.q && !Object.keys(state.filters).length && !state.from);
  }

  // -- recommendation rows on the home page (empty query): GET /recommendations, each title with its reason ----
  async function renderRows(show) {
    const section = $("rows");
    if (!show) { section.hidden = true; section.innerHTML = ""; return; }
    let body;
    try { const r = await fetch(`/recommendations?${new URLSearchParams({ client_id: identity().client_id, size: 8 })}`); body = r.ok ? await r.json() : null; }
    catch (err) { body = null; }
    if (!body || !body.rows.length) { section.hidden = true; return; }
    section.innerHTML = body.rows.map((row) => `<div class="row" data-kind="${esc(row.kind)}"><h2>${esc(row.title)}</h2><ul class="row-items">`
      + row.items.map((h) => `<li><a class="tile" href="/documents/${encodeURIComponent(h.id)}" data-id="${esc(h.id)}" style="${tileStyle(h.title)}" title="${esc(h.reason)}">${tile(h.title, h.fields.kind, h.fields.year)}</a>
          <span class="reason muted">${esc(h.reason)}</span></li>`).join("") + "</ul></div>").join("");
    section.hidden = false;
  }

  // -- cards: a generated tile (colour from the title, kind badge, year) stands in for artwork ---------------
  function hue(text) {  // FNV-1a over the title: the same title always gets the same colour
    let h = 0x811c9dc5;
    for (const ch of String(text)) { h ^= ch.codePointAt(0); h = Math.imul(h, 0x01000193); }
    h ^= h >>> 16; h = Math.imul(h, 0x85ebca6b); h ^= h >>> 13; h = Math.imul(h, 0xc2b2ae35); h ^= h >>> 16;  // mix the bits
    return (h >>> 0) % 360;
  }
  const KIND_BADGE = { "Movie": "Film", "TV Show": "Series" };
  function tile(title, kind, year) {
    return `<span class="tile-kind">${esc(KIND_BADGE[kind] || kind || "")}</span>
      <span class="tile-title">${esc(title)}</span><span class="tile-year">${esc(year || "")}</span>`;
  }
  function tileStyle(title) { return `--tile-hue:${hue(title)}`; }
  function card(hit, position) {
    const f = hit.fields;
    const length = f.duration_minutes ? `${f.duration_minutes} min` : f.seasons ? `${f.seasons} season${f.seasons > 1 ? "s" : ""}` : "";
    const meta = [f.year, length, f.rating].filter(Boolean).map(esc).join(" · ");
    const genres = (f.genres || []).slice(0, 3).map((g) => `<span class="tag">${esc(g)}</span>`).join("");
    const text = (hit.highlights || {}).body || esc((f.body || "").slice(0, 240));
    const people = [...(f.directors || []).slice(0, 1), ...(f.cast || []).slice(0, 3)].map(esc).join(", ");
    const tracked = position ? ` data-position="${position}"` : "";
    const href = `/documents/${encodeURIComponent(hit.id)}`;
    return `<li class="card">
      <a class="tile" href="${href}" data-id="${esc(hit.id)}"${tracked} style="${tileStyle(hit.title)}" tabindex="-1" aria-hidden="true">${tile(hit.title, f.kind, f.year)}</a>
      <div class="card-body">
        <h2><a href="${href}" data-id="${esc(hit.id)}"${tracked}>${(hit.highlights || {}).title || esc(hit.title)}</a></h2>
        <p class="meta"><span class="kind kind-${f.kind === "TV Show" ? "show" : "movie"}">${esc(f.kind || "")}</span> ${meta}</p>
        <p class="snippet">${text}</p>
        ${people ? `<p class="people">${people}</p>` : ""}<div class="tags">${genres}</div>
      </div></li>`;
  }

  // What the count can promise: a lower bound says "+", and only the first MAX_RESULTS can be paged to.
  const MAX_RESULTS = 1000;
  function countText(body) {
    const bound = body.total_relation === "gte" ? "+" : "";
    return `${body.total.toLocaleString()}${bound} title${body.total === 1 && !bound ? "" : "s"}`;
  }
  function summary(body) { return `${countText(body)}${state.q ? ` for “${state.q}”` : ""}`; }
  function render(body) {
    $("summary").textContent = body.total || !state.q ? summary(body) : "";
    $("results").innerHTML = body.hits.length ? body.hits.map((hit, i) => card(hit, state.from + i + 1)).join("")
      : `<li class="empty"><p class="empty-title">No titles match${state.q ? ` “${esc(state.q)}”` : ""}.</p>
         <p>Check the spelling, try other words${Object.keys(state.filters).length ? " or remove a filter" : ""}.</p></li>`;
    renderFallback(body.fallback);
    renderUnderstood(body.understood || {});
    renderSpelling((body.understood || {}).spelling);
    renderFacets(body.facets || {});
    renderPager(body.total);
    $("filters-done").textContent = body.total ? `Show ${countText(body)}` : "Show results";
  }
  // Nothing matched: a few titles to start from, under a heading that says what they are (never as matches).
  const FALLBACK_TITLE = { "popular": "Popular on marquee", "recently added": "Recently added" };
  function renderFallback(fallback) {
    const section = $("fallback");
    if (!fallback || !fallback.hits.length) { section.hidden = true; section.querySelector("ol").innerHTML = ""; return; }
    $("fallback-title").textContent = FALLBACK_TITLE[fallback.label] || fallback.label;
    section.querySelector("ol").innerHTML = fallback.hits.map((hit) => card(hit, 0)).join("");
    section.hidden = false;
  }

  // Did-you-mean: an applied correction says what was searched and links to the query as typed; an offered one
  // links to the correction. Plain links (the page reads its state from the URL), so they also work in new tabs.
  function renderSpelling(spelling) {
    const line = $("spelling");
    if (!spelling) { line.hidden = true; line.innerHTML = ""; return; }
    const link = (q, spellcheck) => {
      const p = params(); p.set("q", q); p.delete("from");
      if (spellcheck) p.delete("spellcheck"); else p.set("spellcheck", "false");
      return `/?${p}`;
    };
    line.innerHTML = spelling.applied
      ? `Showing results for <a href="${esc(link(spelling.corrected, true))}" data-spelling-corrected><b>${esc(spelling.corrected)}</b></a>, search instead for <a href="${esc(link(spelling.original, false))}" data-spelling-original>${esc(spelling.original)}</a>`
      : `Did you mean <a href="${esc(link(spelling.corrected, true))}" data-spelling-corrected><b>${esc(spelling.corrected)}</b></a>?`;
    line.hidden = false;
  }

  // -- "understood as" chips: each recognised phrase is a removable chip ---------------------------------
  const FIELD_WORD = { "people.raw": "person", countries: "country", genres: "genre", kind: "type", rating: "rating", year: "year", decade: "decade" };
  function chipsFrom(u) {
    return (u.matches || []).map((m, index) => {
      const years = m.range ? (m.range[0] === m.range[1] ? `${m.range[0]}` : `${m.range[0] ?? "…"}–${m.range[1] ?? "…"}`) : "";
      // a vague word expanded over several labels (or only preferred) shows the word and what it stands for
      const expanded = m.use === "expand" || m.use === "prefer";
      const values = m.concept ? [years, ...Object.values(m.expansion || {}).flat()].filter(Boolean).join(", ") || "preferred"
        : (years || m.values.join(", "));
      return { index, field: m.field, label: expanded ? `${m.text}: ${values}` : values, expand: expanded,
        kind: FIELD_WORD[m.field] || m.field, match: m };
    });
  }
  function likeChip(u) {  // "movies like X": the title X resolved to
    return u.like ? `<span class="chip chip-like" data-like-id="${esc(u.like.id)}" title="like">like ${esc(u.like.title)}</span>` : "";
  }
  function renderUnderstood(u) {
    if (!state.understand) {
      $("understood").innerHTML = `<p class="notes"><span>Searching the words as typed.</span>
        <button type="button" class="linkish" data-understand-again>Understand my query again</button></p>`;
      return;
    }
    const chips = chipsFrom(u);
    state.chips = chips;
    state.relaxed = Boolean(u.relaxed);
    const notes = (u.notes || []).map((n) => `<span>${esc(n)}</span>`).join("");
    if (!chips.length && !notes && !u.like) { $("understood").innerHTML = ""; return; }
    const verb = u.relaxed ? "Preferring" : "Understood";
    $("understood").innerHTML = (chips.length || u.like ? `<div class="chips"><span class="chips-label">${verb}</span>` + likeChip(u) + chips.map((c) =>
      `<span class="chip${c.expand ? " chip-expand" : ""}" title="${esc(c.kind)}">${esc(c.label)}<button type="button" data-drop-chip="${c.index}" aria-label="Remove ${esc(c.kind)} ${esc(c.label)}">×</button></span>`).join("") + "</div>" : "")
      + (notes ? `<p class="notes">${notes}</p>` : "");
  }
  // Removing a chip re-runs the query with understanding off: the other chips become explicit filters
  // (their words leave the text), the removed chip's words stay as plain text.
  // Relaxed chips are only preferences: then the chip's words simply leave the query, which is understood again.
  function dropChip(index) {
    const removed = (state.chips || []).find((c) => c.index === index);
    if (state.relaxed && removed) {
      const m = removed.match;
      state.q = (state.q.slice(0, m.start) + state.q.slice(m.end)).replace(/\s+/g, " ").trim();
      state.from = 0; $("q").value = state.q; search(); return;
    }
    const keep = (state.chips || []).filter((c) => c.index !== index);
    const query = state.q;
    const spans = [];
    const filters = { ...state.filters };
    for (const chip of keep) {
      const m = chip.match;
      const param = FIELD_PARAM[m.field];
      if (m.range && (m.field === "year" || m.field === "decade")) {
        filters.year_from = [String(m.range[0])]; filters.year_to = [String(m.range[1])]; spans.push(m);
      } else if (param && m.values.length) {
        filters[param] = [...new Set([...(filters[param] || []), ...m.values])]; spans.push(m);
      }
    }
    let text = query;
    spans.sort((a, b) => b.start - a.start).forEach((m) => { text = text.slice(0, m.start) + text.slice(m.end); });
    state.q = text.replace(/\s+/g, " ").trim() || query;
    state.filters = filters; state.understand = false; state.from = 0;
    $("q").value = state.q;
    search();
  }

  // -- facets and active filters ---------------------------------------------------------------------------
  const FILTER_WORD = { genre: "", kind: "", country: "from", rating: "rated", person: "with", year_from: "from", year_to: "until" };
  const filterLabel = (name, value) => [name in FILTER_WORD ? FILTER_WORD[name] : name, value].filter(Boolean).join(" ");
  function decadeRange(value) { const start = Number(value); return [String(start), String(start + 9)]; }
  function isActive(param, value) {
    if (param === "decade") { const [a, b] = decadeRange(value); return (state.filters.year_from || [])[0] === a && (state.filters.year_to || [])[0] === b; }
    return (state.filters[param] || []).includes(String(value));
  }
  function renderFacets(facets) {
    const active = Object.entries(state.filters).flatMap(([name, values]) => values.map((v) => ({ name, v })));
    const activeHtml = active.length ? `<div class="active"><h3>Applied</h3>${active.map(({ name, v }) =>
      `<span class="chip chip-filter">${esc(filterLabel(name, v))}<button type="button" data-drop-filter="${esc(name)}" data-value="${esc(v)}" aria-label="Remove filter ${esc(filterLabel(name, v))}">×</button></span>`).join("")}
      <button type="button" class="linkish" data-clear-filters>Clear all</button></div>` : "";
    const count = active.filter(({ name }) => name !== "year_to").length;
    $("filters-count").textContent = count; $("filters-count").hidden = !count;
    $("facet-list").innerHTML = activeHtml + Object.entries(FACETS).map(([field, param]) => {
      const buckets = (facets[field] || []).slice(0, field === "genres" ? 10 : 6);
      if (!buckets.length) return "";
      return `<fieldset><legend>${FACET_LABEL[field]}</legend>` + buckets.map((b) => {
        const label = field === "decade" ? `${b.value}s` : b.value;
        return `<button type="button" class="facet" data-facet="${param}" data-value="${esc(b.value)}" aria-pressed="${isActive(param, b.value)}">
           <span>${esc(label)}</span><span class="count">${b.count.toLocaleString()}</span></button>`;
      }).join("") + "</fieldset>";
    }).join("");
  }
  function toggleFacet(param, value) {
    if (param === "decade") {
      const [a, b] = decadeRange(value);
      if (isActive(param, value)) { delete state.filters.year_from; delete state.filters.year_to; }
      else { state.filters.year_from = [a]; state.filters.year_to = [b]; }
    } else {
      const values = state.filters[param] || [];
      state.filters[param] = values.includes(value) ? values.filter((v) => v !== value) : [...values, value];
      if (!state.filters[param].length) delete state.filters[param];
    }
    state.from = 0; search();
  }

  // -- pagination -----------------------------------------------------------------------------------------
  function renderPager(total) {
    const pages = Math.min(Math.ceil(total / PAGE_SIZE), Math.floor(MAX_RESULTS / PAGE_SIZE));
    const page = Math.floor(state.from / PAGE_SIZE) + 1;
    if (pages <= 1) { $("pager").innerHTML = ""; return; }
    const beyond = total > MAX_RESULTS && page === pages
      ? `<p class="pager-note">The first ${MAX_RESULTS.toLocaleString()} titles are shown: add a filter to reach the rest.</p>` : "";
    const numbers = [...new Set([1, page - 1, page, page + 1, pages].filter((n) => n >= 1 && n <= pages))];
    const buttons = numbers.map((n, i) => (i && n - numbers[i - 1] > 1 ? `<span class="gap">…</span>` : "")
      + `<button type="button" data-page="${n}" ${n === page ? 'aria-current="page"' : ""} aria-label="Page ${n}">${n}</button>`).join("");
    $("pager").innerHTML = `<button type="button" data-page="${page - 1}" ${page === 1 ? "disabled" : ""}>‹ Previous</button>${buttons}
      <button type="button" data-page="${page + 1}" ${page >= pages ? "disabled" : ""}>Next ›</button>${beyond}`;
  }

  // -- events (UBI-shaped: one record per query_id; clicks match an impression) ----------------------------
  // A random client_id kept in localStorage (the same viewer across visits) and a session_id that lasts until
  // 30 minutes without an event: what personalization, experiments and the click models group by.
  const SESSION_IDLE_MS = 30 * 60 * 1000;
  function randomId() {
    return (crypto.randomUUID ? crypto.randomUUID() : `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`);
  }
  function identity() {
    let client = localStorage.getItem("marquee.client_id");
    if (!client) { client = randomId(); localStorage.setItem("marquee.client_id", client); }
    const now = Date.now();
    let session = null;
    try { session = JSON.parse(localStorage.getItem("marquee.session") || "null"); } catch (e) { session = null; }
    if (!session || !session.id || now - session.last > SESSION_IDLE_MS) session = { id: randomId(), last: now };
    session.last = now;
    localStorage.setItem("marquee.session", JSON.stringify(session));
    return { client_id: client, session_id: session.id };
  }
  function post(payload) {
    fetch("/events", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(payload), keepalive: true }).catch(() => {});
  }
  function sendImpressions(body) {
    state.last = { query_id: body.query_id, query: state.q || "*", application: "marquee-web", ...identity(),
                   impressions: body.hits.map((h, i) => ({ doc_id: h.id, position: state.from + i + 1,
                                                           ...(h.explored ? { explored: true } : {}) })) };
    if (body.hits.length) post({ ...state.last, timestamp: new Date().toISOString() });
  }
  function sendClick(id, position) {
    if (!state.last || !state.last.impressions.some((i) => i.doc_id === id && i.position === position)) return;
    post({ ...state.last, timestamp: new Date().toISOString(), clicks: [{ doc_id: id, position, timestamp: new Date().toISOString() }] });
  }

  // -- detail view ------------------------------------------------------------------------------------------
  // Play and My list are UBI events with an action_name: they feed the viewer's profile and "Trending now".
  function sendAction(name) {
    if (!state.detail) return;
    post({ action_name: name, doc_id: state.detail, application: "marquee-web", ...identity(), timestamp: new Date().toISOString() });
  }
  $("detail-play").addEventListener("click", () => sendAction("play"));
  $("detail-list").addEventListener("click", () => sendAction("add_to_list"));
  async function openDetail(id) {
    state.detail = id;
    const response = await fetch(`/documents/${encodeURIComponent(id)}`);
    if (!response.ok) return;
    const doc = await response.json();
    $("detail-title").textContent = doc.title;
    $("detail-tile").setAttribute("style", tileStyle(doc.title));
    $("detail-tile").innerHTML = tile(doc.title, doc.kind, doc.year);
    const length = doc.duration_minutes ? `${doc.duration_minutes} min` : doc.seasons ? `${doc.seasons} season${doc.seasons > 1 ? "s" : ""}` : "";
    $("detail-meta").textContent = [doc.kind, doc.year, length, doc.rating, (doc.countries || []).join(", ")].filter(Boolean).join(" · ");
    $("detail-body").textContent = doc.body || "";
    const credits = [["Director", doc.directors], ["Cast", (doc.cast || []).slice(0, 8)], ["Genres", doc.genres]]
      .filter(([, v]) => v && v.length).map(([k, v]) => `<dt>${k}</dt><dd>${v.map(esc).join(", ")}</dd>`).join("");
    $("detail-credits").innerHTML = credits;
    $("detail-similar").innerHTML = `<li class="muted">Loading…</li>`;
    if (!$("detail").open) $("detail").showModal();
    $("detail").scrollTop = 0;
    const similar = await (await fetch(`/documents/${encodeURIComponent(id)}/similar?size=6`)).json();
    $("detail-similar").innerHTML = (similar.hits || []).map((h) =>
      `<li><a href="/documents/${encodeURIComponent(h.id)}" data-id="${esc(h.id)}">${esc(h.title)}</a>
         <span class="muted">${esc([h.fields.kind, h.fields.year].filter(Boolean).join(" · "))}</span></li>`).join("");
  }

  // -- autocomplete: an ARIA combobox over /suggest ----------------------------------------------------------
  const box = $("q"), list = $("suggestions");
  let timer, active = -1, options = [];
  function closeList() { list.hidden = true; box.setAttribute("aria-expanded", "false"); box.removeAttribute("aria-activedescendant"); active = -1; }
  function highlight(index) {
    active = index;
    [...list.children].forEach((el, i) => el.setAttribute("aria-selected", String(i === index)));
    if (index >= 0) box.setAttribute("aria-activedescendant", `suggestion-${index}`); else box.removeAttribute("aria-activedescendant");
  }
  async function suggest() {
    const q = box.value.trim();
    if (q.length < 2) { closeList(); return; }
    const response = await fetch(`/suggest?${new URLSearchParams({ q, size: 8 })}`);
    if (!response.ok || box.value.trim() !== q) return;
    options = (await response.json()).suggestions;
    if (!options.length) { closeList(); return; }
    list.innerHTML = options.map((s, i) => `<li role="option" id="suggestion-${i}" aria-selected="false" data-index="${i}">
      <span>${esc(s.text)}</span><span class="muted">${s.kind === "person" ? "person" : "title"}</span></li>`).join("");
    list.hidden = false; box.setAttribute("aria-expanded", "true"); highlight(-1);
  }
  function choose(index) {
    const s = options[index];
    closeList();
    if (!s) return;
    if (s.kind === "title" && s.id) { openDetail(s.id); return; }
    box.value = s.text; submit();
  }
  box.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(suggest, 120); });
  box.addEventListener("keydown", (e) => {
    if (list.hidden) return;
    if (e.key === "ArrowDown") { e.preventDefault(); highlight((active + 1) % options.length); }
    else if (e.key === "ArrowUp") { e.preventDefault(); highlight(active <= 0 ? options.length - 1 : active - 1); }
    else if (e.key === "Escape") { closeList(); }
    else if (e.key === "Enter" && active >= 0) { e.preventDefault(); choose(active); }
  });
  box.addEventListener("blur", () => setTimeout(closeList, 150));
  list.addEventListener("mousedown", (e) => { const li = e.target.closest("[data-index]"); if (li) { e.preventDefault(); choose(Number(li.dataset.index)); } });

  // -- the filters drawer (narrow screens): facets slide in over the results instead of sitting below them ----
  function setDrawer(open) {
    document.body.classList.toggle("drawer-open", open);
    $("filters-open").setAttribute("aria-expanded", String(open));
    $("drawer-backdrop").hidden = !open;
    if (open) setTimeout(() => $("filters-close").focus(), 60);  // once the drawer is visible else if (document.activeElement && $("facets").contains(document.activeElement)) $("filters-open").focus();
  }
  $("filters-open").addEventListener("click", () => setDrawer(true));
  $("filters-close").addEventListener("click", () => setDrawer(false));
  $("filters-done").addEventListener("click", () => setDrawer(false));
  $("drawer-backdrop").addEventListener("click", () => setDrawer(false));
  document.addEventListener("keydown", (e) => { if (e.key === "Escape" && document.body.classList.contains("drawer-open")) setDrawer(false); });

  // -- wiring ----------------------------------------------------------------------------------------------
  function submit() {
    state.q = box.value.trim(); state.from = 0; state.filters = {}; state.understand = true; state.spellcheck = true;
    closeList(); search();
  }
  $("search-form").addEventListener("submit", (e) => { e.preventDefault(); submit(); });
  document.addEventListener("click", (e) => {
    const t = e.target;
    const facet = t.closest("[data-facet]");
    if (facet) { toggleFacet(facet.dataset.facet, facet.dataset.value); return; }
    const chip = t.closest("[data-drop-chip]");
    if (chip) { dropChip(Number(chip.dataset.dropChip)); return; }
    const filter = t.closest("[data-drop-filter]");
    if (filter) {
      const name = filter.dataset.dropFilter;
      if (name === "year_from" || name === "year_to") { delete state.filters.year_from; delete state.filters.year_to; }
      else { state.filters[name] = (state.filters[name] || []).filter((v) => v !== filter.dataset.value); if (!state.filters[name].length) delete state.filters[name]; }
      state.from = 0; search(); return;
    }
    if (t.closest("[data-clear-filters]")) { state.filters = {}; state.from = 0; search(); return; }
    if (t.closest("[data-understand-again]")) { state.understand = true; state.filters = {}; state.from = 0; search(); return; }
    const pageButton = t.closest("[data-page]");
    if (pageButton && !pageButton.disabled) { state.from = (Number(pageButton.dataset.page) - 1) * PAGE_SIZE; search(); $("summary").focus(); return; }
    const link = t.closest("a[data-id]");
    if (link) {
      e.preventDefault();
      if (link.dataset.position) sendClick(link.dataset.id, Number(link.dataset.position));
      openDetail(link.dataset.id);
    }
  });
  window.addEventListener("popstate", () => { readUrl(); search({ push: false }); });
  readUrl();
  search({ push: false });
})();
