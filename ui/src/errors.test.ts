import { describe, expect, it } from "vitest";
import { ERROR_CODES } from "./bindings";
import { ERROR_TEXTS } from "./errors";
import { errorText } from "./i18n";

describe("error codes", () => {
  it("every code of the Rust enum says something in French and in English", () => {
    const missing = ERROR_CODES.filter((code) => code === "unknown" || !ERROR_TEXTS[code]?.fr || !ERROR_TEXTS[code]?.en);
    expect(missing).toEqual([]);
    for (const code of ERROR_CODES) {
      if (code === "unknown") continue;
      for (const text of [ERROR_TEXTS[code].fr, ERROR_TEXTS[code].en]) {
        expect(text, code).toMatch(/^[A-ZÀ-Ý].*[.?!]$/u);
        expect(text, code).not.toContain(code);
      }
      expect(errorText("fr", code, "message du serveur")).toBe(ERROR_TEXTS[code].fr);
      expect(errorText("en", code, "message du serveur")).toBe(ERROR_TEXTS[code].en);
    }
  });

  it("has no text for a code the Rust enum no longer has", () => {
    expect(Object.keys(ERROR_TEXTS).sort()).toEqual([...ERROR_CODES].sort());
  });

  it("shows the message a newer server sent with a code this build does not know", () => {
    expect(errorText("fr", "unknown", "Règle nouvelle.")).toBe("Règle nouvelle.");
  });
});
