// The school's usage charter. Whoever has not accepted its latest version sees it before
// anything else, with one button to accept it (offline too: the acceptance waits in the
// outbox like any edit). The direction sees who accepted which version.
import type { CharterStatus, CharterView } from "./bindings";
import { formatDate, formatDateTime, t, type Lang } from "./i18n";
import { el } from "./view";

/** `**gras**`, `*italique*` and `_italique_` inside a line, as nodes (text stays text). */
function inline(text: string): (Node | string)[] {
  const out: (Node | string)[] = [];
  const pattern = /\*\*([^*]+)\*\*|\*([^*\s][^*]*)\*|_([^_\s][^_]*)_/g;
  let last = 0;
  for (const match of text.matchAll(pattern)) {
    const at = match.index ?? 0;
    if (at > last) out.push(text.slice(last, at));
    if (match[1] !== undefined) out.push(el("strong", {}, match[1]));
    else out.push(el("em", {}, match[2] ?? match[3] ?? ""));
    last = at + match[0].length;
  }
  if (last < text.length) out.push(text.slice(last));
  return out;
}

/** The charter's Markdown as it is written: headings (`#` is the page's title, so it is
 * shown one level down), paragraphs, bullet (`-`, `*`) and numbered (`1.`) lists, bold and
 * italic. Built from nodes: the text is never read as HTML. */
export function markdownNodes(text: string): HTMLElement[] {
  const blocks: HTMLElement[] = [];
  let paragraph: string[] = [];
  let list: HTMLUListElement | HTMLOListElement | null = null;
  let item: string[] = [];
  const endItem = () => {
    if (list && item.length) list.append(el("li", {}, ...inline(item.join(" "))));
    item = [];
  };
  const endBlock = () => {
    if (paragraph.length) blocks.push(el("p", {}, ...inline(paragraph.join(" "))));
    paragraph = [];
    endItem();
    if (list) blocks.push(list);
    list = null;
  };
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    const heading = /^(#{1,6})\s+(.*)$/.exec(line);
    const bullet = /^[-*]\s+(.*)$/.exec(line);
    const numbered = /^\d+[.)]\s+(.*)$/.exec(line);
    if (!line) {
      endBlock();
    } else if (heading) {
      endBlock();
      const level = Math.min(heading[1].length + 1, 6);
      blocks.push(el(`h${level}` as "h2", {}, ...inline(heading[2])));
    } else if (bullet || numbered) {
      const tag = bullet ? "ul" : "ol";
      if (paragraph.length || (list && list.tagName.toLowerCase() !== tag)) endBlock();
      endItem();
      list ??= el(tag, {});
      item = [(bullet ?? numbered)![1]];
    } else if (list) {
      item.push(line); // the rest of a list item, on the next line
    } else {
      paragraph.push(line);
    }
  }
  endBlock();
  return blocks;
}

/** The page shown instead of the app until the latest version is accepted. */
export function charterPage(
  view: CharterView,
  lang: Lang,
  accept: () => Promise<void>,
  failed: (e: unknown) => void,
): HTMLElement {
  const m = t(lang);
  const main = el("main", { class: "charter" });
  const intro = el("p", { class: "charter-intro" }, m.charterIntro);
  const article = el("article", { class: "charter-text", "aria-label": view.title }, ...markdownNodes(view.text));
  const version = el("p", { class: "charter-version" }, m.charterVersion(view.number, formatDate(view.publishedAt.slice(0, 10), lang)));
  const button = el("button", { class: "primary accept-charter", type: "button" }, m.charterAccept);
  button.onclick = () => {
    button.disabled = true;
    accept().catch((e) => {
      button.disabled = false;
      failed(e);
    });
  };
  main.append(intro, article, version, button);
  return main;
}

/** The direction's view: how many accepted the latest version, then everyone, those who
 * have not accepted it first. */
export function charterStatusView(status: CharterStatus, lang: Lang): HTMLElement {
  const m = t(lang);
  const section = el("section", { class: "charter-status" });
  if (status.current === null) {
    section.append(el("p", {}, m.charterNone));
    return section;
  }
  const current = status.current;
  section.append(el("h2", {}, m.charterSummary(current, status.acceptedCurrent, status.people.length)));
  const head = el(
    "tr",
    {},
    el("th", { scope: "col" }, m.charterName),
    el("th", { scope: "col" }, m.charterRoles),
    el("th", { scope: "col" }, m.charterAccepted),
    el("th", { scope: "col" }, m.charterAcceptedAt),
  );
  const rows = status.people.map((p) =>
    el(
      "tr",
      { class: p.accepted === current ? "accepted" : "not-accepted" },
      el("td", {}, `${p.displayName} (${p.login})`),
      el("td", {}, p.roles.map((r) => m.role(r)).join(", ")),
      el("td", {}, p.accepted === null ? m.charterNever : m.charterVersionNumber(p.accepted)),
      el("td", {}, p.acceptedAt ? formatDateTime(p.acceptedAt, lang) : ""),
    ),
  );
  section.append(el("table", { class: "charter-people" }, el("thead", {}, head), el("tbody", {}, ...rows)));
  return section;
}
