// The dashboard: a MapLibre map of the served days over the offline base layer, filters, a list of
// violations with their evidence and ledger proof status, and (for analysts) the review queue.
// Everything comes from this server's /v1 API: no tile server, no CDN.
import * as maplibregl from "/static/vendor/maplibre-gl.mjs";

const state = { token: sessionStorage.getItem("truceline-token") || "", me: null, days: [], map: null, data: null };
window.truceline = state;
const $ = (id) => document.getElementById(id);
const COLOURS = ["#2c5d8f", "#a34a28", "#3d7a4a", "#6a4c93"];

async function api(path, options = {}) {
  const headers = { ...(options.headers || {}) };
  if (state.token) headers.Authorization = `Bearer ${state.token}`;
  const reply = await fetch(path, { ...options, headers });
  if (!reply.ok) throw new Error(`${path}: ${reply.status}`);
  return reply.json();
}

function emptyStyle() {
  return { version: 8, sources: {}, layers: [{ id: "background", type: "background", paint: { "background-color": "#eef0ec" } }] };
}

async function start() {
  state.me = await api("/v1/me");
  $("who").textContent = state.me.role === "public" ? "public view" : `${state.me.name} (${state.me.role}${state.me.party ? ", " + state.me.party : ""})`;
  const mission = ["analyst", "publisher"].includes(state.me.role);
  state.mission = mission;
  state.days = mission ? (await api("/v1/days")).map((d) => d.day) : [];
  $("day").innerHTML = state.days.map((d) => `<option>${d}</option>`).join("") || "<option value=''>published</option>";
  state.map = new maplibregl.Map({ container: "map", style: emptyStyle(), center: [38.3, 48.3], zoom: 6.5, attributionControl: false });
  state.map.on("load", async () => {
    await loadDay();
    if (state.me.role === "analyst") { $("queue").hidden = false; await loadQueue(); }
    state.ready = true;
  });
}

function addSource(id, data) {
  const map = state.map;
  if (map.getSource(id)) map.getSource(id).setData(data); else map.addSource(id, { type: "geojson", data });
}

async function loadDay() {
  const day = $("day").value;
  let base = { type: "FeatureCollection", features: [] };
  if (day) base = await api(`/v1/days/${day}/base`);
  addSource("base", base);
  if (!state.map.getLayer("line")) {
    state.map.addLayer({ id: "zone", type: "fill", source: "base", filter: ["==", ["get", "layer"], "security_zone"], paint: { "fill-color": "#d9cfa8", "fill-opacity": 0.35 } });
    state.map.addLayer({ id: "sectors", type: "line", source: "base", filter: ["==", ["get", "layer"], "sector"], paint: { "line-color": ["match", ["get", "index"], 0, "#b58b2a", "#6b8fb5"], "line-width": 7, "line-opacity": 0.5 } });
    state.map.addLayer({ id: "line", type: "line", source: "base", filter: ["==", ["get", "layer"], "contact_line"], paint: { "line-color": "#333", "line-width": 2 } });
    state.map.addLayer({ id: "towns", type: "circle", source: "base", filter: ["==", ["get", "layer"], "town"], paint: { "circle-radius": 3, "circle-color": "#777" } });
  }
  if (state.mission) {
    state.data = await api(`/v1/days/${day}/map`);
    const cov = await api(`/v1/days/${day}/coverage`);
    addSource("coverage", cov);
    if (!state.map.getLayer("coverage")) state.map.addLayer({ id: "coverage", type: "fill", source: "coverage", layout: { visibility: "none" }, paint: { "fill-color": "#4a7d4a", "fill-opacity": ["*", 0.45, ["get", "p"]] } }, "line");
  } else {
    const published = await api("/v1/public/findings");
    state.data = { type: "FeatureCollection", features: published.map((p) => ({ type: "Feature", geometry: { type: "Point", coordinates: [p.lon, p.lat] }, properties: { layer: p.kind, id: p.publication_id, time: p.hour, hour: -1, party: "", sector: p.sector, confidence: "", violation: true, summary: p.summary } })) };
  }
  const parties = [...new Set(state.data.features.map((f) => f.properties.party).filter((p) => p && p !== "undetermined"))].sort();
  $("party").innerHTML = "<option value=''>all</option>" + parties.map((p) => `<option>${p}</option>`).join("");
  const sectors = [...new Set(state.data.features.map((f) => f.properties.sector).filter(Boolean))].sort();
  $("sector").innerHTML = "<option value=''>all</option>" + sectors.map((s) => `<option>${s}</option>`).join("");
  state.partyColour = Object.fromEntries(parties.map((p, i) => [p, COLOURS[i % COLOURS.length]]));
  draw();
}

function visible() {
  const party = $("party").value, kind = $("kind").value, conf = $("confidence").value, sector = $("sector").value;
  const hour = Number($("hour").value);
  return state.data.features.filter((f) => {
    const p = f.properties;
    return (!party || p.party === party) && (!kind || p.layer === kind || (kind === "incident" && p.layer === "ellipse"))
      && (!conf || p.confidence === conf) && (!sector || p.sector === sector) && (p.hour < 0 || p.hour < hour);
  });
}

