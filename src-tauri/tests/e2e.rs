//! End to end: the real app binary in a real WebKit window (Xvfb), driven through
//! WebKitWebDriver, against the real reference server on loopback. Run by `make e2e`
//! (which builds the release app and passes `--ignored`); a plain `cargo test` skips it.
//! Screenshots of each story's end state go to `artifacts/e2e/`; the run ends with the line
//! `N passed, N failed`.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use ardoise_testkit::webdriver::Driver;
use ardoise_testkit::{Client, Http, Server};
use serde_json::json;

fn artifacts() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../artifacts/e2e")
}

/// The app under test: `ARDOISE_APP_BIN` (the release binary, from `make e2e`), else the
/// debug binary cargo built with the tests.
fn app_binary() -> PathBuf {
    std::env::var_os("ARDOISE_APP_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_ardoise-app")))
}

fn launch(profile: &Path, xdg: &Path) -> Driver {
    launch_with(profile, xdg, &[])
}

/// [`launch`] with more environment (the school's policy file, an OAuth client…).
fn launch_with(profile: &Path, xdg: &Path, more: &[(&str, &str)]) -> Driver {
    let mut env = vec![
        ("ARDOISE_PROFILE", profile.to_str().unwrap()),
        ("XDG_DATA_HOME", xdg.to_str().unwrap()),
    ];
    env.extend_from_slice(more);
    Driver::launch(&app_binary(), &env)
}

/// Screens checked by the accessibility engine, and the serious or critical violations
/// found on them (printed as `a11y: screens=N violations=N` at the end).
static A11Y_SCREENS: AtomicUsize = AtomicUsize::new(0);
static A11Y_VIOLATIONS: AtomicUsize = AtomicUsize::new(0);

/// A screenshot of what the window shows (`artifacts/e2e/<name>.png`), and axe-core run on
/// it in the real window: every serious or critical violation is printed and counted.
fn screen(driver: &Driver, name: &str) {
    driver.screenshot(&artifacts().join(format!("{name}.png")));
    static AXE: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let axe = AXE.get_or_init(|| {
        let path =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../ui/node_modules/axe-core/axe.min.js");
        std::fs::read_to_string(path).expect("axe-core in ui/node_modules (make deps)")
    });
    let script = format!(
        "{axe}\n;const done = arguments[arguments.length - 1];
         axe.run(document, {{ resultTypes: ['violations'] }})
           .then(r => done(r.violations
             .filter(v => v.impact === 'serious' || v.impact === 'critical')
             .map(v => ({{ id: v.id, impact: v.impact, help: v.help,
                           nodes: v.nodes.slice(0, 3).map(n => n.target.join(' ')) }}))))
           .catch(e => done({{ error: String(e) }}));"
    );
    let found = driver.execute_async(&script, json!([]));
    let violations = found
        .as_array()
        .unwrap_or_else(|| panic!("axe-core did not run on {name}: {found}"));
    for v in violations {
        println!(
            "a11y {name}: {} ({}) — {} — {}",
            v["id"], v["impact"], v["help"], v["nodes"]
        );
    }
    A11Y_SCREENS.fetch_add(1, Ordering::SeqCst);
    A11Y_VIOLATIONS.fetch_add(violations.len(), Ordering::SeqCst);
}

/// Shows the week of `date` (YYYY-MM-DD) and waits for it to be drawn: a click sent before
/// may land on a lesson card being replaced (seen once in CI: the editor never opened).
fn show_week(driver: &Driver, date: &str) {
    driver.execute(
        "document.body.dataset.ready = 'redrawing'; const d = document.querySelector('header nav input[type=date]'); d.value = arguments[0]; d.dispatchEvent(new Event('change'));",
        json!([date]),
    );
    driver.wait_until(
        &format!("the week of {date}"),
        "return document.body.dataset.ready === 'true'",
        Duration::from_secs(10),
    );
}

const STATUS_TEXT: &str = "(document.querySelector('footer.status') || {}).textContent || ''";

/// Waits until the status bar says online with nothing pending: every edit went up.
/// How many records of what the server gives `login` pass `keep`: asked every half second
/// until there is one, for 30 s at most (what the app sends by itself takes a sync).
fn on_server(url: &str, login: &str, keep: impl Fn(&serde_json::Value) -> bool) -> usize {
    let http = Http::login(url, login);
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    loop {
        let n = http.snapshot().iter().filter(|r| keep(r)).count();
        if n > 0 || std::time::Instant::now() > deadline {
            return n;
        }
        std::thread::sleep(Duration::from_millis(500));
    }
}

fn wait_all_sent(driver: &Driver, what: &str, within: Duration) {
    driver.wait_until(
        what,
        &format!("const t = {STATUS_TEXT}; return t.includes('En ligne') && t.includes('rien en attente') && t.includes('Synchronisé')"),
        within,
    );
}

fn logging_in_from_the_app_refuses_a_wrong_password_then_shows_the_week() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::demo(dir.path());
    let driver = launch(&dir.path().join("new-profile"), &dir.path().join("xdg"));
    driver.wait_until(
        "the login screen",
        "return document.body.dataset.ready === 'login'",
        Duration::from_secs(30),
    );
    screen(&driver, "login");
    driver.type_into(&driver.find("input[name=server]"), &server.url());
    driver.type_into(&driver.find("input[name=login]"), "martin");
    driver.type_into(&driver.find("input[name=password]"), "pas le bon");
    driver.click(&driver.find("main.login button.primary"));
    driver.wait_until(
        "the refusal",
        "return (document.querySelector('.form-error') || {}).textContent === 'Identifiant ou mot de passe incorrect.'",
        Duration::from_secs(15),
    );
    driver.type_into(&driver.find("input[name=password]"), "ardoise");
    driver.click(&driver.find("main.login button.primary"));
    driver.wait_until(
        "the first sync and the week",
        &format!("const t = {STATUS_TEXT}; return document.body.dataset.ready === 'true' && t.includes('Synchronisé') && t.includes('En ligne')"),
        Duration::from_secs(60),
    );
    let title = driver.text(&driver.find("header h1"));
    assert_eq!(title, "Ardoise — Mme Claire Martin");
}

/// The school's IT person locked the ENT's address for every user of the computer
/// (`/etc/ardoise/policies.json`; `ARDOISE_POLICIES` names the file here): the login screen
/// shows it read-only and says why; the teacher types only her login and password.
fn a_locked_ent_address_is_shown_as_the_schools() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::demo(dir.path());
    let policies = dir.path().join("policies.json");
    std::fs::write(
        &policies,
        format!(r#"{{"policies": {{"EntUrl": "{}"}}}}"#, server.url()),
    )
    .unwrap();
    let driver = launch_with(
        &dir.path().join("new-profile"),
        &dir.path().join("xdg"),
        &[("ARDOISE_POLICIES", policies.to_str().unwrap())],
    );
    driver.wait_until(
        "the login screen",
        "return document.body.dataset.ready === 'login'",
        Duration::from_secs(30),
    );
    let shown = driver.execute(
        "const i = document.querySelector('input[name=server]');
         return [i.value, i.readOnly, document.querySelector('.policy-note').textContent];",
        json!([]),
    );
    assert_eq!(
        shown,
        json!([server.url(), true, "Adresse fixée par votre établissement."])
    );
    screen(&driver, "login-locked-ent");
    driver.type_into(&driver.find("input[name=login]"), "martin");
    driver.type_into(&driver.find("input[name=password]"), "ardoise");
    driver.click(&driver.find("main.login button.primary"));
    driver.wait_until(
        "the first sync and the week",
        &format!("const t = {STATUS_TEXT}; return document.body.dataset.ready === 'true' && t.includes('Synchronisé') && t.includes('En ligne')"),
        Duration::from_secs(60),
    );
}

