// Rendering of each panel from the hub's payloads. Every render takes the latest payload and redraws its panel,
// so switching the language is a re-render of the last state.
import { t, currentLang } from "./i18n.js";
import { int, pct, vsOrdinary, cityParts, weekday, duration, waitTime, score, el, isNum, DASH } from "./format.js";

/* ---------- header ---------- */

export function renderClock(at) {
  const p = cityParts(at);
  document.getElementById("clock-date").textContent = p ? `${p.date} ${weekday(p.weekday)}` : DASH;
  document.getElementById("clock-time").textContent = p ? p.hms : "--:--:--";
  document.querySelector("[data-testid=clock]").dataset.at = at ?? "";
}

export function renderConnection(state) {
  const box = document.getElementById("connection-state");
  box.dataset.state = state;
  const text = box.querySelector(".conn-text");
  text.dataset.i18n = `conn.${state}`;
  text.textContent = t(`conn.${state}`);
}

/* ---------- KPI tiles ---------- */

function setKpi(id, value, display, sub, level) {
  const tile = document.getElementById(id);
  const v = tile.querySelector("[data-field=value]");
  v.textContent = display;
  // The raw number for tests and for anyone reading the DOM; the text is formatted.
  v.dataset.value = isNum(value) ? String(value) : "";
  tile.querySelector("[data-field=sub]").textContent = sub || "\u00a0";
  tile.dataset.level = level || "normal";
}

function setKpiVsOrdinary(id, value, ordinary) {
  const cmp = vsOrdinary(value, ordinary);
  setKpi(id, value, int(value), "", cmp.level === "high" ? "alert" : cmp.level === "raised" ? "warn" : "normal");
  const tile = document.getElementById(id);
  tile.dataset.vsOrdinary = cmp.text;
  // "+35 %  较常态 1,234": the change first and large, the ordinary day's count (same hour) after it.
  const sub = tile.querySelector("[data-field=sub]");
  const delta = el("span", "delta", cmp.text);
  delta.setAttribute("data-testid", `${id}-vs-ordinary`);
  sub.replaceChildren(delta, document.createTextNode(`${t("kpi.ordinary")} ${int(ordinary)}`));
}

export function renderKpis(m) {
  const today = m?.today ?? {};
  const orders = m?.orders ?? {};
  const mtd = m?.monthToDate ?? {};
  setKpiVsOrdinary("kpi-received-today", today.received, today.receivedOrdinary);
  setKpiVsOrdinary("kpi-dispatched-today", today.dispatched, today.dispatchedOrdinary);
  setKpi("kpi-open", orders.open, int(orders.open), isNum(mtd.dispatched) ? t("kpi.monthDispatched", int(mtd.dispatched)) : "");
  setKpi("kpi-due-today", orders.dueToday, int(orders.dueToday), "", isNum(orders.dueToday) && orders.dueToday > 0 ? "warn" : "normal");
  setKpi("kpi-overdue", orders.overdue, int(orders.overdue), "", isNum(orders.overdue) && orders.overdue > 0 ? "alert" : isNum(orders.overdue) ? "good" : "normal");
  setKpi("kpi-supervised", orders.supervised, int(orders.supervised), "", isNum(orders.supervised) && orders.supervised > 0 ? "warn" : "normal");
  setKpi("kpi-completion", mtd.completionRatePct, pct(mtd.completionRatePct), isNum(mtd.received) ? t("kpi.monthReceived", int(mtd.received)) : "");
  setKpi("kpi-on-time", mtd.onTimeRatePct, pct(mtd.onTimeRatePct), isNum(mtd.answered) ? t("kpi.monthAnswered", int(mtd.answered)) : "");
  setKpi("kpi-satisfaction", mtd.satisfactionRatePct, pct(mtd.satisfactionRatePct), "");
}

/* ---------- category chart ---------- */

// Distinct on a dark background and in the same order every time, so a category keeps its colour.
const PALETTE = ["#4f9dff", "#f5b83d", "#3fd0a4", "#ff7a6b", "#b48cff", "#5cd6f0", "#f58fd0", "#8fa3bf", "#a3d65c", "#ffb08a", "#e0e36b", "#7fe0c8"];

const KNOWN_CATEGORIES = ["public-services", "transport", "hr-social-security", "city-management", "market-regulation", "public-security", "housing-construction", "other"];

