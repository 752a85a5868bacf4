// French first, English second. Dates in fr-FR, times in Europe/Paris.
export type Lang = "fr" | "en";

const messages = {
  fr: {
    online: "En ligne",
    offline: "Hors ligne",
    syncing: "Synchronisation…",
    pending: (n: number) => (n === 0 ? "rien en attente" : `${n} modification${n > 1 ? "s" : ""} en attente`),
    syncedAt: (t: string) => `Synchronisé à ${t}`,
    never: "jamais synchronisé",
    conflicts: (n: number) => `${n} conflit${n > 1 ? "s" : ""}`,
    week: (t: string | null) => (t ? `Semaine ${t}` : "Vacances"),
    cancelled: "Annulé",
    replaced: "Remplacé",
    moved: "Déplacé",
    today: "aujourd'hui",
    noLesson: "Pas de cours",
    previous: "Semaine précédente",
    next: "Semaine suivante",
    written: "Séance renseignée",
    error: "Erreur",
    editorTitle: "Séance du cahier de textes",
    title: "Titre",
    content: "Contenu de la séance",
    annotation: "Annotation privée",
    state: "État",
    draft: "Brouillon",
    published: "Publiée",
    save: "Enregistrer",
    close: "Fermer",
    saved: "Enregistré",
    whereIs: "Où est… ?",
    whereIsHint: "Classe, enseignant ou salle",
    day: "Jour",
    allClasses: "Toutes les classes",
    now: "maintenant",
    cancel: "Annuler ce cours",
    cancelNote: "Motif",
    confirm: "Confirmer",
    print: "Imprimer",
    kinds: { audience: "classe", teacher: "enseignant", room: "salle" } as Record<string, string>,
    loginTitle: "Connexion",
    loginIntro: "Connectez-vous à l'ENT de votre établissement. Ensuite, Ardoise fonctionne aussi hors ligne.",
    server: "Adresse de l'ENT",
    login: "Identifiant",
    password: "Mot de passe",
    connect: "Se connecter",
    conflictsTitle: "Conflits de modification",
    conflictIntro: "Cette entrée a été modifiée ailleurs pendant que vous la modifiiez. Rien n'est perdu : choisissez la version à garder.",
    field: "Champ",
    mine: "Ma version",
    theirs: "L'autre version",
    keepMine: "Garder ma version",
    keepTheirs: "Garder l'autre version",
    empty: "(vide)",
    fieldNames: { title: "Titre", content: "Contenu", annotation: "Annotation", state: "État", description: "Description", dueOn: "Pour le" } as Record<string, string>,
  },
  en: {
    online: "Online",
    offline: "Offline",
    syncing: "Syncing…",
    pending: (n: number) => (n === 0 ? "nothing pending" : `${n} change${n > 1 ? "s" : ""} pending`),
    syncedAt: (t: string) => `Synced at ${t}`,
    never: "never synced",
    conflicts: (n: number) => `${n} conflict${n > 1 ? "s" : ""}`,
    week: (t: string | null) => (t ? `Week ${t}` : "Holidays"),
    cancelled: "Cancelled",
    replaced: "Replaced",
    moved: "Moved",
    today: "today",
    noLesson: "No lessons",
    previous: "Previous week",
    next: "Next week",
    written: "Lesson written",
    error: "Error",
    editorTitle: "Logbook entry",
    title: "Title",
    content: "What was done in class",
    annotation: "Private note",
    state: "State",
    draft: "Draft",
    published: "Published",
    save: "Save",
    close: "Close",
    saved: "Saved",
    whereIs: "Where is…?",
    whereIsHint: "Class, teacher or room",
    day: "Day",
    allClasses: "All classes",
    now: "now",
    cancel: "Cancel this lesson",
    cancelNote: "Reason",
    confirm: "Confirm",
    print: "Print",
    kinds: { audience: "class", teacher: "teacher", room: "room" } as Record<string, string>,
    loginTitle: "Log in",
    loginIntro: "Log in to your school's ENT. Ardoise then works offline too.",
    server: "ENT address",
    login: "Login",
    password: "Password",
    connect: "Log in",
    conflictsTitle: "Edit conflicts",
    conflictIntro: "This entry was changed elsewhere while you were editing it. Nothing is lost: choose the version to keep.",
    field: "Field",
    mine: "My version",
    theirs: "Other version",
    keepMine: "Keep my version",
    keepTheirs: "Keep the other version",
    empty: "(empty)",
    fieldNames: { title: "Title", content: "Content", annotation: "Note", state: "State", description: "Description", dueOn: "Due" } as Record<string, string>,
  },
};

export type Messages = (typeof messages)["fr"];

export function t(lang: Lang): Messages {
  return messages[lang];
}

/** Translates a shell error code; unknown codes fall back to the shell's message. */
export function errorText(lang: Lang, code: string, message: string): string {
  const known: Record<string, Record<Lang, string>> = {
    "sync.offline": { fr: "Serveur injoignable : vos modifications restent en attente.", en: "Server unreachable: your changes stay queued." },
    "logbook.visa_locked": { fr: "Entrée visée : elle ne peut plus être modifiée.", en: "Signed-off entry: it can no longer be changed." },
    "auth.logged_out": { fr: "Session expirée : reconnectez-vous.", en: "Session expired: log in again." },
    "auth.invalid_credentials": { fr: "Identifiant ou mot de passe incorrect.", en: "Wrong login or password." },
    "auth.too_many_attempts": { fr: "Trop de tentatives : patientez un instant avant de réessayer.", en: "Too many attempts: wait a moment before trying again." },
  };
  return known[code]?.[lang] ?? message;
}

export function formatTime(iso: string, lang: Lang): string {
  return new Intl.DateTimeFormat(lang === "fr" ? "fr-FR" : "en-GB", {
    hour: "2-digit",
    minute: "2-digit",
    timeZone: "Europe/Paris",
  }).format(new Date(iso));
}

export function formatDay(date: string, lang: Lang): string {
  return new Intl.DateTimeFormat(lang === "fr" ? "fr-FR" : "en-GB", {
    weekday: "long",
    day: "numeric",
    month: "long",
    timeZone: "UTC",
  }).format(new Date(`${date}T00:00:00Z`));
}
