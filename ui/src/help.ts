// « Aide »: degraded mode in plain words — what works without the network, what waits for
// it, what to do during an outage — and, from the sync status, what is waiting right now.
import type { SupportReport, SyncStatus, UpdateStatus } from "./bindings";
import { errorText, formatDateTime, formatTime, t, type Lang } from "./i18n";
import { el } from "./view";

/** The help text, in the user's language: sections of a title and points. */
const TEXT = {
  fr: [
    {
      title: "Ce qui marche sans réseau",
      points: [
        "Consulter l'emploi du temps de la semaine, d'une classe, d'un enseignant ou d'une salle.",
        "Lire et écrire le cahier de textes : séances, travail à faire, brouillons.",
        "Annuler un cours ou noter un remplacement (vie scolaire, direction).",
        "Ouvrir les documents gardés hors ligne ; lire les actualités déjà reçues.",
        "Imprimer ou exporter en PDF l'emploi du temps du jour, ou l'archive du cahier de textes.",
      ],
    },
    {
      title: "Ce qui attend le retour du réseau",
      points: [
        "L'envoi de vos modifications à l'ENT, et la réception de celles des autres.",
        "L'ouverture d'un document qui n'a pas été gardé hors ligne.",
        "La première connexion d'un compte, et la connexion à un autre compte.",
      ],
    },
    {
      title: "Pendant une panne",
      points: [
        "Continuez comme d'habitude : tout ce que vous saisissez est gardé sur cet appareil, chiffré.",
        "Ne ressaisissez rien : vos modifications partiront d'elles-mêmes, une seule fois, au retour du réseau.",
        "La barre du bas de la fenêtre dit « Hors ligne » et combien de modifications attendent.",
        "Ne vous déconnectez pas : la déconnexion efface les données de cet appareil, et elle est refusée tant que des modifications attendent.",
        "Vie scolaire : « Exporter en PDF » donne la feuille du jour de toutes les classes, à imprimer.",
      ],
    },
    {
      title: "Au retour du réseau",
      points: [
        "La synchronisation reprend seule ; « rien en attente » dans la barre du bas veut dire que tout est parti.",
        "Si quelqu'un a modifié la même séance, un badge « conflit » vous propose de choisir ou de fusionner : rien n'est perdu.",
        "Une modification refusée par l'ENT (une séance visée, par exemple) reste visible avec sa raison.",
      ],
    },
  ],
  en: [
    {
      title: "What works without the network",
      points: [
        "The week's timetable, and that of a class, a teacher or a room.",
        "Reading and writing the logbook: lessons, homework, drafts.",
        "Cancelling a lesson or noting a substitute (school life, head).",
        "Documents kept offline; the news already received.",
        "Printing or exporting as PDF the day's timetable, or the logbook's archive.",
      ],
    },
    {
      title: "What waits for the network",
      points: [
        "Sending your changes to the ENT, and receiving everyone else's.",
        "Opening a document that was not kept offline.",
        "An account's first sign-in, and signing in to another account.",
      ],
    },
    {
      title: "During an outage",
      points: [
        "Carry on as usual: everything you type is kept on this device, encrypted.",
        "Type nothing twice: your changes go up by themselves, once, when the network is back.",
        "The bar at the bottom of the window says « Offline » and how many changes wait.",
        "Do not sign out: signing out wipes this device's data, and is refused while changes wait.",
        "School life: « Export as PDF » gives the day's sheet of every class, to print.",
      ],
    },
    {
      title: "When the network is back",
      points: [
        "Sync resumes by itself; « nothing pending » in the bottom bar means everything went up.",
        "If someone changed the same lesson, a « conflict » badge lets you choose or merge: nothing is lost.",
        "A change the ENT refused (a signed-off lesson, say) stays visible with its reason.",
      ],
    },
  ],
} satisfies Record<Lang, { title: string; points: string[] }[]>;

/** What is waiting on this device now, from the sync status (`null` before the first). */
function waiting(status: SyncStatus | null, lang: Lang): HTMLElement {
  const m = t(lang);
  const section = el("section", { class: "help-now", "aria-live": "polite" }, el("h2", {}, m.helpNow));
  if (!status) {
    section.append(el("p", {}, m.never));
    return section;
  }
  section.append(
    el(
      "ul",
      {},
      el("li", {}, status.online ? m.online : m.offline),
      el("li", {}, m.pending(status.pending)),
      el("li", {}, m.helpRefused(status.quarantined)),
      el("li", {}, m.helpConflicts(status.conflicts)),
      el("li", {}, status.lastSync ? m.syncedAt(formatTime(status.lastSync, lang)) : m.never),
    ),
  );
  return section;
}

/** The help page's content. */
export function helpPage(status: SyncStatus | null, lang: Lang): HTMLElement {
  const m = t(lang);
  const main = el("main", { class: "help" }, el("h1", {}, m.helpTitle), el("p", { class: "help-intro" }, m.helpIntro));
  main.append(waiting(status, lang));
  for (const section of TEXT[lang]) {
    main.append(el("section", {}, el("h2", {}, section.title), el("ul", {}, ...section.points.map((p) => el("li", {}, p)))));
  }
  return main;
}