export class CategoryChart {
  constructor(element) {
    this.element = element;
    this.chart = globalThis.echarts ? globalThis.echarts.init(element, null, { renderer: "canvas" }) : null;
    this.colours = new Map();
    this.last = null;
    // The banner appearing or going shrinks or grows the panel, not only a window resize.
    new ResizeObserver(() => this.chart?.resize()).observe(element);
  }

  colourOf(category) {
    // The bulletin's categories always get the same colour (on every wall, in either language); others follow.
    const known = KNOWN_CATEGORIES.indexOf(category);
    if (known >= 0) return PALETTE[known];
    if (!this.colours.has(category)) this.colours.set(category, PALETTE[(KNOWN_CATEGORIES.length + this.colours.size) % PALETTE.length]);
    return this.colours.get(category);
  }

  update(categories, force = false) {
    this.last = categories ?? this.last;
    if (!this.chart) return;
    const c = this.last ?? { hours: [], series: [] };
    // cityMetrics comes every second; redraw only when the chart's own data changed, or the wall would be forever
    // in the middle of an animation.
    const key = JSON.stringify(c) + currentLang();
    if (!force && key === this.drawn) return;
    this.drawn = key;
    const hours = (c.hours ?? []).map((h) => cityParts(h)?.hm ?? h);
    // The biggest category at the bottom of the stack, where it reads best.
    const series = [...(c.series ?? [])].sort((a, b) => sum(b.counts) - sum(a.counts));
    const categorySet = series.map((s) => s.category).sort().join();
    const en = currentLang() === "en";
    const axisText = { color: "#9fb2cc", fontSize: 17 };
    this.chart.setOption({
      backgroundColor: "transparent",
      textStyle: { fontFamily: getComputedStyle(document.body).fontFamily },
      animationDuration: 800,
      animationDurationUpdate: 400,
      // Room under the plot for the legend, which wraps to more rows with the longer English names.
      grid: { left: 64, right: 24, top: 20, bottom: 44 + 27 * legendRows(series, en) },
      tooltip: { trigger: "axis", textStyle: { fontSize: 16 } },
      legend: {
        bottom: 0, left: 8, right: 8, itemWidth: 18, itemHeight: 12, itemGap: 16,
        textStyle: { color: "#d5e1f0", fontSize: 17 }, icon: "roundRect",
      },
      xAxis: {
        type: "category", boundaryGap: false, data: hours,
        axisLabel: axisText, axisLine: { lineStyle: { color: "#3a4a63" } }, axisTick: { show: false },
      },
      yAxis: {
        type: "value", minInterval: 1, axisLabel: axisText,
        splitLine: { lineStyle: { color: "#243149" } },
      },
      series: series.map((s) => ({
        // The id lets ECharts morph a category's area from the last values instead of drawing it anew.
        id: s.category,
        name: (en ? s.nameEn : s.name) || s.name || s.category,
        type: "line", stack: "total", smooth: 0.3, symbol: "none",
        lineStyle: { width: 1.5 }, areaStyle: { opacity: 0.55 },
        emphasis: { focus: "series" },
        color: this.colourOf(s.category),
        data: s.counts ?? [],
      })),
      graphic: series.length ? [] : [{
        type: "text", left: "center", top: "middle",
        style: { text: t("chart.empty"), fill: "#6f819b", fontSize: 24 },
      }],
    }, categorySet === this.categorySet ? { replaceMerge: ["graphic"] } : { replaceMerge: ["series", "graphic"] });
    this.categorySet = categorySet;
  }
}

/** Legend rows at the chart's width: a rough measure of the names, enough to keep the legend off the axis. */
function legendRows(series, en) {
  const widths = series.map((s) => 30 + ((en ? s.nameEn : s.name) || s.category || "").length * (en ? 9 : 17) + 16);
  let rows = 1, used = 0;
  for (const w of widths) {
    if (used + w > 660 && used > 0) { rows++; used = 0; }
    used += w;
  }
  return rows;
}

function sum(a) { return (a ?? []).reduce((x, y) => x + (isNum(y) ? y : 0), 0); }

/* ---------- league table ---------- */

const GROUP_ORDER = ["county", "agency", "enterprise"];
const PAGE_MS = 10000;

function gradeClass(g) { return /^[A-E]$/.test(g ?? "") ? `grade grade-${g}` : "grade grade-none"; }

