// The rich-text field of the séance editor (content) and of homework (instructions): what
// the teacher sees is formatted text with a toolbar — bold, italic, underline, headings,
// lists, links — never HTML tags. TipTap (on ProseMirror) edits it; the HTML goes to the
// ENT as the logbook's format.
//
// The ENT's HTML is the one string this UI turns into markup, and only here: it goes
// through DOMPurify first (the shell sanitised it already; this is the webview's own
// check), then through ProseMirror's schema, which keeps only the nodes it knows. The
// HTML to save sits in a hidden textarea named after the field, so the form reads it like
// any other control.
import { Editor } from "@tiptap/core";
import StarterKit from "@tiptap/starter-kit";
import DOMPurify from "dompurify";
import { t, type Lang } from "./i18n";

/** The tags and attributes a lesson may hold: what the ENT's logbook shows. */
const ALLOWED_TAGS = ["p", "br", "strong", "b", "em", "i", "u", "s", "h3", "h4", "ul", "ol", "li", "a", "blockquote"];
const ALLOWED_ATTR = ["href", "target", "rel"];

/** Lesson HTML as the webview may hold it: tags and links of the list above only. */
export function cleanLessonHtml(html: string): string {
  return DOMPurify.sanitize(html, {
    ALLOWED_TAGS,
    ALLOWED_ATTR,
    ALLOWED_URI_REGEXP: /^(?:https?:|mailto:)/i,
  });
}

export interface RichTextField {
  /** The field: toolbar, editing area, and the hidden textarea holding the HTML. */
  root: HTMLElement;
  /** The hidden control the form reads (`name` = the field's name). */
  control: HTMLTextAreaElement;
  /** The HTML as the editor would save it now. */
  current: () => string;
}

type Command = { key: string; label: string; run: (e: Editor) => void; active: (e: Editor) => boolean };

/**
 * A rich-text field named `name`, holding `html`, labelled by the element `labelId`.
 * `readOnly` shows the text without the toolbar.
 */
export function richText(name: string, html: string, labelId: string, lang: Lang, readOnly = false): RichTextField {
  const m = t(lang);
  const root = document.createElement("div");
  root.className = "rich-text";
  const control = document.createElement("textarea");
  control.name = name;
  control.hidden = true;
  control.value = html;
  const toolbar = document.createElement("div");
  toolbar.className = "toolbar";
  toolbar.setAttribute("role", "toolbar");
  toolbar.setAttribute("aria-label", m.formatting);
  const area = document.createElement("div");
  area.className = "rich-area";
  root.append(toolbar, area, control);

  const editor = new Editor({
    element: area,
    editable: !readOnly,
    extensions: [
      StarterKit.configure({
        heading: { levels: [3, 4] },
        code: false,
        codeBlock: false,
        horizontalRule: false,
        strike: false,
        // Links as the ENT's sanitiser writes them: same window rules, no target.
        link: {
          openOnClick: false,
          autolink: true,
          protocols: ["http", "https", "mailto"],
          HTMLAttributes: { target: null, rel: "noopener noreferrer" },
        },
      }),
    ],
    content: cleanLessonHtml(html),
    editorProps: {
      attributes: {
        role: "textbox",
        "aria-multiline": "true",
        "aria-labelledby": labelId,
        "data-field": name,
        class: "rich-content",
      },
    },
    onUpdate: ({ editor: e }) => {
      control.value = e.isEmpty ? "" : e.getHTML();
      refresh();
    },
    onSelectionUpdate: () => refresh(),
  });

  const commands: Command[] = [
    { key: "bold", label: m.bold, run: (e) => e.chain().focus().toggleBold().run(), active: (e) => e.isActive("bold") },
    { key: "italic", label: m.italic, run: (e) => e.chain().focus().toggleItalic().run(), active: (e) => e.isActive("italic") },
    { key: "underline", label: m.underline, run: (e) => e.chain().focus().toggleUnderline().run(), active: (e) => e.isActive("underline") },
    { key: "heading", label: m.heading, run: (e) => e.chain().focus().toggleHeading({ level: 3 }).run(), active: (e) => e.isActive("heading") },
    { key: "bullets", label: m.bulletList, run: (e) => e.chain().focus().toggleBulletList().run(), active: (e) => e.isActive("bulletList") },
    { key: "numbers", label: m.orderedList, run: (e) => e.chain().focus().toggleOrderedList().run(), active: (e) => e.isActive("orderedList") },
  ];
  const buttons = new Map<string, HTMLButtonElement>();
  for (const c of commands) {
    const b = document.createElement("button");
    b.type = "button";
    b.className = `format ${c.key}`;
    b.textContent = c.label;
    b.setAttribute("aria-pressed", "false");
    b.onclick = () => c.run(editor);
    buttons.set(c.key, b);
    toolbar.append(b);
  }
  // A link: the address typed in the toolbar itself (no pop-up), on the selected words.
  const link = document.createElement("button");
  link.type = "button";
  link.className = "format link";
  link.textContent = m.link;
  link.setAttribute("aria-pressed", "false");
  const address = document.createElement("input");
  address.type = "url";
  address.className = "link-address";
  address.placeholder = "https://…";
  address.setAttribute("aria-label", m.linkAddress);
  address.hidden = true;
  link.onclick = () => {
    if (editor.isActive("link")) {
      editor.chain().focus().extendMarkRange("link").unsetLink().run();
      return;
    }
    address.hidden = false;
    address.value = "";
    address.focus();
  };
  address.onkeydown = (e) => {
    if (e.key === "Enter") {
      e.preventDefault();
      const href = address.value.trim();
      if (/^(https?:\/\/|mailto:)/i.test(href)) editor.chain().focus().extendMarkRange("link").setLink({ href }).run();
      address.hidden = true;
    } else if (e.key === "Escape") {
      e.preventDefault();
      e.stopPropagation();
      address.hidden = true;
      editor.commands.focus();
    }
  };
  toolbar.append(link, address);
  if (readOnly) toolbar.hidden = true;

  function refresh(): void {
    for (const c of commands) buttons.get(c.key)!.setAttribute("aria-pressed", String(c.active(editor)));
    link.setAttribute("aria-pressed", String(editor.isActive("link")));
  }
  return { root, control, current: () => (editor.isEmpty ? "" : editor.getHTML()) };
}
