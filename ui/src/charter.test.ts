import { describe, expect, it } from "vitest";
import type { CharterStatus, CharterView } from "./bindings";
import { charterPage, charterStatusView, markdownNodes } from "./charter";

/** The nodes' tree as tags and texts, written like markup to read the test easily. */
const shape = (n: Node): string =>
  n.nodeType === Node.TEXT_NODE
    ? (n.textContent ?? "")
    : `<${(n as Element).tagName.toLowerCase()}>${[...n.childNodes].map(shape).join("")}</${(n as Element).tagName.toLowerCase()}>`;
const html = (nodes: HTMLElement[]) => nodes.map(shape).join("");

describe("the charter's Markdown", () => {
  it("gives headings one level down, paragraphs, lists and emphasis as nodes", () => {
    const text = "# Charte\n\nUn texte\nsur deux lignes.\n\n## 1. Accès\n\n- **Personnel** : ne le prêtez pas.\n- Deux\n  suite\n\n1. Un\n2. Deux *vite*\n";
    expect(html(markdownNodes(text))).toBe(
      "<h2>Charte</h2><p>Un texte sur deux lignes.</p><h3>1. Accès</h3>" +
        "<ul><li><strong>Personnel</strong> : ne le prêtez pas.</li><li>Deux suite</li></ul>" +
        "<ol><li>Un</li><li>Deux <em>vite</em></li></ol>",
    );
  });

  it("never reads the text as HTML", () => {
    const nodes = markdownNodes('<img src=x onerror="alert(1)"> **<b>gras</b>**');
    expect(nodes[0].querySelector("img, b")).toBeNull();
    expect(nodes[0].textContent).toBe('<img src=x onerror="alert(1)"> <b>gras</b>');
  });
});

describe("the charter page", () => {
  const view: CharterView = { number: 2, title: "Charte", text: "# Charte\n\nRespect.", publishedAt: "2027-01-04T08:00:00Z", acceptedAt: null };

  it("shows the version and accepts it with one click", async () => {
    let accepted = 0;
    const page = charterPage(view, "fr", async () => void accepted++, () => {});
    expect(page.textContent).toContain("Version 2, publiée le 04/01/2027");
    const button = page.querySelector<HTMLButtonElement>("button.accept-charter")!;
    expect(button.textContent).toBe("J'ai lu la charte et je l'accepte");
    button.click();
    expect(button.disabled).toBe(true);
    await new Promise((r) => setTimeout(r, 0));
    expect(accepted).toBe(1);
  });

  it("lets the user try again when accepting failed", async () => {
    const errors: unknown[] = [];
    const page = charterPage(view, "en", () => Promise.reject(new Error("no")), (e) => errors.push(e));
    const button = page.querySelector<HTMLButtonElement>("button.accept-charter")!;
    button.click();
    await new Promise((r) => setTimeout(r, 0));
    expect(errors).toHaveLength(1);
    expect(button.disabled).toBe(false);
  });
});

describe("the direction's view of acceptances", () => {
  it("counts those who accepted the latest version and lists who did not", () => {
    const status: CharterStatus = {
      current: 2,
      acceptedCurrent: 1,
      people: [
        { login: "nouveau", displayName: "M. Hugo Lambert", roles: ["teacher"], accepted: null, acceptedAt: null },
        { login: "martin", displayName: "Mme Claire Martin", roles: ["teacher"], accepted: 1, acceptedAt: "2026-09-01T07:00:00Z" },
        { login: "bernard", displayName: "Mme Hélène Bernard", roles: ["direction"], accepted: 2, acceptedAt: "2027-01-04T09:00:00Z" },
      ],
    };
    const view = charterStatusView(status, "fr");
    expect(view.querySelector("h2")!.textContent).toBe("Charte, version 2 : acceptée par 1 personne sur 3");
    const rows = [...view.querySelectorAll("tbody tr")].map((r) => [r.className, r.children[2].textContent]);
    expect(rows).toEqual([
      ["not-accepted", "jamais acceptée"],
      ["not-accepted", "version 1"],
      ["accepted", "version 2"],
    ]);
  });

  it("says when there is no charter", () => {
    expect(charterStatusView({ current: null, acceptedCurrent: 0, people: [] }, "en").textContent).toBe("The school has no charter yet.");
  });
});