/** Units grouped as the bulletin groups them, each group sorted by score; groups that do not fit page by themselves. */
export class LeagueTable {
  constructor(container, monthLabel) {
    this.container = container;
    this.monthLabel = monthLabel;
    this.table = null;
    this.pages = new Map(); // group kind → current page
    this.timer = setInterval(() => this.nextPage(), PAGE_MS);
    // Rows per page depend on the panel's height, which changes when the alert banner shows or hides.
    let lastHeight = 0;
    new ResizeObserver(() => {
      if (this.container.clientHeight !== lastHeight) { lastHeight = this.container.clientHeight; this.render(); }
    }).observe(container);
  }

  update(table) {
    this.table = table;
    this.render();
  }

  groups() {
    const byKind = new Map((this.table?.groups ?? []).map((g) => [g.kind, g.rows ?? []]));
    return GROUP_ORDER.map((kind) => ({ kind, rows: sortRows(byKind.get(kind) ?? []) }));
  }

  /** Rows per group that fit the panel: at least 3 each, the rest shared by the square root of each group's size. */
  allocate(groups) {
    const style = getComputedStyle(this.container);
    const rowH = parseFloat(style.getPropertyValue("--row-h")) || 36;
    const headH = parseFloat(style.getPropertyValue("--group-head-h")) || 40;
    const total = Math.max(groups.length * 3, Math.floor((this.container.clientHeight - groups.length * headH) / rowH));
    const alloc = groups.map((g) => Math.min(g.rows.length, 3));
    let rest = total - alloc.reduce((a, b) => a + b, 0);
    while (rest > 0) {
      let best = -1, bestRatio = Infinity;
      groups.forEach((g, i) => {
        if (alloc[i] >= g.rows.length) return;
        const ratio = alloc[i] / Math.sqrt(g.rows.length);
        if (ratio < bestRatio) { bestRatio = ratio; best = i; }
      });
      if (best < 0) break;
      alloc[best]++;
      rest--;
    }
    return alloc.map((a) => Math.max(a, 1));
  }

  nextPage() {
    for (const [kind, page] of this.pages) this.pages.set(kind, page + 1);
    this.render();
  }

  render() {
    this.monthLabel.textContent = monthName(this.table?.month);
    const groups = this.groups();
    const alloc = this.allocate(groups);
    const frag = document.createDocumentFragment();
    groups.forEach((g, i) => {
      const per = alloc[i];
      const pageCount = Math.max(1, Math.ceil(g.rows.length / per));
      const page = (this.pages.get(g.kind) ?? 0) % pageCount;
      this.pages.set(g.kind, page);
      const section = el("div", "league-group");
      section.dataset.kind = g.kind;
      section.setAttribute("data-testid", `league-group-${g.kind}`);
      const head = el("div", "league-group-head");
      head.append(el("span", "league-group-name", t(`league.${g.kind}`)));
      head.append(el("span", "league-group-count", String(g.rows.length)));
      if (pageCount > 1) head.append(el("span", "league-page", t("league.page", page + 1, pageCount)));
      section.append(head);
      if (!g.rows.length) section.append(el("div", "league-empty", t("league.empty")));
      // The last page is filled from the end, so every page of a group has the same height and the panel never jumps.
      const first = Math.max(0, Math.min(page * per, g.rows.length - per));
      g.rows.slice(first, first + per).forEach((r, j) => section.append(rowElement(r, first + j + 1)));
      frag.append(section);
    });
    this.container.replaceChildren(frag);
  }
}

/** "2024-02" as "2024年2月" / "Feb 2024". */
function monthName(month) {
  const m = /^(\d{4})-(\d{2})$/.exec(month ?? "");
  if (!m) return month ?? "";
  if (currentLang() === "en") return new Date(Date.UTC(+m[1], +m[2] - 1, 1)).toLocaleString("en-GB", { month: "short", year: "numeric", timeZone: "UTC" });
  return `${m[1]}年${+m[2]}月`;
}

function sortRows(rows) {
  // Score descending; units without a score yet last, the busiest of them first; then by name, so the order is stable.
  const n = (v) => (isNum(v) ? v : -Infinity);
  return [...rows].sort((a, b) =>
    n(b.score) - n(a.score) || n(b.open) - n(a.open) || n(b.due) - n(a.due) || String(a.name).localeCompare(String(b.name), "zh-CN"));
}

