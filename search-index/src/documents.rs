//! What the index is fed: plain values, no database types.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::analysis::{Lang, detect_language};

/// The two kinds of things Factoría indexes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// A company profile.
    Company,
    /// A challenge of the administration.
    Challenge,
}

impl Kind {
    /// The name used in the change log and in stored embeddings.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Company => "company",
            Kind::Challenge => "challenge",
        }
    }

    /// Reads a kind name.
    pub fn parse(name: &str) -> Option<Kind> {
        match name {
            "company" => Some(Kind::Company),
            "challenge" => Some(Kind::Challenge),
            _ => None,
        }
    }
}

/// Identity of an indexed entity: its kind and database id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct EntityKey {
    /// Company or challenge.
    pub kind: Kind,
    /// Database id.
    pub id: i64,
}

impl EntityKey {
    /// A company's key.
    pub fn company(id: i64) -> Self {
        Self {
            kind: Kind::Company,
            id,
        }
    }

    /// A challenge's key.
    pub fn challenge(id: i64) -> Self {
        Self {
            kind: Kind::Challenge,
            id,
        }
    }

    /// The unique term stored in the index, like `company:42`.
    pub fn term(&self) -> String {
        format!("{}:{}", self.kind.as_str(), self.id)
    }
}

/// A company profile as the index sees it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CompanyDoc {
    /// Database id.
    pub id: i64,
    /// Interchange-format id.
    pub external_id: String,
    /// Company name.
    pub name: String,
    /// startup, sme or large.
    pub company_kind: String,
    /// EU size class.
    pub size: Option<String>,
    /// Region.
    pub region: Option<String>,
    /// Municipality.
    pub municipality: Option<String>,
    /// Free-text description.
    pub description: String,
    /// Capability statements.
    pub capabilities: Vec<String>,
    /// Technologies.
    pub technologies: Vec<String>,
    /// Sectors.
    pub sectors: Vec<String>,
    /// CPV codes, eight digits each.
    pub cpv: Vec<String>,
    /// TRL of the main offering.
    pub trl: Option<u8>,
    /// Certifications as written.
    pub certifications: Vec<String>,
    /// Working languages.
    pub languages: Vec<String>,
    /// Last change, seconds since the epoch.
    pub updated_at: i64,
}

/// A challenge as the index sees it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ChallengeDoc {
    /// Database id.
    pub id: i64,
    /// Interchange-format id.
    pub external_id: String,
    /// Title.
    pub title: String,
    /// Language the challenge is written in.
    pub language: Option<Lang>,
    /// Department name.
    pub department: String,
    /// Short summary.
    pub summary: Option<String>,
    /// Problem statement.
    pub description: String,
    /// Expected outcomes.
    pub outcomes: Vec<String>,
    /// Must-have requirements.
    pub must: Vec<String>,
    /// Nice-to-have requirements.
    pub should: Vec<String>,
    /// Sectors.
    pub sectors: Vec<String>,
    /// CPV codes.
    pub cpv: Vec<String>,
    /// Minimum TRL.
    pub trl_min: Option<u8>,
    /// Budget in whole euros.
    pub budget_eur: Option<u64>,
    /// Deadline for proposals.
    pub deadline: Option<NaiveDate>,
    /// Certifications a supplier must hold.
    pub required_certifications: Vec<String>,
    /// draft, published, closed, awarded or cancelled.
    pub status: String,
    /// Last change, seconds since the epoch.
    pub updated_at: i64,
}

/// Anything the index holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Document {
    /// A company profile.
    Company(CompanyDoc),
    /// A challenge.
    Challenge(ChallengeDoc),
}

/// Which part of a document a vector embeds.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum ChunkField {
    /// The whole document, embedded as a passage (what searches and matches look for).
    DocPassage,
    /// The whole challenge, embedded as a query (what looks for suppliers).
    DocQuery,
    /// A company's description.
    Description,
    /// One capability statement of a company.
    Capability,
    /// One must-have requirement of a challenge.
    Must,
    /// One nice-to-have requirement of a challenge.
    Should,
}

