// A side panel that is a modal dialog: `aria-modal`, and Tab / Shift+Tab cycle through its
// own controls, so keyboard focus never wanders behind it.

const FOCUSABLE = "a[href], button:not([disabled]), input:not([disabled]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex='-1'])";

/** Makes `panel` a modal dialog labelled `label`, keeping Tab inside it. */
export function modal(panel: HTMLElement, label: string): HTMLElement {
  panel.setAttribute("role", "dialog");
  panel.setAttribute("aria-modal", "true");
  panel.setAttribute("aria-label", label);
  panel.addEventListener("keydown", (e) => {
    if (e.key !== "Tab") return;
    const controls = [...panel.querySelectorAll<HTMLElement>(FOCUSABLE)];
    if (controls.length === 0) return;
    const first = controls[0];
    const last = controls[controls.length - 1];
    const at = document.activeElement;
    if (e.shiftKey && (at === first || !panel.contains(at))) {
      e.preventDefault();
      last.focus();
    } else if (!e.shiftKey && (at === last || !panel.contains(at))) {
      e.preventDefault();
      first.focus();
    }
  });
  return panel;
}
