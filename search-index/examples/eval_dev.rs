//! Tuning aid: ranks every company for every challenge of an interchange-format data set with
//! the matching engine, straight from the JSON Lines files, and writes a run file that
//! `shared/eval/baselines.py --run` scores. The product's own path is `factoria import` then
//! `factoria match --all`; this skips the database so weights can be tried in seconds.
//!
//! cargo run --release -p factoria-search --example eval_dev -- DATA_DIR ASSETS_DIR OUT.tsv [weights.json]

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use factoria_search::matching::{MatchConfig, MatchOptions};
use factoria_search::{
    ChallengeDoc, Change, CompanyDoc, Document, Embedder, EmbedderConfig, EntityVectors, Lang,
    ModelAssets, SearchIndex, VectorChunk,
};
use serde_json::Value;

fn strings(v: &Value, key: &str) -> Vec<String> {
    v[key]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|x| x.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

fn text(v: &Value, key: &str) -> String {
    v[key].as_str().unwrap_or_default().to_owned()
}

fn read_lines(path: &Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}")))
        .collect()
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let data = PathBuf::from(&args[1]);
    let assets = ModelAssets::in_dir(Path::new(&args[2]));
    let out = PathBuf::from(&args[3]);
    let config: MatchConfig = args
        .get(4)
        .map(|p| {
            serde_json::from_str(&std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{e}")))
                .unwrap_or_else(|e| panic!("{e}"))
        })
        .unwrap_or_default();

    let mut docs = Vec::new();
    for (i, c) in read_lines(&data.join("companies.jsonl")).iter().enumerate() {
        docs.push(Document::Company(CompanyDoc {
            id: i as i64 + 1,
            external_id: text(c, "id"),
            name: text(c, "name"),
            company_kind: text(c, "kind"),
            size: c["size"].as_str().map(str::to_owned),
            region: c["region"].as_str().map(str::to_owned),
            municipality: None,
            description: text(c, "description"),
            capabilities: strings(c, "capabilities"),
            technologies: strings(c, "technologies"),
            sectors: strings(c, "sectors"),
            cpv: strings(c, "cpv"),
            trl: c["trl"].as_u64().map(|t| t as u8),
            certifications: strings(c, "certifications"),
            languages: strings(c, "languages"),
            updated_at: 0,
        }));
    }
    let challenges = read_lines(&data.join("challenges.jsonl"));
    for (i, c) in challenges.iter().enumerate() {
        docs.push(Document::Challenge(ChallengeDoc {
            id: i as i64 + 1,
            external_id: text(c, "id"),
            title: text(c, "title"),
            language: c["language"].as_str().map(Lang::from_code),
            department: text(c, "department"),
            summary: c["summary"].as_str().map(str::to_owned),
            description: text(c, "description"),
            outcomes: strings(c, "outcomes"),
            must: strings(&c["requirements"], "must"),
            should: strings(&c["requirements"], "should"),
            sectors: strings(c, "sectors"),
            cpv: strings(c, "cpv"),
            trl_min: c["trl_min"].as_u64().map(|t| t as u8),
            budget_eur: c["budget_eur"].as_f64().map(|b| b as u64),
            deadline: None,
            required_certifications: strings(c, "required_certifications"),
            status: "published".into(),
            updated_at: 0,
        }));
    }

    let cache_path = out.with_extension("vectors.json");
    let mut cache: HashMap<String, Vec<f32>> = std::fs::read_to_string(&cache_path)
        .ok()
        .and_then(|s| serde_json::from_str(&s).ok())
        .unwrap_or_default();
    let texts: Vec<String> = docs
        .iter()
        .flat_map(|d| d.chunk_texts())
        .map(|c| c.text)
        .filter(|t| !cache.contains_key(t))
        .collect();
    if !texts.is_empty() {
        eprintln!("embedding {} texts", texts.len());
        let embedder =
            Embedder::start(EmbedderConfig::new(assets)).unwrap_or_else(|e| panic!("{e}"));
        let vectors = embedder
            .embed_texts_blocking(texts.clone())
            .unwrap_or_else(|e| panic!("{e}"));
        cache.extend(texts.into_iter().zip(vectors));
        std::fs::write(
            &cache_path,
            serde_json::to_string(&cache).unwrap_or_default(),
        )
        .unwrap_or_else(|e| panic!("{e}"));
    }
    let index = SearchIndex::in_memory().unwrap_or_else(|e| panic!("{e}"));
    let changes: Vec<Change> = docs
        .iter()
        .map(|d| {
            let chunks = d
                .chunk_texts()
                .into_iter()
                .map(|c| VectorChunk {
                    field: c.field,
                    position: c.position,
                    vector: cache[&c.text].clone(),
                })
                .collect();
            Change::Upsert(d.clone(), EntityVectors { chunks })
        })
        .collect();
    index.apply(changes, 1).unwrap_or_else(|e| panic!("{e}"));
    let options = MatchOptions {
        config,
        limit: 300,
        explain: false,
        ..Default::default()
    };
    let mut file = std::fs::File::create(&out).unwrap_or_else(|e| panic!("{e}"));
    let mut dump = std::env::var("DUMP_FEATURES")
        .ok()
        .map(|p| std::fs::File::create(p).unwrap_or_else(|e| panic!("{e}")));
    let started = std::time::Instant::now();
    for i in 0..challenges.len() {
        let key = factoria_search::EntityKey::challenge(i as i64 + 1);
        let results = index
            .match_indexed_challenge(key, &options)
            .unwrap_or_else(|e| panic!("{e}"))
            .unwrap_or_else(|| panic!("not indexed"));
        for m in results.matches {
            if let Some(dump) = dump.as_mut() {
                let line = serde_json::json!({"challenge": m.challenge_id, "company": m.company_id, "features": m.features});
                writeln!(dump, "{line}").unwrap_or_else(|e| panic!("{e}"));
            }
            writeln!(
                file,
                "{}\t{}\t{}\t{}",
                m.challenge_id, m.company_id, m.rank, m.score
            )
            .unwrap_or_else(|e| panic!("{e}"));
        }
    }
    eprintln!(
        "matched {} challenges in {:?}",
        challenges.len(),
        started.elapsed()
    );
}
