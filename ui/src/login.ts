// The login screen: server URL (remembered), login, password. The password goes to Rust,
// which talks to the ENT; the webview never does.
import { t, type Lang } from "./i18n";

export interface Credentials {
  server: string;
  login: string;
  password: string;
  /** At an account's first login: the password chosen (`password` is then the code). */
  newPassword?: string;
}

/** What the login screen asks of the shell about an ENT address. */
export interface EntSignIn {
  /** Which kind of ENT answers there (`ardoise`, `open-ent-ng`). */
  probe: (server: string) => Promise<string>;
  /** Signs in on that ENT's own page. */
  start: (server: string) => void;
}

/** What the school's policies say about the login screen. */
export interface LoginPolicy {
  /** The ENT's address is the school's: shown, not editable. */
  locked: boolean;
  /** What was wrong with the policy file (ignored). */
  problems: readonly string[];
}

/**
 * The login form. Once the address is known to be an Open ENT NG (asked when the field is
 * left), it offers to sign in on the ENT's own page — the way for accounts without an
 * ENT password (ÉduConnect, académie) — and the password becomes optional.
 */
export function renderLogin(
  lang: Lang,
  server: string,
  onLogin: (c: Credentials) => void,
  ent?: EntSignIn,
  policy: LoginPolicy = { locked: false, problems: [] },
): HTMLElement {
  const m = t(lang);
  const main = document.createElement("main");
  main.className = "login";
  const form = document.createElement("form");
  form.setAttribute("aria-label", m.loginTitle);
  const h1 = document.createElement("h1");
  h1.textContent = "Ardoise";
  const intro = document.createElement("p");
  intro.textContent = m.loginIntro;
  form.append(h1, intro);
  const inputs: Record<string, HTMLInputElement> = {};
  /** A labelled input of the form, in `into`. */
  const field = (into: HTMLElement, name: string, label: string, type: string): HTMLInputElement => {
    const wrap = document.createElement("div");
    wrap.className = "field";
    const l = document.createElement("label");
    l.htmlFor = `login-${name}`;
    l.textContent = label;
    const input = document.createElement("input");
    input.id = `login-${name}`;
    input.name = name;
    input.type = type;
    inputs[name] = input;
    wrap.append(l, input);
    into.append(wrap);
    return input;
  };
  for (const [name, label, type, value] of [
    ["server", m.server, "url", server],
    ["login", m.login, "text", ""],
    ["password", m.password, "password", ""],
  ] as const) {
    const input = field(form, name, label, type);
    input.value = value;
    input.required = true;
    if (name === "server") input.placeholder = m.serverExample;
    if (name === "server" && policy.locked) {
      // The school's address: read-only (still focusable and read aloud), with why.
      input.readOnly = true;
      input.classList.add("locked");
      const note = document.createElement("p");
      note.id = "login-server-locked";
      note.className = "policy-note";
      note.textContent = m.serverLocked;
      input.setAttribute("aria-describedby", note.id);
      input.parentElement?.append(note);
    }
    if (name === "password") input.autocomplete = "current-password";
  }
  // An account's first login: its password is a one-time activation code, and the
  // person chooses hers (shown by askNewPassword).
  const activation = document.createElement("div");
  activation.className = "activation";
  activation.hidden = true;
  for (const [name, label] of [
    ["newPassword", m.newPassword],
    ["confirmPassword", m.confirmPassword],
  ] as const) {
    const input = field(activation, name, label, "password");
    input.autocomplete = "new-password";
    input.minLength = 8;
  }
  form.append(activation);
  if (policy.problems.length > 0) {
    const warning = document.createElement("p");
    warning.className = "policy-warning";
    warning.title = policy.problems.join("\n");
    warning.textContent = m.policyIgnored;
    form.append(warning);
  }
  const error = document.createElement("p");
  error.className = "form-error";
  error.setAttribute("role", "alert");
  const submit = document.createElement("button");
  submit.type = "submit";
  submit.className = "primary";
  submit.textContent = m.connect;
  // Shown for an Open ENT NG: its page, where every kind of account signs in.
  const viaEnt = document.createElement("div");
  viaEnt.className = "via-ent";
  viaEnt.hidden = true;
  const viaEntHint = document.createElement("p");
  viaEntHint.textContent = m.entSignInHint;
  const viaEntButton = document.createElement("button");
  viaEntButton.type = "button";
  // Styled as the main action, but not `primary`: that stays the password form's button.
  viaEntButton.className = "ent-sign-in";
  viaEntButton.textContent = m.entSignIn;
  viaEntButton.onclick = () => {
    error.textContent = "";
    ent?.start(inputs.server.value.trim());
  };
  viaEnt.append(viaEntHint, viaEntButton);
  form.append(viaEnt, error, submit);
  const showKind = (kind: string) => {
    const open = kind === "open-ent-ng";
    viaEnt.hidden = !open;
    inputs.login.required = !open;
    inputs.password.required = !open;
    submit.className = open ? "secondary" : "primary";
    submit.textContent = open ? m.connectWithPassword : m.connect;
  };
  const ask = () => {
    const address = inputs.server.value.trim();
    if (!ent || address === "") return;
    ent.probe(address).then(showKind, () => showKind("ardoise"));
  };
  inputs.server.addEventListener("change", ask);
  if (server !== "") ask();
  form.onsubmit = (e) => {
    e.preventDefault();
    error.textContent = "";
    // On an Open ENT NG with no password typed, Enter means its page.
    if (!viaEnt.hidden && inputs.password.value === "") {
      ent?.start(inputs.server.value.trim());
      return;
    }
    const credentials: Credentials = {
      server: inputs.server.value.trim(),
      login: inputs.login.value.trim(),
      password: inputs.password.value,
    };
    if (!activation.hidden) {
      const chosen = inputs.newPassword.value;
      if ([...chosen].length < 8) {
        error.textContent = m.passwordTooShort;
        inputs.newPassword.focus();
        return;
      }
      if (chosen !== inputs.confirmPassword.value) {
        error.textContent = m.passwordsDiffer;
        inputs.confirmPassword.value = "";
        inputs.confirmPassword.focus();
        return;
      }
      credentials.newPassword = chosen;
    }
    onLogin(credentials);
  };
  main.append(form);
  return main;
}

