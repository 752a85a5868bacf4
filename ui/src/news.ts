// « Actualités »: the school's news shown today, from the replica (so offline too), the
// unread ones marked until this computer has shown them; the direction and the vie
// scolaire write them here too (queued like any edit).
import type { NewsAudience, NewsInput, NewsView } from "./bindings";
import { markdownNodes } from "./charter";
import { modal } from "./dialog";
import { formatDate, t, type Lang } from "./i18n";
import { withIcon } from "./icons";
import { el } from "./view";

/** What the dialog asks of the shell. */
export interface NewsActions {
  /** Marks items read on this computer. */
  markRead: (id: string) => Promise<void>;
  /** Writes an item; answers it as saved. */
  save: (input: NewsInput) => Promise<NewsView>;
  /** Deletes one of the user's items. */
  remove: (id: string) => Promise<void>;
  /** The list again, after a change. */
  reload: () => Promise<NewsView[]>;
  /** The dialog was closed (the header's count may have changed). */
  closed: () => void;
  failed: (e: unknown) => void;
}

/** The header's « Actualités » button, with how many are unread. */
export function newsButton(lang: Lang, items: NewsView[], open: () => void): HTMLButtonElement {
  const m = t(lang);
  const unread = items.filter((n) => !n.read).length;
  const b = el("button", { class: "news-button", type: "button" }, m.news(unread));
  withIcon(b, "news");
  b.onclick = open;
  return b;
}

/** Who an item is for, as people say it. */
function audienceText(n: NewsView, lang: Lang): string {
  const m = t(lang);
  if (n.audience === "class") return n.audienceName ?? m.newsClass;
  return n.audience === "staff" ? m.newsStaff : m.newsSchool;
}

/** One item: title, when and for whom, its text. */
function item(n: NewsView, lang: Lang, actions: NewsActions, redraw: () => void): HTMLElement {
  const m = t(lang);
  const meta = `${m.newsWindow(formatDate(n.from, lang), formatDate(n.until, lang))} — ${n.author} — ${audienceText(n, lang)}`;
  const head = el("h3", {}, n.title);
  if (!n.read) head.append(" ", el("span", { class: "new-badge" }, m.newsNew));
  const article = el("article", { class: n.read ? "news-item" : "news-item unread", "data-news": n.id }, head, el("p", { class: "meta" }, meta), ...markdownNodes(n.text));
  if (n.mine) {
    const remove = el("button", { class: "delete-news", type: "button" }, m.newsDelete);
    remove.onclick = () => {
      remove.disabled = true;
      actions.remove(n.id).then(redraw, (e) => {
        remove.disabled = false;
        actions.failed(e);
      });
    };
    article.append(remove);
  }
  return article;
}

/** The form to write an item, shown first to the direction and the vie scolaire. */
function form(lang: Lang, today: string, actions: NewsActions, redraw: () => void): HTMLFormElement {
  const m = t(lang);
  const field = (label: string, control: HTMLElement, id: string) => {
    control.id = id;
    return el("label", { for: id }, label, " ", control);
  };
  const title = el("input", { required: "", maxlength: "300" });
  const text = el("textarea", { rows: "4" });
  const audience = el(
    "select",
    {},
    el("option", { value: "school" }, m.newsSchool),
    el("option", { value: "staff" }, m.newsStaff),
    el("option", { value: "class" }, m.newsClass),
  );
  const className = el("input", { placeholder: "2nde 1" });
  const classLabel = field(m.newsClassName, className, "news-class");
  classLabel.hidden = true;
  audience.onchange = () => (classLabel.hidden = audience.value !== "class");
  const from = el("input", { type: "date", value: today });
  const week = new Date(`${today}T12:00:00Z`);
  week.setUTCDate(week.getUTCDate() + 7);
  const until = el("input", { type: "date", value: week.toISOString().slice(0, 10) });
  const publish = el("button", { class: "primary publish-news", type: "submit" }, m.newsPublish);
  const f = el(
    "form",
    { class: "news-form" },
    el("h3", {}, m.newsWrite),
    field(m.title, title, "news-title"),
    field(m.newsText, text, "news-text"),
    field(m.newsFor, audience, "news-audience"),
    classLabel,
    field(m.from, from, "news-from"),
    field(m.to, until, "news-until"),
    publish,
  );
  f.onsubmit = (e) => {
    e.preventDefault();
    publish.disabled = true;
    const input: NewsInput = {
      id: null,
      title: title.value,
      text: text.value,
      audience: audience.value as NewsAudience,
      audienceName: audience.value === "class" ? className.value : null,
      from: from.value,
      until: until.value,
    };
    actions
      .save(input)
      .then(redraw, actions.failed)
      .finally(() => (publish.disabled = false));
  };
  return f;
}

/** The dialog: the form for those who publish, then the items, newest first. Showing an
 * item marks it read. */
export function newsDialog(
  lang: Lang,
  items: NewsView[],
  today: string,
  canPublish: boolean,
  actions: NewsActions,
): HTMLElement {
  const m = t(lang);
  const dialog = el("div", { class: "editor news" });
  modal(dialog, m.newsTitle);
  const list = el("section", { class: "news-list" });
  const draw = (shown: NewsView[]) => {
    list.replaceChildren(...(shown.length ? shown.map((n) => item(n, lang, actions, redraw)) : [el("p", {}, m.newsNone)]));
    for (const n of shown.filter((n) => !n.read)) void actions.markRead(n.id).catch(actions.failed);
  };
  const redraw = () => void actions.reload().then(draw, actions.failed);
  const close = el("button", { class: "close", type: "button" }, m.close);
  const shut = () => {
    dialog.remove();
    actions.closed();
  };
  close.onclick = shut;
  dialog.onkeydown = (e) => {
    if (e.key === "Escape") shut();
  };
  dialog.append(el("h2", {}, m.newsTitle), ...(canPublish ? [form(lang, today, actions, redraw)] : []), list, close);
  draw(items);
  queueMicrotask(() => close.focus());
  return dialog;
}
