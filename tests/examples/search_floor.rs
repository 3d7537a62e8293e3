//! Chooses the search floor (`factoria_search::SEMANTIC_FLOOR`): on an evaluation set in the
//! interchange format (`companies.jsonl`, `challenges.jsonl`, `qrels.tsv`), each challenge's
//! title is searched among the companies as the product searches (words and meaning), and for
//! each floor on the meaning side it reports the share of relevant companies (grade 2 or 3)
//! still found, the share of the others dropped, and how many results queries that mean nothing
//! still get. Documents that match words are found whatever the floor.
//!
//! `cargo run -p factoria-tests --example search_floor -- ../shared/eval/dev`

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;

use factoria_search::{Kind, SearchMode, SearchRequest};
use factoria_tests::{Backend, TestApp};
use serde_json::Value;

fn lines(path: &PathBuf) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}")))
        .collect()
}

/// For every company a hybrid search of `text` finds before any floor: its standing (z) by
/// meaning, and whether it matched words.
async fn standings(app: &TestApp, text: &str) -> HashMap<String, (f32, bool)> {
    let request = SearchRequest {
        kind: Some(Kind::Company),
        text: text.to_owned(),
        mode: SearchMode::Hybrid,
        limit: 1000,
        no_semantic_floor: true,
        ..SearchRequest::default()
    };
    let results = app
        .ctx
        .search
        .search(request)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    results
        .hits
        .into_iter()
        .map(|h| {
            let words = h.bm25.is_some();
            (h.external_id, (h.standing.unwrap_or(f32::MIN), words))
        })
        .collect()
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let dir = PathBuf::from(
        std::env::args()
            .nth(1)
            .expect("the evaluation set's folder"),
    );
    let companies = lines(&dir.join("companies.jsonl"));
    let challenges = lines(&dir.join("challenges.jsonl"));
    let mut relevant: HashMap<String, HashSet<String>> = HashMap::new();
    let qrels = std::fs::read_to_string(dir.join("qrels.tsv")).unwrap_or_else(|e| panic!("{e}"));
    for line in qrels.lines() {
        let fields: Vec<&str> = line.split('\t').collect();
        if let [challenge, company, grade] = fields[..]
            && grade.parse::<u8>().is_ok_and(|g| g >= 2)
        {
            relevant
                .entry(challenge.to_owned())
                .or_default()
                .insert(company.to_owned());
        }
    }
    let app = TestApp::spawn(Backend::Sqlite).await;
    app.import(&companies, &[]).await;

    let floors = [0.0f32, 1.0, 1.5, 2.0, 2.5, 3.0, 3.5];
    let mut kept_relevant = vec![0usize; floors.len()];
    let mut dropped_other = vec![0usize; floors.len()];
    let (mut relevant_total, mut other_total) = (0usize, 0usize);
    for challenge in &challenges {
        let id = challenge["id"].as_str().unwrap_or_default();
        let title = challenge["title"].as_str().unwrap_or_default();
        let wanted = relevant.get(id).cloned().unwrap_or_default();
        let scored = standings(&app, title).await;
        for (company, (z, words)) in &scored {
            let is_relevant = wanted.contains(company);
            if is_relevant {
                relevant_total += 1;
            } else {
                other_total += 1;
            }
            for (i, floor) in floors.iter().enumerate() {
                match (is_relevant, *words || *z >= *floor) {
                    (true, true) => kept_relevant[i] += 1,
                    (false, false) => dropped_other[i] += 1,
                    _ => {}
                }
            }
        }
    }
    let nonsense = [
        "xyzzy qwerty blorf",
        "asdf ghjk lñ",
        "lorem ipsum dolor sit amet",
        "zzzz",
        "la la la",
        "foo bar baz",
    ];
    let mut nonsense_results = vec![0usize; floors.len()];
    for text in nonsense {
        let scored = standings(&app, text).await;
        for (i, floor) in floors.iter().enumerate() {
            nonsense_results[i] += scored
                .values()
                .filter(|(z, words)| *words || *z >= *floor)
                .count();
        }
    }
    println!(
        "{} challenges' titles searched among {} companies; {relevant_total} relevant pairs, {other_total} others; {} nonsense queries",
        challenges.len(),
        companies.len(),
        nonsense.len()
    );
    println!("| floor (sd) | relevant kept | others dropped | results per nonsense query |");
    println!("|---|---|---|---|");
    for (i, floor) in floors.iter().enumerate() {
        println!(
            "| {floor:.1} | {:.3} | {:.3} | {:.1} |",
            kept_relevant[i] as f64 / relevant_total.max(1) as f64,
            dropped_other[i] as f64 / other_total.max(1) as f64,
            nonsense_results[i] as f64 / nonsense.len() as f64
        );
    }
}
