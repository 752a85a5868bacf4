//! End to end: the real app binary in a real WebKit window (Xvfb), driven through
//! WebKitWebDriver, against the real reference server on loopback. Run by `make e2e`.
//! Screenshots of each story's end state go to `artifacts/e2e/`.

use std::path::{Path, PathBuf};
use std::time::Duration;

use ardoise_testkit::webdriver::Driver;
use ardoise_testkit::{Client, Http, Server};
use serde_json::json;

fn artifacts() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../artifacts/e2e")
}

fn launch(profile: &Path, xdg: &Path) -> Driver {
    Driver::launch(
        Path::new(env!("CARGO_BIN_EXE_ardoise-app")),
        &[
            ("ARDOISE_PROFILE", profile.to_str().unwrap()),
            ("XDG_DATA_HOME", xdg.to_str().unwrap()),
        ],
    )
}

const STATUS_TEXT: &str = "(document.querySelector('footer.status') || {}).textContent || ''";

#[test]
#[ignore = "needs a display and WebKitWebDriver: run with `make e2e`"]
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
    driver.type_into(
        &driver.find("aside.editor input[name=title]"),
        "Écrite pendant la panne",
    );
    driver.type_into(
        &driver.find("aside.editor textarea[name=content]"),
        "<p>Étude de documents</p>",
    );
    driver.execute(
        "document.querySelector('aside.editor select[name=state]').value = 'published'",
        json!([]),
    );
    driver.click(&driver.find("aside.editor button.primary"));
    driver.wait_until(
        "the offline status with the pending edit",
        &format!("const t = {STATUS_TEXT}; return t.includes('Hors ligne') && t.includes('1 modification en attente')"),
        Duration::from_secs(15),
    );
    driver.screenshot(&artifacts().join("story1-offline.png"));

    server.start();
    driver.wait_until(
        "the edit to go up by itself",
        &format!("const t = {STATUS_TEXT}; return t.includes('En ligne') && t.includes('rien en attente') && t.includes('Synchronisé')"),
        Duration::from_secs(40),
    );
    driver.screenshot(&artifacts().join("story1-synced.png"));

    let on_server = Http::login(&server.url(), "bernard")
        .snapshot()
        .into_iter()
        .filter(|r| r["kind"] == "session" && r["data"]["title"] == "Écrite pendant la panne")
        .count();
    assert_eq!(on_server, 1, "the server has the séance, once");
}
