// Conflicts side by side: for each field both sides changed, my version and the other, and
// a choice: mine, theirs, or a merged version edited by hand (prefilled with mine).
import { modal } from "./dialog";
import type { ConflictView } from "./api";
import { t, type Lang } from "./i18n";

function shown(v: unknown, empty: string): string {
  if (v === null || v === undefined || v === "") return empty;
  return typeof v === "string" ? v : JSON.stringify(v);
}

export function renderConflicts(
  list: ConflictView[],
  lang: Lang,
  onResolve: (id: string, keep: "mine" | "theirs") => void,
  onClose: () => void,
  onMerge: (id: string, values: Record<string, string>) => void = () => {},
): HTMLElement {
  const m = t(lang);
  const panel = document.createElement("div");
  panel.className = "editor conflicts";
  modal(panel, m.conflictsTitle);
  const h = document.createElement("h2");
  h.textContent = m.conflictsTitle;
  const intro = document.createElement("p");
  intro.textContent = m.conflictIntro;
  panel.append(h, intro);
  for (const c of list) {
    const card = document.createElement("section");
    card.className = "conflict";
    card.dataset.conflict = c.id;
    const title = document.createElement("h3");
    title.textContent = c.label;
    const table = document.createElement("table");
    const head = document.createElement("tr");
    for (const label of [m.field, m.mine, m.theirs, m.merged]) {
      const th = document.createElement("th");
      th.scope = "col";
      th.textContent = label;
      head.append(th);
    }
    table.append(head);
    for (const f of c.fields) {
      const tr = document.createElement("tr");
      for (const [cls, text] of [
        ["name", m.fieldNames[f.name] ?? f.name],
        ["mine", shown(f.mine, m.empty)],
        ["theirs", shown(f.theirs, m.empty)],
      ]) {
        const td = document.createElement("td");
        td.className = cls;
        td.textContent = text; // text, never HTML: lesson content is shown as written
        tr.append(td);
      }
      const td = document.createElement("td");
      td.className = "merged";
      const edit = document.createElement("textarea");
      edit.name = f.name;
      edit.rows = 3;
      edit.value = typeof f.mine === "string" ? f.mine : shown(f.mine, "");
      edit.setAttribute("aria-label", `${m.merged} — ${m.fieldNames[f.name] ?? f.name}`);
      td.append(edit);
      tr.append(td);
      table.append(tr);
    }
    const actions = document.createElement("div");
    actions.className = "actions";
    const mine = document.createElement("button");
    mine.type = "button";
    mine.className = "keep-mine primary";
    mine.textContent = m.keepMine;
    mine.onclick = () => onResolve(c.id, "mine");
    const theirs = document.createElement("button");
    theirs.type = "button";
    theirs.className = "keep-theirs";
    theirs.textContent = m.keepTheirs;
    theirs.onclick = () => onResolve(c.id, "theirs");
    const merged = document.createElement("button");
    merged.type = "button";
    merged.className = "keep-merged";
    merged.textContent = m.keepMerged;
    merged.onclick = () => {
      const values: Record<string, string> = {};
      for (const ta of card.querySelectorAll<HTMLTextAreaElement>("td.merged textarea")) values[ta.name] = ta.value;
      onMerge(c.id, values);
    };
    actions.append(theirs, merged, mine);
    card.append(title, table, actions);
    panel.append(card);
  }
  const close = document.createElement("button");
  close.type = "button";
  close.textContent = m.close;
  close.onclick = onClose;
  const bottom = document.createElement("div");
  bottom.className = "actions";
  bottom.append(close);
  panel.append(bottom);
  panel.onkeydown = (e) => {
    if (e.key === "Escape") onClose();
  };
  return panel;
}
