import { listen } from "@tauri-apps/api/event";
import {
  logout,
  renewCalendarFeed,
  cancelOccurrence,
  replaceOccurrence,
  restoreOccurrence,
  copySession,
  copyTargets,
  deleteHomework,
  exportDayPdf,
  exportArchivePdf,
  exportIndicatorsCsv,
  applyProgression,
  deleteProgression,
  listProgressions,
  progressionClasses,
  progressionFromClass,
  getIndicators,
  saveSupportBundle,
  updateStatus,
  checkUpdate,
  installUpdate,
  restartApp,
  sendSupportReport,
  supportReports,
  acceptCharter,
  charterStatus,
  charterToAccept,
  type CharterView,
  deleteNews,
  listNews,
  setHomeworkDone,
  todoList,
  markNewsRead,
  saveNews,
  getLogbook,
  getPolicies,
  lastLogin,
  listDrafts,
  openLastExport,
  resolveConflictMerged,
  saveHomework,
  signVisa,
  login,
  probeEnt,
  startEntLogin,
  finishEntLogin,
  listConflicts,
  resolveConflict,
  getDay,
  getMe,
  searchTargets,
  setZoom,
  setLanguage,
  type Me,
  type SessionInput,
  type Target,
  getSession,
  nextLesson,
  dayLoad,
  getStatus,
  getWeek,
  saveSession,
  syncNow,
  type CommandError,
  type Occurrence,
  type SyncStatus,
} from "./api";
import {
  addDocuments,
  chooseMirrorDir,
  stopMirror,
  listDocuments,
  listTransfers,
  openDocument,
  pinDocument,
  retryTransfers,
  trashDocument,
  purgeDocument,
  type SyncProgress,
  type TransferView,
} from "./api";
import type { Changes, PolicyView, UpdateStatus } from "./bindings";
import { reshapes, touches, type Page } from "./changes";
import { renderConflicts } from "./conflicts";
import { logoutButton } from "./logout";
import { archiveButton } from "./archive";
import { charterPage, charterStatusView } from "./charter";
import { newsButton, newsDialog } from "./news";
import { helpPage, supportSection, updateSection } from "./help";
import { progressionsPage } from "./progressions";
import { todoButton, todoDialog } from "./todo";
import { calendarFeedButton } from "./calendarFeed";
import { renderDocuments, renderTransfers } from "./documents";
import type { HomeworkRow, Saved } from "./editor";
import { renderDrafts, renderLogbook } from "./logbook";
import { askNewPassword, renderEntWait, renderLogin, type EntSignIn } from "./login";
import { renderDay, renderSuggestions } from "./whereis";
import { errorText, t, type Lang } from "./i18n";
import { el, renderStatus, renderWeek } from "./view";
import { nextZoom, savedZoom } from "./zoom";
import { icon, withIcon, type IconName } from "./icons";

let lang: Lang = localStorage.getItem("lang") === "en" ? "en" : "fr";

/** The language switch: French first, English second; remembered. */
function langButton(): HTMLButtonElement {
  const b = document.createElement("button");
  b.className = "lang";
  b.textContent = lang === "fr" ? "English" : "Français";
  withIcon(b, "language");
  b.setAttribute("lang", lang === "fr" ? "en" : "fr");
  b.onclick = () => {
    lang = lang === "fr" ? "en" : "fr";
    localStorage.setItem("lang", lang);
    document.documentElement.lang = lang;
    // The webview's date fields follow, then the page is drawn again in the new language.
    void setLanguage(lang)
      .catch(() => undefined)
      .then(() => render());
  };
  return b;
}
const app = document.getElementById("app")!;
const todayIso = new Date().toLocaleDateString("sv-SE", { timeZone: "Europe/Paris" });
let current = todayIso;
let status: SyncStatus | null = null;
let lessons: Occurrence[] = [];
let me: Me | null = null;
/** The school's policies (read once at start: the file is root's and changes rarely). */
let policy: PolicyView = { entUrl: null, entLocked: false, hiddenFeatures: [], problems: [] };
let target: Target | null = null;
let officeTab: "day" | "logbooks" | "charter" | "indicators" = "day";
/** The indicators' period (the last four weeks at first). */
let period = { from: "", until: "" };
let reader: { teacher: Target | null; from: string; to: string } = { teacher: null, from: "", to: "" };
/** The screen shown: the week (or the office view), or the espace documentaire. */
let page: Page = "home";
/** The lesson card to focus once the week is drawn again (the one last edited). */
let returnFocus: string | null = null;
let docFolder = "/";
let transfers: TransferView[] = [];

/** A header button that opens one of the window's pages. */
function pageButton(to: Exclude<Page, "home">, label: string, glyph: IconName): HTMLButtonElement {
  const b = el("button", { class: `${to}-button` }, label);
  withIcon(b, glyph);
  b.onclick = () => {
    page = to;
    void render();
  };
  return b;
}

