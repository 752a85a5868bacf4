//! School-wide configuration and proxies with the real CLI and server: a locked ENT address
//! from the policy file is the one used (another one is refused, typed), `ardoise policies
//! --json` says where each value came from, a broken file is reported and ignored, and
//! every request — the login included — goes through the policy's proxy, else through the
//! session's (`HTTP_PROXY`), else through the desktop's (GNOME's settings, as `gsettings`
//! prints them), a real forwarding proxy on loopback.

use ardoise_testkit::forward_proxy::ForwardProxy;
use ardoise_testkit::{server_cmd, Client, Server};

/// The environment of a run with `policies` as its policy file and no proxy inherited
/// from the machine running the tests.
fn env(policies: &std::path::Path) -> Vec<(&'static str, String)> {
    vec![
        ("ARDOISE_POLICIES", policies.display().to_string()),
        ("HTTP_PROXY", String::new()),
        ("http_proxy", String::new()),
        ("HTTPS_PROXY", String::new()),
        ("https_proxy", String::new()),
        ("ALL_PROXY", String::new()),
        ("all_proxy", String::new()),
        ("NO_PROXY", "example.invalid".into()),
        ("no_proxy", "example.invalid".into()),
    ]
}

fn run(c: &Client, args: &[&str], env: &[(&'static str, String)]) -> ardoise_testkit::Out {
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    c.run_env(args, &env)
}

/// `ardoise login` (asking the ENT its kind first) then `ardoise sync`, as the client's
/// own login.
fn login_and_sync(c: &Client, server: &Server, env: &[(&'static str, String)]) {
    let user = c.profile.file_name().unwrap().to_str().unwrap();
    run(
        c,
        &["login", "--server", &server.url(), "--user", user],
        env,
    )
    .ok();
    run(c, &["sync"], env).ok();
}

/// What a proxy must have seen of a login and a sync: the probe of the ENT's kind, the
/// login, and the first pull.
fn assert_went_through(seen: &[String]) {
    for request in ["GET /v1/health", "POST /v1/auth/login"] {
        assert!(seen.iter().any(|r| r == request), "{request}: {seen:?}");
    }
    assert!(
        seen.iter()
            .any(|r| r.contains("/v1/snapshot") || r.contains("/v1/pull")),
        "{seen:?}"
    );
}

#[test]
fn a_locked_ent_address_is_the_one_used_and_says_where_it_comes_from() {
    let root = tempfile::tempdir().unwrap();
    let server = Server::demo(root.path());
    let file = root.path().join("policies.json");
    std::fs::write(
        &file,
        format!(
            r#"{{"policies": {{"EntUrl": "{}", "OAuthClientSecret": "ne-pas-afficher",
                "UpdatesEnabled": {{"Value": false, "Locked": false}}}}}}"#,
            server.url()
        ),
    )
    .unwrap();
    let env = env(&file);
    let c = Client::new(root.path(), "martin");

    let shown = run(&c, &["policies", "--json"], &env).ok().json();
    assert_eq!(shown["file"], file.display().to_string());
    assert_eq!(shown["entUrl"]["value"], server.url());
    assert_eq!(shown["entUrl"]["locked"], true);
    assert_eq!(shown["entUrl"]["source"], file.display().to_string());
    assert_eq!(shown["updatesEnabled"]["locked"], false);
    assert_eq!(shown["problems"], serde_json::json!([]));
    assert!(
        !shown.to_string().contains("ne-pas-afficher"),
        "the secret is never printed"
    );

    // Another address than the school's: refused, typed, and nothing is made.
    let refused = run(
        &c,
        &[
            "login",
            "--server",
            "http://127.0.0.1:9",
            "--user",
            "martin",
        ],
        &env,
    );
    assert_ne!(refused.code, 0);
    assert!(
        refused.stderr.contains("policy.locked"),
        "{}",
        refused.stderr
    );
    assert!(refused.stderr.contains(&server.url()), "{}", refused.stderr);
    assert!(!c.profile.join("profile.json").exists());

    // No address at all: the school's.
    run(&c, &["login", "--user", "martin"], &env).ok();
    run(&c, &["sync"], &env).ok();
    assert_eq!(
        run(&c, &["status", "--json"], &env).ok().json()["online"],
        true
    );
}

#[test]
fn a_broken_policy_file_is_reported_and_ignored() {
    let root = tempfile::tempdir().unwrap();
    let server = Server::demo(root.path());
    let file = root.path().join("policies.json");
    std::fs::write(
        &file,
        "{\"policies\": {\"EntUrl\": \"http://127.0.0.1:9\",,}}",
    )
    .unwrap();
    let env = env(&file);
    let c = Client::new(root.path(), "martin");

    let shown = run(&c, &["policies", "--json"], &env).ok().json();
    assert_eq!(shown["found"], true);
    assert!(shown["entUrl"].is_null());
    let problem = shown["problems"][0].as_str().unwrap();
    assert!(problem.contains("pas du JSON valide"), "{problem}");
    // The text version says it too, and the login goes where the user said.
    let text = run(&c, &["policies"], &env).ok().stdout;
    assert!(text.contains("ignoré"), "{text}");
    let login = run(
        &c,
        &["login", "--server", &server.url(), "--user", "martin"],
        &env,
    )
    .ok();
    assert!(
        login.stderr.contains("pas du JSON valide"),
        "{}",
        login.stderr
    );
}

