//! Hybrid retrieval: BM25 in tantivy and exact vector search over the catalog, both under the
//! same filters, fused, with facet counts and highlights.
//!
//! **Fusion.** Each retriever contributes its top [`CANDIDATES`]. The default,
//! [`Fusion::Normalized`], adds the BM25 score divided by the best BM25 score of the query
//! (0 when the document matched no word) to the cosine rescaled over the candidates
//! (`(cos - min) / (max - min)`), weighted `w` and `1 - w`. BM25 is normalised within each
//! language, and a language none of whose documents matched a word of the query is ranked by
//! the cosine alone: an English query cannot match Spanish words, which is no evidence against
//! a Spanish challenge. Unlike reciprocal rank fusion it
//! keeps how far apart two results are, so one clear lexical match is not drowned by many
//! near-equal vector neighbours. `factoria-bench` and `docs/MATCHING.md` compare both.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::{Deserialize, Serialize};
use tantivy::collector::{Count, TopDocs};
use tantivy::query::{BooleanQuery, Occur, Query, QueryParser};
use tantivy::schema::Value;
use tantivy::snippet::SnippetGenerator;
use tantivy::{DocAddress, Searcher, TantivyDocument, Term};

use crate::analysis::Lang;
use crate::catalog::{Catalog, DocVector, Entry};
use crate::documents::{Document, EntityKey, Kind};
use crate::error::Result;
use crate::filters::Filters;
use crate::index::SearchIndex;
use crate::schema::{NO_DEADLINE, days};

/// Candidates each retriever contributes before fusion.
pub const CANDIDATES: usize = 200;

/// Vector candidates a text search keeps: beyond this, nearest neighbours of a query with no
/// good match are noise.
const VECTOR_CANDIDATES_FOR_SEARCH: usize = 50;

/// How far a document's cosine must stand above the cosines of every document of its language
/// (in standard deviations) to be a result by meaning alone; documents that match words are
/// results whatever their cosine. A query that means nothing in particular is about as close to
/// everything, so nothing passes. Languages with too few documents to tell (see
/// [`crate::vectors::MIN_BACKGROUND`]) keep every candidate. Chosen on the development set (see docs/MATCHING.md, "Search
/// floor").
pub const SEMANTIC_FLOOR: f32 = 3.0;

/// Words of a query that are searched; the rest are dropped with a warning.
pub const MAX_QUERY_WORDS: usize = 64;

/// Which retrievers answer.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SearchMode {
    /// Words and meaning, fused.
    #[default]
    Hybrid,
    /// Words only.
    Bm25,
    /// Meaning only.
    Vector,
}

/// How BM25 and vector candidates are combined.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub enum Fusion {
    /// Reciprocal rank fusion, `Σ 1 / (k + rank)`: the baseline.
    Rrf {
        /// The constant `k`, usually 60.
        k: f32,
    },
    /// Normalised scores, `w · bm25/max + (1 - w) · rescaled cosine`.
    Normalized {
        /// Weight of BM25.
        bm25_weight: f32,
    },
}

impl Default for Fusion {
    fn default() -> Self {
        Fusion::Normalized { bm25_weight: 0.3 }
    }
}

/// Order of results.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SortOrder {
    /// Best match first; for an empty query, the natural order of the kind (challenges by
    /// deadline, companies by name).
    #[default]
    Relevance,
    /// Closest deadline first (challenges).
    Deadline,
    /// Most recently changed first.
    Newest,
    /// Alphabetical by title or name.
    Name,
    /// Largest budget first (challenges).
    Budget,
}

/// A search.
#[derive(Debug, Clone, Default)]
pub struct SearchRequest {
    /// Companies or challenges.
    pub kind: Option<Kind>,
    /// What the user typed; empty browses.
    pub text: String,
    /// The embedded query (`query: ` + text), when vectors take part.
    pub query_vector: Option<Vec<f32>>,
    /// Constraints.
    pub filters: Filters,
    /// Retrievers.
    pub mode: SearchMode,
    /// How to fuse.
    pub fusion: Fusion,
    /// Order.
    pub sort: SortOrder,
    /// Results skipped.
    pub offset: usize,
    /// Results returned.
    pub limit: usize,
    /// Whether to compute facet counts.
    pub facets: bool,
    /// Whether to compute highlights for the returned hits.
    pub highlight: bool,
    /// Keep every vector candidate, however little it stands out (for measuring the floor).
    pub no_semantic_floor: bool,
}

