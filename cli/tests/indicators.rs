//! The direction's indicators against the real server and CLI: only the direction reads
//! them; they count the lessons held and séances written per class and per teacher, the
//! edits made offline (sent long after they were made), the conflicts and how they were
//! settled, who used Ardoise each week, the charter's acceptance; a bad period is refused.

use ardoise_testkit::{Client, Http, Server};
use serde_json::{json, Value};
use uuid::{NoContext, Timestamp, Uuid};

/// An op id made `ago` seconds before now, as a device offline that long would have.
fn made_ago(ago: u64) -> Uuid {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    Uuid::new_v7(Timestamp::from_unix(NoContext, now - ago, 0))
}

fn push_one(who: &Http, op: Value) -> Value {
    who.push(json!([op]))["results"][0].clone()
}

fn row<'a>(rows: &'a Value, name: &str) -> &'a Value {
    rows.as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == name)
        .unwrap_or_else(|| panic!("no row {name} in {rows}"))
}

#[test]
fn the_direction_reads_the_indicators_and_no_one_else_does() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::demo(dir.path());
    let url = server.url();
    let martin = Http::login(&url, "martin");
    let today = ardoise_protocol::calendar::paris_today(chrono::Utc::now());
    let from = today - chrono::Duration::days(27);
    let period = format!("/v1/indicators?from={from}&until={today}");

    // A séance written offline an hour ago, sent now; then the same title changed from
    // two devices: a conflict, settled by keeping the ENT's version.
    let id = format!("ses-ind-{}", Uuid::now_v7().simple());
    let created = push_one(
        &martin,
        json!({"opId": made_ago(3600), "action": "create", "kind": "session", "recordId": id,
               "fields": {
                   "audienceId": {"base": null, "new": "aud-2nde3"},
                   "subjectId": {"base": null, "new": "sub-higeo"},
                   "teacherId": {"base": null, "new": "usr-martin"},
                   "date": {"base": null, "new": today.to_string()},
                   "start": {"base": null, "new": "08:00"}, "end": {"base": null, "new": "09:00"},
                   "title": {"base": null, "new": "T"}, "content": {"base": null, "new": "<p>c</p>"},
                   "state": {"base": null, "new": "draft"}}}),
    );
    assert_eq!(created["outcome"], "applied", "{created}");
    let edit = |title: &str| {
        json!({"opId": Uuid::now_v7(), "action": "update", "kind": "session", "recordId": id,
               "baseVersion": 1, "fields": {"title": {"base": "T", "new": title}}})
    };
    assert_eq!(push_one(&martin, edit("A"))["outcome"], "applied");
    let conflict = push_one(&martin, edit("B"));
    assert_eq!(conflict["outcome"], "conflict", "{conflict}");
    let resolved = push_one(
        &martin,
        json!({"opId": Uuid::now_v7(), "action": "resolve", "kind": "conflict",
               "recordId": conflict["conflictId"], "keep": "theirs", "fields": {}}),
    );
    assert_eq!(resolved["outcome"], "applied", "{resolved}");

    // Only the direction.
    for who in ["martin", "diallo", "eleve", "parent", "roux"] {
        let (status, body) = Http::login(&url, who).get(&period);
        assert_eq!(
            (status, body["code"].as_str()),
            (403, Some("acl.forbidden")),
            "{who}"
        );
    }
    let bernard = Http::login(&url, "bernard");
    for bad in [
        format!("/v1/indicators?from={today}&until={from}"),
        format!(
            "/v1/indicators?from={}&until={today}",
            today - chrono::Duration::days(400)
        ),
    ] {
        let (status, body) = bernard.get(&bad);
        assert_eq!(
            (status, body["code"].as_str()),
            (400, Some("indicators.invalid_period")),
            "{bad}"
        );
    }
    assert_eq!(bernard.get("/v1/indicators?from=hier").0, 400);

    let (status, ind) = bernard.get(&period);
    assert_eq!(status, 200, "{ind}");
    let claire = row(&ind["teachers"], "Mme Claire Martin");
    assert!(claire["edits"].as_u64().unwrap() >= 3, "{claire}");
    assert!(claire["offlineEdits"].as_u64().unwrap() >= 1, "{claire}");
    let classe = row(&ind["classes"], "2nde 3");
    let held = classe["lessonsHeld"].as_u64().unwrap();
    assert!(
        held > 0 && classe["seancesWritten"].as_u64().unwrap() <= held,
        "{classe}"
    );
    assert!(
        ind["conflicts"]["made"].as_u64().unwrap() >= 1,
        "{}",
        ind["conflicts"]
    );
    assert!(
        ind["conflicts"]["keptTheirs"].as_u64().unwrap() >= 1,
        "{}",
        ind["conflicts"]
    );
    let weeks = ind["weeks"].as_array().unwrap();
    let monday = |d: chrono::NaiveDate| {
        use chrono::Datelike;
        d - chrono::Duration::days(d.weekday().num_days_from_monday().into())
    };
    let expected = (monday(today) - monday(from)).num_days() / 7 + 1;
    assert_eq!(
        weeks.len() as i64,
        expected,
        "every week of the period: {weeks:?}"
    );
    assert_eq!(weeks[0]["week"], monday(from).to_string());
    let this_week = weeks.last().unwrap();
    assert!(this_week["teachers"].as_u64().unwrap() >= 1, "{this_week}");
    assert!(this_week["direction"].as_u64().unwrap() >= 1, "{this_week}");
    assert_eq!(ind["charter"]["version"], 1);
    let teachers = ind["charter"]["byRole"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["role"] == "teacher")
        .unwrap();
    assert!(
        teachers["accepted"].as_u64().unwrap() < teachers["accounts"].as_u64().unwrap(),
        "the new teacher has not accepted yet: {teachers}"
    );
    // Never a pupil: no row, no name.
    let text = ind.to_string();
    assert!(!text.contains("Léa") && !text.contains("Petit"), "{text}");

    // The CLI: CSV for a spreadsheet, refused to a teacher.
    let b = Client::login_and_sync(dir.path(), &url, "bernard");
    let csv = b
        .run(&[
            "indicators",
            "--from",
            &from.to_string(),
            "--until",
            &today.to_string(),
        ])
        .ok()
        .stdout;
    assert!(
        csv.starts_with("section;libellé;mesure;valeur\r\n"),
        "{csv}"
    );
    assert!(
        csv.contains("enseignant;Mme Claire Martin;dont hors ligne;"),
        "{csv}"
    );
    let m = Client::login_and_sync(dir.path(), &url, "martin");
    let refused = m.run(&[
        "indicators",
        "--from",
        &from.to_string(),
        "--until",
        &today.to_string(),
    ]);
    assert_ne!(refused.code, 0);
    assert!(
        refused.stderr.contains("acl.forbidden") || refused.stderr.contains("réservés"),
        "{}",
        refused.stderr
    );
}
