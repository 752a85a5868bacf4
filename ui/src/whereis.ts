// The vie scolaire's view: "Où est… ?" (a class, a teacher or a room, today or any day),
// every class's day, and cancelling a lesson.
import type { Occurrence, Target } from "./api";
import { formatDay, t, type Lang } from "./i18n";

/** Suggestions under the search field, as buttons. */
export function renderSuggestions(targets: Target[], lang: Lang, pick: (t: Target) => void): HTMLElement {
  const m = t(lang);
  const list = document.createElement("ul");
  list.className = "suggestions";
  list.setAttribute("role", "listbox");
  for (const target of targets) {
    const li = document.createElement("li");
    const b = document.createElement("button");
    b.type = "button";
    b.dataset.target = `${target.kind}:${target.key}`;
    b.textContent = `${target.label} (${m.kinds[target.kind]})`;
    b.onclick = () => pick(target);
    li.append(b);
    list.append(li);
  }
  return list;
}

/** One day of lessons as a table; `now` (HH:MM) marks the lesson under way. */
export function renderDay(
  title: string,
  date: string,
  lessons: Occurrence[],
  lang: Lang,
  now: string | null,
  onCancel: ((o: Occurrence, note: string) => void) | null,
  onReplace: ((o: Occurrence, substitute: string, note: string) => void) | null = null,
): HTMLElement {
  const m = t(lang);
  const section = document.createElement("section");
  section.className = "dayview";
  const h = document.createElement("h2");
  h.textContent = `${title} — ${formatDay(date, lang)}`;
  section.append(h);
  if (lessons.length === 0) {
    const p = document.createElement("p");
    p.className = "empty";
    p.textContent = m.noLesson;
    section.append(p);
    return section;
  }
  const table = document.createElement("table");
  for (const o of lessons) {
    const tr = document.createElement("tr");
    tr.className = `lesson-row ${o.status}`;
    tr.dataset.occurrence = o.id;
    if (now && o.start <= now && now < o.end) tr.classList.add("now");
    const cells = [
      `${o.start} – ${o.end}`,
      o.audience,
      o.subject,
      o.status === "replaced" && o.substitute ? `${o.substitute} (${o.teacher})` : o.teacher,
      o.room ?? "",
      o.status === "planned" ? "" : [m[o.status as "cancelled" | "replaced" | "moved"], o.note ?? ""].filter(Boolean).join(" : "),
    ];
    for (const c of cells) {
      const td = document.createElement("td");
      td.textContent = c;
      tr.append(td);
    }
    const actions = document.createElement("td");
    actions.className = "row-actions";
    if (onCancel && o.status === "planned") {
      const b = document.createElement("button");
      b.type = "button";
      b.className = "cancel";
      b.textContent = m.cancel;
      b.onclick = () => {
        const form = document.createElement("form");
        form.className = "cancel-form";
        const label = document.createElement("label");
        label.textContent = m.cancelNote;
        const input = document.createElement("input");
        input.name = "note";
        label.append(input);
        const ok = document.createElement("button");
        ok.type = "submit";
        ok.className = "primary";
        ok.textContent = m.confirm;
        form.append(label, ok);
        form.onsubmit = (e) => {
          e.preventDefault();
          onCancel(o, input.value);
        };
        actions.replaceChildren(form);
        input.focus();
      };
      actions.append(b);
    }
    if (onReplace && o.status === "planned") {
      const b = document.createElement("button");
      b.type = "button";
      b.className = "replace";
      b.textContent = m.replace;
      b.onclick = () => {
        const form = document.createElement("form");
        form.className = "cancel-form replace-form";
        const who = document.createElement("input");
        who.name = "substitute";
        who.required = true;
        const note = document.createElement("input");
        note.name = "note";
        const l1 = document.createElement("label");
        l1.append(m.substitute, " ", who);
        const l2 = document.createElement("label");
        l2.append(m.cancelNote, " ", note);
        const ok = document.createElement("button");
        ok.type = "submit";
        ok.className = "primary";
        ok.textContent = m.confirm;
        form.append(l1, l2, ok);
        form.onsubmit = (e) => {
          e.preventDefault();
          if (who.value.trim()) onReplace(o, who.value.trim(), note.value);
        };
        actions.replaceChildren(form);
        who.focus();
      };
      actions.append(b);
    }
    tr.append(actions);
    table.append(tr);
  }
  section.append(table);
  return section;
}
