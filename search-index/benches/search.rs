//! Search and matching benchmark: a generated corpus of companies and challenges at 10k and
//! 100k companies, with real multilingual-e5-small vectors for a pool of texts (cached on disk)
//! from which every document's vectors are composed.
//!
//! ```sh
//! cargo bench -p factoria-search --bench search                 # 10k and 100k companies
//! cargo bench -p factoria-search --bench search -- --sizes 10000 --export target/bench-corpus
//! ```
//!
//! Reports, per size: index build (BM25 docs/s; embedding texts/s measured separately), p50/p99
//! latency and queries/s of BM25-only, vector-only and hybrid searches (query vectors computed
//! beforehand, so without query embedding), query embedding latency, freshness (apply + commit
//! + reload of one change), the exact vector scan against a plain dot-product loop over the same
//! vectors in the same run, RSS and index size; then matches for one challenge over all
//! companies and recommendations for one company over 10k challenges. Results go to stdout as
//! Markdown and to `target/bench-results/search.json`.
//!
//! Every document's text is real generated text, so BM25 does real work. Its vectors are means
//! of the embedded vectors of its sentences plus a little noise: embedding 100k documents on two
//! cores would take about 47 minutes per run (10k take 283 s through `factoria import`), and
//! the cost of a scan does not depend on what the vectors say.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use factoria_search::matching::{MatchConfig, MatchOptions, Probe};
use factoria_search::{
    ChallengeDoc, ChunkField, CompanyDoc, Document, Embedder, EmbedderConfig, EntityKey,
    EntityVectors, Filters, Fusion, Kind, Lang, ModelAssets, SearchIndex, SearchMode,
    SearchRequest, SortOrder, VectorChunk,
};
use serde_json::json;

const DIM: usize = 384;

/// A theme of the generated corpus, in both languages.
struct Theme {
    sector: &'static str,
    objects_es: [&'static str; 4],
    objects_en: [&'static str; 4],
}

const THEMES: [Theme; 12] = [
    Theme {
        sector: "water",
        objects_es: [
            "fugas de agua en tuberías",
            "calidad del agua potable",
            "contadores inteligentes de agua",
            "redes de saneamiento",
        ],
        objects_en: [
            "water leaks in pipes",
            "drinking water quality",
            "smart water meters",
            "sewer networks",
        ],
    },
    Theme {
        sector: "health",
        objects_es: [
            "historias clínicas electrónicas",
            "listas de espera quirúrgicas",
            "telemonitorización de pacientes crónicos",
            "imagen médica",
        ],
        objects_en: [
            "electronic health records",
            "surgical waiting lists",
            "remote monitoring of chronic patients",
            "medical imaging",
        ],
    },
    Theme {
        sector: "mobility",
        objects_es: [
            "ocupación de autobuses interurbanos",
            "aparcamiento en la calle",
            "carriles bici",
            "semáforos adaptativos",
        ],
        objects_en: [
            "interurban bus occupancy",
            "on-street parking",
            "cycle lanes",
            "adaptive traffic lights",
        ],
    },
    Theme {
        sector: "emergencies",
        objects_es: [
            "incendios forestales",
            "inundaciones repentinas",
            "llamadas al 112",
            "evacuaciones",
        ],
        objects_en: [
            "wildfires",
            "flash floods",
            "emergency calls",
            "evacuations",
        ],
    },
    Theme {
        sector: "energy",
        objects_es: [
            "consumo eléctrico de edificios públicos",
            "autoconsumo solar",
            "pobreza energética",
            "alumbrado público",
        ],
        objects_en: [
            "electricity use of public buildings",
            "solar self-consumption",
            "energy poverty",
            "street lighting",
        ],
    },
    Theme {
        sector: "education",
        objects_es: [
            "calidad del aire en las aulas",
            "abandono escolar",
            "tutoría en línea",
            "competencias digitales",
        ],
        objects_en: [
            "classroom air quality",
            "school dropout",
            "online tutoring",
            "digital skills",
        ],
    },
    Theme {
        sector: "social services",
        objects_es: [
            "personas mayores que viven solas",
            "ayudas sociales",
            "teleasistencia",
            "cuidados de larga duración",
        ],
        objects_en: [
            "older people living alone",
            "social benefits",
            "telecare",
            "long-term care",
        ],
    },
    Theme {
        sector: "cybersecurity",
        objects_es: [
            "ciberataques a ayuntamientos",
            "copias de seguridad",
            "identidad digital",
            "formación contra el phishing",
        ],
        objects_en: [
            "cyberattacks on town halls",
            "backups",
            "digital identity",
            "phishing awareness training",
        ],
    },
    Theme {
        sector: "environment",
        objects_es: [
            "calidad del aire urbano",
            "residuos urbanos",
            "ruido ambiental",
            "biodiversidad",
        ],
        objects_en: [
            "urban air quality",
            "municipal waste",
            "environmental noise",
            "biodiversity",
        ],
    },
    Theme {
        sector: "agriculture",
        objects_es: [
            "riego de precisión",
            "plagas en cultivos",
            "trazabilidad alimentaria",
            "ganadería extensiva",
        ],
        objects_en: [
            "precision irrigation",
            "crop pests",
            "food traceability",
            "extensive livestock farming",
        ],
    },
    Theme {
        sector: "culture",
        objects_es: [
            "venta de entradas de museos",
            "digitalización de archivos",
            "afluencia a monumentos",
            "bibliotecas",
        ],
        objects_en: [
            "museum ticketing",
            "archive digitisation",
            "visitor flows at monuments",
            "libraries",
        ],
    },
    Theme {
        sector: "public administration",
        objects_es: [
            "tramitación electrónica",
            "datos abiertos",
            "atención ciudadana",
            "contratación pública",
        ],
        objects_en: [
            "electronic procedures",
            "open data",
            "citizen services",
            "public procurement",
        ],
    },
];

const VERBS_ES: [&str; 5] = [
    "Monitorización de",
    "Análisis de datos de",
    "Plataforma para la gestión de",
    "Detección automática de",
    "Predicción de",
];
const VERBS_EN: [&str; 5] = [
    "Monitoring of",
    "Data analysis of",
    "Management platform for",
    "Automatic detection of",
    "Forecasting of",
];
const QUALIFIERS_ES: [&str; 4] = [
    "en tiempo real",
    "con inteligencia artificial",
    "para municipios pequeños",
    "con sensores IoT",
];
const QUALIFIERS_EN: [&str; 4] = [
    "in real time",
    "with artificial intelligence",
    "for small municipalities",
    "with IoT sensors",
];

/// A small deterministic generator (xorshift), so every run builds the same corpus.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn unit(&mut self) -> f32 {
        (self.next() >> 40) as f32 / (1u64 << 24) as f32
    }
}

