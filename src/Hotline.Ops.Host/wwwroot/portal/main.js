// The unit portal (/unit/{id}?token=…): one unit's month — score and its four components per table, grade, forecast,
// what-if, the orders at risk with their deadline countdown, the score's trend, returns and rework — live through the
// hub's unit:{id} topic. It shares the wall's labels, formatting, connection and panels (plain ES modules, no build).
import { addText, applyStaticText, setLang, currentLang, t } from "/wall/i18n.js";
import { cityParts, el, int, isNum, pct, DASH } from "/wall/format.js";
import { renderClock, renderConnection, Ticker, AlertBanner } from "/wall/panels.js";
import { connectWall } from "/wall/connection.js";
import { TEXT } from "./text.js";

addText(TEXT);
applyStaticText();

const unitId = decodeURIComponent(location.pathname.split("/")[2] ?? "");
const query = new URLSearchParams(location.search);
const token = query.get("token");
const askedMonth = query.get("month");
const GRADES = ["A", "B", "C", "D", "E"];

const state = { card: null, trend: null, connection: "connecting", wasConnected: false, receivedAt: 0, refusal: null };
const ticker = new Ticker(document.getElementById("ticker"), document.getElementById("ticker-empty"));
const banner = new AlertBanner(document.getElementById("alert-banner"));
const chart = globalThis.echarts ? globalThis.echarts.init(document.getElementById("trend-chart"), null, { renderer: "canvas" }) : null;
new ResizeObserver(() => chart?.resize()).observe(document.getElementById("trend-chart"));

/* ---------- data ---------- */

/** GET with the page's token; a network failure (server away) is status 0. */
async function getJson(path) {
  try {
    const response = await fetch(path, { headers: token ? { Authorization: `Bearer ${token}` } : {} });
    const body = await response.json().catch(() => null);
    return { status: response.status, body };
  } catch {
    return { status: 0, body: null };
  }
}

function monthParam() { return askedMonth ? `?month=${encodeURIComponent(askedMonth)}` : ""; }

async function load() {
  const base = `/api/units/${encodeURIComponent(unitId)}`;
  const card = await getJson(`${base}/scorecard${monthParam()}`);
  if (card.status === 0 || card.status >= 500) {
    // The server is away (restarting): try again, as the hub connection does.
    await new Promise((resolve) => setTimeout(resolve, 5000));
    return load();
  }
  if (card.status !== 200) {
    // 401 no or unknown token, 403 another unit's token, 404 no such unit or month: said on the page, nothing else shown.
    state.refusal = { status: card.status, detail: card.body?.detail ?? "" };
    renderAll();
    return false;
  }
  setCard(card.body);
  renderAll();
  await refreshTrend();
  return true;
}

async function refreshTrend() {
  if (!state.card) return;
  const trend = await getJson(`/api/units/${encodeURIComponent(unitId)}/trend?month=${encodeURIComponent(state.card.month)}`);
  if (trend.status !== 200) return;
  state.trend = trend.body;
  mergeToday();
  renderTrend();
}

function setCard(card) {
  // A page opened on another month is a still picture: live updates are for the current month only.
  if (state.card && card.month !== state.card.month) return;
  state.card = card;
  state.receivedAt = Date.now();
}

/** Today's point of the trend follows the live scorecard, so the chart moves with every update. */
function mergeToday() {
  const card = state.card;
  const date = cityParts(card?.asOf)?.date;
  if (!card || !date || !state.trend || state.trend.month !== card.month) return;
  const days = state.trend.days.filter((d) => d.date !== date);
  if (isNum(card.hotline.score) || isNum(card.mailbox.score))
    days.push({ date, hotlineScore: card.hotline.score, hotlineGrade: card.hotline.grade, mailboxScore: card.mailbox.score, mailboxGrade: card.mailbox.grade });
  days.sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0));
  state.trend = { ...state.trend, days };
}

/** The server's clock now: the scorecard's time plus what has passed here since it came. */
function serverNow() {
  const at = Date.parse(state.card?.asOf ?? "");
  return Number.isNaN(at) ? Date.now() : at + (Date.now() - state.receivedAt);
}

/* ---------- rendering ---------- */

