// "Se déconnecter": erases the profile from this computer, so it asks twice — a first click
// arms the button, a second one logs out. With edits not yet sent, the shell refuses
// (`logout.pending`) and the button then offers to abandon them.
import { logout, type CommandError } from "./api";
import { t, type Lang } from "./i18n";
import { withIcon } from "./icons";

export function logoutButton(lang: Lang, done: () => void, failed: (e: CommandError) => void): HTMLButtonElement {
  const m = t(lang);
  const b = document.createElement("button");
  b.type = "button";
  b.className = "logout";
  b.textContent = m.logout;
  withIcon(b, "logout");
  let step: "idle" | "armed" | "discard" = "idle";
  b.onclick = async () => {
    if (step === "idle") {
      step = "armed";
      b.textContent = m.logoutConfirm;
      b.classList.add("danger");
      return;
    }
    try {
      await logout(step === "discard");
      done();
    } catch (e) {
      const err = e as CommandError;
      if (err.code === "logout.pending") {
        step = "discard";
        b.textContent = m.logoutDiscard;
      }
      failed(err);
    }
  };
  return b;
}