/// Every sentence the corpus is made of: (theme, language, text).
fn sentences() -> Vec<(usize, Lang, String)> {
    let mut out = Vec::new();
    for (t, theme) in THEMES.iter().enumerate() {
        for (lang, verbs, objects, qualifiers) in [
            (Lang::Es, VERBS_ES, theme.objects_es, QUALIFIERS_ES),
            (Lang::En, VERBS_EN, theme.objects_en, QUALIFIERS_EN),
        ] {
            for verb in verbs {
                for object in objects {
                    for qualifier in qualifiers {
                        out.push((t, lang, format!("{verb} {object} {qualifier}")));
                    }
                }
            }
        }
    }
    out
}

fn normalise(v: &mut [f32]) {
    let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt().max(1e-12);
    v.iter_mut().for_each(|x| *x /= norm);
}

/// The normalised mean of some vectors, with noise.
fn blend(rng: &mut Rng, parts: &[&[f32]], noise: f32) -> Vec<f32> {
    let mut v = vec![0.0f32; DIM];
    for part in parts {
        v.iter_mut().zip(part.iter()).for_each(|(a, b)| *a += b);
    }
    v.iter_mut().for_each(|x| *x += noise * (rng.unit() - 0.5));
    normalise(&mut v);
    v
}

/// Vectors of every sentence, from the cache or embedded now (passages).
fn sentence_vectors(embedder: &Embedder, texts: &[String], cache: &Path) -> Vec<Vec<f32>> {
    let file = cache.join(format!("sentences-{}.f32", texts.len()));
    if let Ok(bytes) = std::fs::read(&file)
        && bytes.len() == texts.len() * DIM * 4
    {
        return bytes
            .chunks_exact(DIM * 4)
            .map(|row| {
                row.chunks_exact(4)
                    .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                    .collect()
            })
            .collect();
    }
    eprintln!(
        "embedding {} sentences once (cached in {})…",
        texts.len(),
        file.display()
    );
    let prefixed: Vec<String> = texts.iter().map(|t| format!("passage: {t}")).collect();
    let vectors = embedder
        .embed_texts_blocking(prefixed)
        .unwrap_or_else(|e| panic!("embedding failed: {e}"));
    let bytes: Vec<u8> = vectors
        .iter()
        .flatten()
        .flat_map(|x| x.to_le_bytes())
        .collect();
    std::fs::create_dir_all(cache).unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(&file, bytes).unwrap_or_else(|e| panic!("{e}"));
    vectors
}