function renderAll() {
  renderConnection(state.connection);
  const refused = state.refusal !== null;
  document.getElementById("refusal").hidden = !refused;
  document.getElementById("portal-main").hidden = refused;
  if (refused) {
    renderRefusal();
    return;
  }
  const card = state.card;
  if (!card) return;
  document.getElementById("unit-name").textContent = card.unit?.name ?? unitId;
  document.title = `${card.unit?.name ?? unitId} · ${t("portal.title")}`;
  document.getElementById("month").textContent = ` · ${monthName(card.month)}`;
  renderClock(card.asOf);
  renderTable("hotline", card.hotline);
  renderTable("mailbox", card.mailbox);
  renderCounts(card);
  renderAtRisk(card);
  renderNotes(card);
  renderTrend();
  ticker.render();
  banner.render();
}

function renderRefusal() {
  const r = state.refusal;
  const key = r.status === 403 ? "refusal.forbidden" : r.status === 401 ? "refusal.unauthorized" : r.status === 404 ? "refusal.notFound" : "refusal.other";
  document.getElementById("refusal").dataset.status = String(r.status);
  document.getElementById("refusal-title").textContent = t(key, unitId);
  document.getElementById("refusal-detail").textContent = `${r.status} · ${r.detail}`;
  document.getElementById("unit-name").textContent = unitId;
  document.title = t("portal.title");
}

function monthName(month) {
  const m = /^(\d{4})-(\d{2})$/.exec(month ?? "");
  if (!m) return month ?? "";
  if (currentLang() === "en") return new Date(Date.UTC(+m[1], +m[2] - 1, 1)).toLocaleString("en-GB", { month: "long", year: "numeric", timeZone: "UTC" });
  return `${m[1]}年${+m[2]}月`;
}

function gradeClass(g) { return /^[A-E]$/.test(g ?? "") ? `grade grade-${g}` : "grade grade-none"; }
function decimals(channel) { return channel === "hotline" ? 1 : 2; }
function fixed(v, d) { return isNum(v) ? v.toFixed(d) : DASH; }
function ratePct(part, whole) { return isNum(part) && isNum(whole) && whole > 0 ? Math.round((10000 * part) / whole) / 100 : null; }

/** A value with its raw number in data-value (for anyone reading the DOM) and its formatted text. */
function valueEl(tag, className, testId, value, text) {
  const e = el(tag, className, text);
  e.setAttribute("data-testid", testId);
  e.dataset.value = isNum(value) ? String(value) : "";
  return e;
}

function renderTable(channel, s) {
  const box = document.querySelector(`[data-testid=table-${channel}]`);
  const n = s?.counts ?? {};
  const d = decimals(channel);
  const title = el("h2", "panel-title");
  title.append(el("span", null, t(`table.${channel}`)));
  title.append(el("span", "panel-note", t("table.due", int(n.due ?? 0))));
  const top = el("div", "card-top");
  const scoreBlock = el("div", "score-block");
  scoreBlock.append(el("div", "score-label", t("table.score")));
  scoreBlock.append(valueEl("div", "big-score", `score-${channel}`, s?.score, fixed(s?.score, d)));
  const grade = valueEl("span", `${gradeClass(s?.grade)} big-grade`, `grade-${channel}`, null, s?.grade ?? DASH);
  grade.dataset.value = s?.grade ?? "";
  scoreBlock.append(grade);
  top.append(scoreBlock, forecastBlock(channel, s));
  box.replaceChildren(title, top);
  if (!isNum(n.due) || n.due <= 0) {
    box.append(el("div", "empty", t("table.noOrders")));
    return;
  }
  box.append(componentsBlock(channel, s), countsLine(channel, n), whatIfBlock(channel, s));
}

