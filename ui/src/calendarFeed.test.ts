import { describe, expect, it } from "vitest";
import { calendarFeedDialog } from "./calendarFeed";

describe("the calendar subscription dialog", () => {
  it("shows no address until one is made, then the address to copy, and a new one on demand", async () => {
    let made = 0;
    const renew = () => Promise.resolve(`https://ent.example.fr/ical/${"ab".repeat(32)}-${++made}.ics`);
    const dialog = calendarFeedDialog("fr", renew, () => {});
    document.body.append(dialog);
    expect(dialog.getAttribute("role")).toBe("dialog");
    expect(dialog.getAttribute("aria-label")).toBe("Mon emploi du temps dans mon agenda");
    const address = dialog.querySelector<HTMLInputElement>("#calendar-feed-address")!;
    expect(address.hidden).toBe(true);
    const create = dialog.querySelector<HTMLButtonElement>("button.renew")!;
    expect(create.textContent).toBe("Créer mon adresse");
    create.click();
    await new Promise((r) => setTimeout(r, 0));
    expect(address.hidden).toBe(false);
    expect(address.readOnly).toBe(true);
    expect(address.value).toMatch(/\/ical\/.*-1\.ics$/);
    expect(create.textContent).toContain("l'ancienne cessera de fonctionner");
    create.click();
    await new Promise((r) => setTimeout(r, 0));
    expect(address.value).toMatch(/-2\.ics$/);
    dialog.querySelector<HTMLButtonElement>("button.close")!.click();
    expect(document.body.contains(dialog)).toBe(false);
  });

  it("says a refusal and keeps the button usable", async () => {
    const errors: unknown[] = [];
    const dialog = calendarFeedDialog("en", () => Promise.reject({ code: "backend.unsupported", message: "non" }), (e) => errors.push(e));
    const create = dialog.querySelector<HTMLButtonElement>("button.renew")!;
    create.click();
    await new Promise((r) => setTimeout(r, 0));
    expect(errors).toHaveLength(1);
    expect(create.disabled).toBe(false);
    expect(dialog.querySelector<HTMLInputElement>("#calendar-feed-address")!.hidden).toBe(true);
  });
});
