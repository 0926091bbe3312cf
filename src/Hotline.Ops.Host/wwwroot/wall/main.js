// The wall page: wires the hub's messages to the panels. Plain ES modules, no build step; echarts and signalR are
// classic scripts (globals) copied from npm into /lib at build time.
import { applyStaticText, setLang, currentLang } from "./i18n.js";
import { renderClock, renderConnection, renderKpis, renderQueues, CategoryChart, LeagueTable, Ticker, AlertBanner } from "./panels.js";
import { connectWall } from "./connection.js";

applyStaticText();

const state = { metrics: null, queues: null, connection: "connecting" };
const chart = new CategoryChart(document.getElementById("category-chart"));
const league = new LeagueTable(document.getElementById("league-groups"), document.getElementById("league-month"));
const ticker = new Ticker(document.getElementById("ticker"), document.getElementById("ticker-empty"));
const banner = new AlertBanner(document.getElementById("alert-banner"));

function renderAll() {
  renderConnection(state.connection);
  renderClock(state.metrics?.at);
  renderKpis(state.metrics);
  renderQueues(state.queues);
  chart.update(state.metrics?.categories, true);
  league.render();
  ticker.render();
  banner.render();
}

document.getElementById("lang-switch").addEventListener("click", () => {
  setLang(currentLang() === "en" ? "zh" : "en", true);
  renderAll();
});

renderAll();

connectWall({
  topic: "wall",
  onState: (s) => { state.connection = s; renderConnection(s); },
  handlers: {
    cityMetrics: (m) => {
      state.metrics = m;
      renderClock(m.at);
      renderKpis(m);
      chart.update(m.categories);
    },
    leagueTable: (table) => league.update(table),
    overdueWarning: (w) => ticker.add(w),
    surge: (s) => banner.surge(s),
    emergency: (e) => banner.emergency(e),
    queueStatus: (q) => { state.queues = q; renderQueues(q); },
    // Sent to unit screens; registered so the client does not warn about an unhandled method.
    unitMetrics: () => {},
  },
});
