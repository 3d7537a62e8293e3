//! The tantivy schema shared by companies and challenges, and how a [`Document`] becomes a
//! tantivy document.

use chrono::NaiveDate;
use tantivy::TantivyDocument;
use tantivy::schema::{
    FAST, Field, INDEXED, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing, TextOptions,
};

use crate::analysis::Lang;
use crate::documents::{Document, normalise_certification};

/// Version of the schema and of what is derived into it; bumping it makes every replica
/// rebuild its index from the database. 2: indexes built over an empty change log had skipped
/// its first change.
pub const SCHEMA_VERSION: u32 = 2;

/// Stored for challenges without a deadline, so "deadline on or after" needs no special case.
pub const NO_DEADLINE: i64 = i64::MAX / 2;

/// Days since 1970-01-01, the unit of the `deadline` field.
pub fn days(date: NaiveDate) -> i64 {
    date.signed_duration_since(NaiveDate::default()).num_days()
}

/// The fields of the schema.
#[derive(Debug, Clone, Copy)]
pub struct Fields {
    pub key: Field,
    pub kind: Field,
    pub id: Field,
    pub title_es: Field,
    pub title_en: Field,
    pub body_es: Field,
    pub body_en: Field,
    pub sector: Field,
    pub cpv: Field,
    pub department: Field,
    pub status: Field,
    pub size: Field,
    pub company_kind: Field,
    pub region: Field,
    pub certification: Field,
    pub trl: Field,
    pub budget: Field,
    pub deadline: Field,
}

impl Fields {
    /// Builds the schema and its fields.
    pub fn build() -> (Schema, Fields) {
        let mut builder = Schema::builder();
        let text = |lang: Lang| {
            TextOptions::default()
                .set_indexing_options(
                    TextFieldIndexing::default()
                        .set_tokenizer(lang.analyzer_name())
                        .set_index_option(IndexRecordOption::WithFreqsAndPositions),
                )
                .set_stored()
        };
        let fields = Fields {
            key: builder.add_text_field("key", STRING | STORED),
            kind: builder.add_text_field("kind", STRING),
            id: builder.add_i64_field("id", INDEXED | FAST | STORED),
            title_es: builder.add_text_field("title_es", text(Lang::Es)),
            title_en: builder.add_text_field("title_en", text(Lang::En)),
            body_es: builder.add_text_field("body_es", text(Lang::Es)),
            body_en: builder.add_text_field("body_en", text(Lang::En)),
            sector: builder.add_text_field("sector", STRING),
            cpv: builder.add_text_field("cpv", STRING),
            department: builder.add_text_field("department", STRING),
            status: builder.add_text_field("status", STRING),
            size: builder.add_text_field("size", STRING),
            company_kind: builder.add_text_field("company_kind", STRING),
            region: builder.add_text_field("region", STRING),
            certification: builder.add_text_field("certification", STRING),
            trl: builder.add_u64_field("trl", INDEXED | FAST),
            budget: builder.add_u64_field("budget", INDEXED | FAST),
            deadline: builder.add_i64_field("deadline", INDEXED | FAST),
        };
        (builder.build(), fields)
    }

    /// The title and body fields of a language.
    pub fn text_fields(&self, lang: Lang) -> (Field, Field) {
        match lang {
            Lang::Es => (self.title_es, self.body_es),
            Lang::En => (self.title_en, self.body_en),
        }
    }

    /// Every analysed text field.
    pub fn all_text(&self) -> [Field; 4] {
        [self.title_es, self.title_en, self.body_es, self.body_en]
    }

    /// The tantivy document of `doc`, written in `lang`.
    pub fn to_tantivy(&self, doc: &Document, lang: Lang) -> TantivyDocument {
        let mut out = TantivyDocument::default();
        let key = doc.key();
        out.add_text(self.key, key.term());
        out.add_text(self.kind, key.kind.as_str());
        out.add_i64(self.id, key.id);
        let (title, body) = self.text_fields(lang);
        out.add_text(title, doc.title());
        out.add_text(body, doc.body());
        for sector in doc.sectors() {
            out.add_text(self.sector, sector.trim().to_lowercase());
        }
        for code in doc.cpv() {
            for level in cpv_levels(code) {
                out.add_text(self.cpv, level);
            }
        }
        match doc {
            Document::Company(c) => {
                out.add_text(self.company_kind, &c.company_kind);
                if let Some(size) = &c.size {
                    out.add_text(self.size, size);
                }
                if let Some(region) = &c.region {
                    out.add_text(self.region, region.to_lowercase());
                }
                for cert in &c.certifications {
                    out.add_text(self.certification, normalise_certification(cert));
                }
                if let Some(trl) = c.trl {
                    out.add_u64(self.trl, u64::from(trl));
                }
            }
            Document::Challenge(c) => {
                out.add_text(self.department, &c.department);
                out.add_text(self.status, &c.status);
                for cert in &c.required_certifications {
                    out.add_text(self.certification, normalise_certification(cert));
                }
                if let Some(trl) = c.trl_min {
                    out.add_u64(self.trl, u64::from(trl));
                }
                if let Some(budget) = c.budget_eur {
                    out.add_u64(self.budget, budget);
                }
                out.add_i64(self.deadline, c.deadline.map_or(NO_DEADLINE, days));
            }
        }
        out
    }
}

/// The hierarchy levels of a CPV code: division (2 digits), group (3), class (4), category (5)
/// and the full code, as far as the code is specific.
pub fn cpv_levels(code: &str) -> Vec<&str> {
    let code = code.trim();
    if code.len() != 8 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return Vec::new();
    }
    let depth = code.trim_end_matches('0').len().max(2);
    let mut levels: Vec<&str> = [2, 3, 4, 5]
        .into_iter()
        .filter(|&n| n <= depth)
        .map(|n| &code[..n])
        .collect();
    if depth > 5 {
        levels.push(code);
    }
    levels
}

/// The significant prefix of a CPV code: what a filter on it matches.
pub fn cpv_prefix(code: &str) -> &str {
    let code = code.trim();
    if code.len() == 8 && code.bytes().all(|b| b.is_ascii_digit()) {
        let depth = code.trim_end_matches('0').len().max(2);
        if depth > 5 { code } else { &code[..depth] }
    } else {
        code
    }
}
