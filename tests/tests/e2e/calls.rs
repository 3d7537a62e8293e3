//! A challenge's call from publication to result: criteria and deadlines, public questions and
//! answers delivered once to the right people, proposals sealed until the deadline, conflicts of
//! interest, the panel's scores, and the published result — on both databases, with a clock the
//! test moves and a real SMTP server.

use std::time::Duration;

use factoria::config::{MailTransport, SmtpSettings};
use factoria_tests::smtp::{SmtpServer, header, text_part};
use factoria_tests::{Backend, Options, TestApp};
use reqwest::Method;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::fixtures;
use crate::on_both;

const DEPARTMENT: &str = "Canal de Isabel II";
const CALL: &str = "/api/v1/challenges/ch-water/call";
const QUESTIONS: &str = "/api/v1/challenges/ch-water/questions";
const PROPOSALS: &str = "/api/v1/challenges/ch-water/proposals";

fn fields(body: &Value) -> Vec<String> {
    body["fields"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|f| f["field"].as_str().map(str::to_owned))
        .collect()
}

fn with_smtp(url: String) -> Options {
    Options {
        configure: Some(Box::new(move |config| {
            config.mail.transport = MailTransport::Smtp(SmtpSettings {
                url,
                timeout: Duration::from_secs(2),
            });
            config.job_retry_base = Duration::from_millis(100);
        })),
        ..Options::default()
    }
}

/// The Madrid-agnostic form of a moment `days` after the app's clock.
fn after(app: &TestApp, days: i64) -> String {
    (app.ctx.clock.now() + chrono::Duration::days(days)).to_rfc3339()
}

fn settings(app: &TestApp, questions_days: i64, proposals_days: i64, panel: &[&str]) -> Value {
    json!({
        "criteria": [
            {"name": "Calidad técnica", "weight": 60, "guidance": "Cómo detecta y localiza las fugas"},
            {"name": "Precio", "weight": 40}
        ],
        "questions_deadline": after(app, questions_days),
        "proposals_deadline": after(app, proposals_days),
        "max_budget": 250000,
        "pilot_months": 6,
        "panel": panel,
    })
}

async fn outbox(app: &TestApp, template: &str, to: &str) -> i64 {
    app.count(&format!(
        "SELECT COUNT(*) AS n FROM emails WHERE template = '{template}' AND recipient = '{to}'"
    ))
    .await
}

fn complete(price: f64) -> Value {
    json!({
        "summary": "Correladores acústicos permanentes en válvulas",
        "approach": "Instalamos registradores en válvulas e hidrantes, escuchamos cada noche y correlamos el ruido.",
        "answers": [{"requirement": "Detección acústica de fugas en tuberías", "answer": "Registradores acústicos y correlación nocturna"}],
        "price": price,
        "timeline": "Seis meses: instalación, ajuste, operación",
        "team": "Tres ingenieros de redes",
        "links": ["https://fugascero.example/piloto"],
    })
}

