//! Email against a real SMTP server over TCP: introductions end to end, retries on 4xx and
//! stalls, permanent failure on 5xx, message validity, DKIM, unsubscribe.

use std::time::Duration;

use factoria::config::{DkimSettings, MailTransport, SmtpSettings};
use factoria_tests::smtp::{SmtpServer, header, html_part, text_part, tools_python};
use factoria_tests::{Backend, Options, TestApp};
use reqwest::Method;
use serde_json::json;

use crate::fixtures;

const DEPARTMENT: &str = "Canal de Isabel II";

fn with_smtp(url: String, dkim: Option<DkimSettings>) -> Options {
    Options {
        configure: Some(Box::new(move |config| {
            config.mail.transport = MailTransport::Smtp(SmtpSettings {
                url,
                timeout: Duration::from_secs(2),
            });
            config.mail.dkim = dkim;
            config.job_lease = Duration::from_secs(5);
            config.job_retry_base = Duration::from_millis(100);
        })),
        ..Options::default()
    }
}

async fn app_with(smtp: &SmtpServer, dkim: Option<DkimSettings>) -> (TestApp, String) {
    let app = TestApp::spawn_with(Backend::Sqlite, with_smtp(smtp.url(), dkim)).await;
    app.import(
        &[fixtures::company_es(), fixtures::company_en()],
        &[fixtures::challenge("ch-water", "published")],
    )
    .await;
    let officer = app
        .user_token("officer@canal.example", false, None, Some(DEPARTMENT))
        .await;
    (app, officer)
}

fn link(text: &str, path: &str) -> String {
    text.split_whitespace()
        .find(|w| w.contains(path))
        .unwrap_or_default()
        .trim_end_matches(['.', ')', '>'])
        .to_owned()
}

