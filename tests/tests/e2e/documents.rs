//! Documents of a challenge and attachments of a proposal: the type known by the bytes, the
//! size limit, downloads as attachments only for those allowed (attachments sealed with their
//! proposal), and the bytes kept in a local folder or a real S3-compatible server (moto).

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use factoria::config::{FileStore, S3Settings};
use factoria_tests::smtp::{free_port, tools_python};
use factoria_tests::{Backend, Options, TestApp};
use reqwest::Method;
use serde_json::{Value, json};

use crate::fixtures;
use crate::on_both;

const DEPARTMENT: &str = "Canal de Isabel II";
/// The smallest file every PDF reader accepts as a PDF.
const PDF: &[u8] = b"%PDF-1.4\n1 0 obj <</Type /Catalog /Pages 2 0 R>> endobj\n2 0 obj <</Type /Pages /Kids [] /Count 0>> endobj\ntrailer <</Root 1 0 R>>\n%%EOF\n";
const RTF: &[u8] = b"{\\rtf1\\ansi Plan de trabajo del piloto.}";

async fn upload(
    app: &TestApp,
    path: &str,
    name: &str,
    bytes: &[u8],
    token: Option<&str>,
) -> (u16, Value) {
    let part = reqwest::multipart::Part::bytes(bytes.to_vec()).file_name(name.to_owned());
    let form = reqwest::multipart::Form::new().part("file", part);
    let mut request = app.http.post(app.at(path)).multipart(form);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.unwrap_or_else(|e| panic!("{e}"));
    let status = response.status().as_u16();
    let text = response.text().await.unwrap_or_default();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

/// Status, `Content-Disposition` and bytes of a download.
async fn download(app: &TestApp, path: &str, token: Option<&str>) -> (u16, String, Vec<u8>) {
    let mut request = app.http.get(app.at(path));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.unwrap_or_else(|e| panic!("{e}"));
    let status = response.status().as_u16();
    let disposition = response
        .headers()
        .get("content-disposition")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let bytes = response.bytes().await.unwrap_or_default().to_vec();
    (status, disposition, bytes)
}

/// The app with a published challenge whose call closes in five days, an officer (also its only
/// evaluator) and a member of each of two companies: their tokens.
async fn seeded(app: &TestApp) -> (String, String, String) {
    app.import(
        &[fixtures::company_es(), fixtures::company_en()],
        &[fixtures::challenge("ch-water", "published")],
    )
    .await;
    let chief = app
        .user_token("jefa@canal.example", false, None, Some(DEPARTMENT))
        .await;
    let lucia = app
        .user_token("lucia@fugascero.example", false, Some("co-test-es"), None)
        .await;
    let claire = app
        .user_token(
            "claire@hydrolisten.example",
            false,
            Some("co-test-en"),
            None,
        )
        .await;
    let now = app.ctx.clock.now();
    let (status, body) = app
        .send(
            Method::PUT,
            "/api/v1/challenges/ch-water/call",
            &json!({
                "criteria": [{"name": "Calidad", "weight": 100}],
                "questions_deadline": (now + chrono::Duration::days(2)).to_rfc3339(),
                "proposals_deadline": (now + chrono::Duration::days(5)).to_rfc3339(),
                "panel": ["jefa@canal.example"],
            }),
            Some(&chief),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    (chief, lucia, claire)
}

on_both!(
    documents_are_known_by_their_bytes_and_served_only_to_those_allowed,
    |backend: Backend| async move {
        let app = TestApp::spawn(backend).await;
        let (chief, lucia, claire) = seeded(&app).await;
        let documents = "/api/v1/challenges/ch-water/documents";

        // The department's specification: a PDF, whatever its name says, served to everyone.
        let (status, body) = upload(&app, documents, "notas.txt", PDF, Some(&chief)).await;
        assert_eq!(status, 201, "{body}");
        assert_eq!(body["content_type"], "application/pdf");
        assert_eq!(body["name"], "notas.txt");
        let (status, body) = upload(
            &app,
            documents,
            "pliego.pdf",
            b"<html>no soy un PDF</html>",
            Some(&chief),
        )
        .await;
        assert_eq!(status, 422, "{body}");
        assert_eq!(body["fields"][0]["field"], "file");
        let (status, _) = upload(&app, documents, "pliego.pdf", PDF, Some(&lucia)).await;
        assert_eq!(status, 403, "a company adds nothing to a challenge");
        let (status, _) = upload(&app, documents, "pliego.pdf", PDF, None).await;
        assert_eq!(status, 401);
        let reader = read_only(&app, "jefa@canal.example").await;
        let (status, body) = upload(&app, documents, "pliego.pdf", PDF, Some(&reader)).await;
        assert_eq!(status, 403);
        assert!(body.to_string().contains("may only read"), "{body}");
        assert_eq!(
            status_of_announced_body(&app, documents, 21 * 1024 * 1024, &chief).await,
            413,
            "over 20 MB, refused from its announced length before a byte of it is read"
        );
        assert_eq!(
            status_of_chunked_upload(&app, documents, 21 * 1024 * 1024, &chief).await,
            413,
            "over 20 MB sent in chunks, refused once read that far"
        );
        let (_, listed) = app.get(documents, None).await;
        assert_eq!(listed.as_array().map(Vec::len), Some(1), "{listed}");
        let url = listed[0]["url"].as_str().unwrap_or_default().to_owned();
        let (status, disposition, bytes) = download(&app, &url, None).await;
        assert_eq!((status, bytes.as_slice()), (200, PDF));
        assert!(disposition.starts_with("attachment;"), "{disposition}");

        // A proposal's attachment is sealed with the proposal.
        let (_, draft) = app
            .send(
                Method::POST,
                "/api/v1/challenges/ch-water/proposals",
                &json!({}),
                Some(&lucia),
            )
            .await;
        let proposal = format!("/api/v1/challenges/ch-water/proposals/{}", draft["id"]);
        let (status, attached) = upload(
            &app,
            &format!("{proposal}/documents"),
            "Plan del piloto.rtf",
            RTF,
            Some(&lucia),
        )
        .await;
        assert_eq!(status, 201, "{attached}");
        assert_eq!(attached["content_type"], "application/rtf");
        let (status, _) = upload(
            &app,
            &format!("{proposal}/documents"),
            "x.pdf",
            PDF,
            Some(&claire),
        )
        .await;
        assert_eq!(
            status, 404,
            "another company does not learn the proposal exists"
        );
        let attachment = attached["url"].as_str().unwrap_or_default().to_owned();
        assert_eq!(download(&app, &attachment, Some(&lucia)).await.2, RTF);
        for (who, token) in [
            ("anonymous", None),
            ("another company", Some(&claire)),
            ("the evaluator before the deadline", Some(&chief)),
        ] {
            assert_eq!(
                download(&app, &attachment, token.map(String::as_str))
                    .await
                    .0,
                404,
                "{who}"
            );
        }
        assert_eq!(
            app.get(documents, None).await.1.as_array().map(Vec::len),
            Some(1),
            "attachments are not the challenge's documents"
        );

        let (status, body) = app
            .send(
                Method::PATCH,
                &proposal,
                &json!({"summary": "Correladores", "approach": "Escucha nocturna.", "price": 90000,
                    "timeline": "Seis meses", "team": "Tres personas",
                    "answers": [{"requirement": "Detección acústica de fugas en tuberías", "answer": "Correladores acústicos"}]}),
                Some(&lucia),
            )
            .await;
        assert_eq!(status, 200, "{body}");
        let (status, body) = app
            .send(
                Method::POST,
                &format!("{proposal}/submit"),
                &json!({}),
                Some(&lucia),
            )
            .await;
        assert_eq!(status, 200, "{body}");

        // After the deadline: nothing more is attached; the evaluator reads it once declared.
        app.ctx.clock.advance(chrono::Duration::days(6));
        let (status, body) = upload(
            &app,
            &format!("{proposal}/documents"),
            "tarde.pdf",
            PDF,
            Some(&lucia),
        )
        .await;
        assert_eq!(status, 409, "{body}");
        assert_eq!(
            download(&app, &attachment, Some(&chief)).await.0,
            404,
            "not before declaring"
        );
        let (status, _) = app
            .send(
                Method::POST,
                &format!("{proposal}/declaration"),
                &json!({"conflict": false}),
                Some(&chief),
            )
            .await;
        assert_eq!(status, 200);
        assert_eq!(
            download(&app, &attachment, Some(&chief)).await.2,
            RTF,
            "declared free of conflict"
        );
        assert_eq!(download(&app, &attachment, Some(&claire)).await.0, 404);
        let (_, listed) = app
            .get(&format!("{proposal}/documents"), Some(&chief))
            .await;
        assert_eq!(listed.as_array().map(Vec::len), Some(1), "{listed}");

        assert_eq!(
            app.count("SELECT COUNT(*) AS n FROM audit_log WHERE action = 'document_added'")
                .await,
            2,
            "every file added is in the audit log"
        );
        // The bytes are in the configured folder, under keys that name no person.
        let kept: Vec<_> = walk(&app.dir.path().join("files"));
        assert_eq!(kept.len(), 2, "{kept:?}");
        assert!(
            kept.iter()
                .all(|p| !p.contains("lucia") && !p.contains(".pdf")),
            "{kept:?}"
        );
    }
);

on_both!(
    a_document_is_removed_only_by_whoever_may_change_what_it_belongs_to,
    |backend: Backend| async move {
        let app = TestApp::spawn(backend).await;
        let (chief, lucia, claire) = seeded(&app).await;
        let documents = "/api/v1/challenges/ch-water/documents";
        let (_, annex) = upload(&app, documents, "anexo.pdf", PDF, Some(&chief)).await;
        let annex_url = format!("{documents}/{}", annex["id"]);
        let delete = |url: String, token: String| {
            let app = &app;
            async move {
                app.send(Method::DELETE, &url, &json!({}), Some(&token))
                    .await
                    .0
            }
        };
        assert_eq!(delete(annex_url.clone(), lucia.clone()).await, 403);
        assert_eq!(delete(annex_url.clone(), chief.clone()).await, 204);
        assert_eq!(app.get(documents, None).await.1, json!([]));
        assert_eq!(download(&app, &annex_url, None).await.0, 404);

        // The same from the officer's call page: a form with the session's token.
        let (_, annex) = upload(&app, documents, "anexo-2.pdf", PDF, Some(&chief)).await;
        let (_, page) = app
            .page_as("jefa@canal.example", "/officer/challenges/ch-water/call")
            .await;
        let (cookie, csrf) = app.session_of("jefa@canal.example").await;
        let action = format!(
            "/officer/challenges/ch-water/documents/{}/remove",
            annex["id"]
        );
        assert!(page.contains(&action), "the page offers to remove it");
        let post = |confirmed: &'static str| {
            app.http
                .post(app.at(&action))
                .header("cookie", &cookie)
                .form(&[("csrf", csrf.as_str()), ("confirmed", confirmed)])
                .send()
        };
        // One click asks first; nothing is removed until the person confirms.
        let asked = post("").await.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(asked.status().as_u16(), 200);
        let asked = asked.text().await.unwrap_or_default();
        assert!(asked.contains("¿Eliminar este documento?"), "{asked}");
        assert_eq!(
            app.get(documents, None).await.1.as_array().map(Vec::len),
            Some(1)
        );
        let answer = post("1").await.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(answer.status().as_u16(), 303);
        assert_eq!(app.get(documents, None).await.1, json!([]));

        // An attachment: its company removes it until the deadline; nobody else learns of it.
        let (_, draft) = app
            .send(
                Method::POST,
                "/api/v1/challenges/ch-water/proposals",
                &json!({}),
                Some(&lucia),
            )
            .await;
        let attachments = format!(
            "/api/v1/challenges/ch-water/proposals/{}/documents",
            draft["id"]
        );
        let mut urls = Vec::new();
        for name in ["plan.rtf", "equipo.rtf"] {
            let (status, body) = upload(&app, &attachments, name, RTF, Some(&lucia)).await;
            assert_eq!(status, 201, "{body}");
            urls.push(format!("{documents}/{}", body["id"]));
        }
        assert_eq!(delete(urls[0].clone(), claire.clone()).await, 404);
        assert_eq!(delete(urls[0].clone(), chief.clone()).await, 404, "sealed");
        assert_eq!(delete(urls[0].clone(), lucia.clone()).await, 204);
        let (_, left) = app.get(&attachments, Some(&lucia)).await;
        assert_eq!(left.as_array().map(Vec::len), Some(1), "{left}");
        app.ctx.clock.advance(chrono::Duration::days(6));
        assert_eq!(
            delete(urls[1].clone(), lucia.clone()).await,
            409,
            "after the deadline"
        );

        app.settle().await;
        assert_eq!(
            walk(&app.dir.path().join("files")).len(),
            1,
            "the removed files are gone from the store"
        );
        assert_eq!(
            app.count("SELECT COUNT(*) AS n FROM audit_log WHERE action = 'document_removed'")
                .await,
            3
        );
    }
);

on_both!(
    stored_files_travel_in_backups_and_come_back_on_restore,
    |backend: Backend| async move {
        let app = TestApp::spawn(backend).await;
        let (chief, lucia, _) = seeded(&app).await;
        let (status, _) = upload(
            &app,
            "/api/v1/challenges/ch-water/documents",
            "pliego.pdf",
            PDF,
            Some(&chief),
        )
        .await;
        assert_eq!(status, 201);
        let (_, draft) = app
            .send(
                Method::POST,
                "/api/v1/challenges/ch-water/proposals",
                &json!({}),
                Some(&lucia),
            )
            .await;
        let attachments = format!(
            "/api/v1/challenges/ch-water/proposals/{}/documents",
            draft["id"]
        );
        assert_eq!(
            upload(&app, &attachments, "plan.rtf", RTF, Some(&lucia))
                .await
                .0,
            201
        );

        let file = app.dir.path().join("backup.tar");
        let url = app.ctx.config.database_url.clone();
        let (code, _, stderr) = factoria_tests::run_cli(
            app.dir.path(),
            &[("FACTORIA_DATABASE_URL", url.as_str())],
            &["backup", &file.display().to_string()],
        );
        assert_eq!(code, 0, "{stderr}");
        assert!(stderr.contains("and 2 stored files"), "{stderr}");

        let target = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let (target_url, _pg) =
            factoria_tests::database(backend, target.path(), "factoria.sqlite").await;
        let (code, _, stderr) = factoria_tests::run_cli(
            target.path(),
            &[("FACTORIA_DATABASE_URL", target_url.as_str())],
            &["restore", &file.display().to_string()],
        );
        assert_eq!(code, 0, "{stderr}");
        let mut restored: Vec<Vec<u8>> = walk(&target.path().join("files"))
            .iter()
            .map(|path| std::fs::read(path).unwrap_or_else(|e| panic!("{e}")))
            .collect();
        restored.sort();
        let mut expected = vec![PDF.to_vec(), RTF.to_vec()];
        expected.sort();
        assert_eq!(restored, expected, "the files come back, byte for byte");
        // A store that already holds the files is refused like a database with data.
        let again = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let (again_url, _again_pg) =
            factoria_tests::database(backend, again.path(), "factoria.sqlite").await;
        let files_dir = target.path().join("files").display().to_string();
        let (code, _, stderr) = factoria_tests::run_cli(
            again.path(),
            &[
                ("FACTORIA_DATABASE_URL", again_url.as_str()),
                ("FACTORIA_FILES_DIR", files_dir.as_str()),
            ],
            &["restore", &file.display().to_string()],
        );
        assert_ne!(code, 0);
        assert!(stderr.contains("the file store already holds"), "{stderr}");
        assert_eq!(
            walk(&target.path().join("files"))
                .iter()
                .map(|p| p.replace(&target.path().display().to_string(), ""))
                .collect::<std::collections::BTreeSet<_>>(),
            walk(&app.dir.path().join("files"))
                .iter()
                .map(|p| p.replace(&app.dir.path().display().to_string(), ""))
                .collect::<std::collections::BTreeSet<_>>(),
            "under the same keys"
        );
    }
);

on_both!(
    an_upload_retried_with_its_idempotency_key_is_stored_once,
    |backend: Backend| async move {
        let app = TestApp::spawn(backend).await;
        let (chief, _, _) = seeded(&app).await;
        let send_file = |key: &'static str, bytes: &[u8]| {
            let part = reqwest::multipart::Part::bytes(bytes.to_vec()).file_name("pliego.pdf");
            let form = reqwest::multipart::Form::new().part("file", part);
            app.http
                .post(app.at("/api/v1/challenges/ch-water/documents"))
                .bearer_auth(&chief)
                .header("Idempotency-Key", key)
                .multipart(form)
                .send()
        };
        let send = |key: &'static str| send_file(key, PDF);
        let first = send("pliego-1").await.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(first.status().as_u16(), 201);
        let first: Value = first.json().await.unwrap_or_default();
        let again = send("pliego-1").await.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(again.status().as_u16(), 201);
        assert_eq!(
            again
                .headers()
                .get("idempotent-replayed")
                .and_then(|v| v.to_str().ok()),
            Some("true")
        );
        let again: Value = again.json().await.unwrap_or_default();
        assert_eq!(
            again["id"], first["id"],
            "the same document, not a second one"
        );
        assert_eq!(app.count("SELECT COUNT(*) AS n FROM documents").await, 1);
        assert_eq!(walk(&app.dir.path().join("files")).len(), 1);
        // Another file under the same key is another request, not a retry.
        let mut other = PDF.to_vec();
        other.extend_from_slice(b"% otra version\n");
        let refused = send_file("pliego-1", &other)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(refused.status().as_u16(), 422);
        assert_eq!(app.count("SELECT COUNT(*) AS n FROM documents").await, 1);
    }
);

