// The shift-lead console: queues, agents and the staffing advice from the hub's lead topic, one-click moves and the
// emergency controls through the ops API. The wall's modules give it the same labels, formats and connection.
import { applyStaticText, setLang, currentLang, t } from "/wall/i18n.js";
import { renderClock, renderConnection } from "/wall/panels.js";
import { connectWall } from "/wall/connection.js";
import { int, pct, waitTime, el, isNum, DASH, cityParts } from "/wall/format.js";

applyStaticText();
const token = new URLSearchParams(location.search).get("token");
const state = { board: null, emergencies: [], connection: "connecting", busy: false };

async function api(method, path, body) {
  const response = await fetch(path, {
    method,
    headers: { ...(token ? { Authorization: `Bearer ${token}` } : {}), ...(body ? { "Content-Type": "application/json" } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const json = await response.json().catch(() => null);
  if (!response.ok) throw new Error(json?.detail ?? `${response.status}`);
  return json;
}

function notice(text, kind = "info") {
  const n = document.getElementById("notice");
  n.textContent = text;
  n.dataset.kind = kind;
  n.hidden = !text;
}

function queueName(id) {
  const q = state.board?.queues.find((x) => x.id === id);
  return q ? (currentLang() === "en" ? q.nameEn : q.name) : id;
}

function num(v, digits = 1) { return isNum(v) ? v.toFixed(digits) : DASH; }

function cell(field, value, text) {
  const td = el("td", null, text);
  td.dataset.field = field;
  td.dataset.value = isNum(value) ? String(value) : "";
  return td;
}

function renderQueues() {
  const b = state.board;
  const rows = document.getElementById("queue-rows");
  if (!b) { rows.replaceChildren(); return; }
  document.getElementById("targets").textContent =
    `${pct(b.targets.serviceLevelPct, 0)} / ${b.targets.answerWithinSeconds}${t("unit.sec")} · ${pct(b.targets.connectionRatePct, 0)}`;
  rows.replaceChildren(...b.queues.map((q) => {
    const tr = el("tr");
    tr.setAttribute("data-testid", `queue-${q.id}`);
    tr.dataset.understaffed = String(q.understaffed);
    tr.append(el("td", null, currentLang() === "en" ? q.nameEn : q.name));
    tr.append(cell("waiting", q.waiting, int(q.waiting)));
    tr.append(cell("oldest", q.oldestWaitSeconds, waitTime(q.oldestWaitSeconds)));
    tr.append(cell("sl", q.serviceLevelPct, pct(q.serviceLevelPct, 1)));
    tr.append(cell("conn", q.connectionRatePct, pct(q.connectionRatePct, 1)));
    tr.append(cell("asa", q.asaSeconds, waitTime(q.asaSeconds)));
    tr.append(cell("rate", q.arrivalPerHour, int(q.arrivalPerHour)));
    tr.append(cell("load", q.offeredErlangs, num(q.offeredErlangs)));
    const staffed = cell("staffed", q.agentsStaffed, `${q.agentsStaffed} / ${q.agentsNeeded}`);
    staffed.dataset.needed = String(q.agentsNeeded);
    tr.append(staffed);
    tr.append(cell("projected", q.projectedServiceLevelPct, pct(q.projectedServiceLevelPct, 1)));
    tr.append(cell("states", q.agentsAvailable, `${q.agentsAvailable}/${q.agentsOnCall}/${q.agentsAfterCallWork}/${q.agentsOnBreak}`));
    const flag = el("td");
    flag.append(el("span", q.understaffed ? "flag flag-short" : "flag flag-ok", t(q.understaffed ? "lead.understaffed" : "lead.ok")));
    tr.append(flag);
    return tr;
  }));
}

/** Moves the agents one by one; the hub's next queueStatus shows the result on this console and on the walls. */
async function applyMove(move, button) {
  button.disabled = true;
  button.textContent = t("lead.applying");
  try {
    for (const agent of move.agents) await api("POST", `/api/ops/agents/${encodeURIComponent(agent)}/queue`, { queue: move.to });
    notice(t("lead.moved", move.agents.join(", "), queueName(move.to)));
  } catch (err) {
    notice(t("lead.error", err.message), "error");
    button.disabled = false;
    button.textContent = t("lead.apply");
  }
}

function renderMoves() {
  const list = document.getElementById("moves");
  const moves = state.board?.moves ?? [];
  if (!moves.length) { list.replaceChildren(el("li", "empty", t("lead.noAdvice"))); return; }
  list.replaceChildren(...moves.map((m) => {
    const li = el("li");
    li.setAttribute("data-testid", `move-${m.from}-${m.to}`);
    li.dataset.agents = m.agents.join(",");
    const text = el("div");
    text.append(el("div", null, t("lead.move", queueName(m.from), m.agents.length, queueName(m.to))));
    text.append(el("div", "move-effect", t("lead.moveEffect", queueName(m.to), pct(m.toBeforePct, 1), pct(m.toAfterPct, 1), queueName(m.from), pct(m.fromBeforePct, 1), pct(m.fromAfterPct, 1))));
    const button = el("button", "btn", t("lead.apply"));
    button.type = "button";
    button.setAttribute("data-testid", `apply-${m.from}-${m.to}`);
    button.addEventListener("click", () => applyMove(m, button));
    li.append(text, button);
    return li;
  }));
}

function renderAgents() {
  const rows = document.getElementById("agent-rows");
  const agents = state.board?.agents ?? [];
  const queues = state.board?.queues ?? [];
  rows.replaceChildren(...agents.map((a) => {
    const tr = el("tr");
    tr.setAttribute("data-testid", `agent-${a.id}`);
    tr.dataset.queue = a.queue;
    tr.dataset.state = a.state;
    tr.append(el("td", null, a.id), el("td", null, queueName(a.queue)), el("td", null, t(`state.${a.state}`)), el("td", null, cityParts(a.since)?.hms ?? DASH));
    const td = el("td");
    if (a.state !== "offline") {
      const select = el("select");
      for (const q of queues.filter((q) => q.id !== a.queue)) {
        const o = el("option", null, currentLang() === "en" ? q.nameEn : q.name);
        o.value = q.id;
        select.append(o);
      }
      const button = el("button", "btn", t("lead.apply"));
      button.type = "button";
      button.addEventListener("click", () => applyMove({ agents: [a.id], to: select.value }, button));
      td.append(select, button);
    }
    tr.append(td);
    return tr;
  }));
}

function renderEmergencies() {
  const list = document.getElementById("emergencies");
  if (!state.emergencies.length) { list.replaceChildren(el("li", "empty", t("lead.noEmergency"))); return; }
  list.replaceChildren(...state.emergencies.map((e) => {
    const li = el("li");
    li.setAttribute("data-testid", `emergency-${e.id}`);
    li.dataset.active = String(e.active);
    li.append(el("span", null, `${e.name} · ${int(e.count)} · ${t(e.active ? "lead.active" : "lead.ended")}`));
    if (e.active) {
      const end = el("button", "btn btn-danger", t("lead.end"));
      end.type = "button";
      end.setAttribute("data-testid", `end-${e.id}`);
      end.addEventListener("click", async () => {
        end.disabled = true;
        try { await api("POST", `/api/ops/emergencies/${encodeURIComponent(e.id)}/end`); await loadEmergencies(); }
        catch (err) { notice(t("lead.error", err.message), "error"); end.disabled = false; }
      });
      li.append(end);
    }
    return li;
  }));
}

async function loadEmergencies() {
  try { state.emergencies = await api("GET", "/api/ops/emergencies"); renderEmergencies(); }
  catch (err) { notice(t("lead.error", err.message), "error"); }
}

document.getElementById("declare").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const form = ev.target;
  const keywords = form.keywords.value.split(/[,，]/).map((k) => k.trim()).filter(Boolean);
  // Starts now (the centre's clock as the queues last showed it, so a replay declares in its own time).
  const start = state.board?.at ?? new Date().toISOString();
  try {
    await api("POST", "/api/ops/emergencies", { name: form.name.value.trim(), rule: { categories: [], districts: [], keywords }, start });
    form.reset();
    await loadEmergencies();
  } catch (err) { notice(t("lead.error", err.message), "error"); }
});

function renderAll() {
  renderConnection(state.connection);
  renderClock(state.board?.at);
  renderQueues();
  renderMoves();
  renderAgents();
  renderEmergencies();
}

document.getElementById("lang-switch").addEventListener("click", () => {
  setLang(currentLang() === "en" ? "zh" : "en", true);
  renderAll();
});

renderAll();
loadEmergencies();

connectWall({
  topic: "lead",
  onState: (s) => { state.connection = s; renderConnection(s); },
  handlers: {
    queueStatus: (b) => { state.board = b; renderClock(b.at); renderQueues(); renderMoves(); renderAgents(); },
    emergency: () => loadEmergencies(),
    // The lead topic carries the wall's picture too; this console shows only what a lead acts on.
    cityMetrics: () => {}, leagueTable: () => {}, surge: () => {}, overdueWarning: () => {}, unitMetrics: () => {},
  },
});
