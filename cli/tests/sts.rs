//! A school loads its real timetable and its accounts, and its teachers see it: the
//! project's STS-Web pair imported with `ardoise-server import sts`, two accounts made with
//! `ardoise-server users add --sts-id`, then each teacher logs in with the `ardoise` CLI,
//! syncs, and reads the timetable (dates, times, class, teachers, room). A co-taught
//! lesson is in both its teachers' timetables.

use std::path::Path;

use ardoise_testkit::{server_cmd, server_refused, Client, Server};
use serde_json::Value;

const PASSWORD: &str = "ardoise-sts-2026";

/// `ardoise-server import sts` of the project's pair into `data`, as of `today`; its report.
fn import_pair(data: &Path, today: &str) -> String {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/sts");
    let reference = fixtures.join("sts_emp_0750001U_2026.xml");
    let timetable = fixtures.join("emp_0750001U_2026.xml");
    let (reference, timetable) = (reference.to_str().unwrap(), timetable.to_str().unwrap());
    server_cmd(
        data,
        &["import", "sts", reference, timetable, "--today", today],
        &[],
    )
}

fn login(root: &Path, url: &str, user: &str) -> Client {
    let c = Client::new(root, user);
    let env = [("ARDOISE_PASSWORD", PASSWORD)];
    c.run_env(&["login", "--server", url, "--user", user], &env)
        .ok();
    c.run_env(&["sync"], &env).ok();
    c
}

fn lessons(c: &Client, who: &[&str], date: &str, days: &str) -> Vec<Value> {
    let mut args = vec!["timetable"];
    args.extend_from_slice(who);
    args.extend_from_slice(&["--date", date, "--days", days, "--json"]);
    let out = c.run(&args).json();
    out.as_array()
        .cloned()
        .or_else(|| out["lessons"].as_array().cloned())
        .unwrap_or_else(|| panic!("not a list of lessons: {out}"))
}

fn find<'a>(lessons: &'a [Value], date: &str, subject: &str) -> &'a Value {
    lessons
        .iter()
        .find(|l| l["date"] == date && l["subject"] == subject)
        .unwrap_or_else(|| panic!("no {subject} on {date} in {lessons:#?}"))
}

