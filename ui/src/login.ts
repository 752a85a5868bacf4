// The login screen: server URL (remembered), login, password. The password goes to Rust,
// which talks to the ENT; the webview never does.
import { t, type Lang } from "./i18n";

export interface Credentials {
  server: string;
  login: string;
  password: string;
}

export function renderLogin(lang: Lang, server: string, onLogin: (c: Credentials) => void): HTMLElement {
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
  for (const [name, label, type, value] of [
    ["server", m.server, "url", server],
    ["login", m.login, "text", ""],
    ["password", m.password, "password", ""],
  ] as const) {
    const wrap = document.createElement("div");
    wrap.className = "field";
    const l = document.createElement("label");
    l.htmlFor = `login-${name}`;
    l.textContent = label;
    const input = document.createElement("input");
    input.id = `login-${name}`;
    input.name = name;
    input.type = type;
    input.value = value;
    input.required = true;
    if (name === "server") input.placeholder = m.serverExample;
    if (name === "password") input.autocomplete = "current-password";
    inputs[name] = input;
    wrap.append(l, input);
    form.append(wrap);
  }
  const error = document.createElement("p");
  error.className = "form-error";
  error.setAttribute("role", "alert");
  const submit = document.createElement("button");
  submit.type = "submit";
  submit.className = "primary";
  submit.textContent = m.connect;
  form.append(error, submit);
  form.onsubmit = (e) => {
    e.preventDefault();
    error.textContent = "";
    onLogin({ server: inputs.server.value.trim(), login: inputs.login.value.trim(), password: inputs.password.value });
  };
  main.append(form);
  return main;
}
