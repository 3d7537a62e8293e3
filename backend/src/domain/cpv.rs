//! The CPV 2008 vocabulary for people: browsing and searching it, and suggesting the codes a
//! text is most likely about.
//!
//! A suggestion combines two signals over every code of the vocabulary:
//! - **meaning**: the cosine between the text and the code's label, both embedded with the
//!   product's model (the labels in Spanish and in English, the better of the two counts),
//!   standardised over the vocabulary so it does not depend on how long or how technical the
//!   text is;
//! - **words**: the share of the label's words (stemmed in the text's language, weighted by how
//!   rare they are among labels) that the text contains.
//!
//! A code's own score is then blended with its ancestors' (a category under a group that also
//! fits is likelier than a stray one), and the top codes are taken without repeating a branch
//! (never a code and its own ancestor). The weights are in [`Params::default`], chosen by
//! cross-validation over the development challenges (`scripts/eval-cpv.sh`).
//!
//! The labels' vectors are computed once per model and kept in the assets folder.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context as _;
use factoria_search::analysis::terms;
use factoria_search::{Embedder, Lang, detect_language};
use factoria_vocabulary::{self as vocabulary, Code};
use serde::Serialize;
use sha2::{Digest, Sha256};
use tokio::sync::OnceCell;

use crate::context::Context;
use crate::error::Result;

/// How many codes a suggestion request may ask for.
pub const MAX_TOP: usize = 20;

/// How many codes a browse request answers at most.
pub const MAX_BROWSE: usize = 200;

/// A code of the vocabulary, as the API and the picker show it.
#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct CpvEntry {
    /// Eight digits, without the check digit.
    pub code: String,
    /// The label in the language asked for.
    pub label: String,
    /// division, group, class, category or subcategory.
    pub level: String,
    /// The code directly above, absent for a division.
    pub parent: Option<String>,
    /// How many codes lie directly below.
    pub children: usize,
}

/// A suggested code.
#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct CpvSuggestion {
    /// Eight digits.
    pub code: String,
    /// The label in the viewer's language.
    pub label: String,
    /// The labels above it, broadest first.
    pub path: Vec<String>,
    /// Words of the text that led to it, as written there.
    pub words: Vec<String>,
    /// Higher is likelier; comparable only within one answer.
    pub score: f32,
}

fn vocabulary_lang(lang: Lang) -> vocabulary::Lang {
    match lang {
        Lang::Es => vocabulary::Lang::Es,
        Lang::En => vocabulary::Lang::En,
    }
}

/// An entry for `code` in `lang`.
pub fn entry(code: &Code, lang: Lang) -> CpvEntry {
    let lang = vocabulary_lang(lang);
    CpvEntry {
        code: code.code.to_owned(),
        label: code.label(lang).to_owned(),
        level: code.level().name(lang).to_owned(),
        parent: code.parent().map(|p| p.code.to_owned()),
        children: code.children().len(),
    }
}

/// What a browse request asks: words or a code prefix, or the codes below `parent` (the
/// divisions when both are absent).
#[derive(Debug, Clone, Default)]
pub struct Browse {
    /// Words of a label or the first digits of a code.
    pub query: Option<String>,
    /// A code whose children are listed (ignored when `query` is given, except that matches
    /// must then lie below it).
    pub parent: Option<&'static Code>,
    /// Language of the labels.
    pub lang: Option<Lang>,
}

/// The codes a browse request asks for.
pub fn browse(request: &Browse) -> Vec<CpvEntry> {
    let lang = request.lang.unwrap_or(Lang::Es);
    let codes: Vec<&'static Code> = match (&request.query, request.parent) {
        (Some(query), parent) => vocabulary::search(query, vocabulary::all().len())
            .into_iter()
            .filter(|c| parent.is_none_or(|p| c.is_within(p) && c.code != p.code))
            .take(MAX_BROWSE)
            .collect(),
        (None, Some(parent)) => parent.children(),
        (None, None) => vocabulary::divisions(),
    };
    codes.into_iter().map(|c| entry(c, lang)).collect()
}

