// Rendering of the status bar and the week view, as pure functions of their data so they
// are tested without the shell.
import type { Occurrence, SyncProgress, SyncStatus, WeekView, WrittenLesson } from "./api";
import { formatDay, formatTime, t, type Lang } from "./i18n";

/** An element with attributes and children; strings become text nodes, never HTML. */
export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string> = {},
  ...children: (Node | string)[]
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  for (const c of children) node.append(c); // strings become text nodes: never HTML
  return node;
}

export function statusText(s: SyncStatus, lang: Lang): string {
  const m = t(lang);
  const state = s.syncing ? m.syncing : s.online ? m.online : m.offline;
  const parts = [state, m.pending(s.pending)];
  parts.push(s.lastSync ? m.syncedAt(formatTime(s.lastSync, lang)) : m.never);
  return parts.join(" — ");
}

/** The status bar; `policyProblems` are what was wrong with the school's policy file. */
export function renderStatus(s: SyncStatus, lang: Lang, policyProblems: readonly string[] = []): HTMLElement {
  const m = t(lang);
  // The live region is the text, not the footer (a footer is no status to assistive tech).
  const bar = el("footer", { class: `status ${s.online ? "online" : "offline"}` });
  bar.append(el("span", { class: "dot", "aria-hidden": "true" }), el("span", { class: "status-text", role: "status" }, statusText(s, lang)));
  if (s.syncing && s.progress) bar.append(progressOf(s.progress, s.cursor, lang));
  if (s.conflicts > 0) bar.append(el("button", { class: "badge", type: "button" }, m.conflicts(s.conflicts)));
  if (s.keyStorage === "file") bar.append(el("span", { class: "key-warning", title: m.keyInFileHelp }, m.keyInFile));
  if (policyProblems.length > 0) {
    bar.append(el("span", { class: "policy-warning", title: [m.policyIgnoredHelp, ...policyProblems].join("\n") }, m.policyIgnored));
  }
  // Which ENT this is, when it is not Ardoise's own.
  if (s.ent !== "ardoise") bar.append(el("span", { class: "ent" }, m.entName(s.ent)));
  return bar;
}

/**
 * The progress bar of a running sync: determinate while sending and during a first sync
 * (against the server's estimate), counting while receiving changes.
 */
function progressOf(p: SyncProgress, cursor: number, lang: Lang): HTMLElement {
  const m = t(lang);
  const label =
    p.phase === "push"
      ? m.sent(p.done, p.total ?? p.done)
      : p.phase === "snapshot" && cursor === 0
        ? p.done === 0
          ? m.firstSync
          : `${m.firstSync} — ${m.received(p.done)}`
        : m.received(p.done);
  const bar = el("progress", { "aria-label": label });
  if (p.total !== null && p.total > 0) {
    bar.max = p.total;
    bar.value = p.done;
  }
  return el("span", { class: "progress" }, bar, el("span", {}, label));
}

function lessonCard(o: Occurrence, written: WrittenLesson | undefined, lang: Lang, opens: boolean): HTMLElement {
  const m = t(lang);
  const label: Record<string, string> = { cancelled: m.cancelled, replaced: m.replaced, moved: m.moved };
  // A card that opens the editor is a button to the keyboard and to screen readers.
  const card = el("article", {
    class: `lesson ${o.status}`,
    style: `border-left-color: ${o.subjectColor}`,
    "data-occurrence": o.id,
    ...(opens ? { tabindex: "0", role: "button" } : {}),
  });
  card.append(
    el("div", { class: "time" }, `${o.start} – ${o.end}`),
    el("div", { class: "subject" }, o.subject),
    el("div", { class: "meta" }, [o.audience, o.room ?? ""].filter(Boolean).join(" · ")),
  );
  if (written?.title) card.append(el("div", { class: "title" }, written.title));
  if (o.status !== "planned") {
    card.append(el("div", { class: "flag" }, [label[o.status], o.note ?? ""].filter(Boolean).join(" : ")));
  }
  if (written) {
    // A draft is not an entry yet: the class does not see it.
    const [cls, text] = written.state === "published" ? ["written", `✓ ${m.written}`] : ["draft-flag", m.draft];
    const line = el("div", { class: cls }, text);
    if (written.homework > 0) line.append(el("span", { class: "homework-count" }, ` · ${m.homeworkCount(written.homework)}`));
    card.append(line);
  }
  return card;
}

