//! The JSON API on SQLite and PostgreSQL: companies, challenges, life cycle, interests, errors.

use factoria_tests::{Backend, TestApp};
use reqwest::Method;
use serde_json::json;

use crate::fixtures;
use crate::on_both;

const DEPARTMENT: &str = "Canal de Isabel II";

on_both!(
    company_profiles_are_created_read_updated_and_listed,
    |backend: Backend| async move {
        let app = TestApp::spawn(backend).await;
        let founder = app
            .user_token("founder@fugascero.example", false, None, None)
            .await;
        let (status, created) = app
            .send(
                Method::POST,
                "/api/v1/companies",
                &fixtures::company_es(),
                Some(&founder),
            )
            .await;
        assert_eq!(status, 201, "{created}");
        assert_eq!(created["id"], "co-test-es");
        assert_eq!(
            created["contact"]["email"], "lucia@fugascero.example",
            "a member sees the contact"
        );

        let (status, anonymous) = app.get("/api/v1/companies/co-test-es", None).await;
        assert_eq!(status, 200);
        assert!(
            anonymous.get("contact").is_none(),
            "anonymous visitors do not see the contact: {anonymous}"
        );
        assert!(anonymous.get("tax_id").is_none());

        let (status, patched) = app
            .send(
                Method::PATCH,
                "/api/v1/companies/co-test-es",
                &json!({"trl": 8, "municipality": null}),
                Some(&founder),
            )
            .await;
        assert_eq!(status, 200, "{patched}");
        assert_eq!(patched["trl"], 8);
        assert!(patched.get("municipality").is_none());

        let mut replacement = fixtures::company_es();
        replacement["name"] = json!("Fugas Cero S.L.");
        let (status, replaced) = app
            .send(
                Method::PUT,
                "/api/v1/companies/co-test-es",
                &replacement,
                Some(&founder),
            )
            .await;
        assert_eq!(status, 200, "{replaced}");
        assert_eq!(replaced["name"], "Fugas Cero S.L.");

        let admin = app
            .user_token("admin@factoria.example", true, None, None)
            .await;
        for record in [fixtures::company_en(), fixtures::company_other()] {
            let (status, body) = app
                .send(Method::POST, "/api/v1/companies", &record, Some(&admin))
                .await;
            assert_eq!(status, 201, "{body}");
        }
        let (status, page) = app
            .get("/api/v1/companies?per_page=2&sort=name", None)
            .await;
        assert_eq!(status, 200);
        assert_eq!(page["total"], 3);
        assert_eq!(page["items"].as_array().map(Vec::len), Some(2));
        assert_eq!(page["items"][0]["name"], "Fugas Cero S.L.");
        let (_, page2) = app
            .get("/api/v1/companies?per_page=2&page=2&sort=name", None)
            .await;
        assert_eq!(page2["items"][0]["name"], "Taquilla Cultural S.L.");
        let (_, filtered) = app
            .get("/api/v1/companies?sector=water&kind=startup", None)
            .await;
        assert_eq!(filtered["total"], 1);
        assert_eq!(filtered["items"][0]["id"], "co-test-en");
    }
);