/// A teacher new to the school: the administrator made her account with a one-time
/// activation code (`ardoise-server users add`); at her first login in the app she types
/// it as the password, the app asks for the password she chooses, twice, and she is in.
fn a_new_teacher_activates_her_account_at_her_first_login() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::demo(dir.path());
    let made = std::process::Command::new(ardoise_testkit::bin("ardoise-server"))
        .arg("--data")
        .arg(&server.data)
        .args([
            "users",
            "add",
            "--login",
            "ines.nouvel",
            "--role",
            "teacher",
        ])
        .args(["--name", "Mme Inès Nouvel"])
        .env_remove("ARDOISE_PASSWORD")
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&made.stdout).into_owned();
    assert!(made.status.success(), "{said}");
    let code = said
        .split_whitespace()
        .find(|w| w.len() == 14 && w.matches('-').count() == 2)
        .unwrap_or_else(|| panic!("no activation code in {said}"))
        .to_string();
    let driver = launch(&dir.path().join("new-profile"), &dir.path().join("xdg"));
    driver.wait_until(
        "the login screen",
        "return document.body.dataset.ready === 'login'",
        Duration::from_secs(30),
    );
    driver.type_into(&driver.find("input[name=server]"), &server.url());
    driver.type_into(&driver.find("input[name=login]"), "ines.nouvel");
    driver.type_into(&driver.find("input[name=password]"), &code);
    driver.click(&driver.find("main.login button.primary"));
    driver.wait_until(
        "the new password asked",
        "const a = document.querySelector('.activation'); return !!a && !a.hidden",
        Duration::from_secs(15),
    );
    assert!(driver
        .text(&driver.find(".form-error"))
        .starts_with("Première connexion"));
    driver.type_into(&driver.find("input[name=newPassword]"), "mon-cartable-2026");
    driver.type_into(
        &driver.find("input[name=confirmPassword]"),
        "mon-cartable-2026",
    );
    screen(&driver, "first-login");
    driver.click(&driver.find("main.login button.primary"));
    driver.wait_until(
        "the first sync and the week",
        &format!("const t = {STATUS_TEXT}; return document.body.dataset.ready === 'true' && t.includes('Synchronisé') && t.includes('En ligne')"),
        Duration::from_secs(60),
    );
    assert_eq!(
        driver.text(&driver.find("header h1")),
        "Ardoise — Mme Inès Nouvel"
    );
    // From now on her own password, and the code no longer opens anything.
    let cli = Client::new(dir.path(), "ines-cli");
    let with = |password: &str| {
        cli.run_env(
            &["login", "--server", &server.url(), "--user", "ines.nouvel"],
            &[("ARDOISE_PASSWORD", password)],
        )
    };
    assert!(with(&code).stderr.contains("auth.invalid_credentials"));
    assert_eq!(with("mon-cartable-2026").code, 0);
}

fn story_1_a_lesson_written_offline_goes_up_by_itself() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = Server::demo(dir.path());
    let martin = Client::login_and_sync(dir.path(), &server.url(), "martin");
    let driver = launch(&martin.profile, &dir.path().join("xdg"));
    driver.wait_until(
        "the week view",
        "return document.body.dataset.ready === 'true'",
        Duration::from_secs(30),
    );
    let launch_ms = driver.started.elapsed().as_millis();
    println!("launch_ms={launch_ms}");
    println!("rss_mb={:.0}", driver.app_rss_mb());
    let by_process = driver.app_memory_by_process();
    let line: Vec<String> = by_process
        .iter()
        .map(|(name, rss, pss)| format!("{name}={rss:.0}/{pss:.0}"))
        .collect();
    println!(
        "memory_by_process (rss/pss MB): {} pss_total_mb={:.0}",
        line.join(" "),
        by_process.iter().map(|p| p.2).sum::<f64>()
    );

    // A school week with lessons (the current one may be a holiday week).
    for _ in 0..6 {
        let has_lessons = driver.execute(
            "return !!document.querySelector('[data-occurrence]')",
            json!([]),
        );
        if has_lessons == json!(true) {
            break;
        }
        driver.click(&driver.find("nav button[aria-label='Semaine suivante']"));
        std::thread::sleep(Duration::from_millis(200));
    }

    server.stop();
    driver.click(&driver.find("[data-occurrence]"));
    driver.wait_until(
        "the editor",
        "return !!document.querySelector('div.editor input[name=title]')",
        Duration::from_secs(10),
    );
    screen(&driver, "story1-editor");
    driver.type_into(
        &driver.find("div.editor input[name=title]"),
        "Écrite pendant la panne",
    );
    // The content is formatted text, never tags: typed, selected, then « Gras ».
    driver.type_into(
        &driver.find("div.editor [contenteditable][data-field=content]"),
        "Étude de documents",
    );
    driver.execute(
        "document.querySelector('div.editor [data-field=content]').focus(); document.execCommand('selectAll');",
        json!([]),
    );
    driver.click(&driver.find("div.editor .toolbar button.bold"));
    driver.execute(
        "document.querySelector('div.editor select[name=state]').value = 'published'",
        json!([]),
    );
    driver.click(&driver.find("div.editor button.add-homework"));
    driver.type_into(
        &driver.find("div.editor [contenteditable][data-field=description]"),
        "Exercices 1 à 4 page 112",
    );
    driver.type_into(
        &driver.find("div.editor input[name=estimatedMinutes]"),
        "45",
    );
    driver.click(&driver.find("div.editor button.primary"));
    driver.wait_until(
        "the offline status with the two pending edits",
        &format!("const t = {STATUS_TEXT}; return t.includes('Hors ligne') && t.includes('2 modifications en attente')"),
        Duration::from_secs(15),
    );
    screen(&driver, "story1-offline");
    // « Aide » says what to do, and what is waiting right now.
    driver.click(&driver.find("button.help-button"));
    driver.wait_until(
        "the help page with what waits",
        "const now = document.querySelector('main.help .help-now'); return !!now && now.textContent.includes('2 modifications en attente') && now.textContent.includes('Hors ligne')",
        Duration::from_secs(10),
    );
    screen(&driver, "help-offline");
    driver.click(&driver.find("header button.back"));
    driver.wait_until(
        "the week again",
        "return document.body.dataset.ready === 'true' && !!document.querySelector('.week-label')",
        Duration::from_secs(10),
    );

    server.start();
    wait_all_sent(
        &driver,
        "the edits to go up by themselves",
        Duration::from_secs(40),
    );
    screen(&driver, "story1-synced");

    let on_server = Http::login(&server.url(), "bernard").snapshot();
    let sessions = on_server
        .iter()
        .filter(|r| r["kind"] == "session" && r["data"]["title"] == "Écrite pendant la panne")
        .count();
    assert_eq!(sessions, 1, "the server has the séance, once");
    let content = on_server
        .iter()
        .find(|r| r["kind"] == "session" && r["data"]["title"] == "Écrite pendant la panne")
        .unwrap()["data"]["content"]
        .clone();
    assert_eq!(
        content,
        json!("<p><strong>Étude de documents</strong></p>"),
        "the formatting reached the ENT as its HTML"
    );
    let homework: Vec<_> = on_server
        .iter()
        .filter(|r| {
            r["kind"] == "homework" && r["data"]["description"] == "<p>Exercices 1 à 4 page 112</p>"
        })
        .collect();
    assert_eq!(homework.len(), 1, "the server has the homework, once");
    assert_eq!(homework[0]["data"]["estimatedMinutes"], 45);
}