#[test]
fn an_imported_timetable_is_what_the_teachers_read() {
    let root = tempfile::tempdir().unwrap();
    let data = root.path().join("server");
    let report = import_pair(&data, "2026-11-30");
    assert!(report.contains("0750001U"), "{report}");
    let env = [("ARDOISE_PASSWORD", PASSWORD)];
    for (login, sts) in [("marie.dupont", "1001"), ("moussa.ndiaye", "1004")] {
        let args = [
            "users",
            "add",
            "--login",
            login,
            "--role",
            "teacher",
            "--sts-id",
            sts,
            "--password-from-env",
        ];
        server_cmd(&data, &args, &env);
    }
    // A login taken, an unknown STS number, a short password: refused.
    for (args, env) in [
        (vec!["--login", "marie.dupont", "--role", "teacher"], env),
        (
            vec!["--login", "x.y", "--role", "teacher", "--sts-id", "9999"],
            env,
        ),
        (
            vec!["--login", "x.z", "--role", "teacher"],
            [("ARDOISE_PASSWORD", "court")],
        ),
        (vec!["--login", "x.w", "--role", "chef"], env),
        // A teacher who has an account already: not taken over.
        (
            vec![
                "--login", "m.dupont", "--role", "teacher", "--sts-id", "1001",
            ],
            env,
        ),
    ] {
        let args = [&["users", "add", "--password-from-env"][..], &args].concat();
        server_refused(&data, &args, &env);
    }

    let server = Server::demo(root.path());
    let marie = login(root.path(), &server.url(), "marie.dupont");
    let week = lessons(&marie, &["--audience", "3A"], "2026-12-07", "7");
    let maths = find(&week, "2026-12-07", "Mathématiques");
    assert_eq!(
        (maths["start"].as_str(), maths["end"].as_str()),
        (Some("08:00"), Some("08:55"))
    );
    assert_eq!(maths["room"], "S101");
    assert_eq!(maths["teacher"], "Mme Marie DUPONT");
    assert_eq!(maths["audience"], "3A");
    // Week A, 10:02 for 90 minutes.
    let french = find(&week, "2026-12-08", "Français");
    assert_eq!(
        (french["start"].as_str(), french["end"].as_str()),
        (Some("10:02"), Some("11:32"))
    );
    assert_eq!(french["teacher"], "M. Jérôme LEFÈVRE");
    // The group drawn from 3A and 3B is in 3A's timetable in weeks B, in its undeclared
    // room.
    assert!(
        !week.iter().any(|l| l["subject"] == "999999"),
        "not in a week A"
    );
    let week_b = lessons(&marie, &["--audience", "3A"], "2026-12-14", "7");
    let latin = find(&week_b, "2026-12-18", "999999");
    assert_eq!(
        (latin["audience"].as_str(), latin["room"].as_str()),
        (Some("3AB_LAT"), Some("GYM"))
    );
    // Christmas day: no lesson.
    let christmas = lessons(&marie, &["--audience", "3A"], "2026-12-25", "1");
    assert!(christmas.is_empty(), "{christmas:#?}");

    // Her own timetable, by her login.
    let mine = lessons(&marie, &["--teacher", "marie.dupont"], "2026-11-30", "6");
    assert!(mine.iter().all(|l| l["teacher"] == "Mme Marie DUPONT"));
    assert!(mine.iter().any(|l| l["subject"] == "Mathématiques"));

    // The co-taught lesson, in the second teacher's timetable, with both names.
    let moussa = login(root.path(), &server.url(), "moussa.ndiaye");
    let his = lessons(&moussa, &["--teacher", "moussa.ndiaye"], "2026-11-30", "6");
    let physics = find(&his, "2026-12-02", "Physique-chimie");
    assert_eq!(physics["teacher"], "Mme Hélène BŒUF, M. Moussa N'DIAYE");
    assert_eq!(physics["room"], "LABO");
    assert!(
        his.iter().any(|l| l["subject"] == "ANGLAIS LV1"),
        "his own lessons too"
    );

    // He leaves the school: the administrator disables his account while the server
    // runs. At his next sync his device erases what it held of him, and says why; he can
    // no longer log in.
    let profile = root.path().join("moussa.ndiaye");
    assert!(std::fs::read_dir(&profile).unwrap().next().is_some());
    let said = server_cmd(&data, &["users", "disable", "moussa.ndiaye"], &[]);
    assert!(said.contains("désactivé"), "{said}");
    let out = moussa.run_env(&["sync"], &[("ARDOISE_PASSWORD", PASSWORD)]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(
        out.stderr.contains("désactivé par l'établissement"),
        "{}",
        out.stderr
    );
    let left: Vec<_> = std::fs::read_dir(&profile)
        .map(|d| d.filter_map(Result::ok).map(|e| e.file_name()).collect())
        .unwrap_or_default();
    assert!(left.is_empty(), "the profile still holds {left:?}");
    let again = Client::new(root.path(), "moussa-again");
    let out = again.run_env(
        &[
            "login",
            "--server",
            &server.url(),
            "--user",
            "moussa.ndiaye",
        ],
        &[("ARDOISE_PASSWORD", PASSWORD)],
    );
    assert_ne!(out.code, 0);
    assert!(
        out.stderr.contains("auth.account_disabled"),
        "{}",
        out.stderr
    );
    // Marie's account goes on.
    assert_eq!(marie.run(&["sync"]).code, 0);
}

/// The events of an iCalendar text, by UID: (DTSTART, SUMMARY, LOCATION, STATUS, SEQUENCE).
fn events(ics: &str) -> std::collections::BTreeMap<String, [String; 5]> {
    let calendars: Vec<_> = ical::IcalParser::new(std::io::BufReader::new(ics.as_bytes()))
        .map(|c| c.expect("a calendar the parser reads"))
        .collect();
    assert_eq!(calendars.len(), 1);
    assert_eq!(calendars[0].timezones.len(), 1, "one VTIMEZONE");
    let mut out = std::collections::BTreeMap::new();
    for e in &calendars[0].events {
        let prop = |name: &str| {
            e.properties
                .iter()
                .find(|p| p.name == name)
                .and_then(|p| p.value.clone())
                .unwrap_or_default()
        };
        let fields = ["DTSTART", "SUMMARY", "LOCATION", "STATUS", "SEQUENCE"].map(prop);
        assert!(out.insert(prop("UID"), fields).is_none(), "a UID twice");
    }
    out
}

/// The events of an iCalendar text as the Python `icalendar` package reads it (an
/// independent parser), by UID: (DTSTART and its zone, SUMMARY, LOCATION, STATUS).
fn independent_events(ics: &str) -> std::collections::BTreeMap<String, [String; 4]> {
    const READ: &str = r#"
import sys, json, icalendar
cal = icalendar.Calendar.from_ical(sys.stdin.read())
zones = [tz.get("TZID") for tz in cal.walk("VTIMEZONE")]
assert zones == ["Europe/Paris"], zones
out = {}
for e in cal.walk("VEVENT"):
    start = e.decoded("DTSTART")
    assert start.tzinfo is not None, e.get("UID")
    out[str(e.get("UID"))] = [start.isoformat() + " " + str(e["DTSTART"].params.get("TZID")),
        str(e.get("SUMMARY", "")), str(e.get("LOCATION", "")), str(e.get("STATUS", ""))]
print(json.dumps(out))
"#;
    serde_json::from_str(&ardoise_testkit::python(READ, ics)).expect("the script's JSON")
}

#[test]
fn a_teacher_subscribes_her_calendar_to_her_timetable() {
    let root = tempfile::tempdir().unwrap();
    let data = root.path().join("server");
    let import = |today: &str| import_pair(&data, today);
    import("2026-11-30");
    let env = [("ARDOISE_PASSWORD", PASSWORD)];
    server_cmd(
        &data,
        &[
            "users",
            "add",
            "--login",
            "moussa.ndiaye",
            "--role",
            "teacher",
            "--sts-id",
            "1004",
            "--password-from-env",
        ],
        &env,
    );
    let server = Server::demo(root.path());
    let moussa = login(root.path(), &server.url(), "moussa.ndiaye");

    let out = moussa.run(&["calendar-feed"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let url = out.stdout.trim().to_string();
    assert!(
        url.starts_with(&format!("{}/ical/", server.url())) && url.ends_with(".ics"),
        "{url}"
    );
    // A calendar application polls it: no token, no protocol header.
    let get = |url: &str| {
        let resp = reqwest::blocking::get(url).unwrap();
        let status = resp.status().as_u16();
        let kind = resp
            .headers()
            .get("content-type")
            .map(|v| v.to_str().unwrap().to_string())
            .unwrap_or_default();
        (status, kind, resp.text().unwrap())
    };
    let (status, kind, first) = get(&url);
    assert_eq!(status, 200);
    assert!(kind.starts_with("text/calendar"), "{kind}");
    let independent = independent_events(&first);
    let first = events(&first);
    assert_eq!(
        independent.keys().collect::<Vec<_>>(),
        first.keys().collect::<Vec<_>>(),
        "the two parsers read the same events"
    );
    for (uid, [start, summary, location, status]) in &independent {
        // Times in Paris, as the school lives them.
        assert!(start.ends_with("Europe/Paris"), "{uid}: {start}");
        assert_eq!(summary, &first[uid][1]);
        assert_eq!(location, &first[uid][2]);
        assert_eq!(status, &first[uid][3]);
    }
    // Only his lessons: English (his own) and the co-taught physics, none of Marie's maths.
    assert!(first.values().any(|e| e[1].contains("ANGLAIS LV1")));
    let physics = first.values().find(|e| e[1].contains("Physique")).unwrap();
    assert_eq!(physics[2], "LABO");
    assert_eq!(physics[3], "CONFIRMED");
    assert!(
        !first.values().any(|e| e[1].contains("Mathématiques")),
        "not his lessons"
    );
    assert!(first.keys().all(|uid| uid.ends_with("@ardoise")));

    // The timetable imported again, a week later: the same UIDs for the lessons still to
    // come, nothing new (a calendar updates, never duplicates).
    import("2026-12-07");
    let (_, _, second) = get(&url);
    let second = events(&second);
    let mut calendar = first.clone();
    for (uid, e) in &second {
        calendar.insert(uid.clone(), e.clone());
    }
    assert_eq!(
        calendar.len(),
        first.len(),
        "importing the feed twice added events"
    );
    assert_eq!(
        first.keys().collect::<Vec<_>>(),
        second.keys().collect::<Vec<_>>()
    );

    // Renewed: the old address stops working, the new one works.
    let renewed = moussa.run(&["calendar-feed"]).stdout.trim().to_string();
    assert_ne!(renewed, url);
    assert_eq!(get(&url).0, 404);
    assert_eq!(get(&renewed).0, 200);
    // Hostile addresses: nothing.
    for bad in [
        "/ical/..%2F..%2Fetc%2Fpasswd.ics",
        "/ical/abc.ics",
        "/ical/.ics",
    ] {
        assert_eq!(get(&format!("{}{bad}", server.url())).0, 404, "{bad}");
    }
    // Disabled: the feed stops.
    server_cmd(&data, &["users", "disable", "moussa.ndiaye"], &[]);
    assert_eq!(get(&renewed).0, 404);
}

/// What a school's spreadsheet export looks like: Windows-1252, `;`, a column Ardoise does
/// not read (a birth date), teachers tied to the timetable by their STS number.
const ACCOUNTS_CSV: &str =
    "Nom;Prénom;Rôle;Classes;Matières;Identifiant;id_sts;Date de naissance\r\n\
DUPONT;Marie;enseignante;;;;1001;01/02/1980\r\n\
BŒUF;Hélène;Enseignant;3A;PH-CH;;1003;\r\n\
Lefort;Léa;élève;3A;;;;12/03/2012\r\n\
Lefort;Jean;parent;3A;;;;\r\n\
Benali;Nadia;CPE;;;nadia.benali;;\r\n\
Martin;Tom;élève;3B;;;;\r\n\
Martin;Tom;élève;3A;;;;\r\n";

fn windows_1252(text: &str) -> Vec<u8> {
    encoding_rs::WINDOWS_1252.encode(text).0.into_owned()
}

/// The text of each page of a PDF, as the Python `pypdf` package reads it.
fn pdf_pages(pdf: &Path) -> Vec<String> {
    const READ: &str = r#"
import sys, json, pypdf
reader = pypdf.PdfReader(sys.stdin.read().strip())
print(json.dumps([page.extract_text() for page in reader.pages]))
"#;
    serde_json::from_str(&ardoise_testkit::python(READ, pdf.to_str().unwrap())).unwrap()
}

#[test]
fn a_school_makes_its_accounts_from_a_spreadsheet_and_hands_out_slips() {
    let root = tempfile::tempdir().unwrap();
    let data = root.path().join("server");
    // The zone first, then the timetable: no lesson is placed in the holidays.
    let zone = server_cmd(&data, &["config", "set", "zone", "C"], &[]);
    assert!(zone.contains("Vacances de Noël"), "{zone}");
    import_pair(&data, "2026-11-30");
    assert!(server_cmd(&data, &["config", "show"], &[]).starts_with("zone = C\n"));
    let csv = root.path().join("comptes.csv");
    std::fs::write(&csv, windows_1252(ACCOUNTS_CSV)).unwrap();
    let slips = root.path().join("fiches.pdf");
    let csv_arg = csv.to_str().unwrap();
    let report: Value = serde_json::from_str(&server_cmd(
        &data,
        &[
            "users",
            "import",
            csv_arg,
            "--json",
            "--slips",
            slips.to_str().unwrap(),
            "--server-url",
            "https://ent.lycee-exemple.fr",
        ],
        &[],
    ))
    .unwrap();
    assert_eq!(report["encoding"], "windows-1252");
    let created = report["created"].as_array().unwrap();
    let code_of = |login: &str| -> String {
        created
            .iter()
            .find(|a| a["login"] == login)
            .unwrap_or_else(|| panic!("no account {login} in {report:#}"))["code"]
            .as_str()
            .unwrap()
            .to_string()
    };
    // The teachers keep the logins of their imported timetable; the others get prénom.nom.
    for login in [
        "marie.dupont",
        "helene.boeuf",
        "lea.lefort",
        "jean.lefort",
        "nadia.benali",
        // Two pupils of the same name: numbered, the same way at every import.
        "tom.martin",
        "tom.martin2",
    ] {
        let code = code_of(login);
        assert!(
            code.len() == 14 && code.chars().all(|c| c == '-' || c.is_ascii_alphanumeric()),
            "{code}"
        );
    }
    assert!(
        report["warnings"][0]
            .as_str()
            .unwrap()
            .contains("Date de naissance"),
        "{report:#}"
    );
    // The birth dates were never read, so never stored.
    let store = std::fs::read(data.join("ardoise-server.sqlite3")).unwrap();
    let store = String::from_utf8_lossy(&store);
    assert!(!store.contains("12/03/2012") && !store.contains("01/02/1980"));

    // The slips, one per person, four to a page, as an independent PDF reader reads them.
    let pages = pdf_pages(&slips);
    assert_eq!(pages.len(), 2, "{pages:#?}");
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(&slips).unwrap().permissions().mode();
    assert_eq!(
        mode & 0o777,
        0o600,
        "codes readable by the administrator only"
    );
    let all = pages.join("\n");
    for text in [
        "Hélène BŒUF",
        "helene.boeuf",
        "Léa Lefort",
        "Élève — 3A",
        "https://ent.lycee-exemple.fr",
        &code_of("lea.lefort"),
        &code_of("nadia.benali"),
    ] {
        assert!(all.contains(text), "{text} not on the slips:\n{all}");
    }

    // The same file again: nobody new, no new code.
    let again: Value = serde_json::from_str(&server_cmd(
        &data,
        &["users", "import", csv_arg, "--json"],
        &[],
    ))
    .unwrap();
    assert_eq!(again["created"].as_array().unwrap().len(), 0, "{again:#}");
    assert_eq!(again["unchanged"].as_array().unwrap().len(), 7, "{again:#}");

    // A wrong line refuses the whole file: the good line before it is not imported.
    let broken = root.path().join("broken.csv");
    std::fs::write(
        &broken,
        "nom;prénom;rôle;classes\nMartin;Paul;élève;3B\nMartin;Zoé;élève;9Z\n",
    )
    .unwrap();
    let stderr = server_refused(&data, &["users", "import", broken.to_str().unwrap()], &[]);
    assert!(
        stderr.contains("ligne 3") && stderr.contains("9Z"),
        "{stderr}"
    );
    let fixed = root.path().join("fixed.csv");
    std::fs::write(&fixed, "nom;prénom;rôle;classes\nMartin;Paul;élève;3B\n").unwrap();
    let fixed: Value = serde_json::from_str(&server_cmd(
        &data,
        &["users", "import", fixed.to_str().unwrap(), "--json"],
        &[],
    ))
    .unwrap();
    assert_eq!(fixed["created"][0]["login"], "paul.martin", "{fixed:#}");
    // A teacher of the timetable without her STS number, or a login that is another
    // person's: refused, with what to do.
    for (content, expected) in [
        ("nom;prénom;rôle\nBŒUF;Hélène;enseignante\n", "id_sts"),
        (
            "nom;prénom;rôle;identifiant\nAutre;Personne;élève;nadia.benali\n",
            "autre personne",
        ),
    ] {
        let path = root.path().join("refused.csv");
        std::fs::write(&path, content).unwrap();
        let stderr = server_refused(&data, &["users", "import", path.to_str().unwrap()], &[]);
        assert!(stderr.contains(expected), "{content}: {stderr}");
    }
    // Slips never overwrite a file: it may hold the only copy of earlier codes.
    let slips_arg = slips.to_str().unwrap();
    let taken = server_refused(
        &data,
        &["users", "import", csv_arg, "--slips", slips_arg],
        &[],
    );
    assert!(taken.contains("n'existe pas encore"), "{taken}");
    assert_eq!(
        pdf_pages(&slips).len(),
        2,
        "the first slips are still there"
    );
    // One pupil by hand, in her class; an unknown class is refused.
    let one = server_cmd(
        &data,
        &[
            "users",
            "add",
            "--login",
            "zoe.roy",
            "--role",
            "pupil",
            "--classes",
            "3A",
        ],
        &[],
    );
    assert!(one.contains("code d'activation"), "{one}");
    let unknown = server_refused(
        &data,
        &[
            "users",
            "add",
            "--login",
            "x.y",
            "--role",
            "pupil",
            "--classes",
            "9Z",
        ],
        &[],
    );
    assert!(unknown.contains("9Z"), "{unknown}");

    // Léa's first login: the code, typed as one types from paper, then her own password.
    let server = Server::demo(root.path());
    let lea = Client::new(root.path(), "lea.lefort");
    let typed = code_of("lea.lefort").to_lowercase().replace('-', " ");
    let log_in = |c: &Client, password: &str, new: Option<&str>| {
        let mut env = vec![("ARDOISE_PASSWORD", password)];
        if let Some(new) = new {
            env.push(("ARDOISE_NEW_PASSWORD", new));
        }
        c.run_env(
            &["login", "--server", &server.url(), "--user", "lea.lefort"],
            &env,
        )
    };
    let weak = log_in(&lea, &typed, Some("court"));
    assert_ne!(weak.code, 0);
    assert!(
        weak.stderr.contains("auth.weak_password"),
        "{}",
        weak.stderr
    );
    let first = log_in(&lea, &typed, Some("cartable-bleu-2026"));
    assert_eq!(first.code, 0, "{}", first.stderr);
    assert_eq!(lea.run(&["sync"]).code, 0);
    // Her class's timetable, not a holiday: lessons of 3A.
    let week = lessons(&lea, &["--audience", "3A"], "2026-12-14", "5");
    assert!(!week.is_empty(), "Léa sees her class's week");
    // Her class's workload, read from her replica.
    let load = lea
        .run(&[
            "workload",
            "--audience",
            "3A",
            "--week",
            "2026-12-16",
            "--json",
        ])
        .json();
    assert_eq!(load["audience"], "3A");
    assert_eq!(load["monday"], "2026-12-14");
    assert_eq!(load["days"].as_array().unwrap().len(), 6, "{load:#}");
    assert_eq!(load["limits"]["maxMinutes"], 90, "the usual rule");
    // The school sets its own: Léa's next sync brings it.
    server_cmd(&data, &["config", "set", "workload-minutes", "60"], &[]);
    server_cmd(&data, &["config", "set", "workload-assessments", "2"], &[]);
    let shown = server_cmd(&data, &["config", "show"], &[]);
    assert!(
        shown.contains("workload-minutes = 60") && shown.contains("workload-assessments = 2"),
        "{shown}"
    );
    assert_eq!(lea.run(&["sync"]).code, 0);
    let load = lea
        .run(&[
            "workload",
            "--audience",
            "3A",
            "--week",
            "2026-12-16",
            "--json",
        ])
        .json();
    assert_eq!(
        load["limits"],
        serde_json::json!({"maxMinutes": 60, "maxAssessments": 2})
    );
    let refused = server_refused(&data, &["config", "set", "workload-minutes", "5000"], &[]);
    assert!(refused.contains("de 5 à 600"), "{refused}");
    let holidays = lessons(&lea, &["--audience", "3A"], "2026-12-21", "5");
    assert!(
        holidays.is_empty(),
        "no lesson in the Christmas holidays: {holidays:#?}"
    );
    // The code worked once; her password works from now on.
    let elsewhere = Client::new(root.path(), "lea-2");
    assert!(log_in(&elsewhere, &typed, Some("autre-mot-de-passe"))
        .stderr
        .contains("auth.invalid_credentials"));
    assert_eq!(log_in(&elsewhere, "cartable-bleu-2026", None).code, 0);

    // Forgotten: a new code; the old password stops working, the code asks for a new one.
    let reset = server_cmd(&data, &["users", "reset", "lea.lefort"], &[]);
    let code = reset
        .split_whitespace()
        .find(|w| w.len() == 14 && w.matches('-').count() == 2)
        .unwrap_or_else(|| panic!("no code in {reset}"));
    let third = Client::new(root.path(), "lea-3");
    assert!(log_in(&third, "cartable-bleu-2026", None)
        .stderr
        .contains("auth.invalid_credentials"));
    let asked = log_in(&third, code, None);
    assert!(
        asked.stderr.contains("auth.activation_required"),
        "{}",
        asked.stderr
    );
    assert_eq!(log_in(&third, code, Some("nouveau-cartable")).code, 0);
}