on_both!(
    invalid_input_is_a_422_listing_every_field_and_stores_nothing,
    |backend: Backend| async move {
        let app = TestApp::spawn(backend).await;
        let admin = app
            .user_token("admin@factoria.example", true, None, None)
            .await;
        let bad = json!({
            "id": "co bad", "name": "", "kind": "giant", "description": "x", "cpv": ["7231600"], "trl": 12,
            "website": "ftp://x.example", "contact": {"email": "not-an-address"}, "tax_id": "B12345675", "size": "tiny",
            "languages": ["xx"], "extra": true
        });
        let (status, body) = app
            .send(Method::POST, "/api/v1/companies", &bad, Some(&admin))
            .await;
        assert_eq!(status, 422, "{body}");
        assert_eq!(body["error"], "validation_failed");
        let fields: Vec<&str> = body["fields"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|f| f["field"].as_str())
            .collect();
        for expected in [
            "id",
            "name",
            "kind",
            "size",
            "website",
            "contact.email",
            "tax_id",
            "languages[0]",
            "cpv[0]",
            "trl",
            "extra",
        ] {
            assert!(
                fields.contains(&expected),
                "{expected} missing from {fields:?}"
            );
        }
        assert!(
            body["fields"]
                .as_array()
                .into_iter()
                .flatten()
                .all(|f| f["message"].as_str().is_some_and(|m| !m.is_empty()))
        );
        assert_eq!(app.count("SELECT COUNT(*) AS n FROM companies").await, 0);

        let (status, body) = app
            .http
            .post(app.at("/api/v1/companies"))
            .bearer_auth(&admin)
            .header("content-type", "application/json")
            .body("{not json")
            .send()
            .await
            .map(|r| (r.status().as_u16(), r))
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(status, 422);
        let text = body.text().await.unwrap_or_default();
        assert!(text.contains("not valid JSON"), "{text}");

        let (status, body) = app
            .get("/api/v1/companies?page=0&per_page=1000&kind=giant", None)
            .await;
        assert_eq!(status, 422, "{body}");
        let fields: Vec<&str> = body["fields"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|f| f["field"].as_str())
            .collect();
        assert_eq!(fields, vec!["page", "per_page", "kind"], "{body}");

        // A numeric id that is not a number names nothing: 404 in the API's format.
        for path in [
            "/api/v1/me/tokens/9223372036854775808",
            "/api/v1/me/tokens/abc",
            "/api/v1/admin/users/-x/sessions",
        ] {
            let (status, body) = app
                .send(Method::DELETE, path, &json!(null), Some(&admin))
                .await;
            assert_eq!(status, 404, "{path}: {body}");
            assert_eq!(body["error"], "not_found", "{path}: {body}");
        }
    }
);

on_both!(
    challenges_follow_their_life_cycle_and_invalid_steps_are_409,
    |backend: Backend| async move {
        let app = TestApp::spawn(backend).await;
        let officer = app
            .user_token("officer@canal.example", false, None, Some(DEPARTMENT))
            .await;
        let mut draft = fixtures::challenge("ch-test-1", "draft");
        draft.as_object_mut().map(|o| o.remove("status"));
        let (status, created) = app
            .send(Method::POST, "/api/v1/challenges", &draft, Some(&officer))
            .await;
        assert_eq!(status, 201, "{created}");
        assert_eq!(created["status"], "draft");
        assert_eq!(created["department"], DEPARTMENT);

        let (status, _) = app.get("/api/v1/challenges/ch-test-1", None).await;
        assert_eq!(status, 404, "drafts are not public");
        let (status, _) = app
            .get("/api/v1/challenges/ch-test-1", Some(&officer))
            .await;
        assert_eq!(status, 200);

        let (status, body) = app
            .send(
                Method::POST,
                "/api/v1/challenges/ch-test-1/status",
                &json!({"status": "awarded", "awarded_company": "co-x"}),
                Some(&officer),
            )
            .await;
        assert_eq!(status, 409, "{body}");
        assert!(
            body["message"]
                .as_str()
                .is_some_and(|m| m.contains("publish it first")),
            "{body}"
        );

        for step in ["published", "closed"] {
            let (status, body) = app
                .send(
                    Method::POST,
                    "/api/v1/challenges/ch-test-1/status",
                    &json!({"status": step}),
                    Some(&officer),
                )
                .await;
            assert_eq!(status, 200, "{body}");
            assert_eq!(body["status"], step);
        }
        let (status, body) = app
            .send(
                Method::POST,
                "/api/v1/challenges/ch-test-1/status",
                &json!({"status": "published"}),
                Some(&officer),
            )
            .await;
        assert_eq!(status, 409, "{body}");

        let admin = app
            .user_token("admin@factoria.example", true, None, None)
            .await;
        app.send(
            Method::POST,
            "/api/v1/companies",
            &fixtures::company_es(),
            Some(&admin),
        )
        .await;
        let (status, body) = app
            .send(
                Method::POST,
                "/api/v1/challenges/ch-test-1/status",
                &json!({"status": "awarded", "awarded_company": "co-test-es"}),
                Some(&officer),
            )
            .await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["awarded_company"], "co-test-es");
        let (status, body) = app
            .send(
                Method::PATCH,
                "/api/v1/challenges/ch-test-1",
                &json!({"title": "Nuevo título"}),
                Some(&officer),
            )
            .await;
        assert_eq!(status, 409, "awarded challenges are final: {body}");

        let other = app
            .user_token(
                "officer@sanidad.example",
                false,
                None,
                Some("Consejería de Sanidad"),
            )
            .await;
        let (status, _) = app
            .send(
                Method::POST,
                "/api/v1/challenges",
                &fixtures::challenge("ch-test-2", "draft"),
                Some(&other),
            )
            .await;
        assert_eq!(
            status, 403,
            "an officer cannot write for another department"
        );
    }
);

