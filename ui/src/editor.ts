// The séance editor: title, content, private annotation, draft/published, and the homework
// given with it (due on, kind, estimated minutes, instructions). Ctrl+S saves, Escape
// closes. A séance already written can be copied to another class of the same subject.
import { richText } from "./richtext";
import { modal } from "./dialog";
import type { DayLoad, DocEntry, HomeworkKind, HomeworkView, Occurrence, PublishState, SessionInput, SessionView } from "./api";
import { formatDate, formatDay, t, type Lang } from "./i18n";

let fieldSeq = 0;

function field(label: string, control: HTMLElement): HTMLElement {
  const id = `f${++fieldSeq}`;
  control.id = id;
  const wrap = document.createElement("div");
  wrap.className = "field";
  const l = document.createElement("label");
  l.htmlFor = id;
  l.textContent = label;
  wrap.append(l, control);
  return wrap;
}

/** A labelled rich-text field (content, instructions): the label names the editing area. */
function richField(label: string, name: string, html: string, lang: Lang, readOnly: boolean): HTMLElement {
  const labelId = `l${++fieldSeq}`;
  const { root, control } = richText(name, html, labelId, lang, readOnly);
  const wrap = field(label, control);
  wrap.querySelector("label")!.id = labelId;
  wrap.append(root);
  return wrap;
}

function select(name: string, options: [string, string][], value: string): HTMLSelectElement {
  const s = document.createElement("select");
  s.name = name;
  for (const [v, label] of options) {
    const opt = document.createElement("option");
    opt.value = v;
    opt.textContent = label;
    s.append(opt);
  }
  s.value = value;
  return s;
}

function button(text: string, cls = "", type: "button" | "submit" = "button"): HTMLButtonElement {
  const b = document.createElement("button");
  b.type = type;
  b.className = cls;
  b.textContent = text;
  return b;
}

/** A homework as the editor sends it: `id` when it already exists. */
export interface HomeworkRow {
  id?: string;
  dueOn: string;
  description: string;
  kind: HomeworkKind;
  estimatedMinutes: number | null;
  state: PublishState;
  /** Documents attached (kept as they are; attached from the séance or the CLI). */
  attachments: string[];
}

/**
 * What the shell has stored so far, told back to the editor as each part is saved: a save
 * that fails half-way and is tried again then updates what was made instead of making it
 * twice.
 */
export interface Saved {
  session(id: string): void;
  homework(row: number, id: string): void;
  removed(id: string): void;
}

export interface EditorHandlers {
  /** Save the séance, then the homework rows, then delete the removed homework ids. */
  onSave: (input: SessionInput, homework: HomeworkRow[], removed: string[], saved: Saved) => void;
  onClose: () => void;
  /** Lessons this séance can be copied to (only for a séance already saved). */
  copyTargets?: () => Promise<Occurrence[]>;
  onCopy?: (occurrenceId: string) => void;
  /** The user's documents: the ones to attach, and the names of those attached. */
  documents?: DocEntry[];
  /** Opens an attached document (from the cache offline). */
  onOpenDocument?: (id: string) => void;
  /** The class's next lesson in this subject (YYYY-MM-DD): new homework is due then. */
  nextLessonOn?: string | null;
  /** What the class already has to do on a day, a homework left out (the one edited). */
  dayLoad?: (date: string, excluding?: string) => Promise<DayLoad>;
}