function rowElement(r, rank) {
  const row = el("div", isNum(r.score) ? "league-row" : "league-row no-score");
  row.dataset.unitId = r.unitId;
  row.setAttribute("data-testid", `league-row-${r.unitId}`);
  row.append(el("span", "c-rank", rank));
  const name = el("span", "c-name");
  name.append(el("span", "unit-name", r.name ?? r.unitId));
  if (isNum(r.supervised) && r.supervised > 0) {
    const mark = el("span", "supervised-mark", t("league.supervised"));
    mark.title = `督办 ${r.supervised}`;
    mark.setAttribute("data-testid", "supervised-mark");
    name.append(mark);
  }
  row.append(name);
  row.append(el("span", "c-num", int(r.due)));
  row.append(el("span", "c-num", int(r.open)));
  row.append(el("span", isNum(r.overdue) && r.overdue > 0 ? "c-num overdue" : "c-num zero", int(r.overdue)));
  row.append(el("span", "c-score", score(r.score)));
  const g = el("span", "c-grade");
  g.append(el("span", gradeClass(r.grade), r.grade ?? DASH));
  row.append(g);
  const f = el("span", "c-grade");
  f.append(el("span", gradeClass(r.forecastGrade) + " forecast", r.forecastGrade ?? DASH));
  row.append(f);
  return row;
}

/* ---------- overdue ticker ---------- */

const TICKER_MAX = 20;

export class Ticker {
  constructor(list, empty) {
    this.list = list;
    this.empty = empty;
    this.items = [];
  }

  add(w) {
    this.items.unshift({ ...w, fresh: true });
    if (this.items.length > TICKER_MAX) this.items.length = TICKER_MAX;
    this.render();
    this.items.forEach((i) => (i.fresh = false));
  }

  render() {
    this.empty.hidden = this.items.length > 0;
    this.list.replaceChildren(...this.items.map((w) => {
      const li = el("li", `tick tick-${w.kind}${w.fresh ? " fresh" : ""}`);
      li.dataset.kind = w.kind;
      li.dataset.ticketId = w.ticketId;
      const top = el("div", "tick-top");
      top.append(el("span", `tick-kind kind-${w.kind}`, t(`ticker.${w.kind}`)));
      top.append(el("span", "tick-id", w.ticketId));
      if (w.late) top.append(el("span", "tick-late", t("ticker.late")));
      li.append(top);
      const bottom = el("div", "tick-bottom");
      bottom.append(el("span", "tick-unit", w.unitName ?? w.unitId));
      const dl = cityParts(w.deadline);
      bottom.append(el("span", "tick-deadline", dl ? `${t("ticker.deadline")} ${dl.monthDay} ${dl.hm}` : ""));
      li.append(bottom);
      return li;
    }));
  }
}

/* ---------- surge / emergency banner ---------- */

/** Active alerts by id: emergencies until "ended", surges until "end". */
export class AlertBanner {
  constructor(element) {
    this.element = element;
    this.alerts = new Map();
  }

  surge(s) {
    if (s.phase === "end") this.alerts.delete(`s:${s.id}`);
    else this.alerts.set(`s:${s.id}`, { type: "surge", data: s });
    this.render();
  }

  emergency(e) {
    if (e.phase === "ended") this.alerts.delete(`e:${e.id}`);
    else this.alerts.set(`e:${e.id}`, { type: "emergency", data: e });
    this.render();
  }

  render() {
    const all = [...this.alerts.values()].sort((a, b) =>
      (a.type === b.type ? 0 : a.type === "emergency" ? -1 : 1) || (b.data.score ?? 0) - (a.data.score ?? 0));
    this.element.hidden = all.length === 0;
    this.element.dataset.kind = all.some((a) => a.type === "emergency") ? "emergency" : all.length ? "surge" : "none";
    this.element.replaceChildren(...all.slice(0, 3).map((a) => (a.type === "emergency" ? emergencyLine(a.data) : surgeLine(a.data))));
    if (all.length > 3) this.element.append(el("div", "banner-more", `+${all.length - 3}`));
  }
}

function emergencyLine(e) {
  const line = el("div", "banner-line banner-emergency");
  line.setAttribute("data-testid", "banner-emergency");
  line.append(el("span", "banner-tag", `⚠ ${t("banner.emergency")}`));
  line.append(el("span", "banner-what", e.name));
  if (isNum(e.count)) line.append(el("span", "banner-count", t("banner.count", int(e.count))));
  const at = cityParts(e.at);
  if (at) line.append(el("span", "banner-meta", t("banner.since", `${at.monthDay} ${at.hm}`)));
  return line;
}

