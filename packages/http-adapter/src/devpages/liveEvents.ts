/**
 * The event browser's script (static: the CSP allows it by hash). It follows `/events/tail` and
 * keeps the page current without a reload: each new event that passes the page's filters (read from
 * `data-` attributes) goes to the live tail, moves its stream's row to the top of the streams table
 * with its new count, version and last event, updates the counts, and adds a new category or type to
 * the filters. Everything is written with `textContent`, never parsed as HTML.
 */
export const script = `(() => {
  const list = document.getElementById("tail");
  const status = document.getElementById("tail-status");
  const empty = document.getElementById("tail-empty");
  const streams = document.querySelector("#streams tbody");
  const counts = document.getElementById("counts");
  const filter = list.dataset;
  const setStatus = (state, label) => { status.dataset.state = state; status.textContent = label; };
  const el = (tag, className, text) => {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  };
  const link = (className, href, text) => { const a = el("a", className, text); a.href = href; return a; };
  const pretty = (value) => JSON.stringify(value, null, 2);
  const category = (id) => { const cut = id.indexOf("-"); return cut > 0 ? id.slice(0, cut) : id; };
  const carries = (e, q) => { const m = e.metadata || {};
    return e.streamId === q || e.eventId === q || m.correlationId === q || m.causationId === q ||
      m.commandId === q || (typeof m.causationId === "string" && m.causationId.startsWith("saga:" + q + ":")); };
  const kept = (e) => (!filter.category || category(e.streamId) === filter.category) &&
    (!filter.type || e.type === filter.type) && (!filter.q || carries(e, filter.q));
  const plural = (n, word) => n + " " + word + (n === 1 ? "" : "s");
  const showCounts = () => {
    if (!counts || !streams) return;
    counts.dataset.events = String(Number(counts.dataset.events) + 1);
    counts.dataset.streams = String(streams.rows.length);
    counts.textContent = plural(Number(counts.dataset.events), counts.dataset.noun) + " in " +
      plural(streams.rows.length, "stream") + ".";
  };
  const addOption = (id, value) => {
    const select = document.getElementById(id);
    if (!select || [...select.options].some((o) => o.value === value)) return;
    select.append(new Option(value, value));
  };
  const details = (label, className, value) => {
    const d = el("details", "json");
    const s = el("summary", "", label + " ");
    s.append(el("code", "preview", String(JSON.stringify(value)).slice(0, 90)));
    d.append(s, el("pre", className, pretty(value)));
    return d;
  };
  const updateStream = (e) => {
    if (!streams) return;
    let row = [...streams.rows].find((r) => r.dataset.stream === e.streamId);
    if (!row) {
      row = el("tr");
      row.dataset.stream = e.streamId;
      const cell = el("td");
      cell.append(link("stream-link", "/events/streams/" + encodeURIComponent(e.streamId), e.streamId));
      row.append(cell, el("td", "num", "0"), el("td", "num"), el("td"), el("td", "num"), el("td"));
      document.getElementById("no-streams")?.remove();
      document.getElementById("streams").hidden = false;
    }
    const cells = row.cells;
    cells[1].textContent = String(Number(cells[1].textContent) + 1);
    cells[2].textContent = String(Math.max(Number(cells[2].textContent), e.streamVersion));
    cells[3].replaceChildren(el("code", "", e.type));
    cells[4].textContent = String(e.position);
    cells[5].textContent = e.timestamp;
    streams.prepend(row);
  };
  const source = new EventSource(list.dataset.source);
  source.addEventListener("open", () => setStatus("live", "live"));
  source.addEventListener("error", () => setStatus("reconnecting", "reconnecting…"));
  source.addEventListener("failure", () => setStatus("reconnecting", "the event store failed; reconnecting…"));
  source.addEventListener("event", (message) => {
    const e = JSON.parse(message.data);
    addOption("filter-category", category(e.streamId));
    addOption("filter-type", e.type);
    if (!kept(e)) return;
    updateStream(e);
    showCounts();
    const item = el("li", "event tail-event");
    item.dataset.position = String(e.position);
    const title = el("h3");
    title.append(el("span", "event-type", e.type), " in ",
      link("stream-link", "/events/streams/" + encodeURIComponent(e.streamId), e.streamId),
      el("span", "muted", " v" + e.streamVersion + " · #" + e.position + " · " + e.timestamp));
    item.append(title);
    const m = e.metadata || {};
    const links = el("p", "links");
    if (typeof m.correlationId === "string") links.append("correlation ",
      link("correlation-link", "/correlations/" + encodeURIComponent(m.correlationId), m.correlationId), " ");
    if (typeof m.causationId === "string") links.append("caused by ",
      link("cause-link", "/causes/" + encodeURIComponent(m.causationId), m.causationId));
    if (links.childNodes.length > 0) item.append(links);
    item.append(details("Data", "data", e.data), details("Metadata", "metadata", e.metadata));
    if (empty) empty.remove();
    list.append(item);
  });
})();`