/// Weights of a suggestion.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Params {
    /// Weight of the word overlap against the standardised meaning score.
    pub words: f32,
    /// Share of a code's score taken from the mean of its branch (itself and its ancestors).
    pub branch: f32,
}

impl Default for Params {
    /// Chosen by 5-fold cross-validation over the development challenges (`scripts/eval-cpv.sh`):
    /// every fold chose these. The word overlap did not help there (the labels' meaning already
    /// carries their words), so it is off by default but still names the words shown.
    fn default() -> Self {
        Self {
            words: 0.0,
            branch: 0.5,
        }
    }
}

impl Params {
    /// Reads `words=2,branch=0.5` (either may be left out).
    pub fn parse(text: &str) -> std::result::Result<Self, String> {
        let mut params = Self::default();
        for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (name, value) = part
                .split_once('=')
                .ok_or_else(|| format!("`{part}` is not name=value"))?;
            let value: f32 = value
                .trim()
                .parse()
                .map_err(|_| format!("`{value}` is not a number"))?;
            match name.trim() {
                "words" => params.words = value,
                "branch" => params.branch = value,
                other => return Err(format!("`{other}` is not a weight: use words or branch")),
            }
        }
        Ok(params)
    }
}

/// The labels of the vocabulary, embedded and analysed, ready to score texts against.
pub struct Suggester {
    embedder: Embedder,
    /// Per code, the Spanish then the English label's vector (`2 × codes × dimension`).
    vectors: Vec<f32>,
    dimension: usize,
    /// Per language, per code, the distinct stems of the label.
    stems: [Vec<Vec<String>>; 2],
    /// Per language, the rarity of each stem among labels.
    idf: [HashMap<String, f32>; 2],
}

const PREFIX: &str = "query: ";

fn lang_slot(lang: Lang) -> usize {
    match lang {
        Lang::Es => 0,
        Lang::En => 1,
    }
}

fn label_texts() -> Vec<String> {
    vocabulary::all()
        .iter()
        .flat_map(|c| [format!("{PREFIX}{}", c.es), format!("{PREFIX}{}", c.en)])
        .collect()
}

/// Where the labels' vectors are kept: the name changes with the model, the prefix and the
/// labels, so a stale file is never read.
fn cache_path(assets_dir: &Path) -> PathBuf {
    let mut hash = Sha256::new();
    hash.update(factoria_search::embedder::MODEL_ID.as_bytes());
    for text in label_texts() {
        hash.update(text.as_bytes());
        hash.update(b"\n");
    }
    let digest = hash.finalize();
    let hex: String = digest.iter().take(8).map(|b| format!("{b:02x}")).collect();
    assets_dir.join("cpv").join(format!("labels-{hex}.f32"))
}

fn read_cache(path: &Path, expected: usize) -> Option<Vec<f32>> {
    let bytes = std::fs::read(path).ok()?;
    if bytes.len() != expected * 4 {
        return None;
    }
    Some(
        bytes
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .collect(),
    )
}

fn write_cache(path: &Path, vectors: &[f32]) -> anyhow::Result<()> {
    let dir = path.parent().context("the cache path has no folder")?;
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let bytes: Vec<u8> = vectors.iter().flat_map(|v| v.to_le_bytes()).collect();
    // Written aside and renamed, so a concurrent reader sees the whole file or none.
    let mut file = tempfile::NamedTempFile::new_in(dir)?;
    std::io::Write::write_all(&mut file, &bytes)?;
    file.persist(path)
        .map_err(|e| anyhow::anyhow!("cannot write {}: {}", path.display(), e.error))?;
    Ok(())
}

