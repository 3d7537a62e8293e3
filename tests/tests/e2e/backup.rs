//! `factoria backup` and `factoria restore`, as an operations team runs them: a backup taken
//! while eight clients write, restored into a fresh folder or database and served again; and
//! every file or target a restore must refuse.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use factoria::backup::Manifest;
use factoria_tests::{Backend, ServeProcess, pg, run_cli};
use serde_json::{Value, json};
use tokio::sync::Mutex;

use crate::fixtures;
use crate::on_both;
use crate::processes::{count_rows, create_admin_token, search_ids};

const WRITERS: usize = 8;

/// Where one installation keeps its data: a folder, and a database in it or on PostgreSQL.
struct Site {
    dir: tempfile::TempDir,
    url: String,
    _pg: Option<pg::Database>,
}

impl Site {
    async fn new(backend: Backend) -> Site {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let (url, pg) = factoria_tests::database(backend, dir.path(), "factoria.sqlite").await;
        Site { dir, url, _pg: pg }
    }

    fn env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("FACTORIA_DATABASE_URL", self.url.clone()),
            ("FACTORIA_SEARCH_RATE_PER_MINUTE", "0".to_owned()),
        ]
    }

    /// Runs a command on this site (blocking the runtime's thread is fine: it waits for it).
    fn cli(&self, args: &[&str]) -> (i32, String, String) {
        run_cli(
            self.dir.path(),
            &[("FACTORIA_DATABASE_URL", &self.url)],
            args,
        )
    }

    async fn count(&self, sql: &str) -> i64 {
        count_rows(&self.url, sql).await
    }
}

/// Where the database's bytes start in a backup file, and how many there are.
fn database_member(file: &Path) -> (usize, usize) {
    let mut archive =
        tar::Archive::new(std::fs::File::open(file).unwrap_or_else(|e| panic!("{e}")));
    for entry in archive.entries().unwrap_or_else(|e| panic!("{e}")) {
        let entry = entry.unwrap_or_else(|e| panic!("{e}"));
        let name = entry
            .path()
            .unwrap_or_else(|e| panic!("{e}"))
            .display()
            .to_string();
        if name.starts_with("database.") {
            return (entry.raw_file_position() as usize, entry.size() as usize);
        }
    }
    panic!("{} holds no database", file.display())
}

fn manifest_of(file: &Path) -> Manifest {
    let unpacked = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    factoria::backup::unpack(file, unpacked.path()).unwrap_or_else(|e| panic!("{e:#}"))
}

/// A copy of `file` with its manifest replaced by `edit`ed, the other members kept.
fn with_manifest(file: &Path, edit: impl Fn(&mut Value)) -> PathBuf {
    let unpacked = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let manifest =
        factoria::backup::unpack(file, unpacked.path()).unwrap_or_else(|e| panic!("{e:#}"));
    let mut value = serde_json::to_value(&manifest).unwrap_or_else(|e| panic!("{e}"));
    edit(&mut value);
    let text = serde_json::to_vec(&value).unwrap_or_else(|e| panic!("{e}"));
    let out = file.with_extension("c.tar");
    let mut builder =
        tar::Builder::new(std::fs::File::create(&out).unwrap_or_else(|e| panic!("{e}")));
    let mut header = tar::Header::new_gnu();
    header.set_size(text.len() as u64);
    header.set_mode(0o600);
    header.set_cksum();
    builder
        .append_data(&mut header, "manifest.json", text.as_slice())
        .unwrap_or_else(|e| panic!("{e}"));
    for name in manifest.files.keys() {
        builder
            .append_path_with_name(unpacked.path().join(name), name)
            .unwrap_or_else(|e| panic!("{e}"));
    }
    builder.finish().unwrap_or_else(|e| panic!("{e}"));
    out
}