function addDays(date: string, days: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

/**
 * Under a homework: what the class already has to do on its due day, and the total with
 * this one, with a warning above the school's limits — asked again when the day, the kind
 * or the minutes change.
 */
function loadLine(
  row: HTMLElement,
  lang: Lang,
  audience: string,
  load: NonNullable<EditorHandlers["dayLoad"]>,
): () => void {
  const m = t(lang);
  const line = document.createElement("p");
  line.className = "day-load";
  line.setAttribute("aria-live", "polite");
  row.append(line);
  let asked = 0;
  return () => {
    const v = (name: string) => row.querySelector<HTMLInputElement>(`[name=${name}]`)?.value ?? "";
    const date = v("dueOn");
    const ask = ++asked;
    if (date === "") {
      line.textContent = "";
      return;
    }
    load(date, row.dataset.id).then(
      (day) => {
        if (ask !== asked) return;
        const minutes = day.minutes + (Number(v("estimatedMinutes")) || 0);
        const assessments = day.assessments + (v("kind") === "test" ? 1 : 0);
        const over = minutes > day.limits.maxMinutes || assessments > day.limits.maxAssessments;
        line.classList.toggle("warn", over);
        line.textContent = [
          m.dayLoad(day.items.length, day.minutes, day.assessments, audience),
          m.dayLoadTotal(minutes, assessments),
          over ? m.dayLoadOver(day.limits.maxMinutes, day.limits.maxAssessments) : "",
        ].join(" ").trim();
      },
      () => {
        if (ask === asked) line.textContent = "";
      },
    );
  };
}

function homeworkRow(h: HomeworkRow, lang: Lang, onRemove: () => void, readOnly = false): HTMLElement {
  const m = t(lang);
  const row = document.createElement("fieldset");
  row.className = "homework";
  if (h.id) row.dataset.id = h.id;
  row.dataset.attachments = JSON.stringify(h.attachments);
  const legend = document.createElement("legend");
  legend.textContent = m.homework;
  const due = document.createElement("input");
  due.type = "date";
  due.name = "dueOn";
  due.value = h.dueOn;
  const kind = select("kind", Object.entries(m.hwKinds), h.kind);
  const minutes = document.createElement("input");
  minutes.type = "number";
  minutes.name = "estimatedMinutes";
  minutes.min = "0";
  minutes.max = "600";
  minutes.step = "5";
  minutes.value = h.estimatedMinutes === null ? "" : String(h.estimatedMinutes);
  const remove = button(m.remove, "remove-homework");
  remove.onclick = () => {
    row.remove();
    onRemove();
  };
  const line = document.createElement("div");
  line.className = "row";
  line.append(field(m.dueOn, due), field(m.hwKind, kind), field(m.minutes, minutes));
  row.append(legend, line, richField(m.description, "description", h.description, lang, readOnly), remove);
  return row;
}

function readHomework(row: HTMLElement, state: PublishState): HomeworkRow {
  const v = (name: string) => row.querySelector<HTMLInputElement>(`[name=${name}]`)!.value;
  const minutes = v("estimatedMinutes");
  return {
    ...(row.dataset.id ? { id: row.dataset.id } : {}),
    dueOn: v("dueOn"),
    description: v("description"),
    kind: v("kind") as HomeworkKind,
    estimatedMinutes: minutes === "" ? null : Number(minutes),
    state,
    attachments: JSON.parse(row.dataset.attachments ?? "[]") as string[],
  };
}

/**
 * "Documents joints": what is attached (open, remove) and a choice of the teacher's own
 * documents to attach. Returns the box and a reader of the current list.
 */
function attachmentBox(
  initial: string[],
  documents: DocEntry[],
  lang: Lang,
  onOpen: ((id: string) => void) | undefined,
): [HTMLElement, () => string[]] {
  const m = t(lang);
  let ids = [...initial];
  const box = document.createElement("div");
  box.className = "attachments";
  const title = document.createElement("h3");
  title.textContent = m.attachments;
  const list = document.createElement("ul");
  const picker = document.createElement("div");
  picker.className = "attach-picker";
  const name = (id: string) => documents.find((d) => d.id === id)?.name ?? id;
  const draw = () => {
    list.replaceChildren();
    if (ids.length === 0) {
      const li = document.createElement("li");
      li.className = "empty";
      li.textContent = m.noAttachment;
      list.append(li);
    }
    for (const id of ids) {
      const li = document.createElement("li");
      li.dataset.document = id;
      li.append(name(id), " ");
      if (onOpen) {
        const open = button(m.open, "open-attachment");
        open.onclick = () => onOpen(id);
        li.append(open, " ");
      }
      const remove = button(m.remove, "remove-attachment");
      remove.onclick = () => {
        ids = ids.filter((x) => x !== id);
        draw();
      };
      li.append(remove);
      list.append(li);
    }
    const choices = documents.filter((d) => d.trashedAt === null && d.canEdit && !ids.includes(d.id));
    picker.replaceChildren();
    if (choices.length > 0) {
      // Names first, the folder after; nothing chosen until the teacher chooses.
      const label = (d: DocEntry) => (d.folder === "/" ? d.name : `${d.name} (${d.folder.slice(1)})`);
      const choice = select("attach", [["", m.chooseDocument], ...choices.map((d): [string, string] => [d.id, label(d)])], "");
      const attach = button(m.attach, "attach");
      attach.disabled = true;
      choice.onchange = () => (attach.disabled = choice.value === "");
      attach.onclick = () => {
        if (choice.value === "") return;
        ids.push(choice.value);
        draw();
      };
      picker.append(field(m.pickDocument, choice), attach);
    }
  };
  draw();
  box.append(title, list, picker);
  return [box, () => [...ids]];
}

/** Builds the editor for lesson `o`, with its séance when already written. */
export function renderEditor(
  o: Occurrence,
  existing: SessionView | null,
  lang: Lang,
  handlers: EditorHandlers,
): HTMLElement {
  const m = t(lang);
  const panel = document.createElement("div");
  panel.className = "editor";
  modal(panel, m.editorTitle);
  const h = document.createElement("h2");
  h.textContent = `${o.subject} — ${o.audience}`;
  const when = document.createElement("p");
  when.className = "when";
  when.textContent = `${formatDay(o.date, lang)}, ${o.start} – ${o.end}`;
  panel.append(h, when);
  if (existing?.locked) {
    const lock = document.createElement("p");
    lock.className = "locked-banner";
    lock.setAttribute("role", "note");
    lock.textContent = `${m.lockedUntil(formatDate(existing.date, lang))}`;
    panel.append(lock);
  }

  const title = document.createElement("input");
  title.name = "title";
  title.value = existing?.title ?? "";
  const locked = existing?.locked ?? false;
  const contentField = richField(m.content, "content", existing?.content ?? "", lang, locked);
  const content = contentField.querySelector<HTMLTextAreaElement>("textarea[name=content]")!;
  const annotation = document.createElement("textarea");
  annotation.name = "annotation";
  annotation.rows = 2;
  annotation.value = existing?.annotation ?? "";
  const state = select("state", [["draft", m.draft], ["published", m.published]], existing?.state ?? "draft");

  let sessionId = existing?.id ?? null;
  let removed: string[] = [];
  const homework = document.createElement("div");
  homework.className = "homework-list";
  const addRow = (hw: HomeworkRow) => {
    const row = homeworkRow(
      hw,
      lang,
      () => {
        if (hw.id) removed.push(hw.id);
      },
      locked,
    );
    homework.append(row);
    if (handlers.dayLoad && !locked) {
      const update = loadLine(row, lang, o.audience, handlers.dayLoad);
      for (const name of ["dueOn", "kind", "estimatedMinutes"]) {
        row.querySelector(`[name=${name}]`)?.addEventListener("change", update);
      }
      update();
    }
  };
  for (const hw of existing?.homework ?? []) addRow(fromView(hw));
  const add = button(`+ ${m.addHomework}`, "add-homework");
  add.onclick = () => {
    addRow({ dueOn: handlers.nextLessonOn ?? addDays(o.date, 7), description: "", kind: "exercise", estimatedMinutes: null, state: "published", attachments: [] });
    homework.querySelector<HTMLInputElement>("fieldset:last-child [name=dueOn]")?.focus();
  };

  const [attachments, attached] = attachmentBox(
    existing?.attachments ?? [],
    handlers.documents ?? [],
    lang,
    handlers.onOpenDocument,
  );

  const close = button(m.close, "close");
  const form = document.createElement("form");
  const saved: Saved = {
    session: (id) => (sessionId = id),
    homework: (row, id) => {
      const el = homework.querySelectorAll<HTMLElement>("fieldset.homework")[row];
      if (el) el.dataset.id = id;
    },
    removed: (id) => (removed = removed.filter((r) => r !== id)),
  };
  const submit = () => {
    const s = state.value as PublishState;
    const rows = [...homework.querySelectorAll<HTMLElement>("fieldset.homework")].map((r) => readHomework(r, s));
    handlers.onSave(
      {
        ...(sessionId ? { id: sessionId, occurrence: null } : { id: null, occurrence: o.id }),
        title: title.value,
        content: content.value,
        annotation: annotation.value === "" ? null : annotation.value,
        state: s,
        attachments: attached(),
      },
      rows,
      [...removed],
      saved,
    );
  };
  form.onsubmit = (e) => {
    e.preventDefault();
    submit();
  };
  form.onkeydown = (e) => {
    if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === "s") {
      e.preventDefault();
      submit();
    } else if (e.key === "Escape") {
      e.preventDefault();
      leave();
    }
  };
  const actions = document.createElement("div");
  actions.className = "actions";
  actions.append(close, button(m.save, "primary", "submit"));
  // Why a save was refused (visa, permission…), next to the button, kept until the next try.
  const error = document.createElement("p");
  error.className = "form-error";
  error.setAttribute("role", "alert");
  const hwTitle = document.createElement("h3");
  hwTitle.textContent = m.homework;
  form.append(
    field(m.title, title),
    contentField,
    field(m.annotation, annotation),
    field(m.state, state),
    attachments,
    hwTitle,
    homework,
    add,
    error,
    actions,
  );
  panel.append(form);
  if (existing && handlers.copyTargets && handlers.onCopy) panel.append(copyBox(lang, handlers.copyTargets, handlers.onCopy));

  // An entry under visa opens read-only, the reason at the top: nothing to type in vain.
  if (existing?.locked) {
    for (const control of form.querySelectorAll<HTMLInputElement | HTMLButtonElement>("input, textarea, select, button")) {
      if (control !== close) control.disabled = true;
    }
    form.querySelector("button.primary")?.remove();
    add.remove();
  }

  // Closing with changes not saved asks first (Escape and « Fermer » alike).
  const snapshot = () =>
    JSON.stringify([
      title.value,
      content.value,
      annotation.value,
      state.value,
      attached(),
      removed,
      [...homework.querySelectorAll<HTMLElement>("fieldset.homework")].map((r) => readHomework(r, "draft")),
    ]);
  const initial = snapshot();
  const leave = () => {
    if (existing?.locked || snapshot() === initial || panel.querySelector(".unsaved")) {
      if (!panel.querySelector(".unsaved")) handlers.onClose();
      return;
    }
    const ask = document.createElement("div");
    ask.className = "unsaved";
    ask.setAttribute("role", "alert");
    const text = document.createElement("p");
    text.textContent = m.unsavedChanges;
    const discard = button(m.closeWithoutSaving, "discard");
    discard.onclick = handlers.onClose;
    const keep = button(m.keepEditing, "keep-editing");
    keep.onclick = () => {
      ask.remove();
      title.focus();
    };
    ask.onkeydown = (e) => {
      if (e.key === "Escape") {
        e.preventDefault();
        e.stopPropagation();
        keep.click();
      }
    };
    ask.append(text, discard, keep);
    actions.before(ask);
    keep.focus();
  };
  close.onclick = leave;
  return panel;
}