struct Corpus {
    companies: Vec<(Document, EntityVectors)>,
    challenges: Vec<(Document, EntityVectors)>,
}

fn vectors(chunks: Vec<(ChunkField, usize, Vec<f32>)>) -> EntityVectors {
    EntityVectors {
        chunks: chunks
            .into_iter()
            .map(|(field, position, vector)| VectorChunk {
                field,
                position,
                vector,
            })
            .collect(),
    }
}

fn generate(
    n_companies: usize,
    n_challenges: usize,
    pool: &[(usize, Lang, String)],
    pool_vectors: &[Vec<f32>],
    seed: u64,
) -> Corpus {
    let mut rng = Rng(seed);
    let by_theme_lang: HashMap<(usize, Lang), Vec<usize>> =
        pool.iter()
            .enumerate()
            .fold(HashMap::new(), |mut map, (i, (t, l, _))| {
                map.entry((*t, *l)).or_default().push(i);
                map
            });
    let sizes = ["micro", "small", "medium", "large"];
    let regions = [
        "Comunidad de Madrid",
        "Cataluña",
        "Andalucía",
        "Portugal",
        "Germany",
        "France",
    ];
    let certifications = ["ISO9001", "ISO27001", "ENS-media", "ENS-alta"];
    let mut companies = Vec::with_capacity(n_companies);
    for i in 0..n_companies {
        let theme = rng.below(THEMES.len());
        let lang = if rng.below(3) == 0 {
            Lang::En
        } else {
            Lang::Es
        };
        let sentences = &by_theme_lang[&(theme, lang)];
        let picked: Vec<usize> = (0..3 + rng.below(3))
            .map(|_| sentences[rng.below(sentences.len())])
            .collect();
        let capabilities: Vec<String> = picked.iter().map(|&s| pool[s].2.clone()).collect();
        let description = format!("{}. {}.", capabilities[0], capabilities[1]);
        let parts: Vec<&[f32]> = picked.iter().map(|&s| pool_vectors[s].as_slice()).collect();
        let mut chunks = vec![
            (ChunkField::DocPassage, 0, blend(&mut rng, &parts, 0.02)),
            (
                ChunkField::Description,
                0,
                blend(&mut rng, &parts[..2], 0.02),
            ),
        ];
        chunks.extend(
            picked
                .iter()
                .enumerate()
                .map(|(p, &s)| (ChunkField::Capability, p, pool_vectors[s].clone())),
        );
        let doc = Document::Company(CompanyDoc {
            id: i as i64 + 1,
            external_id: format!("co-{i:06}"),
            name: format!("Empresa {i}"),
            company_kind: ["startup", "sme", "large"][rng.below(3)].into(),
            size: Some(sizes[rng.below(4)].into()),
            region: Some(regions[rng.below(regions.len())].into()),
            municipality: None,
            description,
            capabilities,
            technologies: vec!["IoT".into(), "machine learning".into()],
            sectors: vec![THEMES[theme].sector.into()],
            cpv: vec![format!("72{:02}0000", rng.below(90))],
            trl: Some(3 + rng.below(7) as u8),
            certifications: (0..rng.below(3))
                .map(|_| certifications[rng.below(4)].to_owned())
                .collect(),
            languages: vec![lang.code().into()],
            updated_at: 0,
        });
        companies.push((doc, vectors(chunks)));
    }
    let mut challenges = Vec::with_capacity(n_challenges);
    for i in 0..n_challenges {
        let theme = rng.below(THEMES.len());
        let lang = if rng.below(4) == 0 {
            Lang::En
        } else {
            Lang::Es
        };
        let sentences = &by_theme_lang[&(theme, lang)];
        let picked: Vec<usize> = (0..4)
            .map(|_| sentences[rng.below(sentences.len())])
            .collect();
        let must: Vec<String> = picked[..2].iter().map(|&s| pool[s].2.clone()).collect();
        let should: Vec<String> = picked[2..3].iter().map(|&s| pool[s].2.clone()).collect();
        let parts: Vec<&[f32]> = picked.iter().map(|&s| pool_vectors[s].as_slice()).collect();
        let mut chunks = vec![
            (ChunkField::DocQuery, 0, blend(&mut rng, &parts[..2], 0.02)),
            (ChunkField::DocPassage, 0, blend(&mut rng, &parts, 0.02)),
        ];
        chunks.extend(
            picked[..2]
                .iter()
                .enumerate()
                .map(|(p, &s)| (ChunkField::Must, p, pool_vectors[s].clone())),
        );
        chunks.push((ChunkField::Should, 0, pool_vectors[picked[2]].clone()));
        let doc = Document::Challenge(ChallengeDoc {
            id: i as i64 + 1,
            external_id: format!("ch-{i:06}"),
            title: pool[picked[3]].2.clone(),
            language: Some(lang),
            department: format!("Consejería {}", theme + 1),
            summary: Some(must[0].clone()),
            description: format!("{}. {}.", must.join(". "), should[0]),
            outcomes: Vec::new(),
            must,
            should,
            sectors: vec![THEMES[theme].sector.into()],
            cpv: vec![format!("72{:02}0000", rng.below(90))],
            trl_min: Some(3 + rng.below(5) as u8),
            budget_eur: Some(50_000 + 10_000 * rng.below(40) as u64),
            deadline: chrono::NaiveDate::from_ymd_opt(2099, 1 + rng.below(12) as u32, 1),
            required_certifications: if rng.below(5) == 0 {
                vec![certifications[rng.below(4)].to_owned()]
            } else {
                Vec::new()
            },
            status: "published".into(),
            updated_at: 0,
        });
        challenges.push((doc, vectors(chunks)));
    }
    Corpus {
        companies,
        challenges,
    }
}