fn story_2_vie_scolaire_finds_1re_b_and_cancels_the_course() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::demo(dir.path());
    let diallo = Client::login_and_sync(dir.path(), &server.url(), "diallo");
    let leroy = Client::login_and_sync(dir.path(), &server.url(), "leroy");
    let driver = launch(&diallo.profile, &dir.path().join("xdg"));
    driver.wait_until(
        "the office view",
        "return document.body.dataset.ready === 'true' && !!document.getElementById('whereis')",
        Duration::from_secs(30),
    );
    // Monday 30 November 2026, where is 1re B at 14:00?
    driver.execute(
        "const d = document.querySelector('header input[type=date]'); d.value = '2026-11-30'; d.dispatchEvent(new Event('change'));",
        json!([]),
    );
    driver.wait_until(
        "the day of 30 November",
        "return (document.querySelector('.dayview h2') || {}).textContent.includes('30 novembre')",
        Duration::from_secs(10),
    );
    driver.type_into(&driver.find("#whereis"), "1re B");
    driver.click(&driver.find("button[data-target='audience:1re B']"));
    driver.wait_until(
        "1re B's day",
        "return (document.querySelector('.dayview h2') || {}).textContent.startsWith('1re B')",
        Duration::from_secs(10),
    );
    // The class chosen, the archive of its year is one click away.
    let archive = driver.execute(
        "const b = document.querySelector('header button.export-archive'); return b ? b.textContent + '|' + b.title : ''",
        json!([]),
    );
    let archive = archive.as_str().unwrap_or_default();
    assert!(
        archive.contains("Archive de l'année (PDF)") && archive.contains("2026-2027"),
        "{archive}"
    );
    let id = driver.execute(
        "const r = [...document.querySelectorAll('tr.lesson-row')].find(r => r.cells[0].textContent.startsWith('14:00')); return r ? r.dataset.occurrence + '|' + r.textContent : null",
        json!([]),
    );
    let (id, row) = id
        .as_str()
        .expect("1re B has a lesson at 14:00")
        .split_once('|')
        .unwrap();
    assert!(
        row.contains("Français") && row.contains("M. Paul Leroy") && row.contains("B12"),
        "{row}"
    );
    driver.click(&driver.find(&format!("tr[data-occurrence='{id}'] button.cancel")));
    driver.type_into(
        &driver.find(&format!("tr[data-occurrence='{id}'] input[name=note]")),
        "Professeur absent",
    );
    driver.click(&driver.find(&format!("tr[data-occurrence='{id}'] button.primary")));
    driver.wait_until(
        "the cancellation shown",
        &format!("const r = document.querySelector(\"tr[data-occurrence='{id}']\"); return !!r && r.classList.contains('cancelled')"),
        Duration::from_secs(10),
    );
    // The app sends it by itself: M. Leroy sees it after his own sync.
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    let seen = loop {
        leroy.run(&["sync"]).ok();
        let day = leroy
            .run(&[
                "timetable",
                "--teacher",
                "leroy",
                "--date",
                "2026-11-30",
                "--json",
            ])
            .ok()
            .json();
        let seen = day
            .as_array()
            .unwrap()
            .iter()
            .find(|o| o["id"] == id)
            .unwrap()
            .clone();
        if seen["status"] == "cancelled" || std::time::Instant::now() > deadline {
            break seen;
        }
        std::thread::sleep(Duration::from_millis(500));
    };
    wait_all_sent(
        &driver,
        "the status to say it went up",
        Duration::from_secs(10),
    );
    screen(&driver, "story2-cancelled");
    assert_eq!(seen["status"], "cancelled");
    assert_eq!(seen["note"], "Professeur absent");

    // « Exporter en PDF » opens the save dialog GTK draws, which speaks the app's language
    // (not the system's). A picture of the whole screen for people to look at
    // (artifacts/e2e/story2-pdf-dialog.png), the dialog being outside the webview: nothing
    // here reads the dialog, so this part checks only that the click and the picture
    // work; the language rule itself is `locale`'s unit tests.
    driver.execute(
        "setTimeout(() => document.querySelector('button.export-pdf').click(), 0)",
        json!([]),
    );
    std::thread::sleep(Duration::from_secs(3));
    let shot = artifacts().join("story2-pdf-dialog.png");
    let taken = std::process::Command::new("import")
        .args(["-window", "root"])
        .arg(&shot)
        .status()
        .expect("ImageMagick's import (make deps)");
    assert!(taken.success(), "screenshot of the save dialog");
}

/// Martin's séance with 2nde 3 in the week of 23 November 2026 (from a CLI profile).
fn a_session_of_martin(c: &Client) -> (String, String) {
    let list = c.list("session", "2nde 3", "2026-11-23", "2026-11-27");
    let s = list
        .iter()
        .find(|s| s["teacherId"] == "usr-martin")
        .expect("a séance of martin with 2nde 3")
        .clone();
    (
        s["id"].as_str().unwrap().to_string(),
        s["occurrenceId"].as_str().unwrap().to_string(),
    )
}

fn story_3_a_conflict_is_shown_side_by_side_and_resolved() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::demo(dir.path());
    let laptop = Client::login_and_sync(dir.path(), &server.url(), "martin");
    let desktop = Client::new(dir.path(), "martin-app");
    desktop
        .run(&["login", "--server", &server.url(), "--user", "martin"])
        .ok();
    desktop.run(&["sync"]).ok();
    let (id, _) = a_session_of_martin(&laptop);
    laptop
        .run_with(
            &["session", "save"],
            &json!({"id": id, "title": "Titre du portable"}).to_string(),
        )
        .ok();
    laptop.run(&["sync"]).ok();
    desktop
        .run_with(
            &["session", "save"],
            &json!({"id": id, "title": "Titre de l'application"}).to_string(),
        )
        .ok();
    desktop.run(&["sync"]).ok();

    let driver = launch(&desktop.profile, &dir.path().join("xdg"));
    driver.wait_until(
        "the conflicts badge",
        "const b = document.querySelector('footer.status button.badge'); return !!b && b.textContent === '1 conflit'",
        Duration::from_secs(30),
    );
    driver.click(&driver.find("footer.status button.badge"));
    let mine = driver.text(&driver.find("div.conflicts td.mine"));
    let theirs = driver.text(&driver.find("div.conflicts td.theirs"));
    assert_eq!(
        (mine.as_str(), theirs.as_str()),
        ("Titre de l'application", "Titre du portable")
    );
    screen(&driver, "story3-conflict");
    driver.click(&driver.find("div.conflicts button.keep-mine"));
    driver.wait_until(
        "the conflict resolved and sent",
        &format!("const t = {STATUS_TEXT}; return !document.querySelector('footer.status button.badge') && t.includes('rien en attente') && t.includes('En ligne')"),
        Duration::from_secs(30),
    );
    // Resolved everywhere: the other device sees the kept version and no conflict.
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    loop {
        laptop.run(&["sync"]).ok();
        let title = laptop
            .list("session", "2nde 3", "2026-11-23", "2026-11-27")
            .iter()
            .find(|s| s["id"] == id.as_str())
            .unwrap()["title"]
            .clone();
        if title == "Titre de l'application" && laptop.status()["conflicts"] == 0 {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the resolution did not reach the laptop"
        );
        std::thread::sleep(Duration::from_millis(500));
    }
    screen(&driver, "story3-resolved");
}

fn story_4_an_entry_under_visa_opens_read_only_with_its_french_reason() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::demo(dir.path());
    let martin = Client::login_and_sync(dir.path(), &server.url(), "martin");
    let bernard = Client::login_and_sync(dir.path(), &server.url(), "bernard");
    bernard
        .run(&[
            "visa",
            "--teacher",
            "martin",
            "--audience",
            "2nde 3",
            "--until",
            "2026-11-27",
        ])
        .ok();
    bernard.run(&["sync"]).ok();
    martin.run(&["sync"]).ok();
    let (_, occurrence) = a_session_of_martin(&martin);

    let driver = launch(&martin.profile, &dir.path().join("xdg"));
    driver.wait_until(
        "the week view",
        "return document.body.dataset.ready === 'true'",
        Duration::from_secs(30),
    );
    show_week(&driver, "2026-11-23");
    driver.click(&driver.find(&format!("article[data-occurrence='{occurrence}']")));
    // The entry opens read-only, the reason at the top: nothing to type in vain.
    driver.wait_until(
        "the read-only editor with the reason",
        "const b = document.querySelector('div.editor .locked-banner'); return !!b && b.textContent.includes('ne peut plus être modifiée')",
        Duration::from_secs(10),
    );
    let read_only = driver.execute(
        "const e = document.querySelector('div.editor'); return e.querySelector('input[name=title]').disabled && !e.querySelector('button.primary')",
        json!([]),
    );
    assert_eq!(
        read_only,
        json!(true),
        "no field to type in, no save button"
    );
    screen(&driver, "story4-visa-locked");
    assert_eq!(martin.status()["pending"], 0, "nothing was queued");
}