function forecastBlock(channel, s) {
  const f = s?.forecast;
  const d = decimals(channel);
  const block = el("div", "forecast-block");
  block.setAttribute("data-testid", `forecast-${channel}`);
  block.dataset.expected = isNum(f?.expectedScore) ? String(f.expectedScore) : "";
  block.dataset.grade = f?.expectedGrade ?? "";
  block.dataset.low = isNum(f?.low) ? String(f.low) : "";
  block.dataset.high = isNum(f?.high) ? String(f.high) : "";
  const head = el("div", "forecast-head");
  head.append(el("span", "score-label", t("forecast.title")));
  if (f) {
    head.append(el("span", "forecast-score", fixed(f.expectedScore, d)));
    head.append(el("span", "forecast-range", `${t("forecast.range")} ${fixed(f.low, d)}–${fixed(f.high, d)}`));
    head.append(el("span", `${gradeClass(f.expectedGrade)} forecast`, f.expectedGrade ?? DASH));
  } else head.append(el("span", "forecast-score", DASH));
  block.append(head);
  const probs = el("div", "probs");
  for (const g of GRADES) {
    const p = f?.probabilities?.[g];
    const row = valueEl("div", "prob", `prob-${channel}-${g}`, p, null);
    row.append(el("span", gradeClass(g), g));
    const bar = el("span", "prob-track");
    const fill = el("span", `prob-fill prob-${g}`);
    fill.style.width = `${Math.round((isNum(p) ? p : 0) * 100)}%`;
    bar.append(fill);
    row.append(bar, el("span", "prob-pct", isNum(p) ? `${Math.round(p * 100)}%` : DASH));
    probs.append(row);
  }
  block.append(probs);
  return block;
}

function componentsBlock(channel, s) {
  const n = s.counts;
  const c = s.components ?? {};
  const rows = [
    ["handled", ratePct(n.handled, n.due), c.completion, 30],
    ["onTime", ratePct(n.onTime, n.due), c.onTime, 30],
    ["rework", ratePct(n.rework, n.due), c.rework, 20],
    // The published rate: dissatisfied share on the hotline, satisfied share on the mailbox.
    [channel === "hotline" ? "dissatisfied" : "satisfied", s.ratePct ?? null, c.followUp, 20],
  ];
  const box = el("div", "components");
  for (const [key, rate, points, max] of rows) {
    const row = el("div", "component");
    row.setAttribute("data-testid", `component-${channel}-${key}`);
    row.append(el("span", "component-label", t(`component.${key}`)));
    row.append(valueEl("span", "component-rate", `rate-${channel}-${key}`, rate, isNum(rate) ? pct(rate) : t("component.none")));
    const track = el("span", "component-track");
    const fill = el("span", "component-fill");
    fill.style.width = `${Math.max(0, Math.min(100, ((isNum(points) ? points : 0) / max) * 100))}%`;
    track.append(fill);
    row.append(track);
    row.append(valueEl("span", "component-points", `points-${channel}-${key}`, isNum(points) ? Math.round(points * 100) / 100 : null,
      `${isNum(points) ? points.toFixed(2) : DASH} / ${max}`));
    box.append(row);
  }
  return box;
}

function countsLine(channel, n) {
  const line = el("div", "counts-line");
  line.setAttribute("data-testid", `counts-${channel}`);
  line.textContent = t("table.counts", int(n.due), int(n.handled), int(n.onTime), int(n.rework), int(n.followUps),
    int(channel === "hotline" ? n.dissatisfied : n.satisfiedTotal), t(channel === "hotline" ? "table.dissatisfied" : "table.satisfied"));
  return line;
}

function whatIfBlock(channel, s) {
  const w = s.whatIf;
  const box = el("div", "whatif");
  box.setAttribute("data-testid", `whatif-${channel}`);
  if (!w) return box;
  const n = (v) => (isNum(v) ? int(v) : t("whatif.unlimited"));
  if (w.grade === "E") box.append(el("div", "whatif-line", t("whatif.lowest")));
  else {
    const keep = el("div", "whatif-line");
    keep.append(el("span", "whatif-lead", t("whatif.keep", w.grade)));
    keep.append(valueEl("span", "whatif-item", `whatif-${channel}-dissatisfied`, w.dissatisfiedAbsorbable, t("whatif.dissatisfied", n(w.dissatisfiedAbsorbable))));
    keep.append(valueEl("span", "whatif-item", `whatif-${channel}-late`, w.lateAbsorbable, t("whatif.late", n(w.lateAbsorbable))));
    keep.append(valueEl("span", "whatif-item", `whatif-${channel}-rework`, w.reworkAbsorbable, t("whatif.rework", n(w.reworkAbsorbable))));
    box.append(keep);
  }
  if (w.nextGrade) {
    const next = el("div", "whatif-line");
    next.append(valueEl("span", "whatif-item", `whatif-${channel}-next`, w.onTimeRepliesToNext,
      isNum(w.onTimeRepliesToNext) ? t("whatif.next", w.nextGrade, int(w.onTimeRepliesToNext)) : t("whatif.nextOut", w.nextGrade)));
    box.append(next);
  } else box.append(el("div", "whatif-line", t("whatif.top")));
  return box;
}