/// Latency figures of a series of timed calls.
#[derive(Debug, Clone, Copy, serde::Serialize)]
struct Latency {
    p50_ms: f64,
    p99_ms: f64,
    qps: f64,
}

fn measure(runs: usize, mut call: impl FnMut(usize)) -> Latency {
    for i in 0..runs.min(20) {
        call(i);
    }
    let mut times = Vec::with_capacity(runs);
    let started = Instant::now();
    for i in 0..runs {
        let t = Instant::now();
        call(i);
        times.push(t.elapsed());
    }
    let total = started.elapsed();
    times.sort();
    let at = |q: f64| {
        times[((times.len() as f64 * q).ceil() as usize).clamp(1, times.len()) - 1].as_secs_f64()
            * 1000.0
    };
    Latency {
        p50_ms: at(0.50),
        p99_ms: at(0.99),
        qps: runs as f64 / total.as_secs_f64(),
    }
}

fn rss_mb() -> (f64, f64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|kb| kb.parse::<f64>().ok())
            .unwrap_or(0.0)
            / 1024.0
    };
    (field("VmRSS:"), field("VmHWM:"))
}

/// The plain loop the scan is compared with: one dot product per row of a contiguous matrix,
/// into a buffer, with no filter and no top-k.
fn plain_scan(matrix: &[f32], query: &[f32], scores: &mut Vec<f32>) {
    scores.clear();
    scores.extend(
        matrix
            .chunks_exact(DIM)
            .map(|row| factoria_search::vectors::dot(row, query)),
    );
}

struct Args {
    sizes: Vec<usize>,
    queries: usize,
    export: Option<PathBuf>,
    cache: PathBuf,
}

fn args() -> Args {
    let mut args = Args {
        sizes: vec![10_000, 100_000],
        queries: 300,
        export: None,
        cache: workspace_target().join("bench-cache"),
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--sizes" => {
                args.sizes = it
                    .next()
                    .unwrap_or_default()
                    .split(',')
                    .filter_map(|s| s.parse().ok())
                    .collect()
            }
            "--queries" => args.queries = it.next().and_then(|s| s.parse().ok()).unwrap_or(300),
            "--export" => args.export = it.next().map(PathBuf::from),
            "--cache" => args.cache = it.next().map(PathBuf::from).unwrap_or(args.cache),
            _ => {} // cargo bench passes --bench
        }
    }
    args
}