/** « Assistance »: what a report holds, sending it (where the ENT has an inbox) or saving
 * it, and the reports made on this device with where each stands. */
export function supportSection(
  reports: SupportReport[],
  inbox: boolean,
  lang: Lang,
  onSend: () => void,
  onSave: () => void,
): HTMLElement {
  const m = t(lang);
  const section = el("section", { class: "support" }, el("h2", {}, m.supportTitle), el("p", {}, m.supportIntro));
  const buttons = el("div", { class: "support-actions" });
  if (inbox) {
    const send = el("button", { type: "button", class: "primary support-send" }, m.supportSend);
    send.onclick = onSend;
    buttons.append(send);
  }
  const save = el("button", { type: "button", class: "support-save" }, m.supportSave);
  save.onclick = onSave;
  buttons.append(save);
  section.append(buttons);
  if (!inbox) section.append(el("p", { class: "unsupported" }, m.supportNoInbox));
  if (reports.length > 0) {
    const where = (r: SupportReport) =>
      r.sentAt ? m.supportSent(formatDateTime(r.sentAt, lang)) : r.refused ? m.supportRefused(r.refused) : m.supportWaiting;
    section.append(
      el(
        "ul",
        { class: "support-reports" },
        ...reports.map((r) =>
          el("li", { "data-report": r.id, "data-sent": String(r.sentAt !== null) }, `${m.supportMade(formatDateTime(r.createdAt, lang))} — ${where(r)}`),
        ),
      ),
    );
  }
  return section;
}

/** What « Mises à jour » can do, handed in by the page. */
export interface UpdateActions {
  check: () => void;
  install: () => void;
  restart: () => void;
}

/**
 * « Mises à jour »: the version running, the channel, and the one next step — look, install
 * what was found, or restart on what was installed. Turned off by the school's policy or a
 * build without a key, it says so and offers nothing.
 */
export function updateSection(u: UpdateStatus, lang: Lang, act: UpdateActions): HTMLElement {
  const m = t(lang);
  const section = el("section", { class: "updates" }, el("h2", {}, m.updatesTitle), el("p", {}, m.updatesCurrent(u.current)));
  const button = (cls: string, text: string, run: () => void, primary = false) => {
    const b = el("button", { type: "button", class: primary ? `primary ${cls}` : cls }, text);
    // One click, one run: the page is drawn again when it is done.
    b.onclick = () => {
      b.disabled = true;
      run();
    };
    return b;
  };
  if (u.off !== null) {
    const why = { policy: m.updatesOffPolicy, noChannel: m.updatesOffNoChannel, noKey: m.updatesOffNoKey }[u.off];
    section.append(el("p", { class: "updates-off" }, why));
    return section;
  }
  // What went wrong last time stays said until a look or an install goes through.
  if (u.problem !== null) section.append(el("p", { class: "updates-problem", role: "status" }, errorText(lang, u.problem, "")));
  if (u.installed !== null) {
    section.append(
      el("p", { class: "updates-installed" }, m.updatesInstalled(u.installed)),
      el("div", { class: "updates-actions" }, button("updates-restart", m.updatesRestart, act.restart, true)),
    );
    return section;
  }
  if (u.found !== null) {
    const found = el("div", { class: "updates-found", "data-version": u.found.version }, el("p", {}, el("strong", {}, m.updatesFound(u.found.version))));
    if (u.found.date) found.append(el("p", {}, m.updatesPublished(formatDateTime(u.found.date, lang))));
    if (u.found.notes) found.append(el("p", { class: "updates-notes" }, u.found.notes));
    if (u.verified === u.found.version) found.append(el("p", { class: "updates-verified" }, m.updatesVerified(u.found.version)));
    section.append(found);
    // A copy built from the sources may still fetch the package and check its signature.
    if (u.canInstall) section.append(el("div", { class: "updates-actions" }, button("updates-install", m.updatesInstall, act.install, true)));
    else section.append(el("p", { class: "unsupported" }, m.updatesCannotInstall), el("div", { class: "updates-actions" }, button("updates-install", m.updatesVerify, act.install)));
  } else if (u.lookedAt !== null) {
    section.append(el("p", { class: "updates-current" }, m.updatesUpToDate));
  }
  // Looking again is always offered: the channel may have changed since.
  const actions = section.querySelector(".updates-actions") ?? section.appendChild(el("div", { class: "updates-actions" }));
  actions.append(button("updates-check", m.updatesCheck, act.check));
  const small: string[] = [];
  if (u.channel) small.push(m.updatesChannel(u.channel, u.channelFromPolicy));
  if (u.lookedAt) small.push(m.updatesLookedAt(formatDateTime(u.lookedAt, lang)));
  if (small.length > 0) section.append(el("p", { class: "updates-channel" }, small.join(" · ")));
  return section;
}