function renderCounts(card) {
  const set = (id, v, level) => {
    const e = document.getElementById(id);
    e.textContent = int(v);
    e.dataset.value = isNum(v) ? String(v) : "";
    e.dataset.level = level ?? "normal";
  };
  set("count-open", card.open);
  set("count-due-today", card.dueToday, card.dueToday > 0 ? "warn" : "normal");
  set("count-overdue", card.overdue, card.overdue > 0 ? "alert" : "normal");
  set("count-supervised", card.supervised, card.supervised > 0 ? "warn" : "normal");
  set("count-returns", card.returns?.length ?? 0);
  set("count-rework", (card.hotline?.counts?.rework ?? 0) + (card.mailbox?.counts?.rework ?? 0));
}

/** Open orders ranked by the points a reply now is worth (both tables), with their deadline countdown. */
function atRiskRows(card) {
  const info = new Map((card.atRisk ?? []).map((o) => [o.ticketId, o]));
  const ranked = [
    ...(card.hotlineByImpact ?? []).map((o) => ({ ...o, channel: "hotline" })),
    ...(card.mailboxByImpact ?? []).map((o) => ({ ...o, channel: "mailbox" })),
  ].sort((a, b) => b.points - a.points || Date.parse(a.deadline) - Date.parse(b.deadline) || (a.ticketId < b.ticketId ? -1 : 1));
  const seen = new Set(ranked.map((o) => o.ticketId));
  // Orders the ranking left out (it keeps 20 per table) still show, by deadline, after the ranked ones.
  for (const o of card.atRisk ?? []) if (!seen.has(o.ticketId)) ranked.push({ ticketId: o.ticketId, deadline: o.deadline, channel: o.channel, points: null });
  return ranked.map((o) => ({ ...o, warning: info.get(o.ticketId)?.warning, supervised: info.get(o.ticketId)?.supervised }));
}

function renderAtRisk(card) {
  const rows = atRiskRows(card);
  document.getElementById("risk-empty").hidden = rows.length > 0;
  const now = serverNow();
  document.getElementById("at-risk").replaceChildren(...rows.slice(0, 15).map((o, i) => {
    const li = el("li", "risk-row");
    li.dataset.ticketId = o.ticketId;
    const left = Date.parse(o.deadline) - now;
    li.dataset.level = left < 0 ? "overdue" : left < 86400000 ? "soon" : "normal";
    li.append(el("span", "risk-rank", i + 1));
    const id = el("span", "risk-id", o.ticketId);
    if (o.supervised) id.append(el("span", "supervised-mark", t("league.supervised")));
    li.append(id);
    li.append(el("span", "risk-table", t(`table.short.${o.channel}`)));
    const dl = cityParts(o.deadline);
    li.append(el("span", "risk-deadline", dl ? `${dl.monthDay} ${dl.hm}` : DASH));
    const countdown = el("span", "risk-left", countdownText(left));
    countdown.dataset.deadline = o.deadline;
    li.append(countdown);
    li.append(valueEl("span", "risk-points", `points-${o.ticketId}`, o.points, isNum(o.points) ? t("risk.pointsValue", o.points.toFixed(2)) : DASH));
    return li;
  }));
}

function countdownText(ms) {
  const late = ms < 0;
  const minutes = Math.floor(Math.abs(ms) / 60000);
  const days = Math.floor(minutes / 1440), hours = Math.floor((minutes % 1440) / 60), mins = minutes % 60;
  const parts = days > 0 ? [`${days}${t("time.day")}`, `${hours}${t("unit.hour")}`] : hours > 0 ? [`${hours}${t("unit.hour")}`, `${mins}${t("unit.min")}`] : [`${mins}${t("unit.min")}`];
  return t(late ? "risk.late" : "risk.leftValue", parts.join(currentLang() === "en" ? " " : ""));
}

/** The countdowns tick every second without waiting for the server. */
function tickCountdowns() {
  const now = serverNow();
  for (const c of document.querySelectorAll(".risk-left[data-deadline]")) {
    const left = Date.parse(c.dataset.deadline) - now;
    c.textContent = countdownText(left);
    c.parentElement.dataset.level = left < 0 ? "overdue" : left < 86400000 ? "soon" : "normal";
  }
}

