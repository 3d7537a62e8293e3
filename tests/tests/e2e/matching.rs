//! Matchmaking through the API: cross-lingual matches, certifications, TRL, explanations,
//! recommendations, the supply preview and feedback.

use factoria_tests::{Backend, TestApp};
use reqwest::Method;
use serde_json::{Value, json};

use crate::fixtures;

const DEPARTMENT: &str = "Canal de Isabel II";

async fn app() -> (TestApp, String) {
    let app = TestApp::spawn(Backend::Sqlite).await;
    app.import(
        &[
            fixtures::company_es(),
            fixtures::company_en(),
            fixtures::company_other(),
            fixtures::company_low_trl(),
        ],
        &[
            fixtures::challenge("ch-water", "published"),
            fixtures::challenge_requiring("ch-ens", "ENS-media"),
            fixtures::challenge_en("ch-museum"),
            fixtures::challenge("ch-draft", "draft"),
        ],
    )
    .await;
    let officer = app
        .user_token("officer@canal.example", false, None, Some(DEPARTMENT))
        .await;
    (app, officer)
}

fn ranked(page: &Value) -> Vec<&str> {
    page["items"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|i| i["company"]["id"].as_str())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_spanish_challenge_is_matched_with_english_and_spanish_suppliers_with_explanations() {
    let (app, officer) = app().await;
    let (status, page) = app
        .get(
            "/api/v1/challenges/ch-water/matches?lang=es",
            Some(&officer),
        )
        .await;
    assert_eq!(status, 200, "{page}");
    let order = ranked(&page);
    let position = |id: &str| order.iter().position(|c| *c == id).unwrap_or(usize::MAX);
    assert!(
        position("co-test-en") < position("co-test-other"),
        "the English leak specialist outranks the ticket seller: {order:?}"
    );
    assert!(
        position("co-test-es") < position("co-test-other"),
        "{order:?}"
    );

    let english = page["items"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|i| i["company"]["id"] == "co-test-en")
        .cloned()
        .unwrap_or_default();
    let requirement = &english["explanation"]["requirements"][0];
    assert_eq!(
        requirement["requirement"],
        "Detección acústica de fugas en tuberías"
    );
    assert_eq!(requirement["kind"], "must");
    let covered = requirement["covered_by"]["text"]
        .as_str()
        .unwrap_or_default();
    assert!(
        covered.contains("leak"),
        "the acoustic requirement is covered by a leak capability: {requirement}"
    );
    let summary = english["explanation"]["summary"]
        .as_str()
        .unwrap_or_default();
    assert!(
        summary.starts_with("Cubre ") && summary.contains("requisitos obligatorios"),
        "{summary}"
    );

    let (_, english_view) = app
        .get(
            "/api/v1/challenges/ch-water/matches?lang=en",
            Some(&officer),
        )
        .await;
    let summary = english_view["items"][0]["explanation"]["summary"]
        .as_str()
        .unwrap_or_default();
    assert!(summary.starts_with("Covers "), "{summary}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_required_certification_demotes_by_default_and_filters_on_request() {
    let (app, officer) = app().await;
    // The English leak specialist's twin, without the certification: the same relevance.
    let mut twin = fixtures::company_en();
    twin["id"] = json!("co-test-uncertified");
    twin["name"] = json!("HydroListen Iberia Ltd");
    twin["certifications"] = json!([]);
    app.import(&[twin], &[]).await;
    let (_, filtered) = app
        .get(
            "/api/v1/challenges/ch-ens/matches?certifications=filter",
            Some(&officer),
        )
        .await;
    let order = ranked(&filtered);
    assert!(
        !order.contains(&"co-test-es") && !order.contains(&"co-test-uncertified"),
        "both lack ENS-media: {order:?}"
    );
    assert!(order.contains(&"co-test-en"));

    let (_, demoted) = app
        .get("/api/v1/challenges/ch-ens/matches?lang=es", Some(&officer))
        .await;
    let order = ranked(&demoted);
    let position = |id: &str| order.iter().position(|c| *c == id);
    let uncertified = position("co-test-uncertified")
        .unwrap_or_else(|| panic!("demoted, not removed: {order:?}"));
    assert!(
        position("co-test-en").is_some_and(|p| p < uncertified),
        "the certified twin ranks above the uncertified one: {order:?}"
    );
    assert!(
        position("co-test-lowtrl").is_some_and(|p| p < uncertified),
        "a certified leak specialist under the TRL minimum still ranks above an uncertified twin: {order:?}"
    );
    assert!(
        position("co-test-other").is_none_or(|p| p > uncertified),
        "a relevant uncertified supplier stays above an irrelevant one: {order:?}"
    );
    let spanish =
        position("co-test-es").unwrap_or_else(|| panic!("demoted, not removed: {order:?}"));
    let item = &demoted["items"][spanish];
    let summary = item["explanation"]["summary"].as_str().unwrap_or_default();
    assert!(
        summary.contains("le falta la certificación ENS-media"),
        "{summary}"
    );
    let constraint = item["explanation"]["constraints"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|c| c["constraint"] == "certification")
        .cloned()
        .unwrap_or_default();
    assert_eq!(constraint["met"], false);
}

fn item_of<'a>(page: &'a Value, company: &str) -> &'a Value {
    page["items"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|i| i["company"]["id"] == company)
        .unwrap_or_else(|| panic!("{company} is not listed: {page}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_requirement_met_in_the_other_language_or_by_a_held_certification_reads_as_covered() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let mut challenge = fixtures::challenge_requiring("ch-ens-named", "ENS-media");
    challenge["requirements"]["must"] = json!([
        "Detección acústica de fugas en tuberías",
        "Certificación ENS-media del Esquema Nacional de Seguridad"
    ]);
    app.import(
        &[
            fixtures::company_es(),
            fixtures::company_en(),
            fixtures::company_other(),
        ],
        &[challenge],
    )
    .await;
    let officer = app
        .user_token("officer@canal.example", false, None, Some(DEPARTMENT))
        .await;
    let (status, page) = app
        .get(
            "/api/v1/challenges/ch-ens-named/matches?lang=en",
            Some(&officer),
        )
        .await;
    assert_eq!(status, 200, "{page}");
    let english = item_of(&page, "co-test-en");
    let requirements = &english["explanation"]["requirements"];
    let acoustic = &requirements[0];
    assert!(
        matches!(acoustic["strength"].as_str(), Some("partial" | "strong")),
        "the Spanish requirement is met by the English leak capability: {acoustic}"
    );
    let certification = &requirements[1];
    assert_eq!(certification["strength"], "strong", "{certification}");
    assert_eq!(
        certification["covered_by"]["field"], "certification",
        "{certification}"
    );
    assert_eq!(certification["covered_by"]["text"], "ENS-media");
    let summary = english["explanation"]["summary"]
        .as_str()
        .unwrap_or_default();
    assert!(
        summary.starts_with("Covers 2 of 2 must-have requirements"),
        "{summary}"
    );
    // The company lacking the certification: the requirement naming it is not met by it.
    let spanish = item_of(&page, "co-test-es");
    assert_ne!(
        spanish["explanation"]["requirements"][1]["covered_by"]["field"],
        "certification"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_trl_below_the_minimum_costs_rank_and_is_explained() {
    let (app, officer) = app().await;
    let (_, page) = app
        .get(
            "/api/v1/challenges/ch-water/matches?lang=en",
            Some(&officer),
        )
        .await;
    let order = ranked(&page);
    let low = order
        .iter()
        .position(|c| *c == "co-test-lowtrl")
        .unwrap_or(usize::MAX);
    let twin = order
        .iter()
        .position(|c| *c == "co-test-en")
        .unwrap_or(usize::MAX);
    assert!(
        twin < low,
        "the same profile at TRL 3 ranks below its TRL 8 twin for a TRL 6 challenge: {order:?}"
    );
    let item = &page["items"][low];
    let trl = item["explanation"]["constraints"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|c| c["constraint"] == "trl")
        .cloned()
        .unwrap_or_default();
    assert_eq!(trl["met"], false, "{trl}");
    assert!(
        item["explanation"]["summary"]
            .as_str()
            .unwrap_or_default()
            .contains("below the minimum"),
        "{item}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn companies_get_open_challenges_with_reasons_and_only_members_see_them() {
    let (app, _) = app().await;
    let member = app
        .user_token(
            "claire@hydrolisten.example",
            false,
            Some("co-test-en"),
            None,
        )
        .await;
    let (status, page) = app
        .get(
            "/api/v1/companies/co-test-en/recommendations",
            Some(&member),
        )
        .await;
    assert_eq!(status, 200, "{page}");
    let challenges: Vec<&str> = page["items"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|i| i["challenge"]["id"].as_str())
        .collect();
    // ch-ens is the same leak challenge requiring ENS-media, which this company holds.
    assert!(
        matches!(challenges.first().copied(), Some("ch-water" | "ch-ens")),
        "{challenges:?}"
    );
    assert!(
        !challenges.contains(&"ch-museum"),
        "a leak monitor covers nothing of museum ticketing: not shown by default: {challenges:?}"
    );
    assert!(page["weaker"].as_u64().unwrap_or(0) >= 1, "{page}");
    let (status, all) = app
        .get(
            "/api/v1/companies/co-test-en/recommendations?weaker=1",
            Some(&member),
        )
        .await;
    assert_eq!(status, 200, "{all}");
    let everything: Vec<&str> = all["items"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|i| i["challenge"]["id"].as_str())
        .collect();
    assert_eq!(
        everything.last().copied(),
        Some("ch-museum"),
        "behind \"show weaker matches\", last: {everything:?}"
    );
    assert!(
        !challenges.contains(&"ch-draft"),
        "drafts are never recommended"
    );
    assert!(
        page["items"][0]["explanation"]["summary"]
            .as_str()
            .is_some_and(|s| !s.is_empty())
    );

    // The page shows the start-up the same explanation, requirement by requirement.
    let (_, html) = app.page_as("claire@hydrolisten.example", "/for-you").await;
    assert!(html.contains("Cómo cubrís cada requisito"), "{html}");
    let first = &page["items"][0]["explanation"]["requirements"][0];
    let requirement = first["requirement"].as_str().unwrap_or_default();
    assert!(!requirement.is_empty(), "{page}");
    assert!(html.contains(requirement), "{requirement} on the page");
    // Pages past the end are empty, and a page number that is not one is the first page.
    for (path, cards) in [("/for-you?page=9", false), ("/for-you?page=x&page=2", true)] {
        let (status, html) = app.page_as("claire@hydrolisten.example", path).await;
        assert_eq!(status, 200, "{path}");
        assert_eq!(html.contains("class=\"result\""), cards, "{path}");
    }
    if let Some(by) = first["covered_by"]["text"].as_str() {
        assert!(
            html.contains(&by.replace('\'', "&#39;")),
            "{by} on the page"
        );
    }

    let stranger = app
        .user_token("someone@else.example", false, Some("co-test-es"), None)
        .await;
    let (status, _) = app
        .get(
            "/api/v1/companies/co-test-en/recommendations",
            Some(&stranger),
        )
        .await;
    assert_eq!(status, 403);
    let (status, _) = app
        .get("/api/v1/challenges/ch-water/matches", Some(&member))
        .await;
    assert_eq!(status, 403, "companies do not see officers' matches");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_preview_counts_supply_and_names_uncovered_requirements() {
    let (app, officer) = app().await;
    let draft = json!({
        "title": "Detección de fugas y venta de entradas en helicóptero", "language": "es",
        "description": "Buscamos localizar fugas en la red de agua.",
        "requirements": {"must": ["Localización acústica de fugas en tuberías de agua", "Pilotaje de helicópteros de carga pesada en alta montaña"], "should": []}
    });
    let (status, preview) = app
        .send(
            Method::POST,
            "/api/v1/challenges/preview",
            &draft,
            Some(&officer),
        )
        .await;
    assert_eq!(status, 200, "{preview}");
    let requirements = preview["requirements"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(requirements.len(), 2);
    assert!(
        requirements[0]["covered_by"].as_u64().unwrap_or(0) >= 1,
        "leak location is covered: {preview}"
    );
    assert_eq!(
        requirements[1]["covered_by"], 0,
        "nobody flies heavy-lift helicopters: {preview}"
    );
    assert!(preview["considered"].as_u64().unwrap_or(0) >= 3);
    assert_eq!(preview["without_required_certifications"], 0, "{preview}");
    let published = preview["published"].as_u64().unwrap_or(0);
    assert!(published >= 3, "{preview}");

    // A certification nobody holds: nobody can address it, and the preview says why.
    let mut certified = draft.clone();
    certified["required_certifications"] = json!(["Certificación inexistente XYZ"]);
    let (status, preview) = app
        .send(
            Method::POST,
            "/api/v1/challenges/preview",
            &certified,
            Some(&officer),
        )
        .await;
    assert_eq!(status, 200, "{preview}");
    assert_eq!(preview["addressable"], 0, "{preview}");
    assert_eq!(
        preview["without_required_certifications"], preview["considered"],
        "every company examined lacks it: {preview}"
    );
    assert_eq!(
        preview["required_certifications"],
        json!(["Certificación inexistente XYZ"])
    );
    let (status, _) = app
        .send(Method::POST, "/api/v1/challenges/preview", &draft, None)
        .await;
    assert_eq!(status, 401);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn feedback_on_a_match_is_stored_once_per_officer() {
    let (app, officer) = app().await;
    let path = "/api/v1/challenges/ch-water/matches/co-test-en/feedback";
    let (status, body) = app
        .send(
            Method::POST,
            path,
            &json!({"useful": false, "reason": "Ya trabajamos con ellos"}),
            Some(&officer),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = app
        .send(
            Method::POST,
            path,
            &json!({"useful": true, "reason": "Muy adecuada"}),
            Some(&officer),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        app.count("SELECT COUNT(*) AS n FROM match_feedback WHERE useful = true")
            .await,
        1
    );
    assert_eq!(
        app.count("SELECT COUNT(*) AS n FROM match_feedback").await,
        1
    );
    let (status, body) = app
        .send(Method::POST, path, &json!({"reason": "?"}), Some(&officer))
        .await;
    assert_eq!(status, 422, "{body}");
    let other = app
        .user_token(
            "officer@sanidad.example",
            false,
            None,
            Some("Consejería de Sanidad"),
        )
        .await;
    let (status, _) = app
        .send(Method::POST, path, &json!({"useful": true}), Some(&other))
        .await;
    assert_eq!(status, 403);
}