/** The header button that opens the Documents view. */
function documentsButton(): HTMLButtonElement {
  const b = pageButton("documents", t(lang).documents, "documents");
  if (!can("documents")) {
    // Disabled, with the reason said (title for the mouse, description for screen readers).
    b.disabled = true;
    b.title = t(lang).noDocuments;
    b.setAttribute("aria-description", t(lang).noDocuments);
  }
  return b;
}

/** The school's policies hide this feature (`HiddenFeatures`): it is not shown at all. */
function hidden(what: string): boolean {
  return policy.hiddenFeatures.includes(what);
}

/** The header's Documents button, unless the school hides the feature. */
function documentsButtons(): HTMLButtonElement[] {
  return hidden("documents") ? [] : [documentsButton()];
}

/** What the ENT lets Ardoise do (its backend's capabilities, less what the school's
 * policies turn off); all until the first status. */
function can(what: "lessonStatus" | "visas" | "documents" | "calendarFeed" | "assistance" | "indicators" | "progressions"): boolean {
  return status?.capabilities[what] ?? true;
}

/** Vie scolaire, direction and inspectors without classes of their own start on the office view. */
function isOffice(): boolean {
  const roles = me?.roles ?? [];
  return !roles.includes("teacher") && (roles.includes("vie_scolaire") || roles.includes("direction") || roles.includes("inspector"));
}

/** Pupils and parents (without a teacher's role) see their class's week, and no teacher tools. */
function isLearner(): boolean {
  const roles = me?.roles ?? [];
  return !roles.includes("teacher") && (roles.includes("pupil") || roles.includes("parent"));
}

/** Direction and inspectors read every logbook and sign it off. */
function signsVisas(): boolean {
  const roles = me?.roles ?? [];
  return roles.includes("direction") || roles.includes("inspector");
}

function switchUserButton(): HTMLButtonElement {
  const b = document.createElement("button");
  b.className = "switch-user";
  b.textContent = t(lang).switchUser;
  withIcon(b, "switchUser");
  b.onclick = () => {
    me = null;
    void showLogin();
  };
  return b;
}

/** Switch user and log out, side by side in every header. */
function accountButtons(): HTMLElement[] {
  const out = logoutButton(
    lang,
    () => {
      me = null;
      status = null;
      void showLogin();
    },
    showError,
  );
  return [switchUserButton(), out];
}

function nowInParis(): string {
  return new Date().toLocaleTimeString("fr-FR", { hour: "2-digit", minute: "2-digit", timeZone: "Europe/Paris" });
}

/** Shows a screen: its header, its content and the status bar; `ready` tells the tests. */
function showPage(header: HTMLElement, main: HTMLElement, ready = "true"): void {
  app.replaceChildren(header, main);
  if (status) app.append(renderStatus(status, lang, policy.problems));
  document.body.dataset.ready = ready;
}

/** « Retour »: back to the home screen, from Documents or Aide. */
function backButton(): HTMLButtonElement {
  const back = document.createElement("button");
  back.className = "back";
  back.textContent = t(lang).back;
  back.onclick = () => {
    page = "home";
    void render();
  };
  return back;
}

/** The header of every screen: "Ardoise — <name>" and its navigation. */
function pageHeader(name: string, ...nav: HTMLElement[]): HTMLElement {
  const header = document.createElement("header");
  const h1 = document.createElement("h1");
  h1.textContent = `Ardoise — ${name}`;
  const n = document.createElement("nav");
  n.append(...nav);
  header.append(h1, n);
  return header;
}

/** A date picker that calls `pick` with each date chosen. */
function dateInput(label: string, value: string, pick: (date: string) => void): HTMLInputElement {
  const input = document.createElement("input");
  input.type = "date";
  input.value = value;
  input.setAttribute("aria-label", label);
  input.onchange = () => {
    if (input.value) pick(input.value);
  };
  return input;
}

/** A search field for classes, teachers and rooms (`only` narrows the kind), with suggestions. */
function searchBox(input: HTMLInputElement, only: Target["kind"] | null, pick: (t: Target) => void): HTMLElement {
  input.autocomplete = "off";
  const suggestions = document.createElement("div");
  let found: Target[] = [];
  input.oninput = async () => {
    const text = input.value.trim();
    found = text.length === 0 ? [] : (await searchTargets(text).catch(() => [])).filter((x) => !only || x.kind === only);
    suggestions.replaceChildren(renderSuggestions(found, lang, pick));
  };
  // Enter takes the first match, as a search field does.
  input.onkeydown = (e) => {
    if (e.key === "Enter" && found.length > 0) {
      e.preventDefault();
      pick(found[0]);
    }
  };
  return suggestions;
}

/** After an edit: say so (if asked), show the new state and the pending count. */
function edited(done: Promise<unknown>, message?: string, failed: (e: CommandError) => void = showError): void {
  done
    .then(async () => {
      if (message) toast(message);
      await render();
      await refreshStatus();
    })
    .catch(failed);
}