/// A passage of a hit with the matched words marked.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Highlight {
    /// `title` or `body`.
    pub field: &'static str,
    /// The passage as HTML: text escaped, matched words in `<mark>`.
    pub html: String,
}

/// One result.
#[derive(Debug, Clone, Serialize)]
pub struct Hit {
    /// Entity.
    pub key: EntityKey,
    /// Interchange-format id.
    pub external_id: String,
    /// Fused score; only its order means something.
    pub score: f32,
    /// BM25 score, when the words matched.
    pub bm25: Option<f32>,
    /// Cosine similarity, when vectors took part.
    pub cosine: Option<f32>,
    /// How far the cosine stands above those of all documents of its language, in standard
    /// deviations, when vectors took part.
    pub standing: Option<f32>,
    /// Passages with the matched words.
    pub highlights: Vec<Highlight>,
}

/// A value of a facet and how many results have it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FacetValue {
    /// Value.
    pub value: String,
    /// Results with it.
    pub count: usize,
}

/// Counts of one field over the results.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Facet {
    /// Field: sector, cpv_division, department, status, size, company_kind, region, trl.
    pub field: &'static str,
    /// Values, most frequent first.
    pub values: Vec<FacetValue>,
}

/// What a search returns.
#[derive(Debug, Clone, Serialize)]
pub struct SearchResults {
    /// Results in the candidate set (all filtered documents when browsing).
    pub total: usize,
    /// The requested page.
    pub hits: Vec<Hit>,
    /// Facet counts over the whole candidate set.
    pub facets: Vec<Facet>,
    /// Things the user should know, like a shortened query.
    pub warnings: Vec<String>,
}

/// Makes user text safe for the lenient query parser: no field prefixes (`status:draft` must not
/// reach into fields), no boosts, at most [`MAX_QUERY_WORDS`] words.
pub(crate) fn sanitise_query(text: &str) -> (String, Vec<String>) {
    let cleaned: String = text
        .chars()
        .map(|c| {
            if matches!(
                c,
                ':' | '^' | '\\' | '{' | '}' | '[' | ']' | '*' | '~' | '/'
            ) {
                ' '
            } else {
                c
            }
        })
        .collect();
    let words: Vec<&str> = cleaned.split_whitespace().collect();
    let mut warnings = Vec::new();
    if words.len() > MAX_QUERY_WORDS {
        warnings.push(format!(
            "the query was shortened to its first {MAX_QUERY_WORDS} words"
        ));
    }
    let mut query = words
        .into_iter()
        .take(MAX_QUERY_WORDS)
        .collect::<Vec<_>>()
        .join(" ");
    // An odd number of quotes would leave a phrase open: close it.
    if query.matches('"').count() % 2 == 1 {
        query.push('"');
    }
    (query, warnings)
}

impl SearchIndex {
    pub(crate) fn text_query(&self, text: &str) -> (Box<dyn Query>, Vec<String>) {
        let (sanitised, warnings) = sanitise_query(text);
        let mut parser = QueryParser::for_index(&self.index, self.fields.all_text().to_vec());
        parser.set_field_boost(self.fields.title_es, 2.0);
        parser.set_field_boost(self.fields.title_en, 2.0);
        let (query, _errors) = parser.parse_query_lenient(&sanitised);
        (query, warnings)
    }

    /// BM25 top `limit` of `query` under `filters`, with the number of matches.
    pub(crate) fn bm25(
        &self,
        searcher: &Searcher,
        query: Box<dyn Query>,
        kind: Kind,
        filters: &Filters,
        limit: usize,
    ) -> Result<(Vec<(EntityKey, f32, DocAddress)>, usize)> {
        let combined = BooleanQuery::new(vec![
            (Occur::Must, query),
            (Occur::Must, filters.to_query(&self.fields, kind)),
        ]);
        let (top, count) = searcher.search(
            &combined,
            &(TopDocs::with_limit(limit.max(1)).order_by_score(), Count),
        )?;
        let mut hits = Vec::with_capacity(top.len());
        for (score, address) in top {
            let column = searcher
                .segment_reader(address.segment_ord)
                .fast_fields()
                .i64("id")?;
            if let Some(id) = column.first(address.doc_id) {
                hits.push((EntityKey { kind, id }, score, address));
            }
        }
        Ok((hits, count))
    }

