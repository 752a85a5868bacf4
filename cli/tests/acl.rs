//! Who may read and write what, against the real server: every role × action of the ACL,
//! allowed and denied; what a replica holds; passwords and protocol errors.

use ardoise_testkit::{Client, Http, Server};
use serde_json::{json, Value};
use uuid::Uuid;

fn op(action: &str, kind: &str, id: &str, fields: Value) -> Value {
    json!({"opId": Uuid::now_v7(), "action": action, "kind": kind, "recordId": id,
           "baseVersion": if action == "create" { Value::Null } else { json!(1) }, "fields": fields})
}

fn create_fields(data: Value) -> Value {
    let mut out = serde_json::Map::new();
    for (k, v) in data.as_object().unwrap() {
        out.insert(k.clone(), json!({"base": null, "new": v}));
    }
    Value::Object(out)
}

fn session(teacher: &str, audience: &str, state: &str, annotation: Option<&str>) -> Value {
    create_fields(
        json!({"audienceId": audience, "subjectId": "sub-higeo", "teacherId": teacher,
        "date": "2026-12-01", "start": "09:00", "end": "10:00", "title": format!("{teacher} {state}"),
        "content": "<p>contenu</p>", "annotation": annotation, "state": state}),
    )
}

/// Pushes one op and returns (outcome, error code).
fn try_op(who: &Http, op: Value) -> (String, String) {
    let r = who.push(json!([op]));
    let res = &r["results"][0];
    (
        res["outcome"].as_str().unwrap().to_string(),
        res["error"]["code"].as_str().unwrap_or("").to_string(),
    )
}

fn allowed(r: (String, String)) {
    assert_eq!(r.0, "applied", "expected allowed, got {r:?}");
}

fn denied(r: (String, String), code: &str) {
    assert_eq!(r, ("rejected".to_string(), code.to_string()));
}

fn status_change(status: &str) -> Value {
    json!({"status": {"base": "planned", "new": status}, "note": {"base": null, "new": "Absent"}})
}