impl Suggester {
    /// Embeds the labels with `embedder`, or reads them from the cache in `assets_dir`.
    pub async fn load(embedder: Embedder, assets_dir: &Path) -> anyhow::Result<Self> {
        let texts = label_texts();
        let path = cache_path(assets_dir);
        let dimension = factoria_search::vectors::DIMENSION;
        let vectors = match read_cache(&path, texts.len() * dimension) {
            Some(vectors) => vectors,
            None => {
                tracing::info!(labels = texts.len(), "embedding the CPV labels once");
                let vectors: Vec<f32> = embedder
                    .embed_texts(texts)
                    .await
                    .context("cannot embed the CPV labels")?
                    .concat();
                if let Err(error) = write_cache(&path, &vectors) {
                    tracing::warn!(%error, "cannot keep the CPV label vectors; they will be computed again");
                }
                vectors
            }
        };
        let analysed = tokio::task::spawn_blocking(analyse_labels).await?;
        Ok(Self {
            embedder,
            vectors,
            dimension,
            stems: analysed.0,
            idf: analysed.1,
        })
    }

    /// The `top` likeliest codes for `text`, labelled in `lang`; with `explain`, the words of
    /// the text that led to each (which costs a few more embeddings).
    pub async fn suggest(
        &self,
        text: &str,
        lang: Lang,
        top: usize,
        params: Params,
        explain: bool,
    ) -> Result<Vec<CpvSuggestion>> {
        let text = text.trim();
        if text.is_empty() || top == 0 {
            return Ok(Vec::new());
        }
        let query = self.embedder.embed_query(text).await?;
        let text_lang = detect_language(text);
        let words = surface_words(text_lang, text);
        let chosen = self.rank(&query, &words, text_lang, top, params);
        let word_vectors = if explain {
            let candidates: Vec<String> = words.values().take(120).cloned().collect();
            let vectors = self
                .embedder
                .embed_texts_now(candidates.iter().map(|w| format!("{PREFIX}{w}")).collect())
                .await?;
            candidates.into_iter().zip(vectors).collect()
        } else {
            Vec::new()
        };
        let label_lang = vocabulary_lang(lang);
        Ok(chosen
            .into_iter()
            .map(|(i, score)| {
                let code = &vocabulary::all()[i];
                CpvSuggestion {
                    code: code.code.to_owned(),
                    label: code.label(label_lang).to_owned(),
                    path: code
                        .ancestors()
                        .iter()
                        .map(|a| a.label(label_lang).to_owned())
                        .collect(),
                    words: if explain {
                        self.words_for(i, text_lang, &words, &word_vectors)
                    } else {
                        Vec::new()
                    },
                    score,
                }
            })
            .collect())
    }

    fn label_vector(&self, code: usize, slot: usize) -> &[f32] {
        let start = (code * 2 + slot) * self.dimension;
        &self.vectors[start..start + self.dimension]
    }