impl ChunkField {
    /// Every field.
    pub const ALL: [ChunkField; 6] = [
        ChunkField::DocPassage,
        ChunkField::DocQuery,
        ChunkField::Description,
        ChunkField::Capability,
        ChunkField::Must,
        ChunkField::Should,
    ];

    /// The name stored in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            ChunkField::DocPassage => "doc_passage",
            ChunkField::DocQuery => "doc_query",
            ChunkField::Description => "description",
            ChunkField::Capability => "capability",
            ChunkField::Must => "must",
            ChunkField::Should => "should",
        }
    }

    /// Reads a stored name.
    pub fn parse(name: &str) -> Option<ChunkField> {
        ChunkField::ALL.into_iter().find(|f| f.as_str() == name)
    }

    /// Whether the text is embedded with e5's `query: ` prefix (else `passage: `).
    pub fn is_query(self) -> bool {
        matches!(
            self,
            ChunkField::DocQuery | ChunkField::Must | ChunkField::Should
        )
    }
}

/// A text to embed: which part of the document it is and the exact string given to the model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChunkText {
    /// Field.
    pub field: ChunkField,
    /// Position within the field (the n-th capability).
    pub position: usize,
    /// Prefixed text, as embedded.
    pub text: String,
}

/// One embedded part of a document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VectorChunk {
    /// Field.
    pub field: ChunkField,
    /// Position within the field.
    pub position: usize,
    /// Unit-length vector.
    pub vector: Vec<f32>,
}

/// Every vector of one document.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct EntityVectors {
    /// The chunks, in any order.
    pub chunks: Vec<VectorChunk>,
}

impl EntityVectors {
    /// The vector of a whole-document field.
    pub fn get(&self, field: ChunkField) -> Option<&[f32]> {
        self.chunks
            .iter()
            .find(|c| c.field == field)
            .map(|c| c.vector.as_slice())
    }

    /// The vectors of one field, in position order.
    pub fn field(&self, field: ChunkField) -> impl Iterator<Item = &VectorChunk> {
        self.chunks.iter().filter(move |c| c.field == field)
    }
}

fn joined(parts: &[&str]) -> String {
    parts
        .iter()
        .map(|p| p.trim())
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join("\n")
}

impl Document {
    /// The entity's key.
    pub fn key(&self) -> EntityKey {
        match self {
            Document::Company(c) => EntityKey::company(c.id),
            Document::Challenge(c) => EntityKey::challenge(c.id),
        }
    }

    /// Interchange-format id.
    pub fn external_id(&self) -> &str {
        match self {
            Document::Company(c) => &c.external_id,
            Document::Challenge(c) => &c.external_id,
        }
    }

    /// The title (challenge) or name (company).
    pub fn title(&self) -> &str {
        match self {
            Document::Company(c) => &c.name,
            Document::Challenge(c) => &c.title,
        }
    }

    /// The searchable body, without the title.
    pub fn body(&self) -> String {
        match self {
            Document::Company(c) => {
                let mut parts = vec![c.description.as_str()];
                parts.extend(c.capabilities.iter().map(String::as_str));
                parts.extend(c.technologies.iter().map(String::as_str));
                parts.extend(c.sectors.iter().map(String::as_str));
                joined(&parts)
            }
            Document::Challenge(c) => {
                let mut parts = vec![c.summary.as_deref().unwrap_or(""), c.description.as_str()];
                parts.extend(c.outcomes.iter().map(String::as_str));
                parts.extend(c.must.iter().map(String::as_str));
                parts.extend(c.should.iter().map(String::as_str));
                joined(&parts)
            }
        }
    }

    /// The language the document is written in: declared for challenges, detected otherwise.
    pub fn language(&self) -> Lang {
        match self {
            Document::Challenge(c) if c.language.is_some() => c.language.unwrap_or(Lang::Es),
            Document::Challenge(c) => detect_language(&format!("{} {}", c.title, c.description)),
            Document::Company(c) => detect_language(&c.description),
        }
    }