function draw() {
  const shown = visible();
  const colour = ["match", ["get", "party"], ...Object.entries(state.partyColour).flat(), "#7a6f5a"];
  addSource("findings", { type: "FeatureCollection", features: shown });
  if (!state.map.getLayer("ellipses")) {
    state.map.addLayer({ id: "ellipses", type: "line", source: "findings", filter: ["==", ["get", "layer"], "ellipse"], paint: { "line-color": "#555", "line-width": 0.8 } });
    state.map.addLayer({ id: "incidents", type: "circle", source: "findings", filter: ["!=", ["get", "layer"], "ellipse"], paint: { "circle-radius": ["case", ["==", ["get", "layer"], "engagement"], 7, 4], "circle-color": colour, "circle-stroke-width": 1, "circle-stroke-color": "#fff" } });
    state.map.on("click", "incidents", (e) => showEvidence(e.features[0].properties));
  }
  $("hourlabel").textContent = `00–${String($("hour").value).padStart(2, "0")} UTC`;
  const violations = shown.filter((f) => f.properties.layer !== "ellipse" && (f.properties.violation || f.properties.layer === "engagement"));
  $("findings").innerHTML = violations.slice(0, 300).map((f, i) => `<li data-i="${i}">${f.properties.id} · ${f.properties.layer} · ${f.properties.party || ""} ${f.properties.confidence || ""} ${f.properties.time || ""}</li>`).join("");
  [...$("findings").children].forEach((li) => li.addEventListener("click", () => {
    const f = violations[Number(li.dataset.i)];
    state.map.flyTo({ center: f.geometry.coordinates, zoom: 9 });
    showEvidence(f.properties);
  }));
}

async function showEvidence(p) {
  $("evidence").hidden = false;
  if (!state.mission || p.layer !== "incident") {
    $("evidencebody").innerHTML = `<p>${p.id}: ${p.summary || p.layer}</p>`;
    return;
  }
  const ev = await api(`/v1/days/${$("day").value}/incidents/${p.id}/evidence`);
  $("evidencebody").innerHTML = `<p><strong>${ev.incident_id}</strong> · ${ev.confidence} · ${ev.attribution}</p><ul>` +
    ev.items.map((it) => `<li>${it.source} <code>${it.id}</code>${it.source === "acoustic" ? ` <button class="why" data-id="${esc(it.id)}">why</button>` : ""} ${Object.entries(it.cited_records).map(([t, n]) => `${n} ${t}`).join(", ")} — <span class="${it.proof.startsWith("verified") ? "proof-ok" : "proof-bad"}">${it.proof}</span></li>`).join("") + "</ul>" +
    `<div id="explanation"></div>`;
  document.querySelectorAll("#evidencebody button.why").forEach((b) => b.addEventListener("click", () => showExplanation(b.dataset.id)));
}

const esc = (v) => String(v).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);

async function showExplanation(id) {
  // why the mission says what it says of one event: the kind's basis, its picks and the picks left out
  const x = await api(`/v1/days/${$("day").value}/events/${encodeURIComponent(id)}/explanation`);
  $("explanation").innerHTML = `<h3>${esc(x.title)}</h3><dl>` +
    x.facts.map((f) => `<dt>${esc(f.label)}</dt><dd>${esc(f.text)}</dd>`).join("") + "</dl>" +
    x.tables.map((t) => `<table><caption>${esc(t.title)}</caption><tr>${t.columns.map((c) => `<th>${esc(c)}</th>`).join("")}</tr>` +
      t.rows.map((r) => `<tr>${r.map((v) => `<td>${esc(v)}</td>`).join("")}</tr>`).join("") + "</table>").join("");
}

async function loadQueue() {
  const page = await api("/v1/cases?limit=300");
  $("cases").innerHTML = page.items.map((c) => `<li><label><input type="checkbox" value="${c.case_id}"> ${c.case_id} · ${c.state} · ${c.item.summary}</label></li>`).join("");
}

async function confirmSelected() {
  const ids = [...document.querySelectorAll("#cases input:checked")].map((i) => i.value);
  if (!ids.length) return;
  await api("/v1/cases/decisions", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ case_ids: ids, action: "confirm", reason: "confirmed in the dashboard" }) });
  $("queuestatus").textContent = `confirmed ${ids.join(", ")}`;
  await loadQueue();
}

for (const id of ["party", "kind", "confidence", "sector", "hour"]) $(id).addEventListener("input", draw);
$("day").addEventListener("change", loadDay);
$("coverage").addEventListener("change", () => state.map.getLayer("coverage") && state.map.setLayoutProperty("coverage", "visibility", $("coverage").checked ? "visible" : "none"));
$("confirm").addEventListener("click", confirmSelected);
$("login").addEventListener("submit", (e) => { e.preventDefault(); sessionStorage.setItem("truceline-token", $("token").value.trim()); location.reload(); });
start().catch((e) => { $("who").textContent = `error: ${e.message}`; state.error = e.message; });