function officeTabs(): HTMLElement {
  const m = t(lang);
  const tabs = document.createElement("div");
  tabs.className = "tabs";
  tabs.setAttribute("role", "tablist");
  const choices = [["day", m.whereTab], ["logbooks", m.logbooks]] as [typeof officeTab, string][];
  // Who accepted the charter is the direction's to see.
  if (me?.roles.includes("direction")) {
    choices.push(["charter", m.charterTab]);
    if (!hidden("indicators")) choices.push(["indicators", m.indicatorsTab]);
  }
  for (const [id, label] of choices) {
    const b = document.createElement("button");
    b.setAttribute("role", "tab");
    b.setAttribute("aria-selected", String(officeTab === id));
    b.dataset.tab = id;
    b.textContent = label;
    b.onclick = () => {
      officeTab = id;
      void render();
    };
    tabs.append(b);
  }
  return tabs;
}

async function renderLogbooks(): Promise<void> {
  const m = t(lang);
  const header = pageHeader(me?.displayName ?? "", officeTabs(), ...accountButtons(), langButton());

  if (!reader.from) reader = { teacher: null, from: shift(todayIso, -28), to: todayIso };
  const form = document.createElement("form");
  form.className = "reader";
  const who = document.createElement("input");
  who.id = "reader-teacher";
  who.value = reader.teacher?.label ?? "";
  who.placeholder = m.teacher;
  const suggestions = searchBox(who, "teacher", (picked) => {
    reader.teacher = picked;
    void render();
  });
  const whoLabel = document.createElement("label");
  whoLabel.htmlFor = who.id;
  whoLabel.textContent = m.teacher;
  // Each date with its visible label: « Du » and « Au ».
  const period = (label: string, value: string, set: (v: string) => void) => {
    const wrap = document.createElement("label");
    wrap.className = "period";
    wrap.append(
      label,
      " ",
      dateInput(label, value, (d) => {
        set(d);
        void render();
      }),
    );
    return wrap;
  };
  form.append(
    whoLabel,
    who,
    period(m.from, reader.from, (v) => (reader.from = v)),
    period(m.to, reader.to, (v) => (reader.to = v)),
    suggestions,
  );
  form.onsubmit = (e) => e.preventDefault();

  const main = document.createElement("main");
  main.append(form);
  if (!reader.teacher) {
    const hint = document.createElement("p");
    hint.className = "empty-state";
    hint.textContent = m.pickTeacher;
    main.append(hint);
  } else {
    const book = await getLogbook(reader.teacher.key, reader.from, reader.to);
    const onSign = can("visas")
      ? (audience: string, until: string, comment: string) =>
          edited(signVisa(book.login, audience, until, comment), t(lang).signed)
      : null;
    main.append(renderLogbook(book, todayIso, lang, onSign, m.noVisas));
  }
  showPage(header, main);
}

async function exportPdf(): Promise<void> {
  const path = await exportDayPdf(current, target ? { kind: target.kind, key: target.key } : null);
  if (path) exported(path);
}

/** Whether the user writes news: the direction and the vie scolaire. */
function publishesNews(): boolean {
  const roles = me?.roles ?? [];
  return roles.includes("direction") || roles.includes("vie_scolaire");
}

/** The header's « Actualités » button, with the news shown today. */
async function newsHeaderButton(): Promise<HTMLButtonElement> {
  const items = await listNews(todayIso).catch(() => []);
  return newsButton(lang, items, () =>
    document.body.append(
      newsDialog(lang, items, todayIso, publishesNews(), {
        markRead: markNewsRead,
        save: saveNews,
        remove: deleteNews,
        reload: () => listNews(todayIso),
        closed: () => void render(),
        failed: showError,
      }),
    ),
  );
}

/** A pupil's or parent's « Travail à faire » button: the next two weeks' homework. */
async function todoHeaderButton(): Promise<HTMLButtonElement> {
  const items = await todoList(todayIso, 14).catch(() => []);
  const pupil = me?.roles.includes("pupil") ?? false;
  return todoButton(lang, items, () =>
    document.body.append(
      todoDialog(lang, items, pupil ? setHomeworkDone : null, () => void render(), showError),
    ),
  );
}

/** « PDF enregistré », with a way to open it. */
function exported(path: string): void {
  const m = t(lang);
  toast(m.exported(path), { label: m.open, run: () => void openLastExport().catch(showError) });
}

/** The year's archive of a class, a group or a teacher, for the school year of the day shown. */
function yearArchiveButton(of: { kind: "audience" | "teacher"; key: string }): HTMLButtonElement {
  return archiveButton(lang, of, current, (who, year) => exportArchivePdf(who, year, todayIso), exported, showError);
}