on_both!(
    a_backup_taken_while_eight_clients_write_restores_everything_acknowledged_before_it,
    |backend: Backend| async move {
        let source = Site::new(backend).await;
        let token = create_admin_token(&source.url, source.dir.path()).await;
        let (code, _, stderr) = {
            let challenges = source.dir.path().join("challenges.jsonl");
            let mut challenge = fixtures::challenge("ch-backup", "published");
            challenge["department"] = json!("Canal de Isabel II");
            std::fs::write(&challenges, format!("{challenge}\n")).unwrap_or_else(|e| panic!("{e}"));
            let companies = source.dir.path().join("companies.jsonl");
            std::fs::write(&companies, format!("{}\n", fixtures::company_es()))
                .unwrap_or_else(|e| panic!("{e}"));
            source.cli(&[
                "import",
                "--companies",
                &companies.display().to_string(),
                "--challenges",
                &challenges.display().to_string(),
            ])
        };
        assert_eq!(code, 0, "{stderr}");
        let server = ServeProcess::start(source.dir.path(), &source.env()).await;

        // Eight clients create companies until told to stop; each acknowledgement is recorded.
        let acknowledged = Arc::new(Mutex::new(Vec::<String>::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let writers: Vec<_> = (0..WRITERS)
            .map(|w| {
                let (url, token) = (server.url.clone(), token.clone());
                let (acknowledged, stop) = (acknowledged.clone(), stop.clone());
                tokio::spawn(async move {
                    let client = reqwest::Client::new();
                    let mut i = 0;
                    while !stop.load(Ordering::SeqCst) {
                        let id = format!("co-w{w}-{i}");
                        let response = client
                            .post(format!("{url}/api/v1/companies"))
                            .bearer_auth(&token)
                            .json(&json!({"id": id, "name": format!("Escritora {w}-{i}"), "kind": "sme",
                                          "description": format!("Empresa {i} del escritor {w}: sensores de caudal.")}))
                            .send()
                            .await
                            .unwrap_or_else(|e| panic!("{e}"));
                        assert_eq!(response.status().as_u16(), 201, "{id}");
                        acknowledged.lock().await.push(id);
                        i += 1;
                    }
                })
            })
            .collect();
        while acknowledged.lock().await.len() < 2 * WRITERS {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let before: BTreeSet<String> = acknowledged.lock().await.iter().cloned().collect();
        let file = source.dir.path().join("backup.tar");
        let file_arg = file.display().to_string();
        let (code, _, stderr) = source.cli(&["backup", &file_arg]);
        assert_eq!(code, 0, "{stderr}");
        let during = acknowledged.lock().await.len() - before.len();
        stop.store(true, Ordering::SeqCst);
        for writer in writers {
            writer
                .await
                .unwrap_or_else(|e| panic!("a writer failed: {e}"));
        }
        drop(server);
        let manifest = manifest_of(&file);
        assert!(
            manifest.rows["companies"] >= 1 + before.len() as i64,
            "{:?}",
            manifest.rows
        );

        // Restored into a fresh folder (and a fresh database), it answers as the source did.
        let target = Site::new(backend).await;
        let (code, _, stderr) = target.cli(&["restore", &file_arg]);
        assert_eq!(code, 0, "{stderr}");
        for table in ["companies", "challenges", "users", "api_tokens"] {
            assert_eq!(
                target
                    .count(&format!("SELECT COUNT(*) AS n FROM {table}"))
                    .await,
                manifest.rows[table],
                "{table}: the manifest's count"
            );
        }
        let restored = ServeProcess::start(target.dir.path(), &target.env()).await;
        let client = reqwest::Client::new();
        let mut missing = Vec::new();
        for id in &before {
            let status = client
                .get(format!("{}/api/v1/companies/{id}", restored.url))
                .bearer_auth(&token)
                .send()
                .await
                .map(|r| r.status().as_u16())
                .unwrap_or_else(|e| panic!("{e}"));
            if status != 200 {
                missing.push(format!("{id}: {status}"));
            }
        }
        assert!(
            missing.is_empty(),
            "acknowledged before the backup, missing after the restore ({during} writes ran during it): {missing:?}"
        );
        let found = search_ids(
            &restored.url,
            "/api/v1/companies/search?q=escritor&mode=bm25",
        )
        .await;
        assert!(!found.is_empty(), "the restored index answers searches");
        let matches = client
            .get(format!(
                "{}/api/v1/challenges/ch-backup/matches",
                restored.url
            ))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            matches.status().as_u16(),
            200,
            "the restored server matches"
        );
        let body: Value = matches.json().await.unwrap_or_else(|e| panic!("{e}"));
        assert!(
            body["items"]
                .as_array()
                .is_some_and(|items| !items.is_empty()),
            "{body}"
        );
        drop(restored);

        // A restore refuses what it must, and changes nothing when it does: over a database
        // that holds data (the index folder removed, so the database is what is checked)…
        std::fs::remove_dir_all(target.dir.path().join("index")).unwrap_or_else(|e| panic!("{e}"));
        let companies = "SELECT COUNT(*) AS n FROM companies";
        let before_refusal = target.count(companies).await;
        let (code, _, stderr) = target.cli(&["restore", &file_arg]);
        assert_ne!(code, 0);
        assert!(
            stderr.contains("is not empty"),
            "a restore over data: {stderr}"
        );
        assert_eq!(target.count(companies).await, before_refusal);

        // …or from a file with one bit of the database changed, cut short inside the
        // database, or from a newer schema (file names that say nothing of why).
        let bytes = std::fs::read(&file).unwrap_or_else(|e| panic!("{e}"));
        let (start, size) = database_member(&file);
        let tampered = source.dir.path().join("a.tar");
        let mut altered = bytes.clone();
        altered[start + size / 2] ^= 0x20;
        std::fs::write(&tampered, &altered).unwrap_or_else(|e| panic!("{e}"));
        let truncated = source.dir.path().join("b.tar");
        std::fs::write(&truncated, &bytes[..start + size / 3]).unwrap_or_else(|e| panic!("{e}"));
        let newer = with_manifest(&file, |m| {
            m["migrations"]
                .as_array_mut()
                .map(|list| list.push(json!("m20991231_000001_from_the_future")));
        });
        for (file, says) in [
            (&tampered, "checksum"),
            (&truncated, "truncated"),
            (&newer, "newer"),
        ] {
            let fresh = Site::new(backend).await;
            let (code, _, stderr) = fresh.cli(&["restore", &file.display().to_string()]);
            assert_ne!(code, 0, "{} was restored", file.display());
            assert!(stderr.contains(says), "{}: {stderr}", file.display());
            let tables = match backend {
                Backend::Sqlite => i64::from(Path::new(&fresh.dir.path().join("factoria.sqlite")).exists()),
                Backend::Postgres => fresh.count("SELECT COUNT(*) AS n FROM information_schema.tables WHERE table_schema = 'public'").await,
            };
            assert_eq!(
                tables,
                0,
                "{}: the refused restore changed the target",
                file.display()
            );
        }
    }
);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_of_an_older_schema_restores_into_this_one_and_a_bad_destination_fails_first() {
    let source = Site::new(Backend::Sqlite).await;
    let (code, _, stderr) = source.cli(&["migrate"]);
    assert_eq!(code, 0, "{stderr}");
    let (code, _, stderr) = source.cli(&["migrate", "--down", "1"]);
    assert_eq!(code, 0, "{stderr}");
    let file = source.dir.path().join("older.tar");
    let (code, _, stderr) = source.cli(&["backup", &file.display().to_string()]);
    assert_eq!(code, 0, "{stderr}");
    let known = source
        .count("SELECT COUNT(*) AS n FROM seaql_migrations")
        .await;
    assert_eq!(
        manifest_of(&file).migrations.len() as i64,
        known,
        "the backup did not migrate"
    );

    let target = Site::new(Backend::Sqlite).await;
    let (code, _, stderr) = target.cli(&["restore", &file.display().to_string()]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        target
            .count("SELECT COUNT(*) AS n FROM seaql_migrations")
            .await,
        known + 1,
        "the restore ran the migration the backup lacked"
    );

    let (code, _, stderr) = source.cli(&["backup", "/nonexistent-folder/backup.tar"]);
    assert_ne!(code, 0);
    assert!(
        stderr.contains("cannot write the backup into /nonexistent-folder"),
        "{stderr}"
    );
}
