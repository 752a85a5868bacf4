import { describe, expect, it } from "vitest";
import type { NewsInput, NewsView } from "./bindings";
import { newsButton, newsDialog, type NewsActions } from "./news";

const item = (id: string, part: Partial<NewsView> = {}): NewsView => ({
  id,
  title: `Titre ${id}`,
  text: "**Important** : lire.",
  audience: "school",
  audienceName: null,
  from: "2026-11-30",
  until: "2026-12-10",
  author: "Mme Hélène Bernard",
  mine: false,
  read: false,
  ...part,
});

function actions(over: Partial<NewsActions> = {}): NewsActions & { read: string[]; saved: NewsInput[]; removed: string[] } {
  const read: string[] = [];
  const saved: NewsInput[] = [];
  const removed: string[] = [];
  return {
    read,
    saved,
    removed,
    markRead: async (id) => void read.push(id),
    save: async (input) => {
      saved.push(input);
      return item("new", { title: input.title, mine: true, read: true });
    },
    remove: async (id) => void removed.push(id),
    reload: async () => [],
    closed: () => {},
    failed: (e) => {
      throw e;
    },
    ...over,
  };
}

const tick = () => new Promise((r) => setTimeout(r, 0));

describe("the news button", () => {
  it("says how many are unread", () => {
    expect(newsButton("fr", [item("a"), item("b", { read: true })], () => {}).textContent).toBe("Actualités (1)");
    expect(newsButton("en", [item("b", { read: true })], () => {}).textContent).toBe("News");
  });
});

describe("the news dialog", () => {
  it("shows each item with its window, author and audience, and marks the unread ones read", () => {
    const a = actions();
    const d = newsDialog("fr", [item("a"), item("b", { read: true, audience: "class", audienceName: "2nde 1" })], "2026-11-30", false, a);
    const shown = [...d.querySelectorAll("article.news-item")];
    expect(shown.map((x) => x.classList.contains("unread"))).toEqual([true, false]);
    expect(shown[0].querySelector("strong")!.textContent).toBe("Important");
    expect(shown[1].querySelector(".meta")!.textContent).toBe("Du 30/11/2026 au 10/12/2026 — Mme Hélène Bernard — 2nde 1");
    expect(a.read).toEqual(["a"]);
    // A reader has no form and no delete button.
    expect(d.querySelector("form.news-form")).toBeNull();
    expect(d.querySelector("button.delete-news")).toBeNull();
  });

  it("lets the direction publish for a class, and delete its own items", async () => {
    const a = actions();
    const d = newsDialog("fr", [item("mine", { mine: true, read: true })], "2026-11-30", true, a);
    d.querySelector<HTMLButtonElement>("button.delete-news")!.click();
    await tick();
    expect(a.removed).toEqual(["mine"]);
    const form = d.querySelector<HTMLFormElement>("form.news-form")!;
    form.querySelector<HTMLInputElement>("#news-title")!.value = "Sortie au musée";
    form.querySelector<HTMLTextAreaElement>("#news-text")!.value = "Départ 8 h.";
    const audience = form.querySelector<HTMLSelectElement>("#news-audience")!;
    audience.value = "class";
    audience.dispatchEvent(new Event("change"));
    expect(form.querySelector<HTMLElement>("label[for=news-class]")!.hidden).toBe(false);
    form.querySelector<HTMLInputElement>("#news-class")!.value = "2nde 1";
    form.dispatchEvent(new Event("submit"));
    await tick();
    expect(a.saved).toEqual([
      { id: null, title: "Sortie au musée", text: "Départ 8 h.", audience: "class", audienceName: "2nde 1", from: "2026-11-30", until: "2026-12-07" },
    ]);
  });

  it("says so when there is no news, and tells when it is closed", () => {
    let closed = 0;
    const d = newsDialog("en", [], "2026-11-30", false, actions({ closed: () => void closed++ }));
    expect(d.querySelector(".news-list")!.textContent).toBe("No news at the moment.");
    d.querySelector<HTMLButtonElement>("button.close")!.click();
    expect(closed).toBe(1);
  });
});