    /// Sectors.
    pub fn sectors(&self) -> &[String] {
        match self {
            Document::Company(c) => &c.sectors,
            Document::Challenge(c) => &c.sectors,
        }
    }

    /// CPV codes.
    pub fn cpv(&self) -> &[String] {
        match self {
            Document::Company(c) => &c.cpv,
            Document::Challenge(c) => &c.cpv,
        }
    }

    /// Every text the embedding model sees for this document, with e5's prefixes.
    ///
    /// Companies: the whole profile and the description as passages, and each capability.
    /// Challenges: the need as a query (to find suppliers), the whole challenge as a passage (to
    /// be found by searches), and each requirement as a query.
    ///
    /// The need is the title, summary and must-haves, without the narrative description: e5 was
    /// trained on short queries, and on the development set the focused query ranks suppliers
    /// clearly better than the whole text (nDCG@10 0.79 against 0.73, `docs/MATCHING.md`). A
    /// challenge without a summary uses its description in its place, and one without
    /// must-haves adds it.
    pub fn chunk_texts(&self) -> Vec<ChunkText> {
        let chunk = |field: ChunkField, position: usize, text: &str| ChunkText {
            field,
            position,
            text: format!(
                "{}{}",
                if field.is_query() {
                    "query: "
                } else {
                    "passage: "
                },
                text.trim()
            ),
        };
        let mut out = Vec::new();
        match self {
            Document::Company(c) => {
                let whole = joined(&[c.name.as_str(), &self.body()]);
                out.push(chunk(ChunkField::DocPassage, 0, &whole));
                out.push(chunk(ChunkField::Description, 0, &c.description));
                for (i, capability) in c.capabilities.iter().enumerate() {
                    out.push(chunk(ChunkField::Capability, i, capability));
                }
            }
            Document::Challenge(c) => {
                // The description stands in for a missing summary, and is added when there
                // are no must-haves to say what is needed.
                let summary = c.summary.as_deref().filter(|s| !s.trim().is_empty());
                let mut need = vec![c.title.as_str(), summary.unwrap_or(c.description.as_str())];
                need.extend(c.must.iter().map(String::as_str));
                if c.must.is_empty() && summary.is_some() {
                    need.push(c.description.as_str());
                }
                out.push(chunk(ChunkField::DocQuery, 0, &joined(&need)));
                let whole = joined(&[c.title.as_str(), &self.body()]);
                out.push(chunk(ChunkField::DocPassage, 0, &whole));
                for (i, requirement) in c.must.iter().enumerate() {
                    out.push(chunk(ChunkField::Must, i, requirement));
                }
                for (i, requirement) in c.should.iter().enumerate() {
                    out.push(chunk(ChunkField::Should, i, requirement));
                }
            }
        }
        out.retain(|c| c.text.len() > "passage: ".len());
        out
    }
}

/// Lower-case alphanumerics only: how certifications are compared (`ENS media` = `ENS-media`).
pub fn normalise_certification(name: &str) -> String {
    name.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_carry_e5_prefixes() {
        let doc = Document::Challenge(ChallengeDoc {
            title: "Fugas de agua".into(),
            description: "Detectar fugas".into(),
            must: vec!["Sensores acústicos".into()],
            ..Default::default()
        });
        let chunks = doc.chunk_texts();
        assert!(
            chunks
                .iter()
                .any(|c| c.field == ChunkField::DocQuery
                    && c.text.starts_with("query: Fugas de agua"))
        );
        assert!(
            chunks
                .iter()
                .any(|c| c.field == ChunkField::DocPassage && c.text.starts_with("passage: "))
        );
        assert!(
            chunks
                .iter()
                .any(|c| c.field == ChunkField::Must && c.text == "query: Sensores acústicos")
        );
    }

    #[test]
    fn certifications_compare_without_punctuation_or_case() {
        assert_eq!(
            normalise_certification("ENS-media"),
            normalise_certification("ens media")
        );
    }
}
