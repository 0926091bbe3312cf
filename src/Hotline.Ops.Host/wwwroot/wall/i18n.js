// Labels in Chinese (default) and English. The choice is remembered in localStorage; ?lang=en|zh overrides it.
const STORAGE_KEY = "hotline.wall.lang";

const TEXT = {
  zh: {
    title: "岳阳市12345热线运行监控",
    "conn.connecting": "连接中",
    "conn.connected": "已连接",
    "conn.reconnecting": "重新连接中",
    "conn.disconnected": "已断开",
    "kpi.received": "今日受理",
    "kpi.dispatched": "今日派单",
    "kpi.open": "在办工单",
    "kpi.dueToday": "今日到期",
    "kpi.overdue": "已超期",
    "kpi.supervised": "督办",
    "kpi.completion": "本月办结率",
    "kpi.onTime": "本月按期办结率",
    "kpi.satisfaction": "本月满意率",
    "kpi.vsOrdinary": "较常态",
    "kpi.ordinary": "常态同时段",
    "kpi.monthReceived": "本月受理 {0}",
    "kpi.monthDispatched": "本月派单 {0}",
    "kpi.monthAnswered": "直接答复 {0}",
    "kpi.ofOpen": "占在办",
    "chart.title": "近12小时分类诉求量",
    "chart.empty": "暂无数据",
    "queue.title": "话务排队",
    "queue.waiting": "排队等待",
    "queue.oldest": "最长等待",
    "queue.available": "空闲坐席",
    "queue.onCall": "通话中",
    "queue.sl": "服务水平",
    "queue.name": "队列",
    "queue.none": "尚无排队数据",
    "league.title": "单位实时考核",
    "league.unit": "单位",
    "league.due": "应办",
    "league.open": "在办",
    "league.overdue": "超期",
    "league.score": "综合分",
    "league.grade": "等级",
    "league.forecast": "预测",
    "league.county": "县市区",
    "league.agency": "行政事业单位",
    "league.enterprise": "公共服务企业",
    "league.supervised": "督",
    "league.page": "{0}/{1}",
    "league.empty": "暂无数据",
    "ticker.title": "超期预警",
    "ticker.empty": "暂无预警",
    "ticker.dueSoon": "即将到期",
    "ticker.dueToday": "今日到期",
    "ticker.overdue": "已超期",
    "ticker.late": "补发",
    "ticker.deadline": "时限",
    "banner.emergency": "应急响应",
    "banner.surge": "诉求激增",
    "banner.count": "{0} 件",
    "banner.vsBaseline": "常态 {0} 件",
    "banner.within": "{0}内",
    "banner.keywords": "关键词",
    "banner.since": "启动于 {0}",
    "dim.category": "类别",
    "dim.district": "区域",
    "dim.keyword": "关键词",
    "dim.unit": "单位",
    "unit.min": "分",
    "unit.hour": "小时",
    "unit.sec": "秒",
    "lang.switch": "EN",
  },
  en: {
    title: "Yueyang 12345 Hotline Operations",
    "conn.connecting": "Connecting",
    "conn.connected": "Connected",
    "conn.reconnecting": "Reconnecting",
    "conn.disconnected": "Disconnected",
    "kpi.received": "Requests today",
    "kpi.dispatched": "Dispatched today",
    "kpi.open": "Open orders",
    "kpi.dueToday": "Due today",
    "kpi.overdue": "Overdue",
    "kpi.supervised": "Supervised",
    "kpi.completion": "Completed",
    "kpi.onTime": "On time",
    "kpi.satisfaction": "Satisfied",
    "kpi.vsOrdinary": "vs ordinary",
    "kpi.ordinary": "ordinary",
    "kpi.monthReceived": "{0} this month",
    "kpi.monthDispatched": "{0} this month",
    "kpi.monthAnswered": "{0} answered",
    "kpi.ofOpen": "of open",
    "chart.title": "Requests by category, last 12 hours",
    "chart.empty": "No data yet",
    "queue.title": "Call queues",
    "queue.waiting": "Waiting",
    "queue.oldest": "Oldest wait",
    "queue.available": "Agents free",
    "queue.onCall": "On call",
    "queue.sl": "Service level",
    "queue.name": "Queue",
    "queue.none": "No queue data yet",
    "league.title": "Unit league (live)",
    "league.unit": "Unit",
    "league.due": "Due",
    "league.open": "Open",
    "league.overdue": "Late",
    "league.score": "Score",
    "league.grade": "Grade",
    "league.forecast": "Fcst",
    "league.county": "Counties & districts",
    "league.agency": "Agencies",
    "league.enterprise": "Public-service enterprises",
    "league.supervised": "S",
    "league.page": "{0}/{1}",
    "league.empty": "No data yet",
    "ticker.title": "Deadline warnings",
    "ticker.empty": "No warnings",
    "ticker.dueSoon": "Due soon",
    "ticker.dueToday": "Due today",
    "ticker.overdue": "Overdue",
    "ticker.late": "late",
    "ticker.deadline": "deadline",
    "banner.emergency": "Emergency",
    "banner.surge": "Surge",
    "banner.count": "{0} requests",
    "banner.vsBaseline": "baseline {0}",
    "banner.within": "in {0}",
    "banner.keywords": "keywords",
    "banner.since": "since {0}",
    "dim.category": "category",
    "dim.district": "district",
    "dim.keyword": "keyword",
    "dim.unit": "unit",
    "unit.min": "m",
    "unit.hour": "h",
    "unit.sec": "s",
    "lang.switch": "中文",
  },
};

/** Adds (or overrides) labels for a page that shares this module, such as the unit portal. */
export function addText(more) {
  for (const l of ["zh", "en"]) Object.assign(TEXT[l], more[l] ?? {});
}

function initialLang() {
  const q = new URLSearchParams(location.search).get("lang");
  if (q === "en" || q === "zh") return q;
  try {
    const stored = localStorage.getItem(STORAGE_KEY);
    if (stored === "en" || stored === "zh") return stored;
  } catch { /* storage may be disabled on a locked-down kiosk browser */ }
  return "zh";
}

let lang = initialLang();

export function currentLang() { return lang; }

/** The label for key in the current language; {0}, {1} … are replaced by args. */
export function t(key, ...args) {
  const s = TEXT[lang][key] ?? TEXT.zh[key] ?? key;
  return args.length ? s.replace(/\{(\d+)\}/g, (_, i) => String(args[Number(i)] ?? "")) : s;
}

export function setLang(next, remember) {
  lang = next === "en" ? "en" : "zh";
  if (remember) {
    try { localStorage.setItem(STORAGE_KEY, lang); } catch { /* see initialLang */ }
  }
  applyStaticText();
}

/** Fills every element marked data-i18n="key" and the page's own language attributes. */
export function applyStaticText() {
  document.documentElement.lang = lang === "en" ? "en" : "zh-CN";
  document.title = t("title");
  for (const el of document.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n);
  const button = document.getElementById("lang-switch");
  if (button) button.textContent = t("lang.switch");
}
