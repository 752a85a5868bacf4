// « Travail à faire »: for a pupil or a parent, the homework of the class by due day, from
// the replica (offline too). A pupil ticks what is done — private to them, kept on their
// other devices through the sync; a parent reads their child's list without the ticks.
import type { TodoItem } from "./bindings";
import { modal } from "./dialog";
import { formatDay, t, type Lang } from "./i18n";
import { withIcon } from "./icons";
import { el } from "./view";

/** The header's button: how many are left to do (a pupil's), or due (a parent's). */
export function todoButton(lang: Lang, items: TodoItem[], open: () => void): HTMLButtonElement {
  const m = t(lang);
  const left = items.filter((i) => i.done !== true).length;
  const b = el("button", { class: "todo-button", type: "button" }, m.todo(left));
  withIcon(b, "drafts");
  b.onclick = open;
  return b;
}

/** One homework: the tick (a pupil's), subject, what to do, kind and time. */
function row(i: TodoItem, lang: Lang, tick: ((id: string, done: boolean) => Promise<void>) | null, failed: (e: unknown) => void): HTMLElement {
  const m = t(lang);
  const minutes = i.minutes ? `, ${m.todoMinutes(i.minutes)}` : "";
  const head = el("p", { class: "todo-head" }, el("strong", {}, i.subject), ` — ${m.hwKinds[i.kind]}${minutes} — ${i.teacher}`);
  const item = el("li", { class: i.done ? "todo-item done" : "todo-item", "data-homework": i.id });
  item.style.borderLeftColor = i.color;
  if (tick && i.done !== null) {
    const box = el("input", { type: "checkbox", id: `done-${i.id}` });
    box.checked = i.done;
    box.onchange = () => {
      box.disabled = true;
      tick(i.id, box.checked)
        .then(() => item.classList.toggle("done", box.checked))
        .catch((e) => {
          box.checked = !box.checked;
          failed(e);
        })
        .finally(() => (box.disabled = false));
    };
    head.prepend(box, el("label", { for: `done-${i.id}`, class: "done-label" }, m.doneLabel), " ");
  }
  item.append(head, ...i.description.map((p) => el("p", {}, p)));
  return item;
}

/** The side panel: the homework grouped by due day. */
export function todoDialog(
  lang: Lang,
  items: TodoItem[],
  tick: ((id: string, done: boolean) => Promise<void>) | null,
  closed: () => void,
  failed: (e: unknown) => void,
): HTMLElement {
  const m = t(lang);
  const dialog = el("div", { class: "editor todo" });
  modal(dialog, m.todoTitle);
  const list = el("section", { class: "todo-list" });
  if (items.length === 0) list.append(el("p", {}, m.todoNone));
  // A parent of children in several classes reads each class apart, then by due day.
  const classes = new Map<string, TodoItem[]>();
  for (const i of items) classes.set(i.class, [...(classes.get(i.class) ?? []), i]);
  const apart = classes.size > 1;
  for (const [name, ofClass] of classes) {
    const section = apart ? el("section", { class: "todo-class", "data-class": name }, el("h3", {}, m.todoClass(name))) : list;
    const days = new Map<string, TodoItem[]>();
    for (const i of ofClass) days.set(i.dueOn, [...(days.get(i.dueOn) ?? []), i]);
    for (const [day, due] of days) {
      section.append(el(apart ? "h4" : "h3", {}, m.todoDue(formatDay(day, lang))), el("ul", {}, ...due.map((i) => row(i, lang, tick, failed))));
    }
    if (apart) list.append(section);
  }
  const close = el("button", { class: "close", type: "button" }, m.close);
  const shut = () => {
    dialog.remove();
    closed();
  };
  close.onclick = shut;
  dialog.onkeydown = (e) => {
    if (e.key === "Escape") shut();
  };
  dialog.append(el("h2", {}, m.todoTitle), list, close);
  queueMicrotask(() => close.focus());
  return dialog;
}