/// A homework of the demo school opened in the editor and saved keeps its kind on the
/// server (the editor once offered French labels as values and blanked the kind).
fn a_demo_homework_saved_from_the_editor_keeps_its_kind() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::demo(dir.path());
    let martin = Client::login_and_sync(dir.path(), &server.url(), "martin");
    let on_server = |id: &str| {
        Http::login(&server.url(), "bernard")
            .snapshot()
            .into_iter()
            .find(|r| r["kind"] == "homework" && r["id"] == id)
            .expect("the homework on the server")
    };
    // Martin's homework of the week of 23 November whose kind is not the default one.
    let sessions = martin.list("session", "2nde 3", "2026-11-23", "2026-11-27");
    let homework = Http::login(&server.url(), "martin")
        .snapshot()
        .into_iter()
        .find(|r| {
            r["kind"] == "homework"
                && r["data"]["teacherId"] == "usr-martin"
                && r["data"]["kind"] != "exercise"
                && sessions.iter().any(|s| s["id"] == r["data"]["sessionId"])
        })
        .expect("a reading or test homework of martin with 2nde 3");
    let id = homework["id"].as_str().unwrap().to_string();
    let kind = homework["data"]["kind"].as_str().unwrap().to_string();
    let occurrence = sessions
        .iter()
        .find(|s| s["id"] == homework["data"]["sessionId"])
        .unwrap()["occurrenceId"]
        .as_str()
        .unwrap()
        .to_string();

    let driver = launch(&martin.profile, &dir.path().join("xdg"));
    driver.wait_until(
        "the week view",
        "return document.body.dataset.ready === 'true'",
        Duration::from_secs(30),
    );
    show_week(&driver, "2026-11-23");
    // Her own logbook of the year, from her week.
    let archive = driver.execute(
        "return (document.querySelector('header button.export-archive') || {}).textContent || ''",
        json!([]),
    );
    assert!(
        archive
            .as_str()
            .unwrap_or_default()
            .contains("Archive de l'année (PDF)"),
        "{archive}"
    );
    driver.click(&driver.find(&format!("article[data-occurrence='{occurrence}']")));
    driver.wait_until(
        "the editor with the homework",
        &format!(
            "return !!document.querySelector(\"div.editor fieldset.homework[data-id='{id}']\")"
        ),
        Duration::from_secs(10),
    );
    let shown = driver.execute(
        &format!("return document.querySelector(\"div.editor fieldset.homework[data-id='{id}'] select[name=kind]\").value"),
        json!([]),
    );
    assert_eq!(shown, json!(kind), "the editor shows the homework's kind");
    screen(&driver, "homework-editor");
    let minutes = driver.find(&format!(
        "div.editor fieldset.homework[data-id='{id}'] input[name=estimatedMinutes]"
    ));
    driver.type_into(&minutes, "50");
    driver.click(&driver.find("div.editor button.primary"));
    driver.wait_until(
        "the editor closed after saving",
        "return !document.querySelector('div.editor')",
        Duration::from_secs(10),
    );
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while on_server(&id)["data"]["estimatedMinutes"] != 50 {
        assert!(
            std::time::Instant::now() < deadline,
            "the edit never reached the ENT"
        );
        std::thread::sleep(Duration::from_millis(300));
    }
    let after = on_server(&id);
    assert_eq!(
        after["data"]["estimatedMinutes"], 50,
        "the edit reached the ENT"
    );
    assert_eq!(
        after["data"]["kind"],
        json!(kind),
        "the kind is unchanged on the ENT"
    );
    assert!(after["version"].as_i64() > homework["version"].as_i64());

    // One more homework for that same day, an assessment of an hour: the editor shows what
    // 2nde 3 already has to do then, and warns above the school's limits (90 min a day).
    driver.click(&driver.find(&format!("article[data-occurrence='{occurrence}']")));
    driver.wait_until(
        "the editor again",
        "return !!document.querySelector('div.editor button.add-homework')",
        Duration::from_secs(10),
    );
    driver.click(&driver.find("div.editor button.add-homework"));
    let due = after["data"]["dueOn"].as_str().unwrap().to_string();
    driver.execute(
        "const row = document.querySelector('div.editor fieldset.homework:last-of-type');
         const set = (name, value) => { const f = row.querySelector(`[name=${name}]`); f.value = value; f.dispatchEvent(new Event('change', { bubbles: true })); };
         set('dueOn', arguments[0]); set('kind', 'test'); set('estimatedMinutes', '60');",
        json!([due]),
    );
    driver.wait_until(
        "the day's load with its warning",
        "const l = document.querySelector('div.editor fieldset.homework:last-of-type .day-load'); return !!l && l.classList.contains('warn') && l.textContent.includes('au-delà de la limite')",
        Duration::from_secs(10),
    );
    let said = driver.text(&driver.find("div.editor fieldset.homework:last-of-type .day-load"));
    assert!(said.contains("2nde 3 a déjà"), "{said}");
    screen(&driver, "homework-day-load");
}

/// A sync lands while the editor is open: the week behind it shows the change (a lesson
/// cancelled by the vie scolaire), and what the teacher is typing stays as it is, focused,
/// then goes up once.
fn a_sync_lands_while_the_editor_is_open() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::demo(dir.path());
    let martin = Client::login_and_sync(dir.path(), &server.url(), "martin");
    let diallo = Client::login_and_sync(dir.path(), &server.url(), "diallo");
    let week = martin.teacher_days("martin", "2026-11-30", 5);
    let planned: Vec<&str> = week
        .iter()
        .filter(|o| o["status"] == "planned")
        .map(|o| o["id"].as_str().unwrap())
        .collect();
    let (edited, cancelled) = (planned[0], planned[1]);

    let driver = launch(&martin.profile, &dir.path().join("xdg"));
    driver.wait_until(
        "the week view, events wired",
        "return document.body.dataset.ready === 'true' && document.body.dataset.listening === 'true'",
        Duration::from_secs(30),
    );
    show_week(&driver, "2026-11-30");
    driver.click(&driver.find(&format!("article[data-occurrence='{edited}']")));
    driver.wait_until(
        "the editor",
        "return !!document.querySelector('div.editor input[name=title]')",
        Duration::from_secs(10),
    );
    let title = driver.find("div.editor input[name=title]");
    driver.type_into(&title, "Tapée pendant la synchronisation");

    diallo
        .run(&[
            "occurrence",
            "cancel",
            cancelled,
            "--note",
            "Sortie scolaire",
        ])
        .ok();
    diallo.run(&["sync"]).ok();
    // F5 syncs now (the loop would within 30 s).
    driver.execute(
        "document.dispatchEvent(new KeyboardEvent('keydown', {key: 'F5', bubbles: true}))",
        json!([]),
    );
    driver.wait_until(
        "the cancellation behind the editor",
        &format!("const c = document.querySelector(\"article[data-occurrence='{cancelled}']\"); return !!c && c.classList.contains('cancelled')"),
        Duration::from_secs(30),
    );
    let kept = driver.execute(
        "const t = document.querySelector('div.editor input[name=title]'); return { value: t.value, focused: document.activeElement === t }",
        json!([]),
    );
    assert_eq!(
        kept,
        json!({"value": "Tapée pendant la synchronisation", "focused": true}),
        "what the teacher types is untouched"
    );
    screen(&driver, "sync-under-editor");
    driver.click(&driver.find("div.editor button.primary"));
    driver.wait_until(
        "the editor closed after saving",
        "return !document.querySelector('div.editor')",
        Duration::from_secs(10),
    );
    // A new séance is a draft: only its teacher's snapshot holds it.
    let teacher = Http::login(&server.url(), "martin");
    let written = || {
        teacher
            .snapshot()
            .iter()
            .filter(|r| {
                r["kind"] == "session" && r["data"]["title"] == "Tapée pendant la synchronisation"
            })
            .count()
    };
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while written() == 0 {
        assert!(
            std::time::Instant::now() < deadline,
            "the séance never reached the ENT"
        );
        std::thread::sleep(Duration::from_millis(300));
    }
    wait_all_sent(&driver, "nothing left to send", Duration::from_secs(30));
    assert_eq!(written(), 1, "the séance reached the ENT once");
}

/// A pupil opens on her class's week (lessons of the class and its groups), without the
/// teacher's tools, and a lesson card opens nothing.
fn news_written_offline_by_the_direction_reach_the_pupil() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = Server::demo(dir.path());
    let bernard = Client::login_and_sync(dir.path(), &server.url(), "bernard");
    let eleve = Client::login_and_sync(dir.path(), &server.url(), "eleve");
    {
        let driver = launch(&bernard.profile, &dir.path().join("xdg-bernard"));
        driver.wait_until(
            "the office view",
            "return document.body.dataset.ready === 'true' && !!document.querySelector('button.news-button')",
            Duration::from_secs(30),
        );
        // The network goes; the direction writes for 2nde 1 all the same.
        server.stop();
        driver.click(&driver.find("button.news-button"));
        driver.wait_until(
            "the news form",
            "return !!document.querySelector('form.news-form')",
            Duration::from_secs(10),
        );
        driver.type_into(&driver.find("#news-title"), "Sortie au musée d'Orsay");
        driver.type_into(
            &driver.find("#news-text"),
            "Départ **8 h** devant le lycée, retour vers 17 h.",
        );
        driver.execute(
            "const s = document.getElementById('news-audience'); s.value = 'class'; s.dispatchEvent(new Event('change'));",
            json!([]),
        );
        driver.type_into(&driver.find("#news-class"), "2nde 1");
        driver.click(&driver.find("button.publish-news"));
        driver.wait_until(
            "the item in the list, waiting to go up",
            "return [...document.querySelectorAll('.news-list article h3')].some(h => h.textContent.includes('Sortie au musée'))",
            Duration::from_secs(10),
        );
        screen(&driver, "news-written-offline");
        driver.click(&driver.find("div.news button.close"));
        driver.wait_until(
            "the edit waiting",
            &format!("return ({STATUS_TEXT}).includes('1 modification en attente')"),
            Duration::from_secs(10),
        );
        server.start();
        wait_all_sent(&driver, "the item sent", Duration::from_secs(30));
    }
    // The pupil opens the app: the item is there, unread, with the demo school's.
    eleve.run(&["sync"]).ok();
    let unread = eleve.run(&["news", "list", "--json"]).ok().json();
    let unread = unread.as_array().unwrap().len();
    assert!(unread >= 2, "the demo's items and this one");
    let driver = launch(&eleve.profile, &dir.path().join("xdg-eleve"));
    driver.wait_until(
        "the unread news",
        &format!("return document.body.dataset.ready === 'true' && (document.querySelector('button.news-button') || {{}}).textContent === 'Actualités ({unread})'"),
        Duration::from_secs(30),
    );
    driver.click(&driver.find("button.news-button"));
    driver.wait_until(
        "the item",
        "return [...document.querySelectorAll('.news-list article.unread strong')].some(s => s.textContent === '8 h' && s.closest('article').querySelector('h3').textContent.includes('Sortie au musée'))",
        Duration::from_secs(10),
    );
    let seen = driver.execute(
        "const a = [...document.querySelectorAll('.news-list article')].find(a => a.textContent.includes('Sortie au musée')); return { form: !!document.querySelector('form.news-form'), meta: a.querySelector('.meta').textContent }",
        json!([]),
    );
    assert_eq!(
        seen["form"],
        json!(false),
        "a pupil does not publish: {seen}"
    );
    assert!(
        seen["meta"]
            .as_str()
            .unwrap()
            .ends_with("Mme Hélène Bernard — 2nde 1"),
        "{seen}"
    );
    screen(&driver, "news-pupil");
    driver.click(&driver.find("div.news button.close"));
    driver.wait_until(
        "read once shown",
        "return document.body.dataset.ready === 'true' && (document.querySelector('button.news-button') || {}).textContent === 'Actualités'",
        Duration::from_secs(10),
    );
}

