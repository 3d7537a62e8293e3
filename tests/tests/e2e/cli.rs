//! The `factoria` command line: import, export, match, migrate and configuration errors.

use std::collections::HashSet;

use factoria_tests::{demo_data, pg, run_cli};
use serde_json::Value;

fn write_lines(path: &std::path::Path, records: &[Value]) {
    std::fs::write(
        path,
        records.iter().map(|r| format!("{r}\n")).collect::<String>(),
    )
    .unwrap_or_else(|e| panic!("{e}"));
}

fn read_lines(path: &std::path::Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("{e}"))
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}")))
        .collect()
}

/// A subset of the demo: enough variety, quick to embed.
fn sample() -> (Vec<Value>, Vec<Value>) {
    let data = demo_data();
    (
        data.companies.into_iter().step_by(10).collect(),
        data.challenges.into_iter().step_by(8).collect(),
    )
}

#[test]
fn import_is_idempotent_and_export_reproduces_it() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let (companies, challenges) = sample();
    let (c_in, h_in) = (
        dir.path().join("companies.jsonl"),
        dir.path().join("challenges.jsonl"),
    );
    write_lines(&c_in, &companies);
    write_lines(&h_in, &challenges);
    let import = [
        "import",
        "--companies",
        c_in.to_str().unwrap_or_default(),
        "--challenges",
        h_in.to_str().unwrap_or_default(),
    ];
    let (code, _, stderr) = run_cli(dir.path(), &[], &import);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains(&format!(
            "companies: {} created, 0 updated, 0 unchanged, 0 rejected",
            companies.len()
        )),
        "{stderr}"
    );
    let (code, _, stderr) = run_cli(dir.path(), &[], &import);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains(&format!(
            "companies: 0 created, 0 updated, {} unchanged",
            companies.len()
        )),
        "a second import changes nothing: {stderr}"
    );
    assert!(
        stderr.contains(&format!(
            "challenges: 0 created, 0 updated, {} unchanged",
            challenges.len()
        )),
        "{stderr}"
    );

    let (c_out, h_out) = (
        dir.path().join("out-companies.jsonl"),
        dir.path().join("out-challenges.jsonl"),
    );
    let (code, _, stderr) = run_cli(
        dir.path(),
        &[],
        &[
            "export",
            "--companies",
            c_out.to_str().unwrap_or_default(),
            "--challenges",
            h_out.to_str().unwrap_or_default(),
        ],
    );
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(read_lines(&c_out), companies, "companies round-trip");
    assert_eq!(read_lines(&h_out), challenges, "challenges round-trip");

    let (code, stdout, stderr) = run_cli(
        dir.path(),
        &[],
        &["match", "--all", "--top", "3", "--format", "tsv"],
    );
    assert_eq!(code, 0, "{stderr}");
    let lines: Vec<Vec<&str>> = stdout.lines().map(|l| l.split('\t').collect()).collect();
    for challenge in &challenges {
        let id = challenge["id"].as_str().unwrap_or_default();
        let ranks: Vec<&str> = lines.iter().filter(|f| f[0] == id).map(|f| f[2]).collect();
        // Companies lacking a required certification are demoted, not removed: three each.
        let expected = 3.min(companies.len());
        assert_eq!(ranks.len(), expected, "{id}: {ranks:?}");
        assert!(
            ranks
                .iter()
                .enumerate()
                .all(|(i, r)| *r == (i + 1).to_string()),
            "{id}: {ranks:?}"
        );
    }
    let company_ids: HashSet<&str> = companies.iter().filter_map(|c| c["id"].as_str()).collect();
    for fields in &lines {
        assert_eq!(
            fields.len(),
            4,
            "challenge_id, company_id, rank, score: {fields:?}"
        );
        assert!(fields[0].starts_with("ch-") && company_ids.contains(fields[1]));
        assert!(["1", "2", "3"].contains(&fields[2]) && fields[3].parse::<f64>().is_ok());
    }

    // The other direction: company_id, challenge_id, rank, score; the deadlines replayed.
    let (code, stdout, stderr) = run_cli(
        dir.path(),
        &[],
        &[
            "recommend",
            "--all",
            "--top",
            "2",
            "--format",
            "tsv",
            "--as-of",
            "2000-01-01",
        ],
    );
    assert_eq!(code, 0, "{stderr}");
    let challenge_ids: HashSet<&str> = challenges.iter().filter_map(|c| c["id"].as_str()).collect();
    let lines: Vec<Vec<&str>> = stdout.lines().map(|l| l.split('\t').collect()).collect();
    assert!(!lines.is_empty(), "some company covers some challenge");
    for fields in &lines {
        assert_eq!(
            fields.len(),
            4,
            "company_id, challenge_id, rank, score: {fields:?}"
        );
        assert!(company_ids.contains(fields[0]) && challenge_ids.contains(fields[1]));
        assert!(["1", "2"].contains(&fields[2]) && fields[3].parse::<f64>().is_ok());
    }
    let (code, stdout, stderr) = run_cli(
        dir.path(),
        &[],
        &[
            "recommend",
            "--all",
            "--format",
            "tsv",
            "--as-of",
            "2999-01-01",
        ],
    );
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stdout.is_empty(),
        "every deadline has passed by then: {stdout}"
    );
    let (code, _, stderr) = run_cli(dir.path(), &[], &["match", "--all", "--lang", "fr"]);
    assert_ne!(code, 0);
    assert!(stderr.contains("--lang"), "{stderr}");
}

