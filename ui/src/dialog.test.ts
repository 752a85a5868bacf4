import { describe, expect, it } from "vitest";
import { modal } from "./dialog";

describe("modal dialog", () => {
  it("is labelled, modal, and keeps Tab among its own controls", () => {
    const behind = document.createElement("button");
    const panel = modal(document.createElement("div"), "Séance");
    const [a, b] = [document.createElement("input"), document.createElement("button")];
    panel.append(a, b);
    document.body.append(behind, panel);
    expect([panel.getAttribute("role"), panel.getAttribute("aria-modal"), panel.getAttribute("aria-label")]).toEqual(["dialog", "true", "Séance"]);
    b.focus();
    b.dispatchEvent(new KeyboardEvent("keydown", { key: "Tab", bubbles: true, cancelable: true }));
    expect(document.activeElement).toBe(a);
    a.dispatchEvent(new KeyboardEvent("keydown", { key: "Tab", shiftKey: true, bubbles: true, cancelable: true }));
    expect(document.activeElement).toBe(b);
    panel.remove();
    behind.remove();
  });
});