fn a_pupil_ticks_her_homework_done() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::demo(dir.path());
    // Martin gives 2nde 1 something to read for the day after tomorrow.
    let martin = Client::login_and_sync(dir.path(), &server.url(), "martin");
    let today = ardoise_protocol::calendar::paris_today(chrono::Utc::now());
    let given = martin
        .run_with(
            &["homework", "save"],
            &json!({"audience": "2nde 1", "subject": "HIGEO", "givenOn": today,
                    "dueOn": today + chrono::Duration::days(2),
                    "description": "<p>Lire le document 3 page 112</p>", "kind": "reading",
                    "estimatedMinutes": 25, "state": "published"})
            .to_string(),
        )
        .ok()
        .json();
    let homework = given["id"].as_str().unwrap().to_string();
    martin.run(&["sync"]).ok();
    let eleve = Client::login_and_sync(dir.path(), &server.url(), "eleve");
    let driver = launch(&eleve.profile, &dir.path().join("xdg"));
    driver.wait_until(
        "her week, with homework to do",
        "return document.body.dataset.ready === 'true' && /^Travail à faire \\(\\d+\\)$/.test((document.querySelector('button.todo-button') || {}).textContent)",
        Duration::from_secs(30),
    );
    driver.click(&driver.find("button.todo-button"));
    let item = "[...document.querySelectorAll('li.todo-item')].find(li => li.textContent.includes('Lire le document 3 page 112'))";
    driver.wait_until(
        "martin's homework in the list",
        &format!("const li = {item}; return !!li && li.textContent.includes('Lecture, 25 min — Mme Claire Martin')"),
        Duration::from_secs(10),
    );
    driver.execute(
        &format!("const box = {item}.querySelector('input[type=checkbox]'); box.click();"),
        json!([]),
    );
    driver.wait_until(
        "ticked",
        &format!("return {item}.classList.contains('done')"),
        Duration::from_secs(10),
    );
    screen(&driver, "todo-pupil");
    driver.click(&driver.find("div.todo button.close"));
    // The tick goes up by itself; it is hers alone.
    let ticks = on_server(&server.url(), "eleve", |r| {
        r["kind"] == "homeworkDone"
            && r["data"]["done"] == true
            && r["data"]["homeworkId"] == homework.as_str()
    });
    assert_eq!(ticks, 1, "one tick on the server");
    let todo = eleve.run(&["todo", "--json"]).ok().json();
    assert!(
        todo.as_array().unwrap().iter().any(|i| i["done"] == true),
        "{todo}"
    );
}

fn the_charter_comes_first_then_the_week_opens() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::demo(dir.path());
    // The newcomer of the demo school has not accepted the charter.
    let nouveau = Client::login_and_sync(dir.path(), &server.url(), "nouveau");
    let driver = launch(&nouveau.profile, &dir.path().join("xdg"));
    driver.wait_until(
        "the charter, before anything else",
        "return document.body.dataset.ready === 'true' && !!document.querySelector('main.charter button.accept-charter')",
        Duration::from_secs(30),
    );
    let page = driver.execute(
        "return { text: document.querySelector('main.charter').textContent, week: !!document.querySelector('.week, article[data-occurrence]'), h2: (document.querySelector('.charter-text h2') || {}).textContent }",
        json!([]),
    );
    assert_eq!(page["week"], json!(false), "nothing else before: {page}");
    assert_eq!(
        page["h2"],
        json!("Charte d'usage du numérique du Lycée Marie-Curie")
    );
    let text = page["text"].as_str().unwrap();
    assert!(
        text.contains("Le cahier de textes") && text.contains("Version 1, publiée le 28/08/2026"),
        "{text}"
    );
    screen(&driver, "charter");
    driver.click(&driver.find("button.accept-charter"));
    driver.wait_until(
        "the week, once accepted",
        "return document.body.dataset.ready === 'true' && !document.querySelector('main.charter') && !!document.querySelector('.week-label')",
        Duration::from_secs(15),
    );
    // The acceptance goes up by itself, once.
    let accepted = on_server(&server.url(), "bernard", |r| {
        r["kind"] == "charterAcceptance" && r["data"]["userId"] == "usr-nouveau"
    });
    assert_eq!(accepted, 1, "one acceptance on the server");
    wait_all_sent(&driver, "the status to say so", Duration::from_secs(20));
}

fn a_pupil_opens_on_her_class_week() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::demo(dir.path());
    let eleve = Client::login_and_sync(dir.path(), &server.url(), "eleve");
    let driver = launch(&eleve.profile, &dir.path().join("xdg"));
    driver.wait_until(
        "the week view",
        "return document.body.dataset.ready === 'true'",
        Duration::from_secs(30),
    );
    show_week(&driver, "2026-11-23");
    driver.wait_until(
        "its lessons",
        "return document.querySelectorAll('article[data-occurrence]').length >= 10",
        Duration::from_secs(10),
    );
    let seen = driver.execute(
        "return { tools: !!document.querySelector('.drafts-button, .documents-button'), buttons: document.querySelectorAll('article[data-occurrence][role=button]').length, classes: [...new Set([...document.querySelectorAll('article[data-occurrence] .meta')].map(m => m.textContent.split(' · ')[0]))] }",
        json!([]),
    );
    assert_eq!(seen["tools"], json!(false), "no teacher tools: {seen}");
    assert_eq!(
        seen["buttons"],
        json!(0),
        "lesson cards open nothing: {seen}"
    );
    // Her class's lessons, and those of the groups drawn from it ("Espagnol LV2 — 2nde 1-2-3").
    let audiences = seen["classes"].as_array().unwrap();
    assert!(
        audiences.iter().any(|a| a == "2nde 1"),
        "the class's own lessons: {seen}"
    );
    assert!(
        audiences
            .iter()
            .all(|a| a.as_str().unwrap().contains("2nde 1")),
        "only her class and its groups: {seen}"
    );
    driver.click(&driver.find("article[data-occurrence]"));
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(
        driver.execute("return !!document.querySelector('div.editor')", json!([])),
        json!(false)
    );
    screen(&driver, "pupil-week");
    // The week of 11 November: the holiday by name, that day only.
    show_week(&driver, "2026-11-11");
    assert_eq!(
        driver.execute(
            "return [...document.querySelectorAll('.day.holiday .holiday-name')].map(e => e.textContent)",
            json!([])
        ),
        json!(["Armistice"])
    );
    screen(&driver, "pupil-week-armistice");
    // Her timetable in her phone's calendar: « Agenda », then « Créer mon adresse ».
    driver.click(&driver.find(".calendar-feed-button"));
    driver.click(&driver.find(".calendar-feed button.renew"));
    driver.wait_until(
        "the subscription address",
        "const a = document.querySelector('#calendar-feed-address'); return !!a && !a.hidden && a.value.endsWith('.ics')",
        Duration::from_secs(10),
    );
    let url = driver.execute(
        "return document.querySelector('#calendar-feed-address').value",
        json!([]),
    );
    let url = url.as_str().unwrap().to_string();
    assert!(url.starts_with(&format!("{}/ical/", server.url())), "{url}");
    screen(&driver, "pupil-calendar-feed");
    driver.click(&driver.find(".calendar-feed button.close"));
    assert_eq!(
        driver.execute(
            "return !!document.querySelector('.calendar-feed')",
            json!([])
        ),
        json!(false)
    );
}

