// The séance editor: title, content, private annotation, draft/published. Ctrl+S saves.
import type { Occurrence, SessionData, SessionInput } from "./api";
import { formatDay, t, type Lang } from "./i18n";

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

/** Builds the editor; `onSave` gets the input to send, `onClose` closes it. */
export function renderEditor(
  o: Occurrence,
  existing: SessionData | null,
  lang: Lang,
  onSave: (input: SessionInput) => void,
  onClose: () => void,
): HTMLElement {
  const m = t(lang);
  const panel = document.createElement("aside");
  panel.className = "editor";
  panel.setAttribute("role", "dialog");
  panel.setAttribute("aria-label", m.editorTitle);
  const h = document.createElement("h2");
  h.textContent = `${o.subject} — ${o.audience}`;
  const when = document.createElement("p");
  when.className = "when";
  when.textContent = `${formatDay(o.date, lang)}, ${o.start} – ${o.end}`;

  const title = document.createElement("input");
  title.name = "title";
  title.value = existing?.title ?? "";
  const content = document.createElement("textarea");
  content.name = "content";
  content.rows = 8;
  content.value = existing?.content ?? "";
  const annotation = document.createElement("textarea");
  annotation.name = "annotation";
  annotation.rows = 3;
  annotation.value = existing?.annotation ?? "";
  const state = document.createElement("select");
  state.name = "state";
  for (const [value, label] of [["draft", m.draft], ["published", m.published]] as const) {
    const opt = document.createElement("option");
    opt.value = value;
    opt.textContent = label;
    state.append(opt);
  }
  state.value = existing?.state ?? "draft";

  const save = document.createElement("button");
  save.type = "submit";
  save.className = "primary";
  save.textContent = m.save;
  const close = document.createElement("button");
  close.type = "button";
  close.textContent = m.close;
  close.onclick = onClose;

  const form = document.createElement("form");
  const submit = () =>
    onSave({
      ...(existing ? { id: existing.id } : { occurrence: o.id }),
      title: title.value,
      content: content.value,
      annotation: annotation.value === "" ? null : annotation.value,
      state: state.value as "draft" | "published",
    });
  form.onsubmit = (e) => {
    e.preventDefault();
    submit();
  };
  form.onkeydown = (e) => {
    if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === "s") {
      e.preventDefault();
      submit();
    } else if (e.key === "Escape") {
      onClose();
    }
  };
  const actions = document.createElement("div");
  actions.className = "actions";
  actions.append(close, save);
  // Why a save was refused (visa, permission…), next to the button, kept until the next try.
  const error = document.createElement("p");
  error.className = "form-error";
  error.setAttribute("role", "alert");
  form.append(
    field(m.title, title),
    field(m.content, content),
    field(m.annotation, annotation),
    field(m.state, state),
    error,
    actions,
  );
  panel.append(h, when, form);
  return panel;
}
