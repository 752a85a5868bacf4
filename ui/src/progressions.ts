// « Progressions »: a teacher's planned séances for a subject and a level, kept from one
// year to the next. Each can be applied to a class: a preview says which lesson each step
// goes to (holidays, cancelled lessons and lessons already written are passed over), then
// the steps become drafts. A new one is made from a class's séances of this year.
import type { Applied, ProgressionView } from "./bindings";
import { formatDay, t, type Lang } from "./i18n";
import { el } from "./view";

export interface ProgressionHandlers {
  /** Where each step would go (nothing changed). */
  preview: (id: string, audience: string, from: string) => Promise<Applied>;
  /** Makes the drafts. */
  apply: (id: string, audience: string, from: string) => Promise<Applied>;
  /** Makes a progression from a class's séances. */
  fromClass: (audience: string, level: string, title: string) => Promise<void>;
  remove: (id: string) => Promise<void>;
  failed: (e: unknown) => void;
}

function select(id: string, options: string[]): HTMLSelectElement {
  const s = el("select", { id });
  for (const o of options) s.append(el("option", { value: o }, o));
  return s;
}

/** The preview of an application: one row per step, date, time, title, homework. */
export function placedTable(applied: Applied, lang: Lang): HTMLElement {
  const m = t(lang);
  const table = el(
    "table",
    { class: "placed" },
    el(
      "thead",
      {},
      el("tr", {}, el("th", { scope: "col" }, m.progressionLesson), el("th", { scope: "col" }, m.progressionStep), el("th", { scope: "col" }, m.progressionHomeworkDue)),
    ),
    el(
      "tbody",
      {},
      ...applied.placed.map((p) =>
        el(
          "tr",
          { "data-occurrence": p.occurrenceId },
          el("td", {}, `${formatDay(p.date, lang)}, ${p.start}`),
          el("td", {}, p.title),
          el("td", {}, p.homeworkDue ? formatDay(p.homeworkDue, lang) : "—"),
        ),
      ),
    ),
  );
  return el("div", { class: "placed-box" }, el("p", { class: "placed-summary" }, m.progressionSummary(applied.placed.length, applied.skipped, applied.leftOver)), table);
}

function card(p: ProgressionView, today: string, lang: Lang, h: ProgressionHandlers): HTMLElement {
  const m = t(lang);
  const steps = el(
    "ol",
    { class: "steps" },
    ...p.steps.map((s) => el("li", {}, s.title, ...(s.homework ? [el("span", { class: "step-homework" }, ` — ${m.progressionWithHomework}`)] : []))),
  );
  const classId = `apply-class-${p.id}`;
  const fromId = `apply-from-${p.id}`;
  const audience = select(classId, p.classes);
  const from = el("input", { id: fromId, type: "date", value: today });
  const result = el("div", { class: "apply-result", "aria-live": "polite" });
  const previewButton = el("button", { type: "button", class: "preview" }, m.progressionPreview);
  const applyButton = el("button", { type: "button", class: "primary apply", disabled: "" }, m.progressionApply);
  // A preview comes first: the drafts are made only for what was shown.
  let shown = "";
  const key = () => `${audience.value}|${from.value}`;
  const invalidate = () => {
    applyButton.disabled = true;
    result.replaceChildren();
  };
  audience.onchange = invalidate;
  from.onchange = invalidate;
  previewButton.onclick = () =>
    void h
      .preview(p.id, audience.value, from.value)
      .then((applied) => {
        shown = key();
        result.replaceChildren(placedTable(applied, lang));
        applyButton.disabled = applied.placed.length === 0;
      })
      .catch(h.failed);
  applyButton.onclick = () => {
    if (key() !== shown) return;
    applyButton.disabled = true;
    void h
      .apply(p.id, audience.value, from.value)
      .then((applied) => result.replaceChildren(el("p", { class: "applied", role: "status" }, m.progressionApplied(applied.placed.length, audience.value))))
      .catch(h.failed);
  };
  const remove = el("button", { type: "button", class: "danger remove" }, m.progressionDelete);
  remove.onclick = () => {
    if (window.confirm(m.progressionDeleteConfirm(p.title))) void h.remove(p.id).catch(h.failed);
  };
  const form =
    p.classes.length === 0
      ? el("p", { class: "unsupported" }, m.progressionNoClass)
      : el("div", { class: "apply-form" }, el("label", { for: classId }, m.progressionClass), audience, el("label", { for: fromId }, m.progressionFrom), from, previewButton, applyButton);
  return el(
    "article",
    { class: "progression", "data-progression": p.id },
    el("h2", {}, p.title),
    el("p", { class: "meta" }, `${p.subject} — ${p.level} — ${m.progressionSteps(p.steps.length)}`),
    el("details", {}, el("summary", {}, m.progressionShowSteps), steps),
    form,
    result,
    remove,
  );
}

/** The page: her progressions, then a way to make one from a class. */
export function progressionsPage(list: ProgressionView[], classes: string[], today: string, lang: Lang, h: ProgressionHandlers): HTMLElement {
  const m = t(lang);
  const main = el("main", { class: "progressions" }, el("h1", {}, m.progressionsTitle), el("p", { class: "intro" }, m.progressionsIntro));
  if (list.length === 0) main.append(el("p", { class: "empty" }, m.progressionsNone));
  for (const p of list) main.append(card(p, today, lang, h));

  const audience = select("new-progression-class", classes);
  const level = el("input", { id: "new-progression-level", required: "", placeholder: "2nde" });
  const title = el("input", { id: "new-progression-title" });
  const make = el(
    "form",
    { class: "new-progression" },
    el("h2", {}, m.progressionNew),
    el("p", {}, m.progressionNewIntro),
    el("label", { for: "new-progression-class" }, m.progressionClass),
    audience,
    el("label", { for: "new-progression-level" }, m.progressionLevel),
    level,
    el("label", { for: "new-progression-title" }, m.progressionTitle),
    title,
    el("button", { type: "submit", class: "primary" }, m.progressionMake),
  );
  make.onsubmit = (e) => {
    e.preventDefault();
    void h.fromClass(audience.value, level.value, title.value).catch(h.failed);
  };
  if (classes.length > 0) main.append(make);
  return main;
}
