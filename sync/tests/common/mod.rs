//! What the tests on the reference server share: the server with the demo school, served
//! in the test's process on a loopback port of its own, and a user's replica synced from
//! it.

use std::path::Path;

use ardoise_sync::{HttpConnector, Profile, Replica, SyncEngine};

/// The reference server with the demo school in `dir`, on a loopback port of its own: its
/// address. It serves until the test process ends.
pub fn serve_demo(dir: &Path) -> String {
    let ent = ardoise_server::open_demo(dir, &ardoise_fixtures::Options::demo()).unwrap();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(listener).unwrap();
            ardoise_server::serve(ent, listener, std::future::pending())
                .await
                .unwrap();
        });
    });
    url
}

/// `login`'s profile under `dir`, logged in at `url` (not synced yet).
pub fn logged_in(dir: &Path, url: &str, login: &str) -> Profile {
    let profile = Profile::new(dir.join(login));
    let connector = HttpConnector::new(url).unwrap();
    ardoise_sync::login(
        &profile,
        url,
        &connector,
        login,
        ardoise_fixtures::DEMO_PASSWORD,
    )
    .unwrap();
    profile
}

/// `login`'s engine, logged in at `url` and synced once, with its profile.
#[allow(dead_code)] // not every test file syncs this way
pub fn synced(dir: &Path, url: &str, login: &str) -> (SyncEngine, Profile) {
    let profile = logged_in(dir, url, login);
    let replica = Replica::open(&profile.replica_path()).unwrap();
    let connector = HttpConnector::new(url).unwrap();
    let mut engine = SyncEngine::new(profile.clone(), replica, Box::new(connector));
    engine.sync_once().unwrap();
    (engine, profile)
}
