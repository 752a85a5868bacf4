import { describe, expect, it } from "vitest";
import { archiveButton, schoolYear } from "./archive";

describe("archive", () => {
  it("names the school year a day is in", () => {
    expect(schoolYear("2026-11-30")).toBe("2026-2027");
    expect(schoolYear("2027-07-04")).toBe("2026-2027");
    expect(schoolYear("2026-08-01")).toBe("2026-2027");
    expect(schoolYear("2026-07-31")).toBe("2025-2026");
  });

  it("asks for the archive of its class and year, and says where it went", async () => {
    const asked: [unknown, string][] = [];
    const said: string[] = [];
    const b = archiveButton(
      "fr",
      { kind: "audience", key: "2nde 3" },
      "2027-03-15",
      async (of, year) => {
        asked.push([of, year]);
        return "/home/m/cahier.pdf";
      },
      (p) => said.push(p),
      (e) => {
        throw e;
      },
    );
    expect(b.textContent).toContain("Archive de l'année");
    expect(b.title).toContain("2026-2027");
    b.click();
    await new Promise((r) => setTimeout(r, 0));
    expect(asked).toEqual([[{ kind: "audience", key: "2nde 3" }, "2026-2027"]]);
    expect(said).toEqual(["/home/m/cahier.pdf"]);
  });

  it("says nothing when the save is cancelled", async () => {
    const said: string[] = [];
    const b = archiveButton("en", { kind: "teacher", key: "martin" }, "2026-11-30", async () => null, (p) => said.push(p), () => {});
    expect(b.textContent).toContain("Year's archive");
    b.click();
    await new Promise((r) => setTimeout(r, 0));
    expect(said).toEqual([]);
  });
});