    /// Runs a search.
    pub fn search(&self, request: &SearchRequest) -> Result<SearchResults> {
        let kind = request.kind.unwrap_or(Kind::Challenge);
        let searcher = self.reader.searcher();
        let catalog = self.catalog();
        let filters = &request.filters;
        let mut warnings = Vec::new();
        let text = request.text.trim();

        let (ranked, text_query): (Vec<Hit>, Option<Box<dyn Query>>) = if text.is_empty() {
            let passes = filters.predicate();
            let mut entries: Vec<&Entry> = catalog.iter(kind).filter(|e| passes(e)).collect();
            sort_entries(&mut entries, request.sort);
            let hits = entries
                .into_iter()
                .map(|e| hit(e.doc.key(), &e.doc, 0.0, None, None))
                .collect();
            (hits, None)
        } else {
            let (query, query_warnings) = self.text_query(text);
            warnings.extend(query_warnings);
            let limit = CANDIDATES.max(request.offset + request.limit);
            let lexical = match request.mode {
                SearchMode::Vector => Vec::new(),
                _ => {
                    self.bm25(&searcher, query.box_clone(), kind, filters, limit)?
                        .0
                }
            };
            let lexical: Vec<(EntityKey, f32)> =
                lexical.into_iter().map(|(k, s, _)| (k, s)).collect();
            let mut standing: HashMap<EntityKey, f32> = HashMap::new();
            let semantic = match (&request.query_vector, request.mode) {
                (Some(vector), SearchMode::Hybrid | SearchMode::Vector) => {
                    let allowed = catalog.allowed(kind, filters);
                    let k = if request.mode == SearchMode::Vector {
                        limit
                    } else {
                        VECTOR_CANDIDATES_FOR_SEARCH.max(request.offset + request.limit)
                    };
                    let matched_words: HashSet<EntityKey> =
                        lexical.iter().map(|(key, _)| *key).collect();
                    catalog
                        .nearest_standing_out(kind, DocVector::Passage, vector, &allowed, k)
                        .into_iter()
                        .filter(|(key, _, z)| {
                            request.no_semantic_floor
                                || matched_words.contains(key)
                                || z.is_none_or(|z| z >= SEMANTIC_FLOOR)
                        })
                        .map(|(key, cosine, z)| {
                            if let Some(z) = z {
                                standing.insert(key, z);
                            }
                            (key, cosine)
                        })
                        .collect()
                }
                _ => Vec::new(),
            };
            let lang = |key: EntityKey| catalog.get(key).map(|e| e.lang);
            let mut hits: Vec<Hit> = fuse(&lexical, &semantic, request.fusion, &lang)
                .into_iter()
                .filter_map(|(key, score, bm25, cosine)| {
                    catalog.get(key).map(|e| {
                        let mut hit = hit(key, &e.doc, score, bm25, cosine);
                        hit.standing = standing.get(&key).copied();
                        hit
                    })
                })
                .collect();
            if request.sort != SortOrder::Relevance {
                let order: HashMap<EntityKey, usize> = {
                    let mut entries: Vec<&Entry> =
                        hits.iter().filter_map(|h| catalog.get(h.key)).collect();
                    sort_entries(&mut entries, request.sort);
                    entries
                        .iter()
                        .enumerate()
                        .map(|(i, e)| (e.doc.key(), i))
                        .collect()
                };
                hits.sort_by_key(|h| order.get(&h.key).copied().unwrap_or(usize::MAX));
            }
            (hits, Some(query))
        };

        let facets = if request.facets {
            facet_counts(&catalog, kind, ranked.iter().map(|h| h.key))
        } else {
            Vec::new()
        };
        let total = ranked.len();
        let mut page: Vec<Hit> = ranked
            .into_iter()
            .skip(request.offset)
            .take(request.limit)
            .collect();
        if request.highlight
            && let Some(query) = &text_query
        {
            self.add_highlights(&searcher, &catalog, query.as_ref(), &mut page)?;
        }
        Ok(SearchResults {
            total,
            hits: page,
            facets,
            warnings,
        })
    }

