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

export function renderStatus(s: SyncStatus, lang: Lang): HTMLElement {
  const m = t(lang);
  // The live region is the text, not the footer (a footer is no status to assistive tech).
  const bar = el("footer", { class: `status ${s.online ? "online" : "offline"}` });
  bar.append(el("span", { class: "dot", "aria-hidden": "true" }), el("span", { class: "status-text", role: "status" }, statusText(s, lang)));
  if (s.syncing && s.progress) bar.append(progressOf(s.progress, s.cursor, lang));
  if (s.conflicts > 0) bar.append(el("button", { class: "badge", type: "button" }, m.conflicts(s.conflicts)));
  if (s.keyStorage === "file") bar.append(el("span", { class: "key-warning", title: m.keyInFileHelp }, m.keyInFile));
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

/** The week; `opens` when a card opens the editor (a teacher's own week). */
export function renderWeek(w: WeekView, lang: Lang, today: string, opens = true): HTMLElement {
  const m = t(lang);
  const root = el("section", { class: "week", "aria-label": m.week(w.weekType) });
  const days: string[] = [];
  const monday = new Date(`${w.monday}T00:00:00Z`);
  for (let i = 0; i < 6; i++) {
    const d = new Date(monday.getTime() + i * 86400000);
    days.push(d.toISOString().slice(0, 10));
  }
  for (const day of days) {
    const lessons = w.occurrences.filter((o) => o.date === day);
    const col = el("div", { class: `day${day === today ? " today" : ""}` });
    const title = el("h2", {}, formatDay(day, lang));
    if (day === today) title.append(el("span", { class: "today-tag" }, m.today));
    col.append(title);
    if (lessons.length === 0) col.append(el("p", { class: "empty" }, m.noLesson));
    for (const o of lessons) col.append(lessonCard(o, w.sessionsByOccurrence[o.id], lang, opens));
    root.append(col);
  }
  return root;
}