#[test]
fn every_role_may_do_what_the_acl_says_and_nothing_more() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::demo(dir.path());
    let url = server.url();
    let martin = Http::login(&url, "martin");
    let leroy = Http::login(&url, "leroy");
    let diallo = Http::login(&url, "diallo");
    let bernard = Http::login(&url, "bernard");
    let roux = Http::login(&url, "roux");
    let eleve = Http::login(&url, "eleve");
    let parent = Http::login(&url, "parent");

    // Teacher: own sessions and homework for audiences taught.
    let mine = Uuid::now_v7().to_string();
    allowed(try_op(
        &martin,
        op(
            "create",
            "session",
            &mine,
            session("usr-martin", "aud-2nde3", "draft", Some("privé martin")),
        ),
    ));
    denied(
        try_op(
            &martin,
            op(
                "create",
                "session",
                &Uuid::now_v7().to_string(),
                session("usr-martin", "aud-1reB", "draft", None),
            ),
        ),
        "acl.forbidden",
    );
    denied(
        try_op(
            &martin,
            op(
                "create",
                "session",
                &Uuid::now_v7().to_string(),
                session("usr-leroy", "aud-2nde3", "draft", None),
            ),
        ),
        "acl.forbidden",
    );
    let hw = create_fields(
        json!({"audienceId": "aud-2nde3", "subjectId": "sub-higeo", "teacherId": "usr-martin",
        "givenOn": "2026-12-01", "dueOn": "2026-12-03", "description": "Lire le chapitre", "state": "published"}),
    );
    allowed(try_op(
        &martin,
        op("create", "homework", &Uuid::now_v7().to_string(), hw),
    ));
    // … not somebody else's.
    denied(
        try_op(
            &leroy,
            op(
                "update",
                "session",
                &mine,
                json!({"title": {"base": "usr-martin draft", "new": "pris"}}),
            ),
        ),
        // A draft is hidden from colleagues: to them it does not exist (nor does its id).
        "record.not_found",
    );
    // Teachers neither change the timetable nor sign off.
    let monday: Vec<String> = diallo
        .snapshot()
        .into_iter()
        .filter(|r| {
            r["kind"] == "courseOccurrence"
                && r["data"]["date"] == "2026-11-30"
                && r["data"]["status"] == "planned"
        })
        .take(4)
        .map(|r| r["id"].as_str().unwrap().to_string())
        .collect();
    let occ = monday[0].as_str();
    denied(
        try_op(
            &martin,
            op(
                "update",
                "courseOccurrence",
                occ,
                status_change("cancelled"),
            ),
        ),
        "acl.forbidden",
    );
    let visa = |signer: &str| {
        create_fields(
            json!({"signerId": signer, "teacherId": "usr-martin", "audienceId": "aud-2nde3",
        "until": "2026-10-16", "comment": "", "signedAt": "2026-11-28T10:00:00Z"}),
        )
    };
    denied(
        try_op(
            &martin,
            op(
                "create",
                "visa",
                &Uuid::now_v7().to_string(),
                visa("usr-martin"),
            ),
        ),
        "acl.forbidden",
    );

    // Vie scolaire: status, substitute and note of occurrences; nothing else.
    allowed(try_op(
        &diallo,
        op(
            "update",
            "courseOccurrence",
            occ,
            status_change("cancelled"),
        ),
    ));
    denied(
        try_op(
            &diallo,
            op(
                "update",
                "courseOccurrence",
                occ,
                json!({"roomId": {"base": null, "new": "room-A01"}}),
            ),
        ),
        "acl.forbidden",
    );
    denied(
        try_op(
            &diallo,
            op(
                "create",
                "session",
                &Uuid::now_v7().to_string(),
                session("usr-diallo", "aud-2nde3", "draft", None),
            ),
        ),
        "acl.forbidden",
    );
    denied(
        try_op(
            &diallo,
            op(
                "create",
                "visa",
                &Uuid::now_v7().to_string(),
                visa("usr-diallo"),
            ),
        ),
        "acl.forbidden",
    );

    // Direction: visas (signed by themselves) and occurrence status; never the logbook itself.
    allowed(try_op(
        &bernard,
        op(
            "create",
            "visa",
            &Uuid::now_v7().to_string(),
            visa("usr-bernard"),
        ),
    ));
    denied(
        try_op(
            &bernard,
            op(
                "create",
                "visa",
                &Uuid::now_v7().to_string(),
                visa("usr-roux"),
            ),
        ),
        "acl.forbidden",
    );
    allowed(try_op(
        &bernard,
        op(
            "update",
            "courseOccurrence",
            &monday[1],
            status_change("cancelled"),
        ),
    ));
    denied(
        try_op(
            &bernard,
            op(
                "update",
                "session",
                &mine,
                json!({"title": {"base": "usr-martin draft", "new": "x"}}),
            ),
        ),
        "record.not_found",
    );
    // Inspector: visas, not the timetable.
    allowed(try_op(
        &roux,
        op(
            "create",
            "visa",
            &Uuid::now_v7().to_string(),
            visa("usr-roux"),
        ),
    ));
    denied(
        try_op(
            &roux,
            op(
                "update",
                "courseOccurrence",
                &monday[2],
                status_change("cancelled"),
            ),
        ),
        "acl.forbidden",
    );

    // Pupils and parents write nothing.
    for who in [&eleve, &parent] {
        denied(
            try_op(
                who,
                op(
                    "create",
                    "session",
                    &Uuid::now_v7().to_string(),
                    session("usr-eleve", "aud-2nde1", "published", None),
                ),
            ),
            "acl.forbidden",
        );
        // Another class's lesson is, to a pupil, a lesson that does not exist.
        let r = try_op(
            who,
            op(
                "update",
                "courseOccurrence",
                &monday[3],
                status_change("cancelled"),
            ),
        );
        assert_eq!(r.0, "rejected");
        assert!(
            ["acl.forbidden", "record.not_found"].contains(&r.1.as_str()),
            "{r:?}"
        );
    }

    // Reads. A published séance with an annotation, and a draft, by leroy.
    let published = Uuid::now_v7().to_string();
    let leroy_draft = Uuid::now_v7().to_string();
    let mut p = session(
        "usr-leroy",
        "aud-1reB",
        "published",
        Some("SECRET-ANNOTATION-LEROY"),
    );
    p["subjectId"] = json!({"base": null, "new": "sub-franc"});
    allowed(try_op(&leroy, op("create", "session", &published, p)));
    let mut d = session("usr-leroy", "aud-1reB", "draft", None);
    d["title"] = json!({"base": null, "new": "SECRET-DRAFT-LEROY"});
    allowed(try_op(&leroy, op("create", "session", &leroy_draft, d)));

    let find = |who: &Http, id: &str| -> Option<Value> {
        who.snapshot().into_iter().find(|r| r["id"] == id)
    };
    // The owner sees everything of their own.
    assert_eq!(
        find(&leroy, &published).unwrap()["data"]["annotation"],
        "SECRET-ANNOTATION-LEROY"
    );
    assert!(find(&leroy, &leroy_draft).is_some());
    // Others never see drafts nor annotations.
    for who in [&martin, &diallo, &bernard, &roux] {
        assert!(find(who, &leroy_draft).is_none(), "a draft leaked");
        if let Some(r) = find(who, &published) {
            assert_eq!(r["data"]["annotation"], Value::Null, "an annotation leaked");
        }
    }
    // Vie scolaire and direction read the whole published logbook; a teacher reads the
    // published entries of the audiences they teach only.
    assert!(find(&diallo, &published).is_some());
    assert!(find(&bernard, &published).is_some());
    let users = diallo.snapshot();
    let teaches_1re_b = |r: &Value| {
        r["data"]["audienceIds"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a == "aud-1reB")
    };
    let teacher = |inside: bool| -> String {
        users
            .iter()
            .find(|r| {
                r["kind"] == "user"
                    && r["data"]["roles"][0] == "teacher"
                    && r["id"] != "usr-leroy"
                    && teaches_1re_b(r) == inside
            })
            .map(|r| r["data"]["login"].as_str().unwrap().to_string())
            .expect("such a teacher")
    };
    assert!(find(&Http::login(&url, &teacher(true)), &published).is_some());
    let outsider = teacher(false);
    let seen = find(&Http::login(&url, &outsider), &published);
    assert!(seen.is_none(), "{outsider} reads {seen:?}");

    // The pupil (and parent) of 2nde 1 read their class only.
    for who in [&eleve, &parent] {
        let records = who.snapshot();
        let audiences: std::collections::HashSet<&str> = records
            .iter()
            .filter(|r| {
                matches!(
                    r["kind"].as_str(),
                    Some("courseOccurrence" | "session" | "homework")
                )
            })
            .map(|r| r["data"]["audienceId"].as_str().unwrap())
            .collect();
        assert!(audiences.contains("aud-2nde1"));
        for a in &audiences {
            assert!(
                *a == "aud-2nde1" || a.starts_with("aud-grp-") && a.contains("2nde1"),
                "pupil reads {a}"
            );
        }
        assert!(!records
            .iter()
            .any(|r| r["kind"] == "session" && r["data"]["state"] == "draft"));
        assert!(!records.iter().any(|r| r["kind"] == "visa"));
    }

    // A teacher's replica file holds no other teacher's draft or annotation.
    let replica = Client::login_and_sync(dir.path(), &url, "martin");
    let mut bytes = Vec::new();
    for entry in std::fs::read_dir(&replica.profile).unwrap() {
        bytes.extend(std::fs::read(entry.unwrap().path()).unwrap());
    }
    let text = String::from_utf8_lossy(&bytes);
    assert!(!text.contains("SECRET-DRAFT-LEROY"));
    assert!(!text.contains("SECRET-ANNOTATION-LEROY"));
}