    /// Indices of the chosen codes with their scores, best first.
    fn rank(
        &self,
        query: &[f32],
        words: &HashMap<String, String>,
        text_lang: Lang,
        top: usize,
        params: Params,
    ) -> Vec<(usize, f32)> {
        let codes = vocabulary::all();
        let meaning: Vec<f32> = (0..codes.len())
            .map(|i| {
                let es = factoria_search::vectors::dot(query, self.label_vector(i, 0));
                let en = factoria_search::vectors::dot(query, self.label_vector(i, 1));
                es.max(en)
            })
            .collect();
        let n = meaning.len() as f32;
        let mean = meaning.iter().sum::<f32>() / n;
        let sd = (meaning.iter().map(|m| (m - mean).powi(2)).sum::<f32>() / n)
            .sqrt()
            .max(1e-6);
        let slot = lang_slot(text_lang);
        let own: Vec<f32> = meaning
            .iter()
            .enumerate()
            .map(|(i, m)| (m - mean) / sd + params.words * self.overlap(i, slot, words))
            .collect();
        let index: HashMap<&str, usize> =
            codes.iter().enumerate().map(|(i, c)| (c.code, i)).collect();
        let mut total: Vec<(usize, f32)> = codes
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let branch: Vec<f32> = c
                    .ancestors()
                    .iter()
                    .filter_map(|a| index.get(a.code).map(|&j| own[j]))
                    .chain(std::iter::once(own[i]))
                    .collect();
                let branch_mean = branch.iter().sum::<f32>() / branch.len() as f32;
                (
                    i,
                    (1.0 - params.branch) * own[i] + params.branch * branch_mean,
                )
            })
            .collect();
        total.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        let mut chosen: Vec<(usize, f32)> = Vec::with_capacity(top);
        for (i, score) in total {
            if chosen.len() >= top {
                break;
            }
            let code = &codes[i];
            let same_branch = chosen.iter().any(|&(j, _)| {
                let other = &codes[j];
                code.is_within(other) || other.is_within(code)
            });
            if !same_branch {
                chosen.push((i, score));
            }
        }
        chosen
    }

    /// The share of the label's stem weight that the text contains.
    fn overlap(&self, code: usize, slot: usize, words: &HashMap<String, String>) -> f32 {
        let stems = &self.stems[slot][code];
        let idf = &self.idf[slot];
        let weight = |s: &String| idf.get(s).copied().unwrap_or(0.0);
        let all: f32 = stems.iter().map(weight).sum();
        if all <= 0.0 {
            return 0.0;
        }
        stems
            .iter()
            .filter(|s| words.contains_key(*s))
            .map(weight)
            .sum::<f32>()
            / all
    }

    /// Words of the text shared with the code's label or its branch's, then the words closest
    /// in meaning to the label: at most three.
    fn words_for(
        &self,
        code: usize,
        text_lang: Lang,
        words: &HashMap<String, String>,
        word_vectors: &[(String, Vec<f32>)],
    ) -> Vec<String> {
        let slot = lang_slot(text_lang);
        let entry = &vocabulary::all()[code];
        let mut branch_stems: Vec<&String> = self.stems[slot][code].iter().collect();
        for ancestor in entry.ancestors().iter().rev() {
            if let Some(j) = vocabulary::all()
                .iter()
                .position(|c| c.code == ancestor.code)
            {
                branch_stems.extend(self.stems[slot][j].iter());
            }
        }
        // Rarer words first: "ambulancias" says more than "servicios".
        let idf = &self.idf[slot];
        branch_stems.sort_by(|a, b| {
            let weight = |s: &String| idf.get(s).copied().unwrap_or(0.0);
            weight(b).total_cmp(&weight(a))
        });
        let mut out: Vec<String> = Vec::new();
        for stem in branch_stems {
            if let Some(word) = words.get(stem)
                && !out.contains(word)
            {
                out.push(word.clone());
            }
        }
        let label = self.label_vector(code, slot);
        let mut close: Vec<(&String, f32)> = word_vectors
            .iter()
            .map(|(w, v)| (w, factoria_search::vectors::dot(v, label)))
            .collect();
        close.sort_by(|a, b| b.1.total_cmp(&a.1));
        for (word, _) in close {
            if out.len() >= 3 {
                break;
            }
            if !out.iter().any(|w| w.eq_ignore_ascii_case(word)) {
                out.push(word.clone());
            }
        }
        out.truncate(3);
        out
    }
}

type Analysed = ([Vec<Vec<String>>; 2], [HashMap<String, f32>; 2]);