function fromView(h: HomeworkView): HomeworkRow {
  return {
    id: h.id,
    dueOn: h.dueOn,
    description: h.description,
    kind: h.kind,
    estimatedMinutes: h.estimatedMinutes,
    state: h.state,
    attachments: h.attachments,
  };
}

/** "Copy to another class": the lessons of the same subject with another class. */
function copyBox(lang: Lang, targets: () => Promise<Occurrence[]>, onCopy: (id: string) => void): HTMLElement {
  const m = t(lang);
  const box = document.createElement("details");
  box.className = "copy";
  const summary = document.createElement("summary");
  summary.textContent = m.copyTo;
  box.append(summary);
  box.addEventListener("toggle", async () => {
    if (!box.open || box.querySelector("select, p")) return;
    const list = await targets().catch(() => []);
    if (list.length === 0) {
      const p = document.createElement("p");
      p.textContent = m.noCopyTarget;
      box.append(p);
      return;
    }
    const choice = select(
      "copyTarget",
      list.map((o) => [o.id, `${o.audience} — ${formatDay(o.date, lang)}, ${o.start}`]),
      list[0].id,
    );
    const go = button(m.copy, "do-copy");
    go.onclick = () => onCopy(choice.value);
    box.append(field(m.copyTo, choice), go);
  });
  return box;
}