    fn add_highlights(
        &self,
        searcher: &Searcher,
        catalog: &Catalog,
        query: &dyn Query,
        hits: &mut [Hit],
    ) -> Result<()> {
        let mut generators = HashMap::new();
        for hit in hits.iter_mut() {
            let Some(entry) = catalog.get(hit.key) else {
                continue;
            };
            let Some(address) = self.address(searcher, hit.key)? else {
                continue;
            };
            let doc: TantivyDocument = searcher.doc(address)?;
            let (title_field, body_field) = self.fields.text_fields(entry.lang);
            for (name, field, chars) in [("title", title_field, 200), ("body", body_field, 220)] {
                if !generators.contains_key(&field) {
                    let mut generator = SnippetGenerator::create(searcher, query, field)?;
                    generator.set_max_num_chars(chars);
                    generators.insert(field, generator);
                }
                let Some(generator) = generators.get(&field) else {
                    continue;
                };
                let snippet = generator.snippet_from_doc(&doc);
                if !snippet.highlighted().is_empty() {
                    let html = snippet
                        .to_html()
                        .replace("<b>", "<mark>")
                        .replace("</b>", "</mark>");
                    hit.highlights.push(Highlight { field: name, html });
                }
            }
        }
        Ok(())
    }

    fn address(&self, searcher: &Searcher, key: EntityKey) -> Result<Option<DocAddress>> {
        let query = tantivy::query::TermQuery::new(
            Term::from_field_text(self.fields.key, &key.term()),
            tantivy::schema::IndexRecordOption::Basic,
        );
        let top = searcher.search(&query, &TopDocs::with_limit(1).order_by_score())?;
        Ok(top.first().map(|(_, address)| *address))
    }

    /// The stored title of a document, for tests and tools.
    pub fn stored_title(&self, key: EntityKey) -> Result<Option<String>> {
        let searcher = self.reader.searcher();
        let Some(address) = self.address(&searcher, key)? else {
            return Ok(None);
        };
        let doc: TantivyDocument = searcher.doc(address)?;
        let title = [self.fields.title_es, self.fields.title_en]
            .into_iter()
            .find_map(|f| doc.get_first(f).and_then(|v| v.as_str().map(str::to_owned)));
        Ok(title)
    }
}

fn hit(key: EntityKey, doc: &Document, score: f32, bm25: Option<f32>, cosine: Option<f32>) -> Hit {
    Hit {
        key,
        external_id: doc.external_id().to_owned(),
        score,
        bm25,
        cosine,
        standing: None,
        highlights: Vec::new(),
    }
}

/// Fuses two ranked candidate lists: (key, fused score, bm25, cosine), best first. `lang` gives
/// a candidate's language: BM25 is normalised within each language, and where no document of a
/// language matched a word of the query (an English query over Spanish challenges), BM25 says
/// nothing about them, so their score is the rescaled cosine alone instead of a penalty.
pub fn fuse(
    lexical: &[(EntityKey, f32)],
    semantic: &[(EntityKey, f32)],
    fusion: Fusion,
    lang: &dyn Fn(EntityKey) -> Option<Lang>,
) -> Vec<(EntityKey, f32, Option<f32>, Option<f32>)> {
    let mut merged: BTreeMap<EntityKey, (Option<f32>, Option<f32>, f32)> = BTreeMap::new();
    match fusion {
        Fusion::Rrf { k } => {
            for (rank, (key, score)) in lexical.iter().enumerate() {
                let e = merged.entry(*key).or_insert((None, None, 0.0));
                e.0 = Some(*score);
                e.2 += 1.0 / (k + 1.0 + rank as f32);
            }
            for (rank, (key, score)) in semantic.iter().enumerate() {
                let e = merged.entry(*key).or_insert((None, None, 0.0));
                e.1 = Some(*score);
                e.2 += 1.0 / (k + 1.0 + rank as f32);
            }
        }
        Fusion::Normalized { bm25_weight } => {
            let mut best_bm25: HashMap<Option<Lang>, f32> = HashMap::new();
            for (key, score) in lexical {
                let best = best_bm25.entry(lang(*key)).or_insert(0.0);
                *best = best.max(*score);
                merged.entry(*key).or_insert((None, None, 0.0)).0 = Some(*score);
            }
            let (low, high) = semantic
                .iter()
                .fold((f32::MAX, f32::MIN), |(lo, hi), (_, s)| {
                    (lo.min(*s), hi.max(*s))
                });
            let spread = (high - low).max(1e-6);
            for (key, score) in semantic {
                merged.entry(*key).or_insert((None, None, 0.0)).1 = Some(*score);
            }
            for (key, (bm25, cosine, fused)) in merged.iter_mut() {
                let rescaled = cosine.map_or(0.0, |c| (c - low) / spread);
                let lexical_part = match best_bm25
                    .get(&lang(*key))
                    .copied()
                    .filter(|best| *best > 0.0)
                {
                    Some(best) => bm25.map_or(0.0, |b| b / best),
                    None => rescaled,
                };
                *fused = bm25_weight * lexical_part + (1.0 - bm25_weight) * rescaled;
            }
        }
    }
    let mut out: Vec<_> = merged
        .into_iter()
        .map(|(key, (bm25, cosine, score))| (key, score, bm25, cosine))
        .collect();
    out.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    out
}