fn analyse_labels() -> Analysed {
    let codes = vocabulary::all();
    let mut stems: [Vec<Vec<String>>; 2] = [Vec::new(), Vec::new()];
    let mut idf: [HashMap<String, f32>; 2] = [HashMap::new(), HashMap::new()];
    for lang in Lang::ALL {
        let slot = lang_slot(lang);
        let mut df: HashMap<String, usize> = HashMap::new();
        for c in codes {
            let label = match lang {
                Lang::Es => c.es,
                Lang::En => c.en,
            };
            let mut seen: Vec<String> = Vec::new();
            for t in terms(lang, label) {
                if !seen.contains(&t) {
                    seen.push(t);
                }
            }
            for t in &seen {
                *df.entry(t.clone()).or_default() += 1;
            }
            stems[slot].push(seen);
        }
        let n = codes.len() as f32;
        idf[slot] = df
            .into_iter()
            .map(|(t, d)| (t, (n / d as f32).ln().max(0.0) + 0.1))
            .collect();
    }
    (stems, idf)
}

/// Each stem of the text in `lang`, with the word it first came from.
fn surface_words(lang: Lang, text: &str) -> HashMap<String, String> {
    let mut out: HashMap<String, String> = HashMap::new();
    let mut seen: HashSet<&str> = HashSet::new();
    for word in text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.chars().count() > 2)
    {
        if !seen.insert(word) {
            continue;
        }
        if let Some(stem) = terms(lang, word).into_iter().next() {
            out.entry(stem).or_insert_with(|| word.to_lowercase());
        }
    }
    out
}

static SUGGESTER: OnceCell<Arc<Suggester>> = OnceCell::const_new();

/// The process's suggester, loaded on first use (`factoria fetch-model` prepares its vectors).
/// The load runs as a task of its own: the first one embeds every label (minutes), longer than
/// a request may wait, and a request that gives up must not cancel it.
pub async fn suggester(ctx: &Context) -> Result<Arc<Suggester>> {
    let suggester = SUGGESTER
        .get_or_try_init(|| async {
            let embedder = ctx.search.embedder.clone();
            let assets_dir = ctx.config.assets_dir.clone();
            let load = tokio::spawn(async move { Suggester::load(embedder, &assets_dir).await });
            load.await
                .map_err(|e| anyhow::anyhow!("loading the CPV suggester stopped: {e}"))?
                .map(Arc::new)
        })
        .await?;
    Ok(suggester.clone())
}

/// The `top` likeliest CPV codes for `text`, each with its label in `lang` and the words that
/// led to it. An empty text has no suggestions.
pub async fn suggest(
    ctx: &Context,
    text: &str,
    lang: Lang,
    top: usize,
) -> Result<Vec<CpvSuggestion>> {
    if text.trim().is_empty() || top == 0 {
        return Ok(Vec::new());
    }
    suggester(ctx)
        .await?
        .suggest(text, lang, top.min(MAX_TOP), Params::default(), true)
        .await
}

/// The text of a challenge that suggestions read: title, summary, description, outcomes and
/// requirements (never its CPV codes).
pub fn challenge_text(spec: &crate::domain::records::ChallengeSpec) -> String {
    let mut parts: Vec<&str> = vec![spec.title.as_str()];
    parts.extend(spec.summary.as_deref());
    parts.push(spec.description.as_str());
    parts.extend(spec.outcomes.iter().map(String::as_str));
    parts.extend(spec.must.iter().map(String::as_str));
    parts.extend(spec.should.iter().map(String::as_str));
    parts.join(". ")
}

