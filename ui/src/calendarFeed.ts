// « Agenda »: the address a calendar application subscribes to, to show the user's
// timetable and follow its changes. The address holds a secret, so the app shows it and
// never keeps it: the first use creates one, and « Nouvelle adresse » replaces it (the old
// one stops working at once, for a lost phone or an address shared by mistake).
import { modal } from "./dialog";
import { t, type Lang } from "./i18n";
import { withIcon } from "./icons";

/** The header's « Agenda » button; `renew` asks the ENT for a new address. */
export function calendarFeedButton(
  lang: Lang,
  renew: () => Promise<string>,
  failed: (e: unknown) => void,
): HTMLButtonElement {
  const m = t(lang);
  const b = document.createElement("button");
  b.className = "calendar-feed-button";
  b.textContent = m.calendarFeed;
  withIcon(b, "calendar");
  b.onclick = () => document.body.append(calendarFeedDialog(lang, renew, failed));
  return b;
}

/** The dialog: what it is for, then the address once created, to copy. */
export function calendarFeedDialog(
  lang: Lang,
  renew: () => Promise<string>,
  failed: (e: unknown) => void,
): HTMLElement {
  const m = t(lang);
  const dialog = document.createElement("div");
  dialog.className = "editor calendar-feed";
  modal(dialog, m.calendarFeedTitle);
  const title = document.createElement("h2");
  title.textContent = m.calendarFeedTitle;
  const help = document.createElement("p");
  help.textContent = m.calendarFeedHelp;
  const label = document.createElement("label");
  label.htmlFor = "calendar-feed-address";
  label.textContent = m.calendarFeedAddress;
  label.hidden = true;
  const address = document.createElement("input");
  address.id = "calendar-feed-address";
  address.readOnly = true;
  address.hidden = true;
  const copy = document.createElement("button");
  copy.className = "copy";
  copy.textContent = m.copy;
  copy.hidden = true;
  const said = document.createElement("p");
  said.className = "copied";
  said.setAttribute("role", "status");
  copy.onclick = () => {
    address.select();
    void navigator.clipboard
      ?.writeText(address.value)
      .then(() => (said.textContent = m.calendarFeedCopied))
      .catch(() => undefined);
  };
  const create = document.createElement("button");
  create.className = "renew";
  create.textContent = m.calendarFeedCreate;
  create.onclick = () => {
    create.disabled = true;
    renew()
      .then((url) => {
        address.value = url;
        label.hidden = address.hidden = copy.hidden = false;
        create.textContent = m.calendarFeedRenew;
        said.textContent = "";
        address.focus();
        address.select();
      })
      .catch(failed)
      .finally(() => (create.disabled = false));
  };
  const close = document.createElement("button");
  close.className = "close";
  close.textContent = m.close;
  close.onclick = () => dialog.remove();
  dialog.onkeydown = (e) => {
    if (e.key === "Escape") dialog.remove();
  };
  dialog.append(title, help, label, address, copy, said, create, close);
  queueMicrotask(() => create.focus());
  return dialog;
}
