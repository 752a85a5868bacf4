import { listen } from "@tauri-apps/api/event";
import { getStatus, getWeek, syncNow, type CommandError, type SyncStatus } from "./api";
import { errorText, t, type Lang } from "./i18n";
import { renderStatus, renderWeek } from "./view";

const lang: Lang = (localStorage.getItem("lang") as Lang) ?? "fr";
const app = document.getElementById("app")!;
const todayIso = new Date().toLocaleDateString("sv-SE", { timeZone: "Europe/Paris" });
let current = todayIso;
let status: SyncStatus | null = null;

function shift(date: string, days: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

async function render(): Promise<void> {
  const m = t(lang);
  try {
    const week = await getWeek(current);
    const header = document.createElement("header");
    const h1 = document.createElement("h1");
    h1.textContent = `Ardoise — ${week.userName}`;
    const nav = document.createElement("nav");
    const prev = document.createElement("button");
    prev.textContent = "‹";
    prev.setAttribute("aria-label", m.previous);
    prev.onclick = () => { current = shift(current, -7); void render(); };
    const label = document.createElement("span");
    label.className = "week-label";
    label.textContent = m.week(week.weekType);
    const next = document.createElement("button");
    next.textContent = "›";
    next.setAttribute("aria-label", m.next);
    next.onclick = () => { current = shift(current, 7); void render(); };
    nav.append(prev, label, next);
    header.append(h1, nav);
    const main = document.createElement("main");
    main.append(renderWeek(week, lang, todayIso));
    app.replaceChildren(header, main);
    if (status) app.append(renderStatus(status, lang));
    document.body.dataset.ready = "true";
  } catch (e) {
    const err = e as CommandError;
    const p = document.createElement("p");
    p.className = "error";
    p.textContent = `${m.error} : ${errorText(lang, err.code, err.message)}`;
    app.replaceChildren(p);
  }
}

async function start(): Promise<void> {
  status = await getStatus().catch(() => null);
  await render();
  await listen<SyncStatus>("sync-status", (e) => {
    const changed = !status || status.cursor !== e.payload.cursor;
    status = e.payload;
    if (changed) void render();
    else {
      app.querySelector("footer.status")?.replaceWith(renderStatus(status, lang));
    }
  });
  document.addEventListener("keydown", (e) => {
    if (e.key === "F5") void syncNow();
  });
}

void start();