on_both!(
    a_call_runs_from_publication_to_result,
    |backend: Backend| async move {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let smtp = SmtpServer::start(dir.path(), "");
        let app = TestApp::spawn_with(backend, with_smtp(smtp.url())).await;
        app.import(
            &[
                fixtures::company_es(),
                fixtures::company_en(),
                fixtures::company_other(),
            ],
            &[
                fixtures::challenge("ch-water", "published"),
                fixtures::challenge_en("ch-museums"),
            ],
        )
        .await;
        let chief = app
            .user_token("jefa@canal.example", false, None, Some(DEPARTMENT))
            .await;
        let mut panel = Vec::new();
        for n in 1..=3 {
            panel.push(
                app.user_token(
                    &format!("eva{n}@canal.example"),
                    false,
                    None,
                    Some(DEPARTMENT),
                )
                .await,
            );
        }
        let culture = app
            .user_token(
                "ana@cultura.example",
                false,
                None,
                Some("Consejería de Cultura"),
            )
            .await;
        let admin = app
            .user_token("admin@factoria.example", true, None, None)
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
        let ticketing = app
            .user_token(
                "ventas@taquilla.example",
                false,
                Some("co-test-other"),
                None,
            )
            .await;
        let evaluators = [
            "eva1@canal.example",
            "eva2@canal.example",
            "eva3@canal.example",
        ];

        // The call: bad settings are refused by field, an outsider cannot be on the panel.
        let mut bad = settings(&app, 2, 5, &evaluators);
        bad["criteria"][1]["weight"] = json!(30);
        bad["questions_deadline"] = json!("31/01/2027");
        let (status, body) = app.send(Method::PUT, CALL, &bad, Some(&chief)).await;
        assert_eq!(status, 422, "{body}");
        assert_eq!(fields(&body), ["questions_deadline", "criteria"]);
        let outsider = settings(&app, 2, 5, &["ana@cultura.example"]);
        let (status, body) = app.send(Method::PUT, CALL, &outsider, Some(&chief)).await;
        assert_eq!((status, fields(&body)), (422, vec!["panel[0]".to_owned()]));
        let (status, _) = app
            .send(
                Method::PUT,
                CALL,
                &settings(&app, 2, 5, &evaluators),
                Some(&culture),
            )
            .await;
        assert_eq!(status, 403, "an officer of another department");
        let (status, call) = app
            .send(
                Method::PUT,
                CALL,
                &settings(&app, 2, 5, &evaluators),
                Some(&chief),
            )
            .await;
        assert_eq!(status, 200, "{call}");
        let (status, public) = app.get(CALL, None).await;
        assert_eq!(status, 200);
        assert_eq!(public["criteria"][0]["weight"], 60);
        assert_eq!(public["proposals_open"], true);
        assert!(
            public["panel"].is_null(),
            "the panel is not public: {public}"
        );
        assert_eq!(call["panel"].as_array().map(Vec::len), Some(3));

        // Lucía's company starts a proposal: one answer slot per requirement, the must-have
        // pre-filled from how its profile matches.
        let (status, draft) = app
            .send(Method::POST, PROPOSALS, &json!({}), Some(&lucia))
            .await;
        assert_eq!(status, 200, "{draft}");
        let lucia_id = draft["id"].as_i64().unwrap_or_default();
        let answers = draft["content"]["answers"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        assert_eq!(answers.len(), 2, "{draft}");
        assert_eq!(answers[0]["kind"], "must");
        assert_ne!(
            answers[0]["answer"], "",
            "pre-filled from the explanation: {draft}"
        );
        let (_, again) = app
            .send(Method::POST, PROPOSALS, &json!({}), Some(&lucia))
            .await;
        assert_eq!(again["id"], draft["id"], "one proposal per company");

        // A question: shown to nobody else until answered, and never with who asked.
        let (status, question) = app
            .send(
                Method::POST,
                QUESTIONS,
                &json!({"text": "Do you share hourly flow data?"}),
                Some(&claire),
            )
            .await;
        assert_eq!(status, 201, "{question}");
        let question_id = question["id"].as_i64().unwrap_or_default();
        assert_eq!(app.get(QUESTIONS, None).await.1, json!([]));
        assert_eq!(app.get(QUESTIONS, Some(&lucia)).await.1, json!([]));
        assert_eq!(
            app.get(QUESTIONS, Some(&chief))
                .await
                .1
                .as_array()
                .map(Vec::len),
            Some(1)
        );
        let answer_url = format!("{QUESTIONS}/{question_id}/answer");
        let (status, _) = app
            .send(
                Method::POST,
                &answer_url,
                &json!({"text": "Sí"}),
                Some(&lucia),
            )
            .await;
        assert_eq!(status, 403, "only the department answers");
        let (status, _) = app
            .send(
                Method::POST,
                &answer_url,
                &json!({"text": "Sí, cada hora."}),
                Some(&chief),
            )
            .await;
        assert_eq!(status, 200);
        let (_, published) = app.get(QUESTIONS, None).await;
        assert_eq!(published[0]["answer"], "Sí, cada hora.");
        assert!(published[0].get("company").is_none(), "{published}");
        let (status, _) = app
            .send(
                Method::POST,
                &answer_url,
                &json!({"text": "Otra vez"}),
                Some(&chief),
            )
            .await;
        assert_eq!(status, 409, "answered once");
        // Told at once to the company with a proposal and to the one that asked; nobody else.
        assert_eq!(
            outbox(&app, "call_notice", "lucia@fugascero.example").await,
            1
        );
        assert_eq!(
            outbox(&app, "call_notice", "claire@hydrolisten.example").await,
            1
        );
        assert_eq!(
            outbox(&app, "call_notice", "ventas@taquilla.example").await,
            0
        );

        // Submitting names every missing field; the price must fit the budget.
        let submit = format!("{PROPOSALS}/{lucia_id}/submit");
        let (status, body) = app
            .send(Method::POST, &submit, &json!({}), Some(&lucia))
            .await;
        assert_eq!(status, 422);
        for field in ["summary", "approach", "price", "timeline", "team"] {
            assert!(fields(&body).contains(&field.to_owned()), "{field}: {body}");
        }
        let proposal_url = format!("{PROPOSALS}/{lucia_id}");
        let (status, body) = app
            .send(
                Method::PATCH,
                &proposal_url,
                &json!({"answers": [{"requirement": "Otra cosa", "answer": "x"}]}),
                Some(&lucia),
            )
            .await;
        assert_eq!(
            (status, fields(&body)),
            (422, vec!["answers[0].requirement".to_owned()])
        );
        app.send(
            Method::PATCH,
            &proposal_url,
            &complete(300_000.0),
            Some(&lucia),
        )
        .await;
        let (status, body) = app
            .send(Method::POST, &submit, &json!({}), Some(&lucia))
            .await;
        assert_eq!(
            (status, fields(&body)),
            (422, vec!["price".to_owned()]),
            "{body}"
        );
        app.send(
            Method::PATCH,
            &proposal_url,
            &complete(200_000.0),
            Some(&lucia),
        )
        .await;
        let (status, submitted) = app
            .send(Method::POST, &submit, &json!({}), Some(&lucia))
            .await;
        assert_eq!(status, 200, "{submitted}");
        assert_eq!(submitted["status"], "submitted");
        let stored = app
            .text(&format!(
                "SELECT content AS t FROM proposals WHERE id = {lucia_id}"
            ))
            .await;
        let digest: String = Sha256::digest(stored.as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(submitted["digest"], digest.as_str());

        // Claire's company: submitted, withdrawn, and submitted again.
        let (_, draft) = app
            .send(Method::POST, PROPOSALS, &json!({}), Some(&claire))
            .await;
        let claire_id = draft["id"].as_i64().unwrap_or_default();
        let claire_url = format!("{PROPOSALS}/{claire_id}");
        let mut content = complete(150_000.0);
        content["answers"][0]["answer"] = json!("Acoustic loggers on valves and hydrants");
        app.send(Method::PATCH, &claire_url, &content, Some(&claire))
            .await;
        app.send(
            Method::POST,
            &format!("{claire_url}/submit"),
            &json!({}),
            Some(&claire),
        )
        .await;
        let (status, withdrawn) = app
            .send(
                Method::POST,
                &format!("{claire_url}/withdraw"),
                &json!({}),
                Some(&claire),
            )
            .await;
        assert_eq!(
            (status, withdrawn["status"].as_str()),
            (200, Some("withdrawn"))
        );
        let (status, resubmitted) = app
            .send(
                Method::POST,
                &format!("{claire_url}/submit"),
                &json!({}),
                Some(&claire),
            )
            .await;
        assert_eq!(
            (status, resubmitted["status"].as_str()),
            (200, Some("submitted"))
        );

        // Sealed: before the deadline nobody but the company's members sees a proposal, and
        // nobody learns that it exists.
        for (who, token) in [
            ("evaluator", &panel[0]),
            ("chief", &chief),
            ("admin", &admin),
            ("other company", &claire),
            ("another department", &culture),
        ] {
            let (status, _) = app.get(&proposal_url, Some(token)).await;
            assert_eq!(status, 404, "{who} before the deadline");
        }
        let (_, listed) = app.get(PROPOSALS, Some(&panel[0])).await;
        assert_eq!(listed["items"], json!([]), "{listed}");
        let (status, _) = app
            .get("/api/v1/challenges/ch-water/evaluations", Some(&chief))
            .await;
        assert_eq!(status, 409, "no ranking before the deadline");

        // After the questions deadline: no question, no answer until the officer extends it,
        // which everyone taking part is told.
        let (_, late) = app
            .send(
                Method::POST,
                QUESTIONS,
                &json!({"text": "¿Hay planos de la red?"}),
                Some(&lucia),
            )
            .await;
        let late_id = late["id"].as_i64().unwrap_or_default();
        app.ctx.clock.advance(chrono::Duration::days(3));
        let (status, body) = app
            .send(
                Method::POST,
                QUESTIONS,
                &json!({"text": "¿Y ahora?"}),
                Some(&lucia),
            )
            .await;
        assert_eq!(status, 409, "{body}");
        let late_answer = format!("{QUESTIONS}/{late_id}/answer");
        let (status, body) = app
            .send(
                Method::POST,
                &late_answer,
                &json!({"text": "Sí, en el anexo."}),
                Some(&chief),
            )
            .await;
        assert_eq!(status, 409);
        assert!(
            body["message"]
                .as_str()
                .unwrap_or_default()
                .contains("extend"),
            "{body}"
        );
        let mut extended = settings(&app, 1, 2, &evaluators);
        extended["proposals_deadline"] = call["proposals_deadline"].clone();
        let (status, body) = app.send(Method::PUT, CALL, &extended, Some(&chief)).await;
        assert_eq!(status, 200, "{body}");
        let (status, _) = app
            .send(
                Method::POST,
                &late_answer,
                &json!({"text": "Sí, en el anexo."}),
                Some(&chief),
            )
            .await;
        assert_eq!(status, 200);
        // The extension and the answer reach both proposing companies, once each.
        assert_eq!(
            outbox(&app, "call_notice", "lucia@fugascero.example").await,
            3
        );
        assert_eq!(
            outbox(&app, "call_notice", "claire@hydrolisten.example").await,
            3
        );

        // After the proposals deadline: nothing changes any more.
        app.ctx.clock.advance(chrono::Duration::days(3));
        let (status, body) = app
            .send(
                Method::PATCH,
                &proposal_url,
                &complete(100_000.0),
                Some(&lucia),
            )
            .await;
        assert_eq!(status, 409);
        assert!(
            body["message"]
                .as_str()
                .unwrap_or_default()
                .to_lowercase()
                .contains("proposals closed on"),
            "{body}"
        );
        let (status, _) = app
            .send(
                Method::POST,
                &format!("{proposal_url}/withdraw"),
                &json!({}),
                Some(&lucia),
            )
            .await;
        assert_eq!(status, 409);

        // The panel: declare first; a conflict removes the evaluator from that proposal.
        let (status, _) = app.get(&proposal_url, Some(&panel[0])).await;
        assert_eq!(status, 409, "declare before opening");
        let declaration = |id: i64| format!("{PROPOSALS}/{id}/declaration");
        let evaluation = |id: i64| format!("{PROPOSALS}/{id}/evaluation");
        let (status, _) = app
            .send(
                Method::POST,
                &declaration(lucia_id),
                &json!({"conflict": true}),
                Some(&panel[0]),
            )
            .await;
        assert_eq!(status, 200);
        assert_eq!(
            app.get(&proposal_url, Some(&panel[0])).await.0,
            404,
            "conflicted"
        );
        let (_, listed) = app.get(PROPOSALS, Some(&panel[0])).await;
        assert_eq!(
            listed["items"].as_array().map(Vec::len),
            Some(1),
            "{listed}"
        );
        for (id, token) in [
            (claire_id, &panel[0]),
            (lucia_id, &panel[1]),
            (claire_id, &panel[1]),
            (lucia_id, &panel[2]),
            (claire_id, &panel[2]),
        ] {
            let (status, body) = app
                .send(
                    Method::POST,
                    &declaration(id),
                    &json!({"conflict": false}),
                    Some(token),
                )
                .await;
            assert_eq!(status, 200, "{body}");
        }
        assert_eq!(app.get(&proposal_url, Some(&panel[1])).await.0, 200);
        assert_eq!(app.get(&proposal_url, Some(&culture)).await.0, 404);
        let scores = |quality: f64, price: f64| {
            json!({"scores": [
                {"criterion": "Calidad técnica", "score": quality, "justification": format!("Calidad {quality}")},
                {"criterion": "Precio", "score": price, "justification": format!("Precio {price}")}
            ]})
        };
        let (status, body) = app
            .send(Method::PUT, &evaluation(lucia_id), &json!({"scores": [{"criterion": "Calidad técnica", "score": 11, "justification": "x"}, {"criterion": "Precio", "score": 5}]}), Some(&panel[1]))
            .await;
        assert_eq!(status, 422);
        assert_eq!(
            fields(&body),
            ["scores[0].score", "scores[1].justification"]
        );
        let (status, body) = app
            .send(
                Method::PUT,
                &evaluation(lucia_id),
                &scores(9.0, 6.0),
                Some(&panel[0]),
            )
            .await;
        assert_eq!(status, 404, "a conflicted evaluator scores nothing: {body}");
        for (id, token, quality, price) in [
            (lucia_id, &panel[1], 9.0, 6.0),
            (claire_id, &panel[0], 7.0, 8.0),
            (claire_id, &panel[1], 6.0, 8.0),
        ] {
            let (status, body) = app
                .send(
                    Method::PUT,
                    &evaluation(id),
                    &scores(quality, price),
                    Some(token),
                )
                .await;
            assert_eq!(status, 200, "{body}");
        }
        let (status, _) = app
            .send(
                Method::PUT,
                &evaluation(lucia_id),
                &scores(1.0, 1.0),
                Some(&panel[1]),
            )
            .await;
        assert_eq!(status, 409, "submitted scores do not change");

        // Others' scores stay hidden from an evaluator until they have scored.
        let ranking_url = "/api/v1/challenges/ch-water/evaluations";
        let (_, unseen) = app.get(ranking_url, Some(&panel[2])).await;
        assert!(
            unseen["items"]
                .as_array()
                .into_iter()
                .flatten()
                .all(|i| i["sealed"] == true && i["total"].is_null()),
            "{unseen}"
        );
        assert_eq!(unseen["missing"], 2);
        assert_eq!(app.get(ranking_url, Some(&culture)).await.0, 403);
        let result_url = "/api/v1/challenges/ch-water/result";
        let (status, body) = app
            .send(
                Method::POST,
                result_url,
                &json!({"selected": [lucia_id]}),
                Some(&chief),
            )
            .await;
        assert_eq!(status, 409, "the panel has not finished: {body}");
        for (id, quality, price) in [(lucia_id, 7.0, 6.0), (claire_id, 5.0, 8.0)] {
            let (status, _) = app
                .send(
                    Method::PUT,
                    &evaluation(id),
                    &scores(quality, price),
                    Some(&panel[2]),
                )
                .await;
            assert_eq!(status, 200);
        }
        let (_, ranking) = app.get(ranking_url, Some(&chief)).await;
        assert_eq!(ranking["complete"], true, "{ranking}");
        // Lucía: 0.6·9+0.4·6 = 7.8 and 0.6·7+0.4·6 = 6.6 → 7.2, spread 1.2.
        // Claire: 7.4, 6.8 and 6.2 → 6.8, spread 1.2.
        assert_eq!(ranking["items"][0]["company"], "co-test-es");
        let total = ranking["items"][0]["total"].as_f64().unwrap_or_default();
        let spread = ranking["items"][0]["spread"].as_f64().unwrap_or_default();
        assert!(
            (total - 7.2).abs() < 1e-9 && (spread - 1.2).abs() < 1e-9,
            "{ranking}"
        );
        assert_eq!(ranking["items"][1]["evaluations"], 3);

        // The result: published, in the pipeline at the pilot stage, told to every proposer.
        let (status, body) = app
            .send(
                Method::POST,
                result_url,
                &json!({"selected": [999_999]}),
                Some(&chief),
            )
            .await;
        assert_eq!(
            (status, fields(&body)),
            (422, vec!["selected[0]".to_owned()])
        );
        let (status, decided) = app
            .send(
                Method::POST,
                result_url,
                &json!({"selected": [lucia_id]}),
                Some(&chief),
            )
            .await;
        assert_eq!(status, 200, "{decided}");
        let (_, public) = app.get(CALL, None).await;
        assert_eq!(
            public["result"]["selected"][0]["company"], "co-test-es",
            "{public}"
        );
        assert_eq!(public["result"]["selected"][0]["price"], 200000.0);
        let (_, challenge) = app.get("/api/v1/challenges/ch-water", None).await;
        assert_eq!(challenge["status"], "awarded");
        let (_, pipeline) = app
            .get("/api/v1/challenges/ch-water/introductions", Some(&chief))
            .await;
        assert_eq!(pipeline[0]["stage"], "pilot", "{pipeline}");
        assert_eq!(
            app.get(&format!("{PROPOSALS}/{claire_id}"), Some(&chief))
                .await
                .0,
            200,
            "the department reads them after the result"
        );
        assert_eq!(
            app.get(&format!("{PROPOSALS}/{claire_id}"), Some(&ticketing))
                .await
                .0,
            404
        );
        let (status, _) = app
            .send(
                Method::POST,
                result_url,
                &json!({"selected": []}),
                Some(&chief),
            )
            .await;
        assert_eq!(status, 409, "published once");
        assert_eq!(
            app.count("SELECT COUNT(*) AS n FROM audit_log WHERE action IN ('call_set', 'question_asked', 'question_answered', 'proposal_submitted', 'proposal_withdrawn', 'conflict_declared', 'evaluation_submitted', 'result_published')").await,
            2 + 2 + 2 + 3 + 1 + 6 + 5 + 1
        );
        // Every draft started is audited, and every save that changed something.
        assert_eq!(
            app.count("SELECT COUNT(*) AS n FROM audit_log WHERE action = 'proposal_started'")
                .await,
            app.count("SELECT COUNT(*) AS n FROM proposals").await
        );
        assert!(
            app.count("SELECT COUNT(*) AS n FROM audit_log WHERE action = 'proposal_saved'")
                .await
                >= 3,
            "three PATCHes changed Lucía's proposal"
        );

        // Delivered over SMTP: 2 receipts and a third for the resubmission, 6 notices, 2 results.
        let messages = smtp.wait_for(11, Duration::from_secs(60)).await;
        let to = |m: &String, who: &str| header(m, "To").unwrap_or_default().contains(who);
        let results: Vec<&String> = messages
            .iter()
            .filter(|m| text_part(m).contains("Puntuación ponderada"))
            .collect();
        assert_eq!(results.len(), 2);
        let claire_result = results
            .iter()
            .find(|m| to(m, "claire@hydrolisten.example"))
            .map(|m| text_part(m))
            .unwrap_or_default();
        assert!(
            claire_result.contains("no ha sido seleccionada"),
            "{claire_result}"
        );
        assert!(claire_result.contains("6,80 sobre 10"), "{claire_result}");
        assert!(claire_result.contains("Calidad 7"), "{claire_result}");
        let receipt = messages
            .iter()
            .find(|m| to(m, "lucia@fugascero.example") && text_part(m).contains("Huella SHA-256"))
            .map(|m| text_part(m))
            .unwrap_or_default();
        assert!(receipt.contains(&digest), "{receipt}");
    }
);

on_both!(
    an_evaluator_from_the_proposing_company_is_kept_out_without_declaring,
    |backend: Backend| async move {
        let app = TestApp::spawn(backend).await;
        app.import(
            &[fixtures::company_es(), fixtures::company_en()],
            &[fixtures::challenge("ch-water", "published")],
        )
        .await;
        let chief = app
            .user_token("jefa@canal.example", false, None, Some(DEPARTMENT))
            .await;
        let outsider = app
            .user_token("eva1@canal.example", false, None, Some(DEPARTMENT))
            .await;
        // An officer of the department who is also a member of Lucía's company.
        let insider = app
            .user_token(
                "doble@canal.example",
                false,
                Some("co-test-es"),
                Some(DEPARTMENT),
            )
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
        let (status, body) = app
            .send(
                Method::PUT,
                CALL,
                &settings(&app, 2, 5, &["eva1@canal.example", "doble@canal.example"]),
                Some(&chief),
            )
            .await;
        assert_eq!(status, 200, "{body}");
        let mut ids = Vec::new();
        for token in [&lucia, &claire] {
            let (_, draft) = app
                .send(Method::POST, PROPOSALS, &json!({}), Some(token))
                .await;
            let id = draft["id"].as_i64().unwrap_or_default();
            let url = format!("{PROPOSALS}/{id}");
            app.send(Method::PATCH, &url, &complete(200_000.0), Some(token))
                .await;
            let (status, body) = app
                .send(
                    Method::POST,
                    &format!("{url}/submit"),
                    &json!({}),
                    Some(token),
                )
                .await;
            assert_eq!(status, 200, "{body}");
            ids.push(id);
        }
        let (lucia_id, claire_id) = (ids[0], ids[1]);
        // Lucía's dashboard says where the proposal stands and what she may still do.
        let dashboard = || async { app.page_as("lucia@fugascero.example", "/following").await.1 };
        let before = dashboard().await;
        assert!(
            before.contains("Vuestras propuestas")
                && before.contains("Podéis cambiarla o retirarla hasta el"),
            "{before}"
        );
        app.ctx.clock.advance(chrono::Duration::days(6));
        assert!(dashboard().await.contains("el tribunal la está evaluando"));

        // After the deadline the answer is the deadline, even to a body with faults.
        let (status, body) = app
            .send(
                Method::PATCH,
                &format!("{PROPOSALS}/{lucia_id}"),
                &json!({"price": "mucho"}),
                Some(&lucia),
            )
            .await;
        assert_eq!(status, 409, "{body}");
        assert!(
            body["message"]
                .as_str()
                .unwrap_or_default()
                .starts_with("Proposals closed on"),
            "{body}"
        );

        // The insider cannot judge their own company, and owes nothing for it.
        let declaration = |id: i64| format!("{PROPOSALS}/{id}/declaration");
        let (status, body) = app
            .send(
                Method::POST,
                &declaration(lucia_id),
                &json!({"conflict": false}),
                Some(&insider),
            )
            .await;
        assert_eq!(status, 403, "{body}");
        let ranking_url = "/api/v1/challenges/ch-water/evaluations";
        let (_, seen) = app.get(ranking_url, Some(&insider)).await;
        let companies: Vec<&str> = seen["items"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|i| i["company"].as_str())
            .collect();
        assert_eq!(companies, ["co-test-en"], "{seen}");
        assert_eq!(seen["missing"], 3, "{seen}");

        // The other evaluator declares a conflict with Lucía's company: nobody judges it.
        let scores = json!({"scores": [
            {"criterion": "Calidad técnica", "score": 8, "justification": "Sólido"},
            {"criterion": "Precio", "score": 6, "justification": "Ajustado"}
        ]});
        let steps = [
            (declaration(lucia_id), &outsider, json!({"conflict": true})),
            (
                declaration(claire_id),
                &outsider,
                json!({"conflict": false}),
            ),
            (declaration(claire_id), &insider, json!({"conflict": false})),
        ];
        for (url, token, body) in &steps {
            let (status, answer) = app.send(Method::POST, url, body, Some(token)).await;
            assert_eq!(status, 200, "{url}: {answer}");
        }
        for token in [&outsider, &insider] {
            let (status, answer) = app
                .send(
                    Method::PUT,
                    &format!("{PROPOSALS}/{claire_id}/evaluation"),
                    &scores,
                    Some(token),
                )
                .await;
            assert_eq!(status, 200, "{answer}");
        }
        let (_, ranking) = app.get(ranking_url, Some(&chief)).await;
        assert_eq!(ranking["complete"], true, "{ranking}");
        let unjudged = ranking["items"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|i| i["company"] == "co-test-es")
            .cloned()
            .unwrap_or_default();
        assert_eq!(unjudged["evaluations"], 0, "{ranking}");
        assert!(unjudged["total"].is_null(), "{ranking}");

        let (status, body) = app
            .send(
                Method::POST,
                "/api/v1/challenges/ch-water/result",
                &json!({"selected": [claire_id]}),
                Some(&chief),
            )
            .await;
        assert_eq!(status, 200, "{body}");
        // Lucía's result says nobody could score it, rather than a score of zero.
        let told = app
            .text(
                "SELECT data AS t FROM emails WHERE template = 'call_result' AND recipient = 'lucia@fugascero.example'",
            )
            .await;
        let told: Value = serde_json::from_str(&told).unwrap_or_default();
        assert!(
            told["content"]["data"]["total"].is_null()
                && told["content"]["data"]["selected"] == false,
            "{told}"
        );
        // The challenge was awarded at the test clock's time, not the machine's.
        let closed = app
            .text("SELECT CAST(closed_at AS TEXT) AS t FROM challenges WHERE external_id = 'ch-water'")
            .await;
        let day = app.ctx.clock.now().format("%Y-%m-%d").to_string();
        assert!(closed.starts_with(&day), "{closed} vs {day}");
    }
);

on_both!(
    a_follower_who_chose_a_digest_gets_the_answers_in_it_not_one_by_one,
    |backend: Backend| async move {
        let app = TestApp::spawn(backend).await;
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
        let (status, body) = app
            .send(
                Method::PUT,
                CALL,
                &settings(&app, 2, 5, &["jefa@canal.example"]),
                Some(&chief),
            )
            .await;
        assert_eq!(status, 200, "{body}");
        for (token, frequency) in [(&lucia, "weekly"), (&claire, "immediate")] {
            let (status, body) = app
                .send(
                    Method::PUT,
                    "/api/v1/me/subscriptions/followed_challenges",
                    &json!({"frequency": frequency, "consent_text_version": factoria::domain::alerts::CONSENT_TEXT_VERSION}),
                    Some(token),
                )
                .await;
            assert_eq!(status, 200, "{body}");
            let (status, body) = app
                .send(
                    Method::POST,
                    "/api/v1/challenges/ch-water/interests",
                    &json!({"kind": "follow"}),
                    Some(token),
                )
                .await;
            assert!(status < 300, "{status} {body}");
        }
        let (status, body) = app
            .send(
                Method::PUT,
                "/api/v1/me/subscriptions/new_challenges",
                &json!({"frequency": "immediate", "consent_text_version": factoria::domain::alerts::CONSENT_TEXT_VERSION}),
                Some(&lucia),
            )
            .await;
        assert_eq!(
            (status, fields(&body)),
            (422, vec!["frequency".to_owned()]),
            "new challenges only come as a digest: {body}"
        );

        // An answer and a change: at once for Claire, held for Lucía's weekly digest.
        let (_, question) = app
            .send(
                Method::POST,
                QUESTIONS,
                &json!({"text": "Do you share hourly flow data?"}),
                Some(&claire),
            )
            .await;
        let (status, body) = app
            .send(
                Method::POST,
                &format!("{QUESTIONS}/{}/answer", question["id"]),
                &json!({"text": "Sí, cada hora."}),
                Some(&chief),
            )
            .await;
        assert_eq!(status, 200, "{body}");
        let (status, body) = app
            .send(
                Method::PATCH,
                "/api/v1/challenges/ch-water",
                &json!({"summary": "Detectar fugas antes de que salgan a la calle"}),
                Some(&chief),
            )
            .await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(
            outbox(&app, "call_notice", "claire@hydrolisten.example").await,
            1
        );
        assert_eq!(
            outbox(&app, "challenge_update", "claire@hydrolisten.example").await,
            1
        );
        for template in ["call_notice", "challenge_update"] {
            assert_eq!(
                outbox(&app, template, "lucia@fugascero.example").await,
                0,
                "{template}"
            );
        }
        assert_eq!(app.count("SELECT COUNT(*) AS n FROM held_news").await, 2);

        // Not before the week is out; then one email with both, and nothing twice.
        let digests = |days: i64| {
            let at = app.ctx.clock.now() + chrono::Duration::days(days);
            factoria::domain::alerts::send_followed_digests(&app.ctx, at)
        };
        assert_eq!(digests(1).await.unwrap_or_else(|e| panic!("{e}")), 0);
        assert_eq!(digests(8).await.unwrap_or_else(|e| panic!("{e}")), 1);
        assert_eq!(digests(8).await.unwrap_or_else(|e| panic!("{e}")), 0);
        assert_eq!(app.count("SELECT COUNT(*) AS n FROM held_news").await, 0);
        let sent = app
            .text("SELECT data AS t FROM emails WHERE template = 'followed_digest' AND recipient = 'lucia@fugascero.example'")
            .await;
        let sent: Value = serde_json::from_str(&sent).unwrap_or_default();
        let news = &sent["content"]["data"]["challenges"];
        assert_eq!(news.as_array().map(Vec::len), Some(1), "{sent}");
        assert_eq!(news[0]["changed"], true, "{sent}");
        assert_eq!(news[0]["answers"][0]["answer"], "Sí, cada hora.", "{sent}");
        assert_eq!(
            outbox(&app, "followed_digest", "claire@hydrolisten.example").await,
            0
        );

        // What is held when Lucía changes her mind goes at once, and then news comes one by one.
        let change = |summary: &'static str| {
            let body = json!({"summary": summary});
            let (app, chief) = (&app, &chief);
            async move {
                app.send(
                    Method::PATCH,
                    "/api/v1/challenges/ch-water",
                    &body,
                    Some(chief),
                )
                .await
            }
        };
        assert_eq!(change("Fugas: segundo cambio").await.0, 200);
        assert_eq!(app.count("SELECT COUNT(*) AS n FROM held_news").await, 1);
        let (status, body) = app
            .send(
                Method::PUT,
                "/api/v1/me/subscriptions/followed_challenges",
                &json!({"frequency": "immediate", "consent_text_version": factoria::domain::alerts::CONSENT_TEXT_VERSION}),
                Some(&lucia),
            )
            .await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(digests(0).await.unwrap_or_else(|e| panic!("{e}")), 1);
        assert_eq!(app.count("SELECT COUNT(*) AS n FROM held_news").await, 0);
        assert_eq!(change("Fugas: tercer cambio").await.0, 200);
        assert_eq!(
            outbox(&app, "challenge_update", "lucia@fugascero.example").await,
            1
        );
        assert_eq!(app.count("SELECT COUNT(*) AS n FROM held_news").await, 0);
    }
);