function renderNotes(card) {
  const returns = card.returns ?? [];
  const reworked = card.reworked ?? [];
  document.getElementById("returns-note").textContent = t("returns.note", returns.length, returns.filter((r) => r.returnedAway).length);
  document.getElementById("rework-note").textContent = t("rework.note", reworked.reduce((a, r) => a + r.rework, 0), reworked.length);
  const note = (r, detail) => {
    const li = el("li", "note-row");
    li.dataset.ticketId = r.ticketId;
    li.append(el("span", "note-id", r.ticketId));
    li.append(el("span", "note-table", t(`table.short.${r.channel}`)));
    li.append(el("span", "note-detail", detail));
    return li;
  };
  const returnsList = document.getElementById("returns");
  returnsList.replaceChildren(...returns.slice(0, 8).map((r) =>
    note(r, r.returnedAway ? t("returns.away") : t("returns.kept", r.returnRequests))));
  if (!returns.length) returnsList.append(el("li", "empty", t("returns.empty")));
  const reworkList = document.getElementById("rework");
  reworkList.replaceChildren(...reworked.slice(0, 8).map((r) => note(r, t("rework.times", r.rework) + (r.open ? ` · ${t("rework.open")}` : ""))));
  if (!reworked.length) reworkList.append(el("li", "empty", t("rework.empty")));
}

function renderTrend() {
  if (!chart) return;
  const days = state.trend?.days ?? [];
  const axisText = { color: "#9fb2cc", fontSize: 15 };
  const key = JSON.stringify(days) + currentLang();
  if (key === renderTrend.drawn) return;
  renderTrend.drawn = key;
  chart.setOption({
    backgroundColor: "transparent",
    textStyle: { fontFamily: getComputedStyle(document.body).fontFamily },
    grid: { left: 52, right: 24, top: 36, bottom: 34 },
    tooltip: { trigger: "axis", textStyle: { fontSize: 15 } },
    legend: { top: 0, right: 8, textStyle: { color: "#d5e1f0", fontSize: 15 } },
    xAxis: { type: "category", data: days.map((d) => d.date.slice(5)), axisLabel: axisText, axisLine: { lineStyle: { color: "#3a4a63" } } },
    yAxis: { type: "value", scale: true, max: (v) => Math.max(100, Math.ceil(v.max)), axisLabel: axisText, splitLine: { lineStyle: { color: "#243149" } } },
    series: [
      { id: "hotline", name: t("table.short.hotline"), type: "line", color: "#4f9dff", symbolSize: 7, connectNulls: true, data: days.map((d) => d.hotlineScore ?? null) },
      { id: "mailbox", name: t("table.short.mailbox"), type: "line", color: "#3fd0a4", symbolSize: 7, connectNulls: true, data: days.map((d) => d.mailboxScore ?? null) },
    ],
    graphic: days.length ? [] : [{ type: "text", left: "center", top: "middle", style: { text: t("chart.empty"), fill: "#6f819b", fontSize: 20 } }],
  }, { replaceMerge: ["graphic"] });
  const box = document.getElementById("trend-chart");
  box.dataset.days = String(days.length);
  box.dataset.last = days.length ? String(days[days.length - 1].hotlineScore ?? "") : "";
}

/* ---------- wiring ---------- */

document.getElementById("lang-switch").addEventListener("click", () => {
  setLang(currentLang() === "en" ? "zh" : "en", true);
  renderTrend.drawn = null;
  renderAll();
});

setInterval(tickCountdowns, 1000);
renderAll();

if (await load()) {
  connectWall({
    topic: `unit:${unitId}`,
    onState: (s) => {
      // Back after a break (the subscription brings a fresh scorecard): the days missed come with the trend again.
      if (s === "connected" && state.connection !== "connected" && state.wasConnected) refreshTrend();
      if (s === "connected") state.wasConnected = true;
      state.connection = s;
      renderConnection(s);
    },
    handlers: {
      unitMetrics: (card) => {
        setCard(card);
        mergeToday();
        renderAll();
      },
      overdueWarning: (w) => ticker.add(w),
      emergency: (e) => {
        // An emergency's order sent to this unit: a line in the banner until the page is reloaded.
        banner.emergency({ ...e, count: null, id: `${e.id}:${e.ticketId ?? ""}`, name: e.ticketId ? `${e.name} · ${e.ticketId}` : e.name });
      },
    },
  });
} else {
  state.connection = "disconnected";
  renderConnection("disconnected");
}
