// The vie scolaire's view: "Où est… ?" (a class, a teacher or a room, today or any day),
// every class's day, and cancelling a lesson.
import type { Occurrence, Target } from "./api";
import { formatDay, t, type Lang } from "./i18n";

/** Suggestions under the search field, as buttons. */
export function renderSuggestions(targets: Target[], lang: Lang, pick: (t: Target) => void): HTMLElement {
  const m = t(lang);
  // A plain list of buttons: each is reached with Tab and chosen with Enter.
  const list = document.createElement("ul");
  list.className = "suggestions";
  list.setAttribute("aria-label", m.suggestions);
  for (const target of targets) {
    const li = document.createElement("li");
    const b = document.createElement("button");
    b.type = "button";
    b.dataset.target = `${target.kind}:${target.key}`;
    b.textContent = `${target.label} (${m.kinds[target.category]})`;
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
  onRestore: ((o: Occurrence) => void) | null = null,
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
  const head = document.createElement("thead");
  const headRow = document.createElement("tr");
  for (const [text, cls] of [
    [m.colTime, ""], [m.colClass, ""], [m.colSubject, ""], [m.colTeacher, ""], [m.colRoom, ""], [m.colStatus, ""],
    [m.colActions, "visually-hidden"],
  ]) {
    const th = document.createElement("th");
    th.scope = "col";
    const span = document.createElement("span");
    if (cls) span.className = cls;
    span.textContent = text;
    th.append(span);
    headRow.append(th);
  }
  head.append(headRow);
  const body = document.createElement("tbody");
  table.append(head, body);
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
    if (o.status === "planned") {
      if (onCancel) {
        actions.append(
          rowAction(
            actions,
            { text: m.cancel, cls: "cancel", formCls: "cancel-form", confirm: m.confirm, back: m.back },
            [["note", m.cancelNote, false]],
            ([note]) => onCancel(o, note),
          ),
        );
      }
      if (onReplace) {
        actions.append(
          rowAction(
            actions,
            { text: m.replace, cls: "replace", formCls: "cancel-form replace-form", confirm: m.confirm, back: m.back },
            [["substitute", m.substitute, true], ["note", m.cancelNote, false]],
            ([substitute, note]) => onReplace(o, substitute.trim(), note),
          ),
        );
      }
    }
    if (o.status !== "planned" && onRestore) {
      const b = document.createElement("button");
      b.type = "button";
      b.className = "restore";
      b.textContent = m.restoreLesson;
      b.onclick = () => onRestore(o);
      actions.append(b);
    }
    tr.append(actions);
    body.append(tr);
  }
  section.append(table);
  return section;
}

/**
 * A button in a lesson's row that turns the row's actions into a small form (labelled
 * fields and « Confirmer »); `submit` gets the values in field order.
 */
function rowAction(
  actions: HTMLElement,
  look: { text: string; cls: string; formCls: string; confirm: string; back: string },
  fields: [name: string, label: string, required: boolean][],
  submit: (values: string[]) => void,
): HTMLButtonElement {
  const b = document.createElement("button");
  b.type = "button";
  b.className = look.cls;
  b.textContent = look.text;
  b.onclick = () => {
    const form = document.createElement("form");
    form.className = look.formCls;
    const inputs = fields.map(([name, label, required]) => {
      const input = document.createElement("input");
      input.name = name;
      input.required = required;
      const l = document.createElement("label");
      l.append(label, " ", input);
      form.append(l);
      return input;
    });
    const ok = document.createElement("button");
    ok.type = "submit";
    ok.className = "primary";
    ok.textContent = look.confirm;
    // « Retour » (or Escape) gives the row its buttons back, with nothing changed.
    const before = [...actions.childNodes];
    const back = document.createElement("button");
    back.type = "button";
    back.className = "back";
    back.textContent = look.back;
    const leave = () => {
      actions.replaceChildren(...before);
      b.focus();
    };
    back.onclick = leave;
    form.onkeydown = (e) => {
      if (e.key === "Escape") {
        e.preventDefault();
        e.stopPropagation();
        leave();
      }
    };
    form.append(ok, back);
    form.onsubmit = (e) => {
      e.preventDefault();
      if (inputs.every((i) => !i.required || i.value.trim() !== "")) submit(inputs.map((i) => i.value));
    };
    actions.replaceChildren(form);
    inputs[0].focus();
  };
  return b;
}