on_both!(
    erasure_removes_what_a_person_attached_to_a_proposal_never_handed_in,
    |backend: Backend| async move {
        let app = TestApp::spawn(backend).await;
        let (_, lucia, claire) = seeded(&app).await;
        let proposals = "/api/v1/challenges/ch-water/proposals";
        let mut attached = Vec::new();
        for token in [&lucia, &claire] {
            let (_, draft) = app
                .send(Method::POST, proposals, &json!({}), Some(token))
                .await;
            let url = format!("{proposals}/{}", draft["id"]);
            let (status, body) = upload(
                &app,
                &format!("{url}/documents"),
                "equipo.rtf",
                RTF,
                Some(token),
            )
            .await;
            assert_eq!(status, 201, "{body}");
            attached.push(url);
        }
        // Claire's proposal is handed in: its attachment is the call's record.
        let (status, body) = app
            .send(
                Method::PATCH,
                &attached[1],
                &json!({
                    "summary": "Acoustic loggers", "approach": "Listen at night",
                    "answers": [{"requirement": "Detección acústica de fugas en tuberías", "answer": "Loggers"}],
                    "price": 90000, "timeline": "Six months", "team": "Two engineers",
                }),
                Some(&claire),
            )
            .await;
        assert_eq!(status, 200, "{body}");
        let (status, body) = app
            .send(
                Method::POST,
                &format!("{}/submit", attached[1]),
                &json!({}),
                Some(&claire),
            )
            .await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(walk(&app.dir.path().join("files")).len(), 2);

        for who in ["lucia@fugascero.example", "claire@hydrolisten.example"] {
            assert_eq!(app.erase_signed_in(who).await, 204, "{who}");
        }
        app.settle().await;
        assert_eq!(
            app.count("SELECT COUNT(*) AS n FROM documents WHERE uploaded_by IS NULL")
                .await,
            1,
            "the handed-in attachment stays, naming nobody"
        );
        assert_eq!(app.count("SELECT COUNT(*) AS n FROM documents").await, 1);
        assert_eq!(
            walk(&app.dir.path().join("files")).len(),
            1,
            "the draft's file is gone from the store"
        );
        assert_eq!(
            app.count(
                "SELECT COUNT(*) AS n FROM jobs WHERE kind = 'remove_file' AND status = 'done'"
            )
            .await,
            1
        );
    }
);