/// Direction: M. Bernard reads Mme Martin's logbook in the app and signs off 2nde 3; the
/// entries show as locked and the visa reaches the ENT.
fn story_5_direction_reads_a_logbook_and_signs_it_off() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::demo(dir.path());
    let bernard = Client::login_and_sync(dir.path(), &server.url(), "bernard");
    let driver = launch(&bernard.profile, &dir.path().join("xdg"));
    driver.wait_until(
        "the office view",
        "return document.body.dataset.ready === 'true' && !!document.querySelector('[data-tab=logbooks]')",
        Duration::from_secs(30),
    );
    driver.click(&driver.find("[data-tab=logbooks]"));
    driver.wait_until(
        "the reading view",
        "return !!document.getElementById('reader-teacher')",
        Duration::from_secs(10),
    );
    driver.execute(
        "const [f, t] = document.querySelectorAll('form.reader input[type=date]'); f.value = '2026-11-16'; f.dispatchEvent(new Event('change'));",
        json!([]),
    );
    driver.wait_until(
        "the period",
        "return document.querySelector('form.reader input[type=date]').value === '2026-11-16'",
        Duration::from_secs(10),
    );
    driver.type_into(&driver.find("#reader-teacher"), "Martin");
    driver.click(&driver.find("button[data-target='teacher:martin']"));
    driver.wait_until(
        "Mme Martin's entries",
        "return document.querySelectorAll('table.entries tr[data-session]').length > 0",
        Duration::from_secs(10),
    );
    driver.execute(
        "const s = document.querySelector('select[name=audience]'); s.value = [...s.options].find(o => o.textContent === '2nde 3').value; document.querySelector('input[name=until]').value = '2026-11-27';",
        json!([]),
    );
    driver.click(&driver.find("button.sign"));
    driver.wait_until(
        "2nde 3's entries locked",
        "const rows = [...document.querySelectorAll('table.entries tr[data-session]')].filter(r => r.cells[1].textContent.startsWith('2nde 3 ')); return rows.length > 0 && rows.every(r => r.classList.contains('locked') && r.textContent.includes('Visée'))",
        Duration::from_secs(10),
    );
    wait_all_sent(&driver, "the visa sent", Duration::from_secs(30));
    screen(&driver, "story5-visa");
    let visas: Vec<_> = Http::login(&server.url(), "bernard")
        .snapshot()
        .into_iter()
        .filter(|r| {
            r["kind"] == "visa"
                && r["data"]["teacherId"] == "usr-martin"
                && r["data"]["until"] == "2026-11-27"
        })
        .collect();
    assert_eq!(visas.len(), 1, "the ENT has the visa, once");

    // The charter's tab: who accepted it, the newcomer who has not at the top.
    driver.click(&driver.find("button[data-tab='charter']"));
    driver.wait_until(
        "who accepted the charter",
        "return !!document.querySelector('.charter-status table.charter-people tbody tr')",
        Duration::from_secs(10),
    );
    let seen = driver.execute(
        "return { h2: document.querySelector('.charter-status h2').textContent, first: document.querySelector('table.charter-people tbody tr').textContent }",
        json!([]),
    );
    assert!(
        seen["h2"]
            .as_str()
            .unwrap()
            .starts_with("Charte, version 1 : acceptée par"),
        "{seen}"
    );
    assert!(
        seen["first"]
            .as_str()
            .unwrap()
            .contains("M. Hugo Lambert (nouveau)")
            && seen["first"].as_str().unwrap().contains("jamais acceptée"),
        "{seen}"
    );
    screen(&driver, "charter-status");

    // The indicators' tab: the ENT's figures drawn as charts, each with its table.
    driver.click(&driver.find("button[data-tab='indicators']"));
    driver.wait_until(
        "the indicators drawn",
        "const cs = [...document.querySelectorAll('.indicators-figures canvas')]; \
         const inked = (c) => { const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data; \
           for (let i = 3; i < d.length; i += 4) if (d[i] > 0) return true; return false; }; \
         return cs.length === 6 && cs.every(c => c.width > 0 && c.height > 0 && inked(c))",
        Duration::from_secs(30),
    );
    let seen = driver.execute(
        "return [...document.querySelectorAll('figure[data-figure=classes] tbody th')].map(th => th.textContent)",
        json!([]),
    );
    assert!(
        seen.as_array().unwrap().iter().any(|c| c == "2nde 3"),
        "2nde 3 in the classes' figures: {seen}"
    );
    screen(&driver, "indicators");
}

/// « Progressions »: Mme Martin previews her progression on 2nde 3 from 7 December, then
/// makes the drafts; they reach the ENT as her drafts.
fn a_progression_fills_a_class_with_drafts() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::demo(dir.path());
    let martin = Client::login_and_sync(dir.path(), &server.url(), "martin");
    let driver = launch(&martin.profile, &dir.path().join("xdg"));
    driver.wait_until(
        "her week",
        "return document.body.dataset.ready === 'true' && !!document.querySelector('button.progressions-button')",
        Duration::from_secs(30),
    );
    driver.click(&driver.find("button.progressions-button"));
    let card = "document.querySelector('article[data-progression=prog-martin-2nde-histoire]')";
    driver.wait_until(
        "her progression",
        &format!("return !!{card}"),
        Duration::from_secs(10),
    );
    driver.execute(
        &format!(
            "const c = {card}; const s = c.querySelector('select'); s.value = '2nde 3'; s.dispatchEvent(new Event('change')); \
             const d = c.querySelector('input[type=date]'); d.value = '2026-12-07'; d.dispatchEvent(new Event('change'));"
        ),
        json!([]),
    );
    driver
        .click(&driver.find("article[data-progression=prog-martin-2nde-histoire] button.preview"));
    driver.wait_until(
        "the preview",
        &format!("return {card}.querySelectorAll('table.placed tbody tr').length === 8"),
        Duration::from_secs(10),
    );
    screen(&driver, "progression-preview");
    driver.click(&driver.find("article[data-progression=prog-martin-2nde-histoire] button.apply"));
    driver.wait_until(
        "the drafts made",
        &format!("return ({card}.querySelector('.applied') || {{}}).textContent?.startsWith('8 brouillons créés pour 2nde 3')"),
        Duration::from_secs(10),
    );
    wait_all_sent(&driver, "the drafts sent", Duration::from_secs(30));
    let drafts = on_server(&server.url(), "martin", |r| {
        r["kind"] == "session"
            && r["data"]["state"] == "draft"
            && r["data"]["title"]
                .as_str()
                .is_some_and(|t| t.starts_with("La Méditerranée antique"))
    });
    assert_eq!(drafts, 1, "the first step, once, as her draft on the ENT");
}

/// « Envoyer un rapport à l'assistance »: from the help page, the report goes with the
/// sync; support staff find it on the server, with the app's own log and no name in it.
fn a_report_reaches_the_assistance_inbox() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::demo(dir.path());
    let martin = Client::login_and_sync(dir.path(), &server.url(), "martin");
    let driver = launch(&martin.profile, &dir.path().join("xdg"));
    driver.wait_until(
        "her week",
        "return document.body.dataset.ready === 'true' && !!document.querySelector('button.help-button')",
        Duration::from_secs(30),
    );
    driver.click(&driver.find("button.help-button"));
    driver.wait_until(
        "the help page",
        "return !!document.querySelector('button.support-send')",
        Duration::from_secs(10),
    );
    driver.click(&driver.find("button.support-send"));
    driver.wait_until(
        "the report sent",
        "return !!document.querySelector('.support-reports li[data-sent=true]')",
        Duration::from_secs(30),
    );
    driver.execute(
        "document.querySelector('.support-reports').scrollIntoView({block: 'center'})",
        json!([]),
    );
    screen(&driver, "support-sent");
    let data = dir.path().join("server");
    let listed: serde_json::Value = serde_json::from_str(&ardoise_testkit::server_cmd(
        &data,
        &["support", "list", "--json"],
        &[],
    ))
    .unwrap();
    assert_eq!(listed[0]["login"], "martin", "{listed}");
    let zip = dir.path().join("report.zip");
    ardoise_testkit::server_cmd(
        &data,
        &[
            "support",
            "save",
            listed[0]["id"].as_str().unwrap(),
            "--out",
            zip.to_str().unwrap(),
        ],
        &[],
    );
    let text = {
        use std::io::Read;
        let mut z = zip::ZipArchive::new(std::fs::File::open(&zip).unwrap()).unwrap();
        let mut text = String::new();
        for i in 0..z.len() {
            let mut f = z.by_index(i).unwrap();
            text.push_str(&format!("{}\n", f.name().unwrap()));
            f.read_to_string(&mut text).unwrap();
        }
        text
    };
    assert!(text.contains("journaux/app-0.log"), "the app's log: {text}");
    assert!(text.contains("\"app\": \"Ardoise "), "{text}");
    for name in ["Martin", "Claire", "martin"] {
        assert!(!text.contains(name), "{name} in the report");
    }
}