/// The workspace's `target` folder (benchmarks run in the package's folder).
fn workspace_target() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join("target")
}

fn assets() -> ModelAssets {
    let dir = std::env::var_os("FACTORIA_ASSETS_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(std::env::var_os("HOME").unwrap_or_default())
                .join(".cache/factoria/assets")
        });
    ModelAssets::in_dir(&dir)
}

/// Writes the corpus for the side-by-side benchmark: JSON Lines of companies (with the whole
/// profile vector) and of the queries with their vectors.
fn export(dir: &Path, corpus: &Corpus, queries: &[(String, Vec<f32>)]) {
    use std::io::Write;
    std::fs::create_dir_all(dir).unwrap_or_else(|e| panic!("{e}"));
    let mut out = std::io::BufWriter::new(
        std::fs::File::create(dir.join("companies.jsonl")).unwrap_or_else(|e| panic!("{e}")),
    );
    for (doc, vectors) in &corpus.companies {
        let Document::Company(c) = doc else { continue };
        let line = json!({"id": c.id, "language": c.languages[0], "title": c.name, "body": doc.body(), "sector": c.sectors[0], "vector": vectors.get(ChunkField::DocPassage)});
        writeln!(out, "{line}").unwrap_or_else(|e| panic!("{e}"));
    }
    let mut out = std::io::BufWriter::new(
        std::fs::File::create(dir.join("queries.jsonl")).unwrap_or_else(|e| panic!("{e}")),
    );
    for (text, vector) in queries {
        writeln!(out, "{}", json!({"text": text, "vector": vector}))
            .unwrap_or_else(|e| panic!("{e}"));
    }
}

fn search_request(text: &str, vector: &[f32], mode: SearchMode) -> SearchRequest {
    SearchRequest {
        kind: Some(Kind::Company),
        text: text.to_owned(),
        query_vector: Some(vector.to_vec()),
        filters: Filters::default(),
        mode,
        fusion: Fusion::default(),
        sort: SortOrder::Relevance,
        offset: 0,
        limit: 10,
        facets: false,
        highlight: false,
        no_semantic_floor: false,
    }
}