/// Every line of a message is at most 998 octets and the headers RFC 5322 requires are there.
fn assert_valid_rfc5322(message: &str) {
    for line in message.split("\r\n") {
        assert!(line.len() <= 998, "a line of {} octets", line.len());
    }
    for name in [
        "From",
        "Date",
        "Message-ID",
        "To",
        "Subject",
        "MIME-Version",
    ] {
        assert!(header(message, name).is_some(), "{name} missing");
    }
    let content_type = header(message, "Content-Type").unwrap_or_default();
    assert!(
        content_type.starts_with("multipart/alternative"),
        "{content_type}"
    );
    assert!(
        message.contains("Content-Type: text/plain") && message.contains("Content-Type: text/html")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_accepted_introduction_gives_both_sides_each_others_contact() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let smtp = SmtpServer::start(dir.path(), "");
    let (app, officer) = app_with(&smtp, None).await;
    let (status, body) = app
        .send(
            Method::POST,
            "/api/v1/challenges/ch-water/introductions",
            &json!({"company": "co-test-en", "message": "Nos encantaría conoceros."}),
            Some(&officer),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    let messages = smtp.wait_for(1, Duration::from_secs(20)).await;
    let proposal = &messages[0];
    assert_valid_rfc5322(proposal);
    assert!(
        header(proposal, "To")
            .unwrap_or_default()
            .contains("claire@hydrolisten.example")
    );
    assert_eq!(
        header(proposal, "Subject").map(|s| s.contains("Canal de Isabel II")),
        Some(true),
        "{:?}",
        header(proposal, "Subject")
    );
    let text = text_part(proposal);
    assert!(
        text.contains("Why you match") && text.contains("Covers"),
        "English for an English-speaking company, with reasons: {text}"
    );
    let accept = link(&text, "/introductions/respond?token=");
    assert!(!accept.is_empty());

    // Opening the link only asks for confirmation.
    let page = app
        .http
        .get(&accept)
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(page.status().as_u16(), 200);
    assert_eq!(
        app.count("SELECT COUNT(*) AS n FROM introductions WHERE stage = 'introduced'")
            .await,
        1
    );
    let token = accept.split("token=").nth(1).unwrap_or_default();
    let confirm = app
        .http
        .post(app.at("/introductions/respond"))
        .form(&[("token", token)])
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(confirm.status().as_u16(), 200);
    assert_eq!(
        app.count("SELECT COUNT(*) AS n FROM introductions WHERE stage = 'accepted'")
            .await,
        1
    );

    let messages = smtp.wait_for(3, Duration::from_secs(20)).await;
    let to_officer = messages
        .iter()
        .find(|m| {
            header(m, "To")
                .unwrap_or_default()
                .contains("officer@canal.example")
        })
        .cloned()
        .unwrap_or_default();
    let to_company = messages
        .iter()
        .skip(1)
        .find(|m| {
            header(m, "To")
                .unwrap_or_default()
                .contains("claire@hydrolisten.example")
        })
        .cloned()
        .unwrap_or_default();
    assert!(
        text_part(&to_officer).contains("claire@hydrolisten.example"),
        "the officer gets the company's contact"
    );
    assert_eq!(
        header(&to_officer, "Reply-To").map(|r| r.contains("claire@hydrolisten.example")),
        Some(true)
    );
    assert!(
        text_part(&to_company).contains("officer@canal.example"),
        "the company gets the officer's contact"
    );
    assert_eq!(
        header(&to_company, "Reply-To").map(|r| r.contains("officer@canal.example")),
        Some(true)
    );

    let again = app
        .http
        .post(app.at("/introductions/respond"))
        .form(&[("token", token)])
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        again.status().as_u16(),
        409,
        "answering twice changes nothing"
    );
    let (status, _) = app
        .send(
            Method::POST,
            "/api/v1/introductions/1/stage",
            &json!({"stage": "meeting", "date": "2027-01-15"}),
            Some(&officer),
        )
        .await;
    assert_eq!(status, 200);
    let (_, pipeline) = app
        .get("/api/v1/challenges/ch-water/introductions", Some(&officer))
        .await;
    let stages: Vec<&str> = pipeline[0]["events"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|e| e["stage"].as_str())
        .collect();
    assert_eq!(stages, vec!["introduced", "accepted", "meeting"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn declines_and_expiries_are_recorded_and_told_to_the_officer() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let smtp = SmtpServer::start(dir.path(), "");
    let (app, officer) = app_with(&smtp, None).await;
    app.send(
        Method::POST,
        "/api/v1/challenges/ch-water/introductions",
        &json!({"company": "co-test-es"}),
        Some(&officer),
    )
    .await;
    app.send(
        Method::POST,
        "/api/v1/challenges/ch-water/introductions",
        &json!({"company": "co-test-en"}),
        Some(&officer),
    )
    .await;
    let messages = smtp.wait_for(2, Duration::from_secs(20)).await;
    let spanish = messages
        .iter()
        .find(|m| {
            header(m, "To")
                .unwrap_or_default()
                .contains("lucia@fugascero.example")
        })
        .cloned()
        .unwrap_or_default();
    let text = text_part(&spanish);
    assert!(
        text.contains("Por qué encajáis"),
        "Spanish for a Spanish company: {text}"
    );
    let decline = link(&text, "/introductions/respond?token=");
    let token = decline.split("token=").nth(1).unwrap_or_default();
    let page = app
        .http
        .get(&decline)
        .send()
        .await
        .map(|r| r.status().as_u16())
        .unwrap_or(0);
    assert_eq!(page, 200);
    // The decline link is the second of the two links in the email.
    let decline_token = text
        .split_whitespace()
        .filter(|w| w.contains("/introductions/respond?token="))
        .nth(1)
        .and_then(|l| l.split("token=").nth(1))
        .unwrap_or(token)
        .to_owned();
    let response = app
        .http
        .post(app.at("/introductions/respond"))
        .form(&[
            ("token", decline_token.as_str()),
            ("reason", "Ahora no tenemos capacidad <b>"),
        ])
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(response.status().as_u16(), 200);
    let messages = smtp.wait_for(3, Duration::from_secs(20)).await;
    let told = messages
        .iter()
        .find(|m| header(m, "Subject").unwrap_or_default().contains("declin"))
        .cloned()
        .unwrap_or_default();
    assert!(
        text_part(&told).contains("Ahora no tenemos capacidad <b>"),
        "the reason reaches the officer"
    );
    let html = html_part(&told);
    assert!(
        html.contains("Ahora no tenemos capacidad &#60;b&#62;") && !html.contains("capacidad <b>"),
        "and is escaped in HTML: {html}"
    );

    use sea_orm::ConnectionTrait;
    app.ctx.db.execute_unprepared("UPDATE introductions SET expires_at = '2000-01-01T00:00:00Z' WHERE stage = 'introduced'").await.unwrap_or_else(|e| panic!("{e}"));
    let expired = factoria::domain::introductions::expire_due(&app.ctx)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(expired, 1);
    assert_eq!(
        factoria::domain::introductions::expire_due(&app.ctx)
            .await
            .unwrap_or_default(),
        0,
        "idempotent"
    );
    let messages = smtp.wait_for(4, Duration::from_secs(20)).await;
    assert!(messages.iter().any(|m| {
        header(m, "Subject")
            .unwrap_or_default()
            .contains("Sin respuesta")
    }));
}

async fn send_one(app: &TestApp, to: &str) {
    use factoria_frontend::emails::{EmailContent, Link};
    let tx = factoria::db::begin_write(&app.ctx.db)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let outgoing = factoria::email::Outgoing {
        to: factoria::types::Email::parse(to).unwrap_or_else(|e| panic!("{e}")),
        to_name: Some("Test".into()),
        user_id: None,
        lang: factoria::search_index::Lang::Es,
        content: EmailContent::LoginLink(Link {
            name: "Test".into(),
            url: "https://factoria.example/login/link?token=x".into(),
        }),
        topic: None,
        reply_to: None,
    };
    factoria::email::enqueue(&tx, app.ctx.mailer.domain(), outgoing)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    tx.commit().await.unwrap_or_else(|e| panic!("{e}"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn temporary_failures_are_retried_until_delivered_exactly_once() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let smtp = SmtpServer::start(dir.path(), "421,451");
    let (app, _) = app_with(&smtp, None).await;
    send_one(&app, "persona@empresa.example").await;
    let messages = smtp.wait_for(1, Duration::from_secs(30)).await;
    // Every job done: no later attempt can deliver it again.
    app.settle().await;
    assert_eq!(smtp.messages().len(), 1, "delivered exactly once");
    assert_eq!(messages.len(), 1);
    assert_eq!(smtp.attempts(), 3, "two refusals, then success");
    assert_eq!(
        app.count("SELECT COUNT(*) AS n FROM emails WHERE status = 'sent'")
            .await,
        1
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_permanent_rejection_fails_and_suppresses_the_address() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let smtp = SmtpServer::start(dir.path(), "550");
    let (app, _) = app_with(&smtp, None).await;
    send_one(&app, "nadie@empresa.example").await;
    app.settle().await;
    assert_eq!(smtp.attempts(), 1, "no retry after a 5xx");
    assert_eq!(
        app.count("SELECT COUNT(*) AS n FROM emails WHERE status = 'failed'")
            .await,
        1
    );
    assert_eq!(
        app.count("SELECT COUNT(*) AS n FROM jobs WHERE status = 'failed' AND kind = 'send_email'")
            .await,
        1
    );
    assert_eq!(app.count("SELECT COUNT(*) AS n FROM suppressions WHERE email = 'nadie@empresa.example' AND reason = 'bounced'").await, 1);
    send_one(&app, "nadie@empresa.example").await;
    assert_eq!(
        app.count("SELECT COUNT(*) AS n FROM emails").await,
        1,
        "a bounced address gets nothing more"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stalled_server_times_out_and_the_email_is_retried() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let smtp = SmtpServer::start(dir.path(), "stall");
    let (app, _) = app_with(&smtp, None).await;
    send_one(&app, "persona@empresa.example").await;
    smtp.wait_for(1, Duration::from_secs(30)).await;
    app.settle().await;
    assert_eq!(smtp.attempts(), 2, "one stalled attempt, then a retry");
    let error = {
        use factoria::db::entities::email;
        use sea_orm::EntityTrait;
        email::Entity::find()
            .one(&app.ctx.db)
            .await
            .ok()
            .flatten()
            .and_then(|e| e.last_error)
            .unwrap_or_default()
    };
    assert_eq!(error, "", "the delivered email keeps no error");
    // The stalled attempt timed out; a later one went through (the connection the timeout
    // abandoned may cost one more attempt before a fresh one is opened).
    assert_eq!(
        app.count("SELECT COUNT(*) AS n FROM emails WHERE status = 'sent' AND attempts >= 2")
            .await,
        1
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dkim_signatures_verify_with_an_independent_verifier() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let key = dir.path().join("dkim.pem");
    let public = dir.path().join("dkim.pub");
    let made = std::process::Command::new("openssl")
        .args(["genrsa", "-traditional", "-out"])
        .arg(&key)
        .arg("2048")
        .output();
    assert!(made.is_ok_and(|o| o.status.success()), "openssl genrsa");
    let made = std::process::Command::new("openssl")
        .args(["rsa", "-pubout", "-in"])
        .arg(&key)
        .arg("-out")
        .arg(&public)
        .output();
    assert!(
        made.is_ok_and(|o| o.status.success()),
        "openssl rsa -pubout"
    );
    let smtp = SmtpServer::start(&dir.path().join("smtp"), "");
    let dkim = DkimSettings {
        key_file: key,
        selector: "mail".into(),
        domain: "factoria.example".into(),
    };
    let (app, _) = app_with(&smtp, Some(dkim)).await;
    let member = app
        .user_token("lucia@fugascero.example", false, Some("co-test-es"), None)
        .await;
    let (status, _) = app.send(Method::PUT, "/api/v1/me/subscriptions/followed_challenges", &json!({"frequency": "immediate", "consent_text_version": factoria::domain::alerts::CONSENT_TEXT_VERSION}), Some(&member)).await;
    assert_eq!(status, 200);
    app.send(
        Method::POST,
        "/api/v1/challenges/ch-water/interests",
        &json!({"kind": "follow"}),
        Some(&member),
    )
    .await;
    let officer = app
        .user_token("otra@canal.example", false, None, Some(DEPARTMENT))
        .await;
    let (status, _) = app
        .send(
            Method::PATCH,
            "/api/v1/challenges/ch-water",
            &json!({"summary": "Resumen nuevo"}),
            Some(&officer),
        )
        .await;
    assert_eq!(status, 200);
    let messages = smtp.wait_for(1, Duration::from_secs(20)).await;
    let message = &messages[0];
    assert!(
        header(message, "List-Unsubscribe").is_some_and(|v| v.starts_with("<http")),
        "an alert carries List-Unsubscribe"
    );
    assert_eq!(
        header(message, "List-Unsubscribe-Post").as_deref(),
        Some("List-Unsubscribe=One-Click")
    );
    let signature = header(message, "DKIM-Signature").unwrap_or_default();
    assert!(signature.contains("c=relaxed/relaxed"), "{signature}");
    for signed in [
        "from",
        "to",
        "subject",
        "date",
        "message-id",
        "list-unsubscribe",
        "list-unsubscribe-post",
    ] {
        assert!(
            signature.to_lowercase().replace(' ', "").contains(signed),
            "{signed} not signed: {signature}"
        );
    }
    let file = dir.path().join("message.eml");
    std::fs::write(&file, message).unwrap_or_else(|e| panic!("{e}"));
    let verified = std::process::Command::new(tools_python())
        .arg(factoria_tests::crate_dir().join("tools/dkim_verify.py"))
        .arg(&file)
        .arg(&public)
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        verified.status.success(),
        "dkimpy: {}",
        String::from_utf8_lossy(&verified.stdout)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_click_unsubscribe_needs_no_login_never_redirects_and_stops_the_alerts() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let smtp = SmtpServer::start(dir.path(), "");
    let (app, officer) = app_with(&smtp, None).await;
    let member = app
        .user_token("lucia@fugascero.example", false, Some("co-test-es"), None)
        .await;
    app.send(Method::PUT, "/api/v1/me/subscriptions/followed_challenges", &json!({"frequency": "immediate", "consent_text_version": factoria::domain::alerts::CONSENT_TEXT_VERSION}), Some(&member)).await;
    app.send(
        Method::POST,
        "/api/v1/challenges/ch-water/interests",
        &json!({"kind": "follow"}),
        Some(&member),
    )
    .await;
    app.send(
        Method::PATCH,
        "/api/v1/challenges/ch-water",
        &json!({"summary": "Primer cambio"}),
        Some(&officer),
    )
    .await;
    let messages = smtp.wait_for(1, Duration::from_secs(20)).await;
    let url = header(&messages[0], "List-Unsubscribe")
        .unwrap_or_default()
        .trim_matches(['<', '>'])
        .to_owned();

    let page = app
        .http
        .get(&url)
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(page.status().as_u16(), 200);
    assert_eq!(
        app.count("SELECT COUNT(*) AS n FROM suppressions").await,
        0,
        "a GET never unsubscribes"
    );
    let one_click = app
        .http
        .post(&url)
        .header("content-type", "application/x-www-form-urlencoded")
        .body("List-Unsubscribe=One-Click")
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(one_click.status().as_u16(), 200, "no redirect");
    assert!(one_click.headers().get("location").is_none());
    assert_eq!(
        app.count("SELECT COUNT(*) AS n FROM suppressions WHERE reason = 'unsubscribed'")
            .await,
        1
    );
    assert_eq!(
        app.count("SELECT COUNT(*) AS n FROM consents WHERE withdrawn_at IS NOT NULL")
            .await,
        1,
        "consent withdrawn"
    );

    app.send(
        Method::PATCH,
        "/api/v1/challenges/ch-water",
        &json!({"summary": "Segundo cambio"}),
        Some(&officer),
    )
    .await;
    app.settle().await;
    assert_eq!(smtp.messages().len(), 1, "no email after unsubscribing");
    let tampered = url.replace("token=", "token=x");
    let refused = app
        .http
        .post(&tampered)
        .body("List-Unsubscribe=One-Click")
        .send()
        .await
        .map(|r| r.status().as_u16())
        .unwrap_or(0);
    assert_eq!(refused, 400, "a tampered link does nothing");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn digests_rank_new_challenges_for_consenting_subscribers_only() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let smtp = SmtpServer::start(dir.path(), "");
    let (app, _) = app_with(&smtp, None).await;
    let consenting = app
        .user_token("lucia@fugascero.example", false, Some("co-test-es"), None)
        .await;
    let _silent = app
        .user_token(
            "claire@hydrolisten.example",
            false,
            Some("co-test-en"),
            None,
        )
        .await;
    let (status, body) = app
        .send(
            Method::PUT,
            "/api/v1/me/subscriptions/new_challenges",
            &json!({"frequency": "daily"}),
            Some(&consenting),
        )
        .await;
    assert_eq!(status, 422, "consent to the shown text is required: {body}");
    let (status, subs) = app.send(Method::PUT, "/api/v1/me/subscriptions/new_challenges", &json!({"frequency": "daily", "consent_text_version": factoria::domain::alerts::CONSENT_TEXT_VERSION}), Some(&consenting)).await;
    assert_eq!(status, 200);
    assert!(
        subs[0]["consented_at"].is_string()
            && subs[0]["consent_text_version"] == factoria::domain::alerts::CONSENT_TEXT_VERSION
    );
    // Publish two challenges after the subscription, then run the digest a day later.
    use sea_orm::ConnectionTrait;
    app.ctx
        .db
        .execute_unprepared("UPDATE subscriptions SET created_at = '2020-01-01T00:00:00Z'")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    app.import(
        &[],
        &[
            fixtures::challenge("ch-new-1", "published"),
            fixtures::challenge_en("ch-new-2"),
        ],
    )
    .await;
    let sent = factoria::domain::alerts::send_digests(
        &app.ctx,
        chrono::Utc::now() + chrono::Duration::days(1),
    )
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(sent, 1, "one digest, for the only consenting subscriber");
    let messages = smtp.wait_for(1, Duration::from_secs(20)).await;
    let text = text_part(&messages[0]);
    let water = text
        .find("Detección temprana de fugas")
        .unwrap_or(usize::MAX);
    let museum = text.find("Online ticketing").unwrap_or(usize::MAX);
    assert!(
        water < museum,
        "ranked for a leak-detection company: {text}"
    );
    assert!(header(&messages[0], "List-Unsubscribe").is_some());
    let again = factoria::domain::alerts::send_digests(
        &app.ctx,
        chrono::Utc::now() + chrono::Duration::days(1),
    )
    .await
    .unwrap_or_default();
    assert_eq!(again, 0, "not twice in a day");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn emails_wait_out_an_smtp_server_that_is_down_and_all_arrive_once_it_is_back() {
    const EMAILS: usize = 5;
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let port = factoria_tests::smtp::free_port();
    let app = TestApp::spawn_with(
        Backend::Sqlite,
        with_smtp(format!("smtp://127.0.0.1:{port}"), None),
    )
    .await;
    for n in 0..EMAILS {
        send_one(&app, &format!("persona{n}@empresa.example")).await;
    }
    // Nothing listens on the port: every attempt is refused, and retried.
    let started = std::time::Instant::now();
    while app
        .count("SELECT COALESCE(MAX(attempts), 0) AS n FROM emails")
        .await
        < 2
    {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "no second attempt while the server is down"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(
        app.count("SELECT COUNT(*) AS n FROM emails WHERE status = 'sent'")
            .await,
        0
    );
    assert_eq!(
        app.count("SELECT COUNT(*) AS n FROM emails WHERE status = 'failed'")
            .await,
        0,
        "a server that is down is not a reason to give up"
    );
    assert!(
        app.count("SELECT COALESCE(MAX(attempts), 0) AS n FROM emails")
            .await
            >= 2,
        "attempts were made while it was down"
    );

    let smtp = SmtpServer::start_on(port, dir.path(), "", 0.0);
    let messages = smtp.wait_for(EMAILS, Duration::from_secs(60)).await;
    app.settle().await;
    assert_eq!(
        messages.len(),
        EMAILS,
        "every email arrives once the server is back"
    );
    assert_eq!(
        app.count("SELECT COUNT(*) AS n FROM emails WHERE status = 'sent'")
            .await,
        EMAILS as i64
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn declared_interest_is_emailed_to_the_departments_officers_once() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let smtp = SmtpServer::start(dir.path(), "");
    let (app, _officer) = app_with(&smtp, None).await;
    let founder = app
        .user_token("lucia@fugascero.example", false, Some("co-test-es"), None)
        .await;
    for kind in ["follow", "interest", "interest"] {
        let (status, body) = app
            .send(
                Method::POST,
                "/api/v1/challenges/ch-water/interests",
                &json!({"kind": kind, "note": "Tenemos correladores en 12 municipios."}),
                Some(&founder),
            )
            .await;
        assert!(status == 200 || status == 201, "{kind}: {status}: {body}");
    }
    // Withdrawing and declaring again does not email the officers again.
    for method in [Method::DELETE, Method::POST] {
        let (status, body) = app
            .send(
                method,
                "/api/v1/challenges/ch-water/interests",
                &json!({"kind": "interest"}),
                Some(&founder),
            )
            .await;
        assert!((200..300).contains(&status), "{status}: {body}");
    }
    assert_eq!(
        app.count("SELECT COUNT(*) AS n FROM emails WHERE template = 'interest_declared'")
            .await,
        1,
        "one email for one interest: following, declaring again or withdrawing and declaring again send nothing"
    );
    let messages = smtp.wait_for(1, Duration::from_secs(20)).await;
    let message = &messages[0];
    assert!(
        header(message, "To")
            .unwrap_or_default()
            .contains("officer@canal.example")
    );
    let text = text_part(message);
    assert!(text.contains("ha declarado interés por el reto"), "{text}");
    assert!(
        text.contains("Tenemos correladores en 12 municipios."),
        "{text}"
    );
    assert!(
        text.contains("/officer/challenges/ch-water/matches#match-co-test-es"),
        "{text}"
    );
}