#[test]
fn every_request_goes_through_the_policy_proxy_else_the_sessions_else_the_desktops() {
    let root = tempfile::tempdir().unwrap();
    let server = Server::demo(root.path());

    // The school's proxy, from the policy file.
    let proxy = ForwardProxy::start();
    let file = root.path().join("policies.json");
    std::fs::write(
        &file,
        format!(r#"{{"policies": {{"Proxy": "{}"}}}}"#, proxy.url()),
    )
    .unwrap();
    let env_policy = env(&file);
    let c = Client::new(root.path(), "martin");
    login_and_sync(&c, &server, &env_policy);
    assert_went_through(&proxy.requests());

    // No policy: the system's proxy (HTTP_PROXY), the login included.
    let through_policy_proxy = proxy.requests().len();
    let system = ForwardProxy::start();
    let mut env_system = env(&root.path().join("none.json"));
    for (k, v) in env_system.iter_mut() {
        if *k == "HTTP_PROXY" {
            *v = system.url();
        }
    }
    let l = Client::new(root.path(), "leroy");
    login_and_sync(&l, &server, &env_system);
    assert_went_through(&system.requests());
    assert_eq!(proxy.requests().len(), through_policy_proxy);

    // No policy, no variable: the desktop's manual proxy, as GNOME's `gsettings` tells it
    // (a stand-in earlier in PATH answers for the desktop).
    let through_system_proxy = system.requests().len();
    let desktop = ForwardProxy::start();
    let bin = root.path().join("desktop-bin");
    std::fs::create_dir_all(&bin).unwrap();
    let gsettings = bin.join("gsettings");
    std::fs::write(
        &gsettings,
        format!(
            "#!/bin/sh\ncase \"$2 $3\" in\n\
             'org.gnome.system.proxy mode') echo \"'manual'\" ;;\n\
             'org.gnome.system.proxy.https host') echo \"'127.0.0.1'\" ;;\n\
             'org.gnome.system.proxy.https port') echo {} ;;\n\
             'org.gnome.system.proxy ignore-hosts') echo '@as []' ;;\n\
             *) exit 1 ;;\nesac\n",
            desktop.port
        ),
    )
    .unwrap();
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&gsettings, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let mut env_desktop = env(&root.path().join("none.json"));
    let path = std::env::var("PATH").unwrap_or_default();
    env_desktop.push(("PATH", format!("{}:{path}", bin.display())));
    let d = Client::new(root.path(), "diallo");
    login_and_sync(&d, &server, &env_desktop);
    assert_went_through(&desktop.requests());
    assert_eq!(system.requests().len(), through_system_proxy);
    assert_eq!(proxy.requests().len(), through_policy_proxy);

    // A proxy that is down: the sync says the ENT cannot be reached, nothing is lost.
    std::fs::write(&file, r#"{"policies": {"Proxy": "http://127.0.0.1:9"}}"#).unwrap();
    let offline = run(&c, &["sync"], &env_policy);
    assert_ne!(offline.code, 0);
    assert!(
        offline.stderr.contains("sync.offline"),
        "{}",
        offline.stderr
    );
}

#[test]
fn a_closed_assistance_inbox_keeps_reports_on_the_computer() {
    let root = tempfile::tempdir().unwrap();
    let server = Server::demo(root.path());
    let file = root.path().join("policies.json");
    std::fs::write(&file, r#"{"policies": {"SupportInbox": false}}"#).unwrap();
    let env = env(&file);
    let c = Client::new(root.path(), "martin");
    run(
        &c,
        &["login", "--server", &server.url(), "--user", "martin"],
        &env,
    )
    .ok();
    let out = root.path().join("rapport.zip");
    let refused = run(
        &c,
        &["support-bundle", "--send", "--out", out.to_str().unwrap()],
        &env,
    );
    assert_ne!(refused.code, 0);
    assert!(
        refused.stderr.contains("boîte d'assistance"),
        "{}",
        refused.stderr
    );
    assert!(out.exists(), "the report is saved as a file all the same");
    run(&c, &["sync"], &env).ok();
    let data = root.path().join("server");
    let inbox = || -> Vec<serde_json::Value> {
        serde_json::from_str(&server_cmd(&data, &["support", "list", "--json"], &[])).unwrap()
    };
    assert_eq!(
        inbox().len(),
        0,
        "the school closed its inbox: nothing is sent"
    );
    // The school opens it again: a report goes with the sync.
    std::fs::remove_file(&file).unwrap();
    run(&c, &["support-bundle", "--send"], &env).ok();
    assert_eq!(inbox().len(), 1);
}