function minutes(hhmm: string): number {
  const [h, m] = hhmm.split(":").map(Number);
  return h * 60 + m;
}

/**
 * Side-by-side lanes for lessons of one day that overlap (a teacher's two groups at the
 * same hour): each lesson gets its lane and the number of lanes of its cluster.
 */
export function lanes(day: Occurrence[]): Map<string, { lane: number; of: number }> {
  const out = new Map<string, { lane: number; of: number }>();
  const sorted = [...day].sort((a, b) => a.start.localeCompare(b.start) || a.end.localeCompare(b.end));
  let cluster: Occurrence[] = [];
  let ends: string[] = [];
  let clusterEnd = "";
  const flush = () => {
    for (const o of cluster) out.get(o.id)!.of = ends.length;
    cluster = [];
    ends = [];
  };
  for (const o of sorted) {
    if (cluster.length > 0 && o.start >= clusterEnd) flush();
    let lane = ends.findIndex((end) => end <= o.start);
    if (lane === -1) lane = ends.push(o.end) - 1;
    else ends[lane] = o.end;
    out.set(o.id, { lane, of: 1 });
    cluster.push(o);
    clusterEnd = cluster.length === 1 || o.end > clusterEnd ? o.end : clusterEnd;
  }
  flush();
  return out;
}

/**
 * The week as a time grid: hours down the side, each lesson placed and sized by its time,
 * the current hour marked in today's column (`now`, HH:MM in Paris). Narrow windows and
 * 200 % zoom show the same cards as lists, day by day (the CSS decides).
 * `opens` when a card opens the editor (a teacher's own week).
 */
export function renderWeek(w: WeekView, lang: Lang, today: string, opens = true, now: string | null = null): HTMLElement {
  const m = t(lang);
  const root = el("section", { class: "week grid", "aria-label": m.week(w.weekType, w.occurrences.length) });
  const days: string[] = [];
  const monday = new Date(`${w.monday}T00:00:00Z`);
  for (let i = 0; i < 6; i++) {
    const d = new Date(monday.getTime() + i * 86400000);
    days.push(d.toISOString().slice(0, 10));
  }
  // The hours shown: 8:00 to 18:00, or wider when a lesson is outside them.
  const starts = w.occurrences.map((o) => minutes(o.start));
  const ends = w.occurrences.map((o) => minutes(o.end));
  const first = Math.min(8 * 60, ...starts.map((x) => Math.floor(x / 60) * 60));
  const last = Math.max(18 * 60, ...ends.map((x) => Math.ceil(x / 60) * 60));
  root.style.setProperty("--span", String(last - first));
  const hours = el("div", { class: "hours", "aria-hidden": "true" });
  for (let h = first; h < last; h += 60) {
    const label = el("span", { class: "hour" }, `${String(h / 60).padStart(2, "0")}:00`);
    label.style.setProperty("--at", String(h - first));
    hours.append(label);
  }
  root.append(hours);
  for (const day of days) {
    const lessons = w.occurrences.filter((o) => o.date === day);
    const col = el("div", { class: `day${day === today ? " today" : ""}` });
    const holiday = w.holidays[day];
    // The day's name gives way (ellipsis) to the « aujourd'hui » tag, never the reverse.
    const title = el("h2", {}, el("span", { class: "day-name" }, formatDay(day, lang)));
    if (day === today) title.append(el("span", { class: "today-tag" }, m.today));
    col.append(title);
    const body = el("div", { class: "lessons" });
    if (holiday) {
      col.classList.add("holiday");
      body.append(el("p", { class: "holiday-name" }, holiday));
    } else if (lessons.length === 0) body.append(el("p", { class: "empty" }, m.noLesson));
    const placed = lanes(lessons);
    for (const o of lessons) {
      const card = lessonCard(o, w.sessionsByOccurrence[o.id], lang, opens);
      const { lane, of } = placed.get(o.id)!;
      card.style.setProperty("--start", String(minutes(o.start) - first));
      card.style.setProperty("--len", String(minutes(o.end) - minutes(o.start)));
      card.style.setProperty("--lane", String(lane));
      card.style.setProperty("--lanes", String(of));
      body.append(card);
    }
    if (day === today && now && minutes(now) >= first && minutes(now) <= last) {
      const line = el("div", { class: "now-line", title: m.nowAt(now) });
      line.style.setProperty("--start", String(minutes(now) - first));
      body.append(line);
    }
    col.append(body);
    root.append(col);
  }
  return root;
}