/// Suggestions for every challenge of an interchange file (JSON Lines), ignoring the CPV codes
/// the challenges carry: `(challenge id, codes best first)` per valid line, and the faults of
/// the others as `line N: …`.
pub async fn suggest_for_file(
    suggester: &Suggester,
    path: &Path,
    top: usize,
    params: Params,
) -> anyhow::Result<(Vec<(String, Vec<String>)>, Vec<String>)> {
    use crate::domain::records::ChallengeSpec;
    use crate::types::validation::UnknownFields;
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let mut out = Vec::new();
    let mut faults = Vec::new();
    for (n, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let mut value: serde_json::Value = match serde_json::from_str(line) {
            Ok(value) => value,
            Err(e) => {
                faults.push(format!("line {}: not JSON: {e}", n + 1));
                continue;
            }
        };
        if let Some(object) = value.as_object_mut() {
            object.remove("cpv");
        }
        let spec = match ChallengeSpec::parse(&value, UnknownFields::Ignore) {
            Ok((spec, _)) => spec,
            Err(errors) => {
                faults.push(format!("line {}: {errors}", n + 1));
                continue;
            }
        };
        let Some(id) = spec.external_id.clone() else {
            faults.push(format!(
                "line {}: id: is required to name the suggestions",
                n + 1
            ));
            continue;
        };
        let lang = spec
            .language
            .map_or(Lang::Es, |l| Lang::from_code(l.as_str()));
        let codes = suggester
            .suggest(&challenge_text(&spec), lang, top, params, false)
            .await?
            .into_iter()
            .map(|s| s.code)
            .collect();
        out.push((id, codes));
    }
    Ok((out, faults))
}

/// How deep two lists of codes agree, in words for an explanation: `same group: 723 Data
/// services` (`mismo grupo: 723 Servicios relacionados con datos`), at the deepest level any
/// pair of codes shares, with the label of that level's code; `None` when they share no
/// division.
pub fn agreement(a: &[String], b: &[String], lang: Lang) -> Option<String> {
    let significant = |c: &str| c.trim_end_matches('0').len().max(2);
    let mut best: Option<(usize, &str, bool)> = None;
    for x in a {
        for y in b {
            let shared = x.bytes().zip(y.bytes()).take_while(|(p, q)| p == q).count();
            let depth = shared.min(significant(x)).min(significant(y));
            let same = x == y;
            if depth >= 2 && best.is_none_or(|(d, _, s)| (depth, same) > (d, s)) {
                best = Some((depth, &x[..depth], same));
            }
        }
    }
    let (depth, prefix, same) = best?;
    // The code of that level, or the nearest one above it the vocabulary has.
    let code = (2..=depth)
        .rev()
        .find_map(|n| vocabulary::lookup(&format!("{:0<8}", &prefix[..n])))?;
    let vlang = vocabulary_lang(lang);
    let shown = code.significant();
    Some(match (same, lang) {
        (true, Lang::Es) => format!("mismo código: {} {}", code.code, code.es),
        (true, Lang::En) => format!("same code: {} {}", code.code, code.en),
        (false, Lang::Es) => {
            // Of the level names only «grupo» is masculine.
            let same = if code.level() == vocabulary::Level::Group {
                "mismo"
            } else {
                "misma"
            };
            format!("{same} {}: {shown} {}", code.level().name(vlang), code.es)
        }
        (false, Lang::En) => format!("same {}: {shown} {}", code.level().name(vlang), code.en),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codes(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn agreement_is_named_at_its_depth_with_the_label_in_the_language() {
        let a = codes(&["72316000", "48000000"]);
        assert_eq!(
            agreement(&a, &codes(&["72322000"]), Lang::En).as_deref(),
            Some("same group: 723 Data services")
        );
        assert_eq!(
            agreement(&a, &codes(&["72322000"]), Lang::Es).as_deref(),
            Some("mismo grupo: 723 Servicios relacionados con datos")
        );
        assert_eq!(
            agreement(&a, &codes(&["72310000"]), Lang::Es).as_deref(),
            Some("misma clase: 7231 Servicios de tratamiento de datos")
        );
        assert_eq!(
            agreement(&a, &codes(&["72316000"]), Lang::En)
                .map(|s| s.starts_with("same code: 72316000")),
            Some(true)
        );
        assert_eq!(agreement(&a, &codes(&["45000000"]), Lang::En), None);
    }

    #[test]
    fn params_read_by_name() {
        assert_eq!(
            Params::parse("words=1, branch=0.25"),
            Ok(Params {
                words: 1.0,
                branch: 0.25
            })
        );
        assert!(Params::parse("speed=3").is_err());
    }
}
