// Formatting for the wall. Times are shown in city time (UTC+08:00) whatever the browser's own time zone is,
// because the wall shows the server's (event) clock, which during a replay is not the present.
import { t, currentLang } from "./i18n.js";

const CITY_OFFSET_MS = 8 * 3600 * 1000;
const DASH = "—";

export function isNum(v) { return typeof v === "number" && Number.isFinite(v); }

export function int(v) {
  return isNum(v) ? Math.round(v).toLocaleString("en-US") : DASH;
}

/** A percentage such as 98.63 (already in per cent) as "98.63 %"; null → "—". */
export function pct(v, digits = 2) {
  return isNum(v) ? `${v.toFixed(digits)} %` : DASH;
}

/** Today vs an ordinary day at the same hour: "+35 %", "−12 %"; "—" without a baseline. */
export function vsOrdinary(value, ordinary) {
  if (!isNum(value) || !isNum(ordinary) || ordinary <= 0) return { text: DASH, level: "none" };
  const change = (value / ordinary - 1) * 100;
  const rounded = Math.round(change);
  const text = rounded > 0 ? `+${rounded} %` : rounded < 0 ? `−${-rounded} %` : "±0 %";
  const level = change >= 50 ? "high" : change >= 20 ? "raised" : "normal";
  return { text, level };
}

/** City-time parts of an ISO-8601 instant (any offset). */
export function cityParts(iso) {
  const ms = typeof iso === "string" ? Date.parse(iso) : NaN;
  if (Number.isNaN(ms)) return null;
  const d = new Date(ms + CITY_OFFSET_MS);
  const p2 = (n) => String(n).padStart(2, "0");
  return {
    date: `${d.getUTCFullYear()}-${p2(d.getUTCMonth() + 1)}-${p2(d.getUTCDate())}`,
    monthDay: `${p2(d.getUTCMonth() + 1)}-${p2(d.getUTCDate())}`,
    hm: `${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}`,
    hms: `${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}:${p2(d.getUTCSeconds())}`,
    weekday: d.getUTCDay(),
  };
}

const WEEKDAYS = { zh: ["星期日", "星期一", "星期二", "星期三", "星期四", "星期五", "星期六"], en: ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"] };
export function weekday(n) { return WEEKDAYS[currentLang()][n] ?? ""; }

/** "01:00:00" (.NET TimeSpan), "PT1H30M" (ISO 8601) or a number of minutes, as "1小时30分" / "1 h 30 min". */
export function duration(w) {
  let seconds = null;
  if (isNum(w)) seconds = w * 60;
  else if (typeof w === "string") {
    const ts = /^(?:(\d+)\.)?(\d{1,2}):(\d{2}):(\d{2})(?:\.\d+)?$/.exec(w);
    const iso = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/.exec(w);
    if (ts) seconds = (+(ts[1] ?? 0)) * 86400 + +ts[2] * 3600 + +ts[3] * 60 + +ts[4];
    else if (iso) seconds = (+(iso[1] ?? 0)) * 86400 + (+(iso[2] ?? 0)) * 3600 + (+(iso[3] ?? 0)) * 60 + Math.round(+(iso[4] ?? 0));
    else return w;
  }
  if (seconds === null) return "";
  return waitTime(seconds);
}

/** A wait such as 95 s as "1分35秒" / "1 min 35 s"; hours when long. */
export function waitTime(seconds) {
  if (!isNum(seconds)) return DASH;
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), sec = s % 60;
  const parts = [];
  if (h) parts.push(`${h}${t("unit.hour")}`);
  if (m) parts.push(`${m}${t("unit.min")}`);
  if (sec && !h) parts.push(`${sec}${t("unit.sec")}`);
  if (!parts.length) parts.push(`0${t("unit.sec")}`);
  return parts.join(currentLang() === "en" ? " " : "");
}

export function score(v) { return isNum(v) ? v.toFixed(1) : DASH; }

/** Creates an element with a class and text; avoids innerHTML so that names from the feed are never markup. */
export function el(tag, className, text) {
  const e = document.createElement(tag);
  if (className) e.className = className;
  if (text !== undefined && text !== null) e.textContent = String(text);
  return e;
}

export { DASH };