async function renderOffice(): Promise<void> {
  const m = t(lang);
  if (officeTab === "logbooks" && signsVisas()) return renderLogbooks();
  if (officeTab === "charter" && me?.roles.includes("direction")) return renderCharterStatus();
  if (officeTab === "indicators" && me?.roles.includes("direction") && !hidden("indicators")) return renderIndicators();
  const day = dateInput(m.day, current, (d) => {
    current = d;
    void render();
  });
  const print = document.createElement("button");
  print.textContent = m.print;
  withIcon(print, "print");
  print.onclick = () => window.print();
  const pdf = document.createElement("button");
  pdf.className = "export-pdf";
  pdf.textContent = m.exportPdf;
  withIcon(pdf, "pdf");
  pdf.onclick = () => void exportPdf().catch(showError);
  const archive =
    target && target.kind !== "room" ? [yearArchiveButton({ kind: target.kind, key: target.key })] : [];
  const nav = [day, print, pdf, ...archive, await newsHeaderButton(), ...documentsButtons(), helpButton(), ...accountButtons(), langButton()];
  const header = pageHeader(me?.displayName ?? "", ...(signsVisas() ? [officeTabs(), ...nav] : nav));

  const search = document.createElement("section");
  search.className = "whereis";
  const label = document.createElement("label");
  label.htmlFor = "whereis";
  label.textContent = m.whereIs;
  const input = document.createElement("input");
  input.id = "whereis";
  input.placeholder = m.whereIsHint;
  // What was chosen stays in the box: the day below is about it.
  input.value = target?.label ?? "";
  const suggestions = searchBox(input, null, (picked) => {
    target = picked;
    void render();
  });
  search.append(label, input, suggestions);

  const of = target ? { kind: target.kind, key: target.key } : { kind: "everyone" as const };
  const dayLessons = await getDay(of, current);
  // A cancellation says so, with a way back for a few seconds (and « Rétablir » after).
  const onRestore = (o: Occurrence) => edited(restoreOccurrence(o.id), m.lessonRestored);
  const onCancel = (o: Occurrence, note: string) =>
    cancelOccurrence(o.id, note === "" ? null : note)
      .then(async () => {
        toast(`${m.lessonCancelled} : ${o.audience}, ${o.start}`, { label: m.undo, run: () => onRestore(o) });
        await render();
        await refreshStatus();
      })
      .catch(showError);
  const onReplace = (o: Occurrence, substitute: string, note: string) =>
    edited(replaceOccurrence(o.id, substitute, note === "" ? null : note));
  const main = document.createElement("main");
  const marks = can("lessonStatus");
  main.append(
    search,
    renderDay(
      target?.label ?? m.allClasses,
      current,
      dayLessons,
      lang,
      current === todayIso ? nowInParis() : null,
      marks ? onCancel : null,
      marks ? onReplace : null,
      marks ? onRestore : null,
    ),
  );
  if (!marks) main.append(el("p", { class: "unsupported" }, m.noLessonStatus));
  showPage(header, main);
}

function showError(e: unknown): void {
  const err = e as CommandError;
  toast(`${t(lang).error} : ${errorText(lang, err.code, err.message)}`);
}

/** A message for a few seconds, with an optional action button (longer then). */
function toast(text: string, action?: { label: string; run: () => void }): void {
  const div = document.createElement("div");
  div.className = "toast";
  div.setAttribute("role", "alert");
  div.append(text);
  if (action) {
    const b = document.createElement("button");
    b.textContent = action.label;
    b.onclick = action.run;
    div.append(" ", b);
  }
  document.body.append(div);
  setTimeout(() => div.remove(), action ? 10000 : 4000);
}

async function refreshStatus(): Promise<void> {
  status = await getStatus();
  app.querySelector("footer.status")?.replaceWith(renderStatus(status, lang, policy.problems));
}

/**
 * Saves the séance, then its homework, then removes the homework taken out, telling the
 * editor what is stored as it goes (a retry after a refusal then never stores twice).
 */
async function saveAll(input: SessionInput, homework: HomeworkRow[], removed: string[], saved: Saved): Promise<void> {
  const session = await saveSession(input);
  saved.session(session.id);
  for (const [i, h] of homework.entries()) {
    const stored = await saveHomework({ ...h, id: h.id ?? null, sessionId: session.id });
    saved.homework(i, stored.id);
  }
  for (const id of removed) {
    await deleteHomework(id);
    saved.removed(id);
  }
}

