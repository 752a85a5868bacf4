// Page zoom from the keyboard: Ctrl + (or Ctrl =) enlarges, Ctrl - reduces, Ctrl 0 resets,
// by steps of 25 % between 50 % and 300 %. The shell applies it to the webview, so the
// layout reflows as at browser zoom; the factor is remembered.

const STEP = 0.25;
const MIN = 0.5;
const MAX = 3;

/** The zoom after a key press with Ctrl, or null when the key is not a zoom key. */
export function nextZoom(current: number, key: string): number | null {
  const clamp = (z: number) => Math.min(MAX, Math.max(MIN, Math.round(z / STEP) * STEP));
  switch (key) {
    case "+":
    case "=":
      return clamp(current + STEP);
    case "-":
      return clamp(current - STEP);
    case "0":
      return 1;
    default:
      return null;
  }
}

/** The remembered zoom (1 when none or unreadable). */
export function savedZoom(): number {
  const z = Number(localStorage.getItem("zoom"));
  return Number.isFinite(z) && z >= MIN && z <= MAX ? z : 1;
}
