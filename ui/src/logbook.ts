// Reading the cahier de textes: the teacher's own drafts, and a teacher's logbook as the
// direction reads and signs it off (visa), locked entries shown as such.
import { modal } from "./dialog";
import type { DraftView, TeacherLogbook } from "./api";
import { formatDate, formatDay, t, type Lang } from "./i18n";
import { el } from "./view";

/** Lesson HTML (already sanitised by the shell) shown as plain text, never as markup. */
export function plainText(html: string): string {
  const doc = new DOMParser().parseFromString(html, "text/html"); // html-audited: an inert document, read for its text only
  return (doc.body.textContent ?? "").replace(/\s+/g, " ").trim();
}

/** "Mes brouillons": one button per draft, most recent first. */
export function renderDrafts(list: DraftView[], lang: Lang, onOpen: (d: DraftView) => void, onClose: () => void): HTMLElement {
  const m = t(lang);
  const panel = modal(el("div", { class: "editor drafts" }), m.draftsTitle);
  panel.append(el("h2", {}, m.draftsTitle));
  if (list.length === 0) panel.append(el("p", { class: "empty" }, m.noDrafts));
  const ul = el("ul", { class: "draft-list" });
  for (const d of list) {
    const b = el(
      "button",
      { type: "button", class: "draft", "data-session": d.id },
      el("span", { class: "when" }, `${formatDay(d.date, lang)}, ${d.start}`),
      el("span", { class: "what" }, `${d.subject} — ${d.audience}`),
      el("span", { class: "title" }, d.title || m.untitled),
    );
    b.onclick = () => onOpen(d);
    ul.append(el("li", {}, b));
  }
  const close = el("button", { type: "button" }, m.close);
  close.onclick = onClose;
  panel.append(ul, el("div", { class: "actions" }, close));
  panel.onkeydown = (e) => {
    if (e.key === "Escape") onClose();
  };
  return panel;
}

let seq = 0;
function labelled(label: string, control: HTMLElement): HTMLElement {
  control.id = `lb${++seq}`;
  const l = el("label", { for: control.id }, label);
  return el("div", { class: "field" }, l, control);
}

/** A teacher's logbook over a period, and the visa form. */
export function renderLogbook(
  book: TeacherLogbook,
  today: string,
  lang: Lang,
  onSign: ((audienceId: string, until: string, comment: string) => void) | null,
  /** Why visas cannot be signed here (the ENT cannot take them), shown instead of the form. */
  cannotSign: string | null = null,
): HTMLElement {
  const m = t(lang);
  const root = el("section", { class: "logbook", "aria-label": `${m.logbooks} — ${book.displayName}` });
  root.append(el("h2", {}, book.displayName));

  const visas = el("ul", { class: "visas" });
  for (const a of book.audiences) {
    visas.append(el("li", {}, el("strong", {}, a.name), ` — ${m.visaState(a.visaUntil ? formatDate(a.visaUntil, lang) : null)}`));
  }
  root.append(visas);

  const form = el("form", { class: "visa-form", "aria-label": m.visaTitle });
  const audience = el("select", { name: "audience" });
  for (const a of book.audiences) audience.append(el("option", { value: a.id }, a.name));
  const until = el("input", { type: "date", name: "until" });
  until.value = today;
  const comment = el("input", { type: "text", name: "comment" });
  form.append(
    el("h3", {}, m.visaTitle),
    el("div", { class: "row" }, labelled(m.visaAudience, audience), labelled(m.visaUntil, until), labelled(m.visaComment, comment)),
    el("button", { type: "submit", class: "primary sign" }, m.signVisa),
  );
  form.onsubmit = (e) => {
    e.preventDefault();
    if (until.value && onSign) onSign(audience.value, until.value, comment.value);
  };
  if (onSign) root.append(form);
  else if (cannotSign) root.append(el("p", { class: "unsupported" }, cannotSign));

  if (book.entries.length === 0) root.append(el("p", { class: "empty" }, m.noEntries));
  const table = el("table", { class: "entries" });
  const head = el("tr");
  for (const h of [m.day, m.visaAudience, m.title, m.content, m.state]) head.append(el("th", { scope: "col" }, h));
  table.append(head);
  for (const s of book.entries) {
    const state = el("td", { class: "state" }, s.state === "draft" ? m.draft : m.published);
    if (s.locked) state.append(el("span", { class: "lock", title: m.locked }, ` — ${m.locked}`));
    table.append(
      el(
        "tr",
        { class: s.locked ? "locked" : "", "data-session": s.id },
        el("td", {}, `${formatDay(s.date, lang)}, ${s.start}`),
        el("td", {}, `${s.audience} · ${s.subject}`),
        el("td", {}, s.title),
        el("td", { class: "content" }, plainText(s.content)),
        state,
      ),
    );
  }
  root.append(table);
  return root;
}