fn sort_entries(entries: &mut [&Entry], sort: SortOrder) {
    let deadline = |e: &Entry| match &e.doc {
        Document::Challenge(c) => c.deadline.map_or(NO_DEADLINE, days),
        Document::Company(_) => NO_DEADLINE,
    };
    let updated = |e: &Entry| match &e.doc {
        Document::Challenge(c) => c.updated_at,
        Document::Company(c) => c.updated_at,
    };
    let budget = |e: &Entry| match &e.doc {
        Document::Challenge(c) => c.budget_eur.unwrap_or(0),
        Document::Company(_) => 0,
    };
    let name = |e: &Entry| e.doc.title().to_lowercase();
    match sort {
        SortOrder::Deadline => entries.sort_by_key(|e| (deadline(e), name(e))),
        SortOrder::Newest => entries.sort_by_key(|e| (std::cmp::Reverse(updated(e)), name(e))),
        SortOrder::Budget => entries.sort_by_key(|e| (std::cmp::Reverse(budget(e)), name(e))),
        SortOrder::Name => entries.sort_by_key(|e| name(e)),
        SortOrder::Relevance => match entries.first().map(|e| e.doc.key().kind) {
            Some(Kind::Challenge) => entries.sort_by_key(|e| (deadline(e), name(e))),
            _ => entries.sort_by_key(|e| name(e)),
        },
    }
}

/// Counts of each facet value over `keys`.
fn facet_counts(
    catalog: &Catalog,
    kind: Kind,
    keys: impl Iterator<Item = EntityKey>,
) -> Vec<Facet> {
    let names: &[&'static str] = match kind {
        Kind::Challenge => &["sector", "cpv_division", "department", "status", "trl"],
        Kind::Company => &[
            "sector",
            "cpv_division",
            "size",
            "company_kind",
            "region",
            "trl",
        ],
    };
    let mut counts: Vec<HashMap<String, usize>> = vec![HashMap::new(); names.len()];
    for key in keys {
        let Some(entry) = catalog.get(key) else {
            continue;
        };
        for (i, name) in names.iter().enumerate() {
            for value in facet_values(entry, name) {
                *counts[i].entry(value).or_default() += 1;
            }
        }
    }
    names
        .iter()
        .zip(counts)
        .map(|(name, counts)| {
            let mut values: Vec<FacetValue> = counts
                .into_iter()
                .map(|(value, count)| FacetValue { value, count })
                .collect();
            values.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.value.cmp(&b.value)));
            Facet {
                field: name,
                values,
            }
        })
        .collect()
}