async function openLesson(id: string): Promise<void> {
  const lesson = lessons.find((o) => o.id === id);
  if (!lesson) return;
  // The séance and the documents that can be attached, asked together.
  // The editor (and its rich-text engine) loads with the first lesson opened, not at start.
  const [{ renderEditor }, existing, documents, nextLessonOn] = await Promise.all([
    import("./editor"),
    getSession(id).catch(() => null),
    listDocuments()
      .then((v) => v.documents)
      .catch(() => []),
    nextLesson(id).catch(() => null),
  ]);
  document.querySelector("div.editor")?.remove();
  // Focus goes back to the lesson the editor was opened from (after a redraw, too).
  returnFocus = id;
  const close = () => {
    document.querySelector("div.editor")?.remove();
    app.querySelector<HTMLElement>(`article[data-occurrence="${CSS.escape(id)}"]`)?.focus();
  };
  const failed = (e: CommandError) => {
    const where = document.querySelector("div.editor .form-error");
    if (where) where.textContent = errorText(lang, e.code, e.message);
    else showError(e);
  };
  const panel = renderEditor(lesson, existing, lang, {
    onSave: (input, homework, removed, saved) =>
      edited(saveAll(input, homework, removed, saved).then(close), t(lang).saved, failed),
    onClose: close,
    nextLessonOn,
    dayLoad: (date, excluding) => dayLoad(lesson.audience, date, excluding),
    documents,
    onOpenDocument: (id) => {
      toast(t(lang).opening);
      openDocument({ id }, null).catch(showError);
    },
    copyTargets: existing ? () => copyTargets(existing.id) : undefined,
    onCopy: existing
      ? (occurrenceId) => edited(copySession(existing.id, occurrenceId).then(close), t(lang).copied, failed)
      : undefined,
  });
  document.body.append(panel);
  panel.querySelector<HTMLInputElement>("input[name=title]")?.focus();
}

async function openDrafts(): Promise<void> {
  const list = await listDrafts();
  document.querySelector("div.editor")?.remove();
  const close = () => document.querySelector("div.editor")?.remove();
  const panel = renderDrafts(
    list,
    lang,
    (d) => {
      close();
      current = d.date;
      void render().then(() => (d.occurrenceId ? openLesson(d.occurrenceId) : undefined));
    },
    close,
  );
  document.body.append(panel);
  panel.querySelector<HTMLButtonElement>("button.draft")?.focus();
}