/**
 * The ENT answered that the password typed is the account's one-time activation code:
 * the form now names it so and asks for the password the person chooses, twice.
 */
export function askNewPassword(view: HTMLElement, lang: Lang): void {
  const m = t(lang);
  const activation = view.querySelector<HTMLElement>(".activation");
  if (!activation) return;
  activation.hidden = false;
  for (const input of activation.querySelectorAll("input")) input.required = true;
  const codeLabel = view.querySelector<HTMLLabelElement>("label[for=login-password]");
  if (codeLabel) codeLabel.textContent = m.activationCode;
  view.querySelector<HTMLInputElement>("input[name=newPassword]")?.focus();
}

/**
 * While the user signs in on the ENT's page in her browser: what to do, and the page's
 * address should no browser have opened.
 */
export function renderEntWait(lang: Lang, url: string, onRestart: () => void): HTMLElement {
  const m = t(lang);
  const main = document.createElement("main");
  main.className = "login";
  const box = document.createElement("section");
  box.className = "ent-wait";
  box.setAttribute("aria-live", "polite");
  const h1 = document.createElement("h1");
  h1.textContent = "Ardoise";
  const p = document.createElement("p");
  p.textContent = m.entWaiting;
  const fallback = document.createElement("p");
  fallback.append(m.entNoBrowser, " ");
  const link = document.createElement("code");
  link.className = "ent-login-url";
  link.textContent = url;
  fallback.append(link);
  const restart = document.createElement("button");
  restart.type = "button";
  restart.textContent = m.entRestart;
  restart.onclick = onRestart;
  box.append(h1, p, fallback, restart);
  main.append(box);
  return main;
}