fn main() {
    let args = args();
    let mut report = serde_json::Map::new();
    let embedder = Embedder::start(EmbedderConfig::new(assets())).unwrap_or_else(|e| {
        panic!("cannot start the embedder (run `cargo run -- fetch-model` first): {e}")
    });
    let pool = sentences();
    let texts: Vec<String> = pool.iter().map(|(_, _, t)| t.clone()).collect();
    let pool_vectors = sentence_vectors(&embedder, &texts, &args.cache);

    // Embedding throughput, measured on texts the cache has not seen.
    let fresh: Vec<String> = texts
        .iter()
        .take(256)
        .map(|t| format!("passage: {t} (medida {})", std::process::id()))
        .collect();
    let started = Instant::now();
    embedder
        .embed_texts_blocking(fresh.clone())
        .unwrap_or_else(|e| panic!("{e}"));
    let embed_rate = fresh.len() as f64 / started.elapsed().as_secs_f64();

    // Query embedding latency: one query at a time, none cached.
    let mut rng = Rng(7);
    let query_texts: Vec<String> = (0..args.queries)
        .map(|i| {
            let theme = &THEMES[rng.below(THEMES.len())];
            let object = if i % 2 == 0 {
                theme.objects_es[rng.below(4)]
            } else {
                theme.objects_en[rng.below(4)]
            };
            format!(
                "{object} {}",
                ["", "sensores", "plataforma", "platform", "AI"][rng.below(5)]
            )
            .trim()
            .to_owned()
        })
        .collect();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    let mut query_vectors: Vec<Vec<f32>> = Vec::with_capacity(query_texts.len());
    let embed_latency = measure(query_texts.len(), |i| {
        let text = format!("{} #{i}", query_texts[i]);
        let v = runtime
            .block_on(embedder.embed_query(&text))
            .unwrap_or_else(|e| panic!("{e}"));
        if query_vectors.len() < query_texts.len() {
            query_vectors.push(v);
        }
    });
    query_vectors.truncate(query_texts.len());
    report.insert(
        "embedding".into(),
        json!({"passages_per_s": embed_rate, "query_latency": embed_latency}),
    );
    println!(
        "## Embedding (multilingual-e5-small, {} threads)\n",
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );
    println!("- passages: {embed_rate:.0} texts/s (batches of 256, sorted by length)");
    println!(
        "- one query: p50 {:.1} ms, p99 {:.1} ms\n",
        embed_latency.p50_ms, embed_latency.p99_ms
    );

    for &size in &args.sizes {
        let challenges_n = 1_000;
        let corpus = generate(size, challenges_n, &pool, &pool_vectors, 42 + size as u64);
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let index = SearchIndex::open(dir.path()).unwrap_or_else(|e| panic!("{e}"));
        let docs: Vec<(Document, EntityVectors)> = corpus
            .companies
            .iter()
            .chain(corpus.challenges.iter())
            .cloned()
            .collect();
        let n_docs = docs.len();
        let started = Instant::now();
        index.rebuild(docs, 1).unwrap_or_else(|e| panic!("{e}"));
        let build = started.elapsed();
        let stats = index.stats();

        let queries: Vec<(String, Vec<f32>)> = query_texts
            .iter()
            .cloned()
            .zip(query_vectors.iter().cloned())
            .collect();
        if let Some(export_dir) = &args.export {
            export(&export_dir.join(size.to_string()), &corpus, &queries);
        }
        let run = |mode: SearchMode| {
            measure(queries.len(), |i| {
                let (text, vector) = &queries[i];
                index
                    .search(&search_request(text, vector, mode))
                    .unwrap_or_else(|e| panic!("{e}"));
            })
        };
        let bm25 = run(SearchMode::Bm25);
        let vector = run(SearchMode::Vector);
        let hybrid = run(SearchMode::Hybrid);
        let hybrid_api = measure(queries.len(), |i| {
            let (text, v) = &queries[i];
            let mut request = search_request(text, v, SearchMode::Hybrid);
            request.facets = true;
            request.highlight = true;
            index.search(&request).unwrap_or_else(|e| panic!("{e}"));
        });

        // The scan against the plain loop, alternating so both see the same machine state.
        let matrix: Vec<f32> = corpus
            .companies
            .iter()
            .flat_map(|(_, v)| v.get(ChunkField::DocPassage).unwrap_or_default().to_vec())
            .collect();
        let mut scores = Vec::with_capacity(size);
        let catalog = index.catalog();
        let all = catalog.select(Kind::Company, |_| true);
        let (mut scan_time, mut plain_time) = (Duration::ZERO, Duration::ZERO);
        for round in 0..3 {
            for (_, q) in &queries {
                let t = Instant::now();
                std::hint::black_box(catalog.nearest(
                    Kind::Company,
                    factoria_search::DocVector::Passage,
                    q,
                    &all,
                    10,
                ));
                if round > 0 {
                    scan_time += t.elapsed();
                }
                let t = Instant::now();
                plain_scan(&matrix, q, &mut scores);
                std::hint::black_box(&scores);
                if round > 0 {
                    plain_time += t.elapsed();
                }
            }
        }
        drop(catalog);
        let scan_ratio = scan_time.as_secs_f64() / plain_time.as_secs_f64();
        let per_scan = |d: Duration| d.as_secs_f64() * 1000.0 / (2 * queries.len()) as f64;

        // Freshness: one changed company applied, committed and visible to the next search.
        let mut position = 1;
        let freshness = measure(60, |i| {
            let (doc, vectors) = &corpus.companies[i];
            position += 1;
            index
                .apply(
                    vec![factoria_search::Change::Upsert(
                        doc.clone(),
                        vectors.clone(),
                    )],
                    position,
                )
                .unwrap_or_else(|e| panic!("{e}"));
        });

        // Matches for one challenge over every company, explained like the API does.
        let options = MatchOptions {
            filters: Filters::default(),
            config: MatchConfig::default(),
            offset: 0,
            limit: 20,
            explain: true,
            lang: Lang::Es,
            focus: None,
            include_weaker: false,
        };
        let matches = measure(100, |i| {
            let (doc, vectors) = &corpus.challenges[i % corpus.challenges.len()];
            let Document::Challenge(c) = doc else { return };
            index
                .match_companies(&Probe::new(c, vectors), &options)
                .unwrap_or_else(|e| panic!("{e}"));
        });
        let unexplained = MatchOptions {
            explain: false,
            ..options.clone()
        };
        let matches_unexplained = measure(100, |i| {
            let (doc, vectors) = &corpus.challenges[i % corpus.challenges.len()];
            let Document::Challenge(c) = doc else { return };
            index
                .match_companies(&Probe::new(c, vectors), &unexplained)
                .unwrap_or_else(|e| panic!("{e}"));
        });
        let (rss, peak) = rss_mb();
        let index_mb = stats.index_bytes as f64 / 1_048_576.0;
        let vectors_mb = stats.vector_bytes as f64 / 1_048_576.0;
        println!("## {size} companies, {challenges_n} challenges\n");
        println!("| measure | p50 ms | p99 ms | queries/s |\n|---|---|---|---|");
        for (name, l) in [
            ("BM25 only", bm25),
            ("vector only (exact scan)", vector),
            ("hybrid", hybrid),
            ("hybrid with facets and highlights", hybrid_api),
            ("freshness: apply one change, commit, reload", freshness),
            ("matches for one challenge (top 20, explained)", matches),
            (
                "matches for one challenge (top 20, no explanations)",
                matches_unexplained,
            ),
        ] {
            println!(
                "| {name} | {:.2} | {:.2} | {:.0} |",
                l.p50_ms, l.p99_ms, l.qps
            );
        }
        println!(
            "\n- index build: {n_docs} documents in {:.1} s = {:.0} docs/s (tantivy BM25 and the in-memory vectors; embedding excluded)\n- vector scan of {size} rows: {:.2} ms; plain dot-product loop over the same vectors: {:.2} ms; ratio {scan_ratio:.2}\n- RSS {rss:.0} MB (peak {peak:.0} MB); index on disk {index_mb:.1} MB; vectors in memory {vectors_mb:.1} MB\n",
            build.as_secs_f64(),
            n_docs as f64 / build.as_secs_f64(),
            per_scan(scan_time),
            per_scan(plain_time),
        );
        report.insert(
            size.to_string(),
            json!({
                "documents": n_docs, "build_docs_per_s": n_docs as f64 / build.as_secs_f64(),
                "bm25": bm25, "vector": vector, "hybrid": hybrid, "hybrid_with_facets_and_highlights": hybrid_api,
                "freshness": freshness, "matches": matches, "matches_unexplained": matches_unexplained,
                "scan_ms": per_scan(scan_time), "plain_loop_ms": per_scan(plain_time), "scan_ratio": scan_ratio,
                "rss_mb": rss, "peak_rss_mb": peak, "index_mb": index_mb, "vectors_mb": vectors_mb,
            }),
        );
        drop(index);
    }

    // Recommendations for one company over 10k challenges.
    let corpus = generate(1_000, 10_000, &pool, &pool_vectors, 99);
    let index = SearchIndex::in_memory().unwrap_or_else(|e| panic!("{e}"));
    index
        .rebuild(
            corpus
                .companies
                .iter()
                .chain(corpus.challenges.iter())
                .cloned(),
            1,
        )
        .unwrap_or_else(|e| panic!("{e}"));
    let options = MatchOptions {
        filters: Filters {
            statuses: vec!["published".into()],
            ..Filters::default()
        },
        config: MatchConfig::default(),
        offset: 0,
        limit: 20,
        explain: true,
        lang: Lang::Es,
        focus: None,
        include_weaker: false,
    };
    let recommendations = measure(200, |i| {
        let key = EntityKey::company((i % 1_000) as i64 + 1);
        index
            .recommend_challenges(key, &options)
            .unwrap_or_else(|e| panic!("{e}"));
    });
    println!(
        "## Recommendations for one company over 10000 challenges (top 20, explained)\n\np50 {:.2} ms, p99 {:.2} ms, {:.0} per second\n",
        recommendations.p50_ms, recommendations.p99_ms, recommendations.qps
    );
    report.insert(
        "recommendations_10k_challenges".into(),
        json!(recommendations),
    );

    let out = workspace_target().join("bench-results");
    std::fs::create_dir_all(&out).unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(
        out.join("search.json"),
        serde_json::to_string_pretty(&report).unwrap_or_default(),
    )
    .unwrap_or_else(|e| panic!("{e}"));
}