on_both!(
    companies_follow_and_declare_interest_in_published_challenges,
    |backend: Backend| async move {
        let app = TestApp::spawn(backend).await;
        let admin = app
            .user_token("admin@factoria.example", true, None, None)
            .await;
        app.send(
            Method::POST,
            "/api/v1/companies",
            &fixtures::company_es(),
            Some(&admin),
        )
        .await;
        app.send(
            Method::POST,
            "/api/v1/companies",
            &fixtures::company_en(),
            Some(&admin),
        )
        .await;
        app.import(&[], &[fixtures::challenge("ch-open", "published")])
            .await;
        let member = app
            .user_token("lucia@fugascero.example", false, Some("co-test-es"), None)
            .await;
        let other_member = app
            .user_token(
                "claire@hydrolisten.example",
                false,
                Some("co-test-en"),
                None,
            )
            .await;
        let officer = app
            .user_token("officer@canal.example", false, None, Some(DEPARTMENT))
            .await;

        let (status, body) = app
            .send(
                Method::POST,
                "/api/v1/challenges/ch-open/interests",
                &json!({"kind": "interest", "note": "Tenemos experiencia"}),
                Some(&member),
            )
            .await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["company"], "co-test-es");
        let (status, _) = app
            .send(
                Method::POST,
                "/api/v1/challenges/ch-open/interests",
                &json!({"kind": "interest"}),
                Some(&member),
            )
            .await;
        assert_eq!(status, 200, "declaring twice is harmless");
        app.send(
            Method::POST,
            "/api/v1/challenges/ch-open/interests",
            &json!({"kind": "follow"}),
            Some(&other_member),
        )
        .await;

        let (status, all) = app
            .get("/api/v1/challenges/ch-open/interests", Some(&officer))
            .await;
        assert_eq!(status, 200);
        assert_eq!(
            all.as_array().map(Vec::len),
            Some(2),
            "officers see every interest: {all}"
        );
        let (_, own) = app
            .get("/api/v1/challenges/ch-open/interests", Some(&other_member))
            .await;
        assert_eq!(
            own.as_array().map(Vec::len),
            Some(1),
            "members see their own: {own}"
        );

        let (status, body) = app
            .send(
                Method::POST,
                "/api/v1/challenges/ch-open/interests",
                &json!({"kind": "follow", "company": "co-test-en"}),
                Some(&member),
            )
            .await;
        assert_eq!(
            status, 403,
            "a member cannot act for another company: {body}"
        );

        let (status, _) = app
            .send(
                Method::DELETE,
                "/api/v1/challenges/ch-open/interests",
                &json!({"kind": "interest"}),
                Some(&member),
            )
            .await;
        assert_eq!(status, 204);
        let (_, all) = app
            .get("/api/v1/challenges/ch-open/interests", Some(&officer))
            .await;
        assert_eq!(all.as_array().map(Vec::len), Some(1));
    }
);

on_both!(
    the_openapi_document_and_its_reference_page_are_served,
    |backend: Backend| async move {
        let app = TestApp::spawn(backend).await;
        let (status, doc) = app.get("/api/openapi.json", None).await;
        assert_eq!(status, 200);
        assert!(
            doc["openapi"]
                .as_str()
                .is_some_and(|v| v.starts_with("3.1")),
            "{}",
            doc["openapi"]
        );
        for path in [
            "/api/v1/companies",
            "/api/v1/challenges/{id}/status",
            "/api/v1/challenges/search",
        ] {
            assert!(doc["paths"].get(path).is_some(), "{path} is documented");
        }
        let page = app
            .http
            .get(app.at("/api/docs"))
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(page.status().as_u16(), 200);
        let html = page.text().await.unwrap_or_default();
        assert!(
            html.contains("POST /api/v1/challenges/{id}/status") && !html.contains("<script"),
            "a reference without scripts"
        );
    }
);