fn facet_values(entry: &Entry, name: &str) -> Vec<String> {
    let mut values: Vec<String> = match (name, &entry.doc) {
        ("sector", _) => entry.sectors.clone(),
        ("cpv_division", doc) => doc
            .cpv()
            .iter()
            .filter(|c| c.len() >= 2)
            .map(|c| c[..2].to_owned())
            .collect(),
        ("department", Document::Challenge(c)) => vec![c.department.clone()],
        ("status", Document::Challenge(c)) => vec![c.status.clone()],
        ("trl", Document::Challenge(c)) => c.trl_min.map(|t| t.to_string()).into_iter().collect(),
        ("trl", Document::Company(c)) => c.trl.map(|t| t.to_string()).into_iter().collect(),
        ("size", Document::Company(c)) => c.size.clone().into_iter().collect(),
        ("company_kind", Document::Company(c)) => vec![c.company_kind.clone()],
        ("region", Document::Company(c)) => c.region.clone().into_iter().collect(),
        _ => Vec::new(),
    };
    values.sort();
    values.dedup();
    values
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sanitising_removes_field_syntax_and_closes_quotes() {
        let (query, warnings) = sanitise_query("status:draft \"open phrase");
        assert_eq!(query, "status draft \"open phrase\"");
        assert!(warnings.is_empty());
        let long = "palabra ".repeat(500);
        let (query, warnings) = sanitise_query(&long);
        assert_eq!(query.split_whitespace().count(), MAX_QUERY_WORDS);
        assert_eq!(warnings.len(), 1);
    }

    #[test]
    fn any_query_parses_leniently_without_panicking() {
        let index = SearchIndex::in_memory().unwrap_or_else(|e| panic!("{e}"));
        let nasty = [
            "\"",
            "((((",
            "AND OR NOT",
            "+-+-",
            "title:[a TO",
            "*?~^2",
            "\u{0}",
            "a\"b\"c\"",
            "ñandú \"fugas de",
            ":::::",
            "NOT",
        ];
        for text in nasty {
            let (_query, _warnings) = index.text_query(text);
        }
        let mut runner = proptest::test_runner::TestRunner::default();
        let result = runner.run(&".{0,200}", |text| {
            let (query, _) = sanitise_query(&text);
            proptest::prop_assert!(query.matches('"').count() % 2 == 0);
            let _ = index.text_query(&text);
            Ok(())
        });
        assert!(result.is_ok(), "{result:?}");
    }

    #[test]
    fn rrf_rewards_agreement_and_normalised_fusion_keeps_distances() {
        let a = EntityKey::company(1);
        let b = EntityKey::company(2);
        let c = EntityKey::company(3);
        let lexical = [(a, 10.0), (b, 1.0)];
        let semantic = [(b, 0.90), (c, 0.89), (a, 0.80)];
        let one_language = |_: EntityKey| Some(Lang::Es);
        let rrf = fuse(&lexical, &semantic, Fusion::Rrf { k: 60.0 }, &one_language);
        assert_eq!(rrf[0].0, b, "b is ranked well by both");
        let normalised = fuse(
            &lexical,
            &semantic,
            Fusion::Normalized { bm25_weight: 0.5 },
            &one_language,
        );
        assert_eq!(normalised[0].0, b);
        assert_eq!(normalised.len(), 3);
        assert_eq!(
            normalised.iter().find(|h| h.0 == c).and_then(|h| h.2),
            None,
            "c matched no word"
        );
    }

    #[test]
    fn documents_in_a_language_the_query_cannot_match_are_ranked_by_meaning() {
        // An English query: one English document matches a word of it; the Spanish document
        // matches none, being in Spanish, but is the nearest in meaning.
        let english = EntityKey::challenge(1);
        let spanish = EntityKey::challenge(2);
        let other_english = EntityKey::challenge(3);
        let lexical = [(english, 4.0)];
        let semantic = [(spanish, 0.86), (english, 0.82), (other_english, 0.78)];
        let lang = |key: EntityKey| Some(if key == spanish { Lang::Es } else { Lang::En });
        let fused = fuse(
            &lexical,
            &semantic,
            Fusion::Normalized { bm25_weight: 0.3 },
            &lang,
        );
        assert_eq!(fused[0].0, spanish, "{fused:?}");
        let english_only = |_: EntityKey| Some(Lang::En);
        let fused = fuse(
            &lexical,
            &semantic,
            Fusion::Normalized { bm25_weight: 0.3 },
            &english_only,
        );
        assert_eq!(
            fused[2].0, other_english,
            "in one language, missing every word still costs"
        );
    }
}
