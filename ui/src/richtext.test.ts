import { describe, expect, it } from "vitest";
import { cleanLessonHtml, richText } from "./richtext";

/** A séance as the ENT's sanitiser stores it. */
const ENT_HTML = '<p>Cours <strong>dialogué</strong>, <em>notes</em> et <u>exercices</u> :</p><h3>Plan</h3><ul><li><p>Montesquieu</p></li></ul><ol><li><p>Voltaire</p></li></ol><p><a href="https://fr.wikipedia.org/wiki/Lumi%C3%A8res" rel="noopener noreferrer">Les Lumières</a></p>';

/** The same HTML whatever the order of a link's attributes. */
const canonical = (html: string) =>
  html.replace(/<a ([^>]*)>/g, (_, attrs: string) => `<a ${(attrs.match(/[\w-]+="[^"]*"/g) ?? []).sort().join(" ")}>`);

describe("rich-text field", () => {
  it("shows the ENT's HTML as formatted text and gives back the same HTML", () => {
    const { root, control } = richText("content", ENT_HTML, "l1", "fr");
    document.body.append(root);
    const area = root.querySelector("[contenteditable]")!;
    expect(area.querySelector("strong")?.textContent).toBe("dialogué");
    expect(area.querySelector("ul li")?.textContent).toBe("Montesquieu");
    expect(area.querySelector("a")?.getAttribute("href")).toBe("https://fr.wikipedia.org/wiki/Lumi%C3%A8res");
    expect(control.name).toBe("content");
    expect(control.value).toBe(ENT_HTML);
    root.remove();
  });

  it("keeps the meaning of the ENT's HTML through the editor", () => {
    expect(canonical(richText("content", ENT_HTML, "l1", "fr").current())).toBe(canonical(ENT_HTML));
    // A list item without its paragraph (as other editors write it) is the same list.
    expect(richText("content", "<ul><li>Lire</li><li>Écrire</li></ul>", "l1", "fr").current()).toBe(
      "<ul><li><p>Lire</p></li><li><p>Écrire</p></li></ul>",
    );
    expect(richText("content", "Texte seul", "l1", "fr").current()).toBe("<p>Texte seul</p>");
    expect(richText("content", "", "l1", "fr").current()).toBe("");
  });

  it("offers bold, italic, underline, heading, lists and link, pressed where the cursor is", () => {
    const { root } = richText("content", "<p><strong>Gras</strong></p>", "l1", "fr");
    document.body.append(root);
    const labels = [...root.querySelectorAll(".toolbar button")].map((b) => b.textContent);
    expect(labels).toEqual(["Gras", "Italique", "Souligné", "Titre", "Liste à puces", "Liste numérotée", "Lien"]);
    expect(root.querySelector(".toolbar")?.getAttribute("role")).toBe("toolbar");
    root.remove();
  });

  it("never lets script or event handlers into the field", () => {
    const evil = '<p onclick="x()">Cours<script>alert(1)</script><img src=x onerror=alert(2)><a href="javascript:alert(3)">l</a></p>';
    const clean = cleanLessonHtml(evil);
    expect(clean).not.toMatch(/script|onclick|onerror|img|javascript/);
    const { root } = richText("content", evil, "l1", "fr");
    expect(root.querySelector("[contenteditable] script, [contenteditable] img, [contenteditable] [onclick]")).toBeNull();
  });

  it("is read-only without a toolbar for an entry under visa", () => {
    const { root } = richText("content", "<p>Visée</p>", "l1", "fr", true);
    expect(root.querySelector("[contenteditable]")?.getAttribute("contenteditable")).toBe("false");
    expect((root.querySelector(".toolbar") as HTMLElement).hidden).toBe(true);
  });
});