/// Documents: Martin browses her course folder, keeps it offline (the transfer loop fetches
/// the files, the list says "hors ligne") and sees a document's versions.
fn documents_browsed_and_kept_offline() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::demo(dir.path());
    let martin = Client::login_and_sync(dir.path(), &server.url(), "martin");
    let driver = launch(&martin.profile, &dir.path().join("xdg"));
    driver.wait_until(
        "the week, events wired",
        "return document.body.dataset.ready === 'true' && document.body.dataset.listening === 'true'",
        Duration::from_secs(30),
    );
    driver.click(&driver.find("nav button.documents-button"));
    driver.wait_until(
        "the Documents view",
        "return document.body.dataset.ready === 'documents'",
        Duration::from_secs(10),
    );
    driver.click(&driver.find("button.folder[data-folder='/Cours/Histoire-géographie']"));
    driver.wait_until(
        "the course folder",
        "return document.querySelectorAll('tr.doc-row').length === 3",
        Duration::from_secs(10),
    );
    driver.click(&driver.find("button.pin-folder"));
    let offline = driver.wait_until(
        "every file of the folder downloaded and marked offline",
        "const rows = [...document.querySelectorAll('tr.doc-row')]; return rows.length === 3 && rows.every(r => r.querySelector('.tag.offline'))",
        Duration::from_secs(30),
    );
    println!("documents_pinned_to_offline_ms={}", offline.as_millis());
    driver.click(&driver.find("tr.doc-row button.versions"));
    driver.wait_until(
        "the versions",
        "return !document.querySelector('tr.version-list').hidden && document.querySelector('tr.version-list li').textContent.includes('Version 1')",
        Duration::from_secs(5),
    );
    screen(&driver, "documents-offline");
    let cached = std::fs::read_dir(martin.profile.join("cache"))
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().len() == 2)
        .count();
    assert!(cached >= 1, "contents are in the profile's cache");
}

/// Accessibility: Ctrl + four times is 200 % (real page zoom, as in a browser); the week
/// reflows — no sideways scrolling, every header control and lesson on screen — and Ctrl 0
/// brings 100 % back.
fn readable_at_200_percent_zoom() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::demo(dir.path());
    let martin = Client::login_and_sync(dir.path(), &server.url(), "martin");
    let driver = launch(&martin.profile, &dir.path().join("xdg"));
    driver.wait_until(
        "the week view, keys and events wired",
        "return document.body.dataset.ready === 'true' && document.body.dataset.listening === 'true'",
        Duration::from_secs(30),
    );
    let full = driver
        .execute("return window.innerWidth", json!([]))
        .as_f64()
        .unwrap();
    let press = |key: &str| {
        driver.execute(
            "document.dispatchEvent(new KeyboardEvent('keydown', {key: arguments[0], ctrlKey: true, bubbles: true}))",
            json!([key]),
        );
        std::thread::sleep(Duration::from_millis(400));
    };
    for _ in 0..4 {
        press("+");
    }
    driver.wait_until(
        "the page at 200 %",
        &format!("return Math.abs(window.innerWidth - {}) <= 2", full / 2.0),
        Duration::from_secs(10),
    );
    let layout = driver.execute(
        "const w = window.innerWidth;
         const out = [...document.querySelectorAll('header button, header input, article.lesson, footer.status')]
           .filter(e => { const r = e.getBoundingClientRect(); return r.width === 0 || r.left < -1 || r.right > w + 1; })
           .map(e => e.className || e.tagName);
         return {overflow: document.documentElement.scrollWidth - w, out, lessons: document.querySelectorAll('article.lesson').length};",
        json!([]),
    );
    screen(&driver, "zoom200-week");
    assert!(
        layout["overflow"].as_f64().unwrap() <= 1.0,
        "no sideways scrolling at 200 %: {layout}"
    );
    assert_eq!(layout["out"], json!([]), "everything on screen: {layout}");
    assert!(layout["lessons"].as_u64().unwrap() > 0, "{layout}");
    press("0");
    driver.wait_until(
        "100 % again",
        &format!("return Math.abs(window.innerWidth - {full}) <= 2"),
        Duration::from_secs(10),
    );
}

/// A teacher of an Open ENT NG (the fake) signs in on the ENT's own page — her browser has
/// an ENT session, Ardoise never sees a password — sees her week, and writes a séance
/// that reaches the ENT once.
fn open_ent_ng_sign_in_on_the_ent_page_and_write_a_seance() {
    use ardoise_testkit::open_ent::{FakeEnt, CLIENT_ID, CLIENT_SECRET};
    let dir = tempfile::tempdir().unwrap();
    let ent = FakeEnt::start();
    ent.with(|e| e.browser_session = Some("claire.martin".into()));
    let profile = dir.path().join("new-profile");
    let driver = launch_with(
        &profile,
        &dir.path().join("xdg"),
        &[
            ("ARDOISE_CLIENT_ID", CLIENT_ID),
            ("ARDOISE_CLIENT_SECRET", CLIENT_SECRET),
            // No system browser here: the test plays it, from the address shown.
            ("BROWSER", "true"),
        ],
    );
    driver.wait_until(
        "the login screen",
        "return document.body.dataset.ready === 'login'",
        Duration::from_secs(30),
    );
    driver.type_into(&driver.find("input[name=server]"), &ent.url());
    driver.execute(
        "document.querySelector('input[name=server]').dispatchEvent(new Event('change'))",
        json!([]),
    );
    driver.wait_until(
        "the ENT recognised as an Open ENT NG",
        "return !document.querySelector('.via-ent').hidden",
        Duration::from_secs(10),
    );
    screen(&driver, "open-ent-login");
    driver.click(&driver.find(".ent-sign-in"));
    driver.wait_until(
        "the wait for the ENT's page",
        "return document.body.dataset.ready === 'ent-wait'",
        Duration::from_secs(10),
    );
    let url = driver.text(&driver.find(".ent-login-url"));
    assert!(url.contains("/auth/oauth2/auth?"), "{url}");
    // The browser: the ENT sends it straight back to Ardoise with a code.
    let page = ardoise_testkit::get_following_redirects(&url);
    assert!(page.contains("Connexion réussie"), "{page}");
    driver.wait_until(
        "the first sync and the week",
        &format!("const t = {STATUS_TEXT}; return document.body.dataset.ready === 'true' && t.includes('Synchronisé') && t.includes('Open ENT NG')"),
        Duration::from_secs(60),
    );
    assert_eq!(
        driver.text(&driver.find("header h1")),
        "Ardoise — MARTIN Claire"
    );
    for _ in 0..3 {
        let has_lessons = driver.execute(
            "return !!document.querySelector('[data-occurrence]')",
            json!([]),
        );
        if has_lessons == json!(true) {
            break;
        }
        driver.click(&driver.find("nav button[aria-label='Semaine suivante']"));
        std::thread::sleep(Duration::from_millis(200));
    }
    screen(&driver, "open-ent-week");
    driver.click(&driver.find("[data-occurrence]"));
    driver.wait_until(
        "the editor",
        "return !!document.querySelector('div.editor input[name=title]')",
        Duration::from_secs(10),
    );
    driver.type_into(
        &driver.find("div.editor input[name=title]"),
        "Écrite dans Ardoise",
    );
    driver.type_into(
        &driver.find("div.editor [contenteditable][data-field=content]"),
        "Lecture analytique",
    );
    driver.click(&driver.find("div.editor button.primary"));
    wait_all_sent(
        &driver,
        "the séance to reach the ENT",
        Duration::from_secs(40),
    );
    // The next syncs find nothing more to send.
    std::thread::sleep(Duration::from_secs(4));
    let after = driver.execute(&format!("return {STATUS_TEXT}"), json!([]));
    let writes: Vec<String> = ent.with(|e| {
        e.log
            .iter()
            .filter(|(p, _)| !p.starts_with('/'))
            .map(|(p, _)| p.clone())
            .collect()
    });
    println!("open_ent: status after the next syncs: {after}; writes: {writes:?}");
    assert!(
        after
            .as_str()
            .unwrap_or_default()
            .contains("rien en attente"),
        "{after}"
    );
    screen(&driver, "open-ent-synced");
    let titles: Vec<String> = ent.with(|e| {
        e.sessions
            .values()
            .map(|s| s["title"].as_str().unwrap_or_default().to_string())
            .collect()
    });
    assert_eq!(
        titles,
        ["Écrite dans Ardoise"],
        "the ENT has the séance, once"
    );
}