#[test]
fn bad_lines_are_reported_by_number_and_strict_imports_nothing() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let (companies, _) = sample();
    let file = dir.path().join("companies.jsonl");
    let mut text = String::new();
    text.push_str(&format!("{}\n", companies[0]));
    text.push_str("{\"id\": \"co-bad\", \"name\": \"Bad\", \"kind\": \"giant\", \"description\": \"x\", \"cpv\": [\"123\"]}\n");
    text.push_str("not json at all\n");
    text.push_str(&format!("{}\n", companies[1]));
    std::fs::write(&file, text).unwrap_or_else(|e| panic!("{e}"));
    let path = file.to_str().unwrap_or_default();

    let (code, _, stderr) = run_cli(
        dir.path(),
        &[],
        &["import", "--strict", "--companies", path],
    );
    assert_ne!(code, 0);
    assert!(stderr.contains("companies.jsonl:2: kind:"), "{stderr}");
    assert!(stderr.contains("companies.jsonl:2: cpv[0]:"), "{stderr}");
    assert!(
        stderr.contains("companies.jsonl:3: not valid JSON"),
        "{stderr}"
    );
    assert!(stderr.contains("nothing was imported"), "{stderr}");
    let (_, _, stderr) = run_cli(
        dir.path(),
        &[],
        &[
            "export",
            "--companies",
            dir.path().join("out.jsonl").to_str().unwrap_or_default(),
        ],
    );
    assert!(stderr.contains("exported 0 companies"), "{stderr}");

    let (code, _, stderr) = run_cli(dir.path(), &[], &["import", "--companies", path]);
    assert_ne!(
        code, 0,
        "faults give a non-zero exit even when good lines were imported"
    );
    assert!(
        stderr.contains("companies: 2 created, 0 updated, 0 unchanged, 2 rejected"),
        "{stderr}"
    );
}

#[test]
fn migrations_go_down_and_up_on_sqlite_and_postgresql() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let runtime = tokio::runtime::Runtime::new().unwrap_or_else(|e| panic!("{e}"));
    let postgres = runtime.block_on(pg::Database::create());
    let sqlite = format!(
        "sqlite://{}?mode=rwc",
        dir.path().join("m.sqlite").display()
    );
    for url in [sqlite.as_str(), postgres.url.as_str()] {
        for args in [&["migrate"][..], &["migrate", "--down", "2"], &["migrate"]] {
            let mut all = vec!["--database-url", url];
            all.extend_from_slice(args);
            let (code, _, stderr) = run_cli(dir.path(), &[], &all);
            assert_eq!(code, 0, "{url} {args:?}: {stderr}");
        }
    }
    drop(postgres);
}

#[test]
fn bad_configuration_fails_fast_naming_each_value() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let env = [
        ("FACTORIA_BIND", "nowhere"),
        ("FACTORIA_INTRODUCTION_EXPIRY_DAYS", "lots"),
        ("FACTORIA_MAIL_TRANSPORT", "pigeon"),
    ];
    let (code, _, stderr) = run_cli(dir.path(), &env, &["migrate"]);
    assert_ne!(code, 0);
    for name in [
        "FACTORIA_BIND",
        "FACTORIA_INTRODUCTION_EXPIRY_DAYS",
        "FACTORIA_MAIL_TRANSPORT",
    ] {
        assert!(stderr.contains(name), "{name} not named in: {stderr}");
    }
}