/// The status answered to a request that announces a multipart body of `length` bytes, read
/// before sending any of it (a server that refuses a body closes the connection without
/// reading it, which a client still sending would see as a broken pipe).
async fn status_of_announced_body(app: &TestApp, path: &str, length: usize, token: &str) -> u16 {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(app.addr)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {token}\r\nContent-Type: multipart/form-data; boundary=x\r\nContent-Length: {length}\r\n\r\n",
        app.addr
    );
    stream
        .write_all(head.as_bytes())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let mut answer = [0u8; 64];
    let n = tokio::time::timeout(Duration::from_secs(30), stream.read(&mut answer))
        .await
        .unwrap_or_else(|_| panic!("no answer to an announced body"))
        .unwrap_or_else(|e| panic!("{e}"));
    let line = String::from_utf8_lossy(&answer[..n]);
    line.split(' ')
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or_else(|| panic!("not an HTTP answer: {line}"))
}

/// The status answered to a multipart upload of `length` bytes sent in chunks, with no length
/// announced, so that only reading it can show it is too large.
async fn status_of_chunked_upload(app: &TestApp, path: &str, length: usize, token: &str) -> u16 {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(app.addr)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {token}\r\nContent-Type: multipart/form-data; boundary=x\r\nTransfer-Encoding: chunked\r\n\r\n",
        app.addr
    );
    let part = "--x\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.pdf\"\r\nContent-Type: application/pdf\r\n\r\n%PDF-1.4\n";
    let mut sent = stream.write_all(head.as_bytes()).await;
    let mut chunk = format!("{:x}\r\n{part}\r\n", part.len()).into_bytes();
    let block = vec![b'0'; 1024 * 1024];
    let mut written = 0;
    while sent.is_ok() && written <= length {
        sent = stream.write_all(&chunk).await;
        chunk = format!("{:x}\r\n", block.len()).into_bytes();
        chunk.extend_from_slice(&block);
        chunk.extend_from_slice(b"\r\n");
        written += block.len();
    }
    // The server may answer and close before the whole body is sent: its answer is what counts.
    let mut answer = [0u8; 1024];
    let n = tokio::time::timeout(Duration::from_secs(30), stream.read(&mut answer))
        .await
        .unwrap_or_else(|_| panic!("no answer to a chunked upload"))
        .unwrap_or_else(|e| panic!("{e}"));
    let line = String::from_utf8_lossy(&answer[..n]);
    line.split(' ')
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or_else(|| panic!("not an HTTP answer: {line}"))
}