#[test]
fn wrong_passwords_get_a_clear_error_and_are_slowed_down() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::demo(dir.path());
    let c = Client::new(dir.path(), "intrus");
    let out = c.run_with(
        &["login", "--server", &server.url(), "--user", "martin"],
        "",
    );
    assert_eq!(
        out.code, 0,
        "ARDOISE_PASSWORD=ardoise is right: {}",
        out.stderr
    );

    let client = reqwest::blocking::Client::new();
    let attempt = |password: &str| {
        client
            .post(format!("{}/v1/auth/login", server.url()))
            .header(
                "ardoise-protocol",
                ardoise_protocol::PROTOCOL_VERSION.to_string(),
            )
            .json(&json!({"login": "leroy", "password": password}))
            .send()
            .unwrap()
    };
    let first = attempt("mauvais");
    assert_eq!(first.status(), 401);
    let body: Value = first.json().unwrap();
    assert_eq!(body["code"], "auth.invalid_credentials");
    assert_eq!(body["message"], "Identifiant ou mot de passe incorrect.");
    for _ in 0..4 {
        assert_eq!(attempt("mauvais").status(), 401);
    }
    // After five failures, even the right password must wait.
    let slowed = attempt("ardoise");
    assert_eq!(slowed.status(), 429);
    let body: Value = slowed.json().unwrap();
    assert_eq!(body["code"], "auth.too_many_attempts");
    // Another login is not affected.
    assert_eq!(
        client
            .post(format!("{}/v1/auth/login", server.url()))
            .header(
                "ardoise-protocol",
                ardoise_protocol::PROTOCOL_VERSION.to_string()
            )
            .json(&json!({"login": "diallo", "password": "ardoise"}))
            .send()
            .unwrap()
            .status(),
        200
    );
}

