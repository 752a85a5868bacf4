import { describe, expect, it } from "vitest";
import { nextZoom, savedZoom } from "./zoom";

describe("page zoom", () => {
  it("steps by 25 % between 50 % and 300 %, Ctrl 0 resets", () => {
    expect(nextZoom(1, "+")).toBe(1.25);
    expect(nextZoom(1, "=")).toBe(1.25);
    expect(nextZoom(1.75, "+")).toBe(2);
    expect(nextZoom(3, "+")).toBe(3);
    expect(nextZoom(0.5, "-")).toBe(0.5);
    expect(nextZoom(2.5, "0")).toBe(1);
    expect(nextZoom(1, "s")).toBeNull();
  });

  it("remembers only a sensible factor", () => {
    localStorage.setItem("zoom", "2");
    expect(savedZoom()).toBe(2);
    localStorage.setItem("zoom", "40");
    expect(savedZoom()).toBe(1);
    localStorage.removeItem("zoom");
    expect(savedZoom()).toBe(1);
  });
});
