import {
  CalendarSync,
  ChevronLeft,
  ChevronRight,
  CircleHelp,
  createElement,
  FileDown,
  FolderOpen,
  Languages,
  Newspaper,
  ListOrdered,
  LogOut,
  NotebookPen,
  Printer,
  Users,
  type IconNode,
} from "lucide";

/** The icons of the app's actions (Lucide), by what they do. */
const ICONS = {
  previous: ChevronLeft,
  next: ChevronRight,
  drafts: NotebookPen,
  documents: FolderOpen,
  calendar: CalendarSync,
  print: Printer,
  pdf: FileDown,
  switchUser: Users,
  logout: LogOut,
  language: Languages,
  news: Newspaper,
  help: CircleHelp,
  progressions: ListOrdered,
} satisfies Record<string, IconNode>;

export type IconName = keyof typeof ICONS;

/**
 * A decorative icon: hidden from screen readers and never focused, since the button's
 * text (or its `aria-label`) says what it does.
 */
export function icon(name: IconName): SVGElement {
  const svg = createElement(ICONS[name], { "aria-hidden": "true", focusable: "false", class: "icon" });
  return svg;
}

/** Puts `name`'s icon before what the element says. */
export function withIcon<T extends HTMLElement>(element: T, name: IconName): T {
  element.prepend(icon(name));
  return element;
}
