import { describe, expect, it } from "vitest";
import { icon, withIcon } from "./icons";

describe("action icons", () => {
  it("are SVG hidden from screen readers, the button's text unchanged", () => {
    const b = document.createElement("button");
    b.textContent = "Imprimer";
    withIcon(b, "print");
    const svg = b.querySelector("svg");
    expect(svg?.getAttribute("aria-hidden")).toBe("true");
    expect(svg?.getAttribute("focusable")).toBe("false");
    expect(svg?.classList.contains("icon")).toBe(true);
    expect(b.textContent).toBe("Imprimer");
    expect(b.firstChild).toBe(svg);
  });

  it("draws with paths, no text", () => {
    expect(icon("logout").querySelectorAll("path, line, polyline, rect, circle").length).toBeGreaterThan(0);
    expect(icon("logout").textContent).toBe("");
  });
});
