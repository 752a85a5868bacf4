import { describe, expect, it } from "vitest";
import type { Changes } from "./bindings";
import { touches } from "./changes";

const changes = (part: Partial<Changes>): Changes => ({ head: 7, remote: [], local: [], complete: true, ...part });

describe("what a sync changed, per page", () => {
  it("redraws the week for lessons, séances and homework pulled from the ENT", () => {
    for (const kind of ["courseOccurrence", "session", "homework", "visa", "week"] as const) {
      expect(touches("home", changes({ remote: [kind] }))).toBe(true);
    }
  });

  it("does not redraw the week for the user's own edits, drawn when saved, nor for documents", () => {
    expect(touches("home", changes({ local: ["session", "homework"] }))).toBe(false);
    expect(touches("home", changes({ remote: ["document"] }))).toBe(false);
  });

  it("redraws the documents for documents, pulled or changed by the synced folder, and nothing else", () => {
    expect(touches("documents", changes({ remote: ["document"] }))).toBe(true);
    expect(touches("documents", changes({ local: ["document"] }))).toBe(true);
    expect(touches("documents", changes({ remote: ["session", "courseOccurrence"] }))).toBe(false);
  });

  it("takes everything as changed when the shell could not say all that changed", () => {
    expect(touches("home", changes({ complete: false }))).toBe(true);
    expect(touches("documents", changes({ complete: false }))).toBe(true);
  });
});
