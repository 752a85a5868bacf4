import { describe, expect, it } from "vitest";
import type { TodoItem } from "./bindings";
import { todoButton, todoDialog } from "./todo";

const item = (id: string, part: Partial<TodoItem> = {}): TodoItem => ({
  id,
  dueOn: "2026-12-03",
  givenOn: "2026-12-01",
  subject: "Histoire-géographie",
  color: "#8e44ad",
  teacher: "Mme Claire Martin",
  audience: "2nde 1",
  class: "2nde 1",
  description: ["Lire le document 3.", "• page 112"],
  kind: "reading",
  minutes: 25,
  done: false,
  ...part,
});

const tick = () => new Promise((r) => setTimeout(r, 0));

describe("the homework to do", () => {
  it("counts what is left to do", () => {
    expect(todoButton("fr", [item("a"), item("b", { done: true })], () => {}).textContent).toBe("Travail à faire (1)");
    expect(todoButton("fr", [item("b", { done: true })], () => {}).textContent).toBe("Travail à faire");
    expect(todoButton("en", [item("a", { done: null })], () => {}).textContent).toBe("Homework (1)");
  });

  it("lists it by due day, and lets a pupil tick it done", async () => {
    const ticked: [string, boolean][] = [];
    const d = todoDialog("fr", [item("a"), item("b", { dueOn: "2026-12-04", kind: "test", minutes: null })], async (id, done) => void ticked.push([id, done]), () => {}, (e) => {
      throw e;
    });
    expect([...d.querySelectorAll("h3")].map((h) => h.textContent)).toEqual(["Pour le jeudi 3 décembre", "Pour le vendredi 4 décembre"]);
    const first = d.querySelector<HTMLElement>("li[data-homework=a]")!;
    expect(first.querySelector(".todo-head")!.textContent).toBe("fait Histoire-géographie — Lecture, 25 min — Mme Claire Martin");
    expect([...first.querySelectorAll("p")].slice(1).map((p) => p.textContent)).toEqual(["Lire le document 3.", "• page 112"]);
    const box = first.querySelector<HTMLInputElement>("input[type=checkbox]")!;
    box.checked = true;
    box.dispatchEvent(new Event("change"));
    await tick();
    expect(ticked).toEqual([["a", true]]);
    expect(first.classList.contains("done")).toBe(true);
  });

  it("puts the tick back when it could not be saved", async () => {
    const errors: unknown[] = [];
    const d = todoDialog("fr", [item("a")], () => Promise.reject(new Error("non")), () => {}, (e) => errors.push(e));
    const box = d.querySelector<HTMLInputElement>("input[type=checkbox]")!;
    box.checked = true;
    box.dispatchEvent(new Event("change"));
    await tick();
    expect(box.checked).toBe(false);
    expect(errors).toHaveLength(1);
  });

  it("shows a parent the list without ticks", () => {
    const d = todoDialog("fr", [item("a", { done: null })], null, () => {}, () => {});
    expect(d.querySelector("input[type=checkbox]")).toBeNull();
    expect(todoDialog("en", [], null, () => {}, () => {}).querySelector(".todo-list")!.textContent).toBe("Nothing to do in the next two weeks.");
  });

  it("shows a parent of children in two classes each class apart", () => {
    const d = todoDialog(
      "fr",
      [item("a", { done: null }), item("b", { done: null, class: "1re B", audience: "Espagnol LV2 — 1re A / 1re B", dueOn: "2026-12-04" })],
      null,
      () => {},
      () => {},
    );
    expect([...d.querySelectorAll("section.todo-class h3")].map((h) => h.textContent)).toEqual(["Classe de 2nde 1", "Classe de 1re B"]);
    expect(d.querySelector("section.todo-class[data-class='1re B'] li[data-homework=b]")).not.toBeNull();
    expect(d.querySelector("section.todo-class[data-class='1re B'] h4")!.textContent).toBe("Pour le vendredi 4 décembre");
    expect(d.querySelectorAll("input[type=checkbox]")).toHaveLength(0);
  });
});