/// An install no package manager looks after finds its update on the school's channel
/// (`UpdateUrl` in the policy, a static `latest.json` on a web server) and checks it before
/// anything else: a package that is not the one signed, or signed for another version, is
/// refused and nothing changes; the genuine one is downloaded and its signature verified.
/// (This binary comes from `cargo build`, not a package: it does not replace itself, and a
/// `.deb` install asks for an administrator's password, which no test can type.)
fn an_update_is_found_and_only_a_signed_one_is_taken() {
    use ardoise_testkit::update_channel::{manifest, sign, UpdateChannel};
    let dir = tempfile::tempdir().unwrap();
    let server = Server::demo(dir.path());
    let martin = Client::login_and_sync(dir.path(), &server.url(), "martin");
    let channel = UpdateChannel::start();
    // The version after this one, whatever this one is.
    let current = env!("CARGO_PKG_VERSION");
    let (head, patch) = current.rsplit_once('.').unwrap();
    let next = format!("{head}.{}", patch.parse::<u32>().unwrap() + 1);
    let file = format!("/ardoise_{next}_amd64.deb");
    let package = dir.path().join(&file[1..]);
    std::fs::write(
        &package,
        format!("!<arch>\nArdoise {next}, as the tests publish it\n"),
    )
    .unwrap();
    channel.put(&file, std::fs::read(&package).unwrap());
    channel.put("/forged.deb", b"!<arch>\nnot what was signed\n".to_vec());
    let signed_for_current = sign(&package, current);
    let genuine = sign(&package, &next);
    let publish = |file: &str, signature: &str| {
        let m = manifest(
            &next,
            "Correctifs de la synchronisation.",
            &channel.url(file),
            signature,
        );
        channel.put("/latest.json", m.to_string());
    };
    let policies = dir.path().join("policies.json");
    std::fs::write(
        &policies,
        json!({"policies": {"UpdateUrl": channel.url("/latest.json")}}).to_string(),
    )
    .unwrap();
    let driver = launch_with(
        &martin.profile,
        &dir.path().join("xdg"),
        &[("ARDOISE_POLICIES", policies.to_str().unwrap())],
    );
    driver.wait_until(
        "her week",
        "return document.body.dataset.ready === 'true' && !!document.querySelector('button.help-button')",
        Duration::from_secs(30),
    );
    driver.click(&driver.find("button.help-button"));
    driver.wait_until(
        "the updates section",
        "return !!document.querySelector('section.updates')",
        Duration::from_secs(10),
    );
    let section = driver.text(&driver.find("section.updates"));
    assert!(
        section.contains(&format!("Version en cours : {current}")) && section.contains("fixé par l'établissement"),
        "{section} (an app built without ARDOISE_UPDATER_PUBKEY has no key: make e2e builds it with one)"
    );
    // Each try: look at the channel, then install what it announces.
    let try_update = |what: &str| {
        driver.click(&driver.find("button.updates-check"));
        driver.wait_until(
            &format!("{next} found ({what})"),
            &format!("return !!document.querySelector('.updates-found[data-version=\"{next}\"]') && !document.querySelector('.updates-problem')"),
            Duration::from_secs(20),
        );
        driver.click(&driver.find("button.updates-install"));
        driver.wait_until(
            &format!("the outcome ({what})"),
            "return !!document.querySelector('.updates-problem, .updates-verified')",
            Duration::from_secs(30),
        );
        driver.execute(
            "document.querySelector('section.updates').scrollIntoView({block: 'center'})",
            json!([]),
        );
        driver.execute(
            "const p = document.querySelector('.updates-problem'); return p ? p.textContent : 'verified'",
            json!([]),
        )
    };
    let refused = "Mise à jour refusée : elle n'est pas signée par Ardoise. Rien n'a été changé.";
    publish("/forged.deb", &genuine);
    assert_eq!(
        try_update("a package that is not the one signed"),
        json!(refused)
    );
    screen(&driver, "update-refused");
    publish(&file, &signed_for_current);
    assert_eq!(
        try_update("a signature for another version"),
        json!(refused)
    );
    publish(&file, &genuine);
    assert_eq!(try_update("the genuine package"), json!("verified"));
    screen(&driver, "update-verified");
    // Each try read the channel and fetched the package it named (the background look may
    // have read the channel once more).
    let asked = channel.asked();
    assert!(
        asked.iter().filter(|p| *p == "/latest.json").count() >= 3,
        "{asked:?}"
    );
    assert!(asked.contains(&"/forged.deb".to_string()), "{asked:?}");
    assert_eq!(asked.iter().filter(|p| **p == file).count(), 2, "{asked:?}");
    // Nothing broke: the status bar still says what the sync does.
    let status = driver.execute(&format!("return {STATUS_TEXT}"), json!([]));
    assert!(
        status.as_str().unwrap_or_default().contains("Synchronisé"),
        "{status}"
    );
}

type Story = (&'static str, fn());

/// Runs every story (or those whose name contains the first free argument), each in its own
/// window and server, and ends with `N passed, N failed`.
fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if !args
        .iter()
        .any(|a| a == "--ignored" || a == "--include-ignored")
    {
        println!("e2e: skipped (needs a display and WebKitWebDriver: run `make e2e`)");
        return;
    }
    let filter = args.iter().find(|a| !a.starts_with('-')).cloned();
    let stories: [Story; 20] = [
        (
            "login",
            logging_in_from_the_app_refuses_a_wrong_password_then_shows_the_week,
        ),
        ("policy", a_locked_ent_address_is_shown_as_the_schools),
        (
            "first_login",
            a_new_teacher_activates_her_account_at_her_first_login,
        ),
        (
            "story_1",
            story_1_a_lesson_written_offline_goes_up_by_itself,
        ),
        (
            "story_2",
            story_2_vie_scolaire_finds_1re_b_and_cancels_the_course,
        ),
        (
            "story_3",
            story_3_a_conflict_is_shown_side_by_side_and_resolved,
        ),
        ("documents", documents_browsed_and_kept_offline),
        ("pupil", a_pupil_opens_on_her_class_week),
        ("charter", the_charter_comes_first_then_the_week_opens),
        ("todo", a_pupil_ticks_her_homework_done),
        (
            "news",
            news_written_offline_by_the_direction_reach_the_pupil,
        ),
        ("sync_under_editor", a_sync_lands_while_the_editor_is_open),
        (
            "homework_kind",
            a_demo_homework_saved_from_the_editor_keeps_its_kind,
        ),
        (
            "story_4",
            story_4_an_entry_under_visa_opens_read_only_with_its_french_reason,
        ),
        (
            "story_5",
            story_5_direction_reads_a_logbook_and_signs_it_off,
        ),
        ("support", a_report_reaches_the_assistance_inbox),
        ("update", an_update_is_found_and_only_a_signed_one_is_taken),
        ("progression", a_progression_fills_a_class_with_drafts),
        ("zoom_200", readable_at_200_percent_zoom),
        (
            "open_ent",
            open_ent_ng_sign_in_on_the_ent_page_and_write_a_seance,
        ),
    ];
    println!("e2e: app binary {}", app_binary().display());
    let (mut passed, mut failed) = (0, 0);
    for (name, story) in stories {
        if filter.as_deref().is_some_and(|f| !name.contains(f)) {
            continue;
        }
        let started = std::time::Instant::now();
        match std::panic::catch_unwind(story) {
            Ok(()) => {
                passed += 1;
                println!("e2e {name} ... ok ({} ms)", started.elapsed().as_millis());
            }
            Err(_) => {
                failed += 1;
                println!("e2e {name} ... FAILED");
            }
        }
    }
    println!("{passed} passed, {failed} failed");
    let violations = A11Y_VIOLATIONS.load(Ordering::SeqCst);
    println!(
        "a11y: screens={} violations={violations}",
        A11Y_SCREENS.load(Ordering::SeqCst)
    );
    if failed > 0 || violations > 0 {
        std::process::exit(1);
    }
}