#[test]
fn requests_without_a_known_protocol_version_or_token_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::demo(dir.path());
    let client = reqwest::blocking::Client::new();
    let get = |version: Option<&str>| {
        let mut req = client.get(format!("{}/v1/changes?since=0", server.url()));
        if let Some(v) = version {
            req = req.header("ardoise-protocol", v);
        }
        let resp = req.send().unwrap();
        let status = resp.status().as_u16();
        (status, resp.json::<Value>().unwrap())
    };
    let (s, body) = get(None);
    assert_eq!(
        (s, body["code"].as_str()),
        (400, Some("protocol.missing_version"))
    );
    let (s, body) = get(Some("99"));
    assert_eq!(
        (s, body["code"].as_str()),
        (426, Some("protocol.unsupported"))
    );
    // Protocol 1 knows nothing of the charter's records: its clients are asked to update.
    let (s, body) = get(Some("1"));
    assert_eq!(
        (s, body["code"].as_str()),
        (426, Some("protocol.unsupported"))
    );
    // Protocols 2 and 3 are served (a kind added by 3 is hidden from 2, ADR 0019).
    for version in ["2", "3"] {
        let (s, body) = get(Some(version));
        assert_eq!(
            (s, body["code"].as_str()),
            (401, Some("auth.invalid_token"))
        );
    }
    let health: Value = client
        .get(format!("{}/v1/health", server.url()))
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(
        (health["protocol"].as_u64(), health["minProtocol"].as_u64()),
        (Some(3), Some(2))
    );
}

#[test]
fn pull_pages_and_snapshots_travel_compressed_and_small_answers_do_not() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::demo(dir.path());
    let diallo = Http::login(&server.url(), "diallo");
    // A client that asks for gzip but does not inflate, to see what travels.
    let raw = reqwest::blocking::Client::builder()
        .no_gzip()
        .build()
        .unwrap();
    let get = |path: &str| {
        raw.get(format!("{}{path}", server.url()))
            .header(
                "ardoise-protocol",
                ardoise_protocol::PROTOCOL_VERSION.to_string(),
            )
            .header("accept-encoding", "gzip")
            .bearer_auth(&diallo.token)
            .send()
            .unwrap()
    };
    let wire = |r: reqwest::blocking::Response| {
        let gzip = r
            .headers()
            .get("content-encoding")
            .map(|v| v.to_str().unwrap().to_string());
        (gzip, r.bytes().unwrap().len())
    };
    let (encoding, compressed) = wire(get("/v1/snapshot"));
    assert_eq!(encoding.as_deref(), Some("gzip"));
    let plain = serde_json::to_vec(&diallo.get("/v1/snapshot").1)
        .unwrap()
        .len();
    assert!(
        compressed * 5 < plain,
        "snapshot: {compressed} bytes compressed for {plain} of JSON"
    );
    let streamed = raw
        .get(format!("{}/v1/snapshot", server.url()))
        .header(
            "ardoise-protocol",
            ardoise_protocol::PROTOCOL_VERSION.to_string(),
        )
        .header("accept-encoding", "gzip")
        .header("accept", "application/x-ndjson")
        .bearer_auth(&diallo.token)
        .send()
        .unwrap();
    let (encoding, _) = wire(streamed);
    assert_eq!(
        encoding.as_deref(),
        Some("gzip"),
        "the streamed snapshot too"
    );
    let (encoding, _) = wire(get("/v1/changes?since=0&limit=2000"));
    assert_eq!(encoding.as_deref(), Some("gzip"));
    // Nothing new: a few bytes, sent as they are.
    let (encoding, size) = wire(get("/v1/changes?since=1000000000&limit=100"));
    assert_eq!(encoding, None);
    assert!(size < 200, "{size} bytes for an empty page");
}

#[test]
fn the_streamed_snapshot_is_the_document_line_by_line_with_a_head_and_an_end() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::demo(dir.path());
    let diallo = Http::login(&server.url(), "diallo");
    let (status, whole) = diallo.get("/v1/snapshot");
    assert_eq!(status, 200);
    let records = whole["records"].as_array().unwrap();
    let resp = reqwest::blocking::Client::new()
        .get(format!("{}/v1/snapshot", server.url()))
        .header(
            "ardoise-protocol",
            ardoise_protocol::PROTOCOL_VERSION.to_string(),
        )
        .header("accept", "application/x-ndjson")
        .bearer_auth(&diallo.token)
        .send()
        .unwrap();
    assert_eq!(resp.headers()["content-type"], "application/x-ndjson");
    let text = resp.text().unwrap();
    let lines: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let (head, rest) = lines.split_first().unwrap();
    let (end, streamed) = rest.split_last().unwrap();
    assert_eq!(head["seq"], whole["seq"]);
    assert!(head["estimate"].as_u64().unwrap() >= records.len() as u64);
    assert_eq!(end, &json!({"end": records.len()}));
    assert_eq!(streamed, records.as_slice(), "same records, same order");
    assert!(records.len() > 1000, "the demo school, whole");
}