function shift(date: string, days: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

/** Signs in on an Open ENT NG's page: the browser opens, this window waits for it. */
async function entLogin(server: string, form: HTMLElement): Promise<void> {
  try {
    const url = await startEntLogin(server);
    app.replaceChildren(renderEntWait(lang, url, () => void entLogin(server, form)));
    document.body.dataset.ready = "ent-wait";
    const who = await finishEntLogin();
    localStorage.setItem("server", server);
    me = who;
    await render();
  } catch (e) {
    const err = e as CommandError;
    app.replaceChildren(form);
    const where = form.querySelector(".form-error");
    if (where) where.textContent = errorText(lang, err.code, err.message);
    document.body.dataset.ready = "login";
  }
}

/** The school disabled this account (the person left): its data leaves this computer, as
 * a logout would, edits not yet sent included, and the login screen says why. */
async function accountDisabled(e: CommandError): Promise<void> {
  await logout(true).catch(() => undefined);
  me = null;
  status = null;
  await showLogin();
  const where = app.querySelector(".form-error");
  if (where) where.textContent = errorText(lang, e.code, e.message);
}

async function showLogin(): Promise<void> {
  const last = await lastLogin().catch(() => null);
  // The school's address when it locked one; else the last used, the school's preset, or
  // none (no made-up address: the field shows an example until the user gives theirs).
  const server =
    (policy.entLocked ? policy.entUrl : null) ?? last?.server ?? policy.entUrl ?? localStorage.getItem("server") ?? "";
  const signIn: EntSignIn = {
    probe: (address) => probeEnt(address),
    start: (address) => void entLogin(address, view),
  };
  const view = renderLogin(lang, server, (c) => {
    login(c.server, c.login, c.password, c.newPassword)
      .then(async (who) => {
        localStorage.setItem("server", c.server);
        me = who;
        await render();
      })
      .catch((e: CommandError) => {
        const where = view.querySelector(".form-error");
        if (where) where.textContent = errorText(lang, e.code, e.message);
        // The password was an activation code: the person chooses hers.
        if (e.code === "auth.activation_required") askNewPassword(view, lang);
        // A refused password is typed again from scratch, where the cursor already is.
        if (e.code === "auth.invalid_credentials") {
          const password = view.querySelector<HTMLInputElement>("input[name=password]");
          if (password) {
            password.value = "";
            password.focus();
          }
        }
      });
  }, signIn, { locked: policy.entLocked, problems: policy.problems });
  app.replaceChildren(view);
  document.body.dataset.ready = "login";
  const loginInput = view.querySelector<HTMLInputElement>("input[name=login]");
  if (loginInput && last) loginInput.value = last.login;
  (last ? view.querySelector<HTMLInputElement>("input[name=password]") : loginInput)?.focus();
}

/**
 * Draws the page again. Drawings run one after the other (a sync's events and a click may
 * ask at once; two drawings interleaved could leave the older one on screen), and the
 * page says it is ready (`data-ready`, which the end-to-end tests wait for) only when the
 * last one asked for is done.
 */
let drawing: Promise<void> = Promise.resolve();
let drawsPending = 0;
function render(): Promise<void> {
  drawsPending++;
  document.body.dataset.ready = "redrawing";
  const done = drawing
    .then(() => draw())
    .finally(() => {
      drawsPending--;
      if (drawsPending > 0) document.body.dataset.ready = "redrawing";
    });
  drawing = done.catch(() => undefined);
  return done;
}

async function draw(): Promise<void> {
  const m = t(lang);
  try {
    if (!me) {
      await showLogin();
      return;
    }
    // The charter's latest version, before anything else, until it is accepted.
    const charter = await charterToAccept();
    if (charter) {
      renderCharterGate(charter);
      return;
    }
    if (page === "documents") {
      await renderDocumentsPage();
      return;
    }
    if (page === "help") {
      await renderHelpPage();
      return;
    }
    if (page === "progressions") {
      await renderProgressionsPage();
      return;
    }
    if (isOffice()) {
      await renderOffice();
      return;
    }
    const week = await getWeek(current);
    lessons = week.occurrences;
    const prev = document.createElement("button");
    prev.className = "icon-only";
    prev.append(icon("previous"));
    prev.setAttribute("aria-label", m.previous);
    prev.onclick = () => { current = shift(current, -7); void render(); };
    const label = document.createElement("span");
    label.className = "week-label";
    label.textContent = m.week(week.weekType, week.occurrences.length);
    const next = document.createElement("button");
    next.className = "icon-only";
    next.append(icon("next"));
    next.setAttribute("aria-label", m.next);
    next.onclick = () => { current = shift(current, 7); void render(); };
    const picker = dateInput(m.day, current, (d) => {
      current = d;
      void render();
    });
    const tools: HTMLElement[] = [];
    if (!isLearner()) {
      const drafts = document.createElement("button");
      drafts.className = "drafts-button";
      drafts.textContent = m.drafts((await listDrafts().catch(() => [])).length);
      withIcon(drafts, "drafts");
      drafts.onclick = () => void openDrafts();
      tools.push(drafts, ...documentsButtons());
    }
    if (isLearner()) tools.push(await todoHeaderButton());
    tools.push(await newsHeaderButton(), helpButton());
    // Her own cahier de textes of the year, as the school keeps it; her progressions.
    if (me.roles.includes("teacher")) tools.push(yearArchiveButton({ kind: "teacher", key: me.login }));
    if (me.roles.includes("teacher") && can("progressions")) tools.push(progressionsButton());
    // Her timetable in her phone's calendar, where the ENT publishes one.
    if (can("calendarFeed")) tools.push(calendarFeedButton(lang, renewCalendarFeed, showError));
    const header = pageHeader(week.userName, prev, label, next, picker, ...tools, ...accountButtons(), langButton());
    const main = document.createElement("main");
    main.append(renderWeek(week, lang, todayIso, !isLearner(), nowInParis()));
    app.replaceChildren(header, main);
    if (status) app.append(renderStatus(status, lang, policy.problems));
    if (returnFocus && !document.querySelector("div.editor")) {
      app.querySelector<HTMLElement>(`article[data-occurrence="${CSS.escape(returnFocus)}"]`)?.focus();
      returnFocus = null;
    }
    document.body.dataset.ready = "true";
  } catch (e) {
    const err = e as CommandError;
    const p = document.createElement("p");
    p.className = "error";
    p.textContent = `${m.error} : ${errorText(lang, err.code, err.message)}`;
    app.replaceChildren(p);
  }
}

/** The charter to accept, instead of the app; once accepted, the app. */
function renderCharterGate(charter: CharterView): void {
  const header = pageHeader(me?.displayName ?? "", ...accountButtons(), langButton());
  const main = charterPage(
    charter,
    lang,
    async () => {
      await acceptCharter(charter.number);
      await render();
    },
    showError,
  );
  showPage(header, main);
}

/** The direction's charter tab: who accepted which version. */
async function renderCharterStatus(): Promise<void> {
  const header = pageHeader(me?.displayName ?? "", officeTabs(), ...accountButtons(), langButton());
  const main = document.createElement("main");
  main.append(charterStatusView(await charterStatus(), lang));
  showPage(header, main);
}

/** The direction's indicators tab: the period, then the charts the ENT's figures make. */
async function renderIndicators(): Promise<void> {
  const m = t(lang);
  if (!period.from) period = { from: shift(todayIso, -27), until: todayIso };
  const header = pageHeader(me?.displayName ?? "", officeTabs(), ...accountButtons(), langButton());
  const main = el("main", { class: "indicators" }, el("h1", {}, m.indicatorsTitle));
  // The charting library loads with the page that draws charts, not at start.
  const { indicatorsView, periodForm } = await import("./indicators");
  const form = periodForm(
    period.from,
    period.until,
    lang,
    (from, until) => {
      period = { from, until };
      void render();
    },
    (from, until) =>
      void exportIndicatorsCsv(from, until)
        .then((path) => path && toast(m.indicatorsCsvSaved(path)))
        .catch(showError),
  );
  main.append(form);
  if (!can("indicators")) {
    main.append(el("p", { class: "unsupported" }, errorText(lang, "backend.unsupported", "")));
  } else {
    try {
      main.append(indicatorsView(await getIndicators(period.from, period.until), lang));
    } catch (e) {
      const err = e as CommandError;
      const text = err.code === "sync.offline" ? m.indicatorsOnline : errorText(lang, err.code, err.message);
      main.append(el("p", { class: "error", role: "alert" }, text));
    }
  }
  showPage(header, main);
}

/** The header button that opens « Progressions ». */
function progressionsButton(): HTMLButtonElement {
  return pageButton("progressions", t(lang).progressions, "progressions");
}

async function renderProgressionsPage(): Promise<void> {
  const m = t(lang);
  const header = pageHeader(m.progressionsTitle, backButton(), ...accountButtons(), langButton());
  const [list, classes] = await Promise.all([listProgressions(), progressionClasses()]);
  const main = progressionsPage(list, classes, todayIso, lang, {
    preview: (id, audience, from) => applyProgression(id, audience, from, true),
    apply: async (id, audience, from) => {
      const done = await applyProgression(id, audience, from, false);
      await refreshStatus();
      return done;
    },
    fromClass: async (audience, level, title) => {
      const made = await progressionFromClass(audience, level, title);
      toast(m.progressionMade(made.title));
      await render();
    },
    remove: async (id) => {
      await deleteProgression(id);
      await render();
    },
    failed: showError,
  });
  showPage(header, main);
}

/** The header button that opens « Aide ». */
function helpButton(): HTMLButtonElement {
  return pageButton("help", t(lang).help, "help");
}

async function renderHelpPage(): Promise<void> {
  const m = t(lang);
  const back = backButton();
  const header = pageHeader(m.help, back, ...accountButtons(), langButton());
  const main = helpPage(status, lang);
  // Right under what waits on this device: where to turn when something is wrong.
  main.querySelector(".help-now")!.after(
    supportSection(
      await supportReports().catch(() => []),
      can("assistance"),
      lang,
      () =>
        void sendSupportReport()
          .then(async () => {
            toast(m.supportQueued);
            await render();
          })
          .catch(showError),
      () =>
        void saveSupportBundle()
          .then((path) => path && toast(m.supportSaved(path)))
          .catch(showError),
    ),
  );
  const updates = await updateStatus().catch(() => null);
  if (updates) main.querySelector(".support")!.after(updateSection(updates, lang, updateActions()));
  showPage(header, main);
}

/** The steps of « Mises à jour »: each redraws the help page with what it did. */
function updateActions() {
  const m = t(lang);
  // The section itself says what went wrong with an update (it keeps `problem`): only
  // another failure needs a message.
  const then = (p: Promise<unknown>) =>
    void p
      .catch((e) => {
        if (!(e as CommandError).code?.startsWith("update.")) showError(e);
      })
      .then(() => render());
  const install = async (): Promise<void> => {
    toast(m.updatesInstalling);
    try {
      await installUpdate(false);
    } catch (e) {
      const err = e as CommandError;
      if (err.code !== "update.pending_edits") throw e;
      // The edits wait in the replica and leave after the restart: the user decides.
      const pending = (await getStatus().catch(() => status))?.pending ?? 1;
      if (window.confirm(m.updatesPendingConfirm(pending))) await installUpdate(true);
    }
  };
  return {
    check: () => {
      toast(m.updatesChecking);
      then(checkUpdate());
    },
    install: () => then(install()),
    restart: () => void restartApp().catch(showError),
  };
}

async function renderDocumentsPage(): Promise<void> {
  const m = t(lang);
  const [view, queue] = await Promise.all([listDocuments(), listTransfers()]);
  transfers = queue;
  const back = backButton();
  const header = pageHeader(m.documentsTitle, back, ...accountButtons(), langButton());
  const main = document.createElement("main");
  main.append(
    renderDocuments(view, transfers, docFolder, lang, {
      openFolder: (f) => {
        docFolder = f;
        void render();
      },
      open: (d, hash) => {
        toast(m.opening);
        openDocument(d, hash).catch(showError);
      },
      pin: (path, pinned) => edited(pinDocument(path, pinned)),
      trash: (d, trashed) => edited(trashDocument(d.id, trashed), m.saved),
      purge: (d) => edited(purgeDocument(d.id), m.purged),
      add: (f) =>
        void addDocuments(f)
          .then(async (n) => {
            if (n > 0) toast(m.added(n));
            await render();
          })
          .catch(showError),
      retry: () => edited(retryTransfers()),
      chooseMirror: () => edited(chooseMirrorDir()),
      stopMirror: () => edited(stopMirror()),
    }),
  );
  showPage(header, main, "documents");
}

/** Live progress of the file under way, without redrawing the rest of the page. */
function showTransferProgress(p: SyncProgress | null): void {
  if (page !== "documents") return;
  if (p === null) {
    void render();
    return;
  }
  app.querySelector("section.transfers")?.replaceWith(renderTransfers(transfers, p, lang, () => edited(retryTransfers())));
}

async function openConflicts(): Promise<void> {
  const list = await listConflicts();
  document.querySelector("div.editor")?.remove();
  const close = () => document.querySelector("div.editor")?.remove();
  // After either choice: close, say so, and show the next conflict if any.
  const then = (done: Promise<void>) =>
    done
      .then(async () => {
        close();
        toast(t(lang).saved);
        await refreshStatus();
        if (list.length > 1) await openConflicts();
      })
      .catch(showError);
  const panel = renderConflicts(
    list,
    lang,
    (id, keep) => void then(resolveConflict(id, keep)),
    close,
    (id, values) => void then(resolveConflictMerged(id, values)),
  );
  document.body.append(panel);
  panel.querySelector<HTMLButtonElement>("button.keep-mine")?.focus();
}

app.addEventListener("click", (e) => {
  if ((e.target as HTMLElement).closest("footer.status button.badge")) {
    void openConflicts();
    return;
  }
  const card = (e.target as HTMLElement).closest<HTMLElement>("article[data-occurrence][role=button]");
  if (card) void openLesson(card.dataset.occurrence!);
});
app.addEventListener("keydown", (e) => {
  // Only a focused lesson card opens on Enter or Space: never keys typed into a field.
  const card = e.target as HTMLElement;
  if (card.matches("article[data-occurrence][role=button]") && (e.key === "Enter" || e.key === " ")) {
    e.preventDefault();
    void openLesson(card.dataset.occurrence!);
  }
});

/**
 * Side panels open between the header and the status bar, never over their buttons: the
 * two heights are measured whenever the page is drawn again or the window resized.
 */
function measureFrame(): void {
  const root = document.documentElement.style;
  const header = app.querySelector("header");
  const footer = app.querySelector("footer.status");
  root.setProperty("--header-h", `${header ? header.getBoundingClientRect().bottom : 0}px`);
  root.setProperty("--footer-h", `${footer ? window.innerHeight - footer.getBoundingClientRect().top : 0}px`);
}
new MutationObserver(() => measureFrame()).observe(app, { childList: true });
window.addEventListener("resize", measureFrame);

async function start(): Promise<void> {
  document.documentElement.lang = lang;
  await setLanguage(lang).catch(() => undefined);
  // Keys first: they must work as soon as anything is on screen.
  let zoom = savedZoom();
  document.addEventListener("keydown", (e) => {
    if (e.key === "F5") void syncNow();
    const next = e.ctrlKey || e.metaKey ? nextZoom(zoom, e.key) : null;
    if (next !== null) {
      e.preventDefault();
      void setZoom(next).then((z) => {
        zoom = z;
        localStorage.setItem("zoom", String(z));
      });
    }
  });
  if (zoom !== 1) await setZoom(zoom).catch(() => 1);
  // Listening before the first drawing: a sync that ends meanwhile is not missed.
  const typingInPage = () =>
    app.contains(document.activeElement) && (document.activeElement?.matches("input, textarea, select") ?? false);
  await listen<SyncStatus>("sync-status", (e) => {
    const before = status;
    status = e.payload;
    const footer = app.querySelector("footer.status");
    // The first status after a sign-in, or another ENT's capabilities, reshape the page;
    // otherwise only the status bar changes.
    // The help page says what is waiting: it follows the status.
    if (me && (!footer || reshapes(before, status) || page === "help") && !typingInPage()) void render();
    else footer?.replaceWith(renderStatus(status, lang, policy.problems));
  });
  // What a sync changed, by kind: the page redraws when it shows some of it — behind an
  // open side panel too (the panel lives outside the page and keeps what is being typed)
  // — but never under a field the user is typing in.
  await listen<Changes>("replica-changed", (e) => {
    if (touches(page, e.payload) && !typingInPage()) void render();
  });
  policy = await getPolicies().catch(() => policy);
  me = await getMe().catch(() => null);
  status = await getStatus().catch(() => null);
  await render();
  // A sync failure the user must act on (session expired, outdated app…), said once by
  // the shell per failure.
  await listen<CommandError>("sync-error", (e) => {
    if (e.payload.code === "auth.account_disabled") void accountDisabled(e.payload);
    else showError(e.payload);
  });
  // The espace documentaire changed (pulled, uploaded, downloaded): redraw it if shown.
  await listen("documents-changed", () => {
    const typing = document.activeElement?.matches("input, textarea, select") ?? false;
    if (page === "documents" && !typing) void render();
  });
  await listen<SyncProgress | null>("transfer-progress", (e) => showTransferProgress(e.payload));
  // The background look found an update: said once, with the way to « Aide ».
  await listen<UpdateStatus>("update-found", (e) => {
    const v = e.payload.found?.version;
    if (!v) return;
    if (page === "help") void render();
    else toast(t(lang).updatesAvailableToast(v), { label: t(lang).updatesSeeHelp, run: () => {
      page = "help";
      void render();
    } });
  });
  // Everything is wired (the end-to-end tests wait for this).
  document.body.dataset.listening = "true";
}

void start();