function surgeLine(s) {
  const line = el("div", "banner-line banner-surge");
  line.setAttribute("data-testid", "banner-surge");
  line.append(el("span", "banner-tag", `⚠ ${t("banner.surge")}`));
  const dim = s.dimension ? t(`dim.${s.dimension}`) : "";
  line.append(el("span", "banner-where", dim && dim !== `dim.${s.dimension}` ? dim : s.dimension ?? ""));
  line.append(el("span", "banner-what", s.label ?? s.key));
  const win = duration(s.window);
  line.append(el("span", "banner-count", `${win ? t("banner.within", win) + " " : ""}${t("banner.count", int(s.count))}`));
  if (isNum(s.baseline)) {
    const b = Number.isInteger(s.baseline) ? int(s.baseline) : s.baseline.toFixed(1);
    const ratio = s.baseline > 0 ? ` ×${(s.count / s.baseline).toFixed(1)}` : "";
    line.append(el("span", "banner-meta", `${t("banner.vsBaseline", b)}${ratio}`));
  }
  if (s.topKeywords?.length) line.append(el("span", "banner-keywords", `${t("banner.keywords")}: ${s.topKeywords.slice(0, 5).join(currentLang() === "en" ? ", " : "、")}`));
  return line;
}

/* ---------- queues ---------- */

export function renderQueues(q) {
  const queues = q?.queues;
  const has = Array.isArray(queues);
  const total = (f) => (has ? queues.reduce((a, x) => a + (isNum(x[f]) ? x[f] : 0), 0) : null);
  const oldest = has && queues.length ? Math.max(...queues.map((x) => (isNum(x.oldestWaitSeconds) ? x.oldestWaitSeconds : 0))) : null;
  const set = (id, v, text) => {
    const e = document.getElementById(id);
    e.textContent = text;
    e.dataset.value = isNum(v) ? String(v) : "";
  };
  set("queue-waiting", total("waiting"), has ? int(total("waiting")) : DASH);
  set("queue-oldest", oldest, has ? waitTime(oldest) : DASH);
  set("queue-available", total("agentsAvailable"), has ? int(total("agentsAvailable")) : DASH);
  set("queue-on-call", total("agentsOnCall"), has ? int(total("agentsOnCall")) : DASH);
  document.getElementById("queue-oldest").dataset.level = isNum(oldest) && oldest > 60 ? "alert" : isNum(oldest) && oldest > 15 ? "warn" : "normal";
  document.querySelector("[data-testid=queue-panel]").dataset.hasData = String(has);
  const list = document.getElementById("queue-list");
  if (!has) { list.replaceChildren(el("div", "empty", t("queue.none"))); return; }
  // One line per queue under a small header; the totals above carry the big numbers.
  const head = el("div", "queue-row queue-head");
  head.append(el("span", "queue-name", t("queue.name")));
  for (const k of ["queue.waiting", "queue.oldest", "queue.available", "queue.sl"]) head.append(el("span", "queue-cell", t(k)));
  // Room for three lines: under-staffed queues first, otherwise the configured order.
  const shown = [...queues].sort((a, b) => Number(b.understaffed === true) - Number(a.understaffed === true)).slice(0, 3);
  list.replaceChildren(head, ...shown.map((x) => {
    const row = el("div", "queue-row");
    row.setAttribute("data-testid", `queue-row-${x.id}`);
    row.dataset.understaffed = String(x.understaffed === true);
    row.append(el("span", "queue-name", currentLang() === "en" ? (x.nameEn ?? x.id) : (x.name ?? x.id)));
    const cell = (field, value, text) => {
      const c = el("span", "queue-cell", text);
      c.dataset.field = field;
      c.dataset.value = isNum(value) ? String(value) : "";
      return c;
    };
    row.append(cell("waiting", x.waiting, int(x.waiting)));
    row.append(cell("oldest", x.oldestWaitSeconds, waitTime(x.oldestWaitSeconds)));
    row.append(cell("available", x.agentsAvailable, int(x.agentsAvailable)));
    row.append(cell("sl", x.serviceLevelPct, pct(x.serviceLevelPct, 0)));
    return row;
  }));
}