/// A read-only API token of the user at `email`.
async fn read_only(app: &TestApp, email: &str) -> String {
    use factoria::domain::actor::Scope;
    let id = app
        .count(&format!(
            "SELECT id AS n FROM users WHERE email = '{email}'"
        ))
        .await;
    let (token, _) =
        factoria::domain::accounts::create_api_token(&app.ctx.db, id, "lector", &[Scope::Read])
            .await
            .unwrap_or_else(|e| panic!("{e}"));
    token
}

fn walk(dir: &std::path::Path) -> Vec<String> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            found.extend(walk(&path));
        } else {
            found.push(path.display().to_string());
        }
    }
    found
}

/// An S3-compatible server (moto) on a free port, stopped with the guard.
struct S3Server {
    port: u16,
    child: std::process::Child,
}

impl Drop for S3Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl S3Server {
    fn start() -> S3Server {
        let port = free_port();
        let child = Command::new(tools_python())
            .args([
                "-m",
                "moto.server",
                "-H",
                "127.0.0.1",
                "-p",
                &port.to_string(),
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start moto: {e}"));
        let started = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "moto did not start"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        S3Server { port, child }
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn documents_live_in_an_s3_compatible_store_that_replicas_share() {
    let s3 = S3Server::start();
    let http = reqwest::Client::new();
    let bucket = format!("{}/factoria-files", s3.url());
    let created = http
        .put(&bucket)
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        created.status().is_success(),
        "create the bucket: {}",
        created.status()
    );
    let endpoint = s3.url();
    let store = move || {
        FileStore::S3(S3Settings {
            bucket: "factoria-files".into(),
            endpoint: Some(endpoint.clone()),
            region: "eu-south-2".into(),
            access_key_id: "test".into(),
            secret_access_key: factoria::config::Secret::new("test"),
        })
    };
    let first_store = store();
    let app = TestApp::spawn_with(
        Backend::Sqlite,
        Options {
            configure: Some(Box::new(move |config| config.files = first_store)),
            ..Options::default()
        },
    )
    .await;
    let (chief, _, _) = seeded(&app).await;
    let (status, body) = upload(
        &app,
        "/api/v1/challenges/ch-water/documents",
        "pliego.pdf",
        PDF,
        Some(&chief),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let listing = http
        .get(format!("{bucket}?list-type=2"))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .text()
        .await
        .unwrap_or_default();
    assert!(
        listing.contains("<Key>challenges/"),
        "the bytes are in the bucket: {listing}"
    );
    assert!(
        !app.dir.path().join("files").exists(),
        "and not on this machine's disk"
    );
    let url = body["url"].as_str().unwrap_or_default().to_owned();
    assert_eq!(download(&app, &url, None).await.2, PDF);

    // Another replica, with its own disk and the same bucket, serves the same bytes.
    let replica = factoria::files::Files::open(&store()).unwrap_or_else(|e| panic!("{e:#}"));
    let key = listing
        .split("<Key>")
        .nth(1)
        .and_then(|rest| rest.split("</Key>").next())
        .unwrap_or_default();
    let bytes = replica.get(key).await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(bytes.as_ref(), PDF);
}
