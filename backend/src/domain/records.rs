//! The interchange format of companies and challenges (`docs/FORMAT.md`), parsed at the
//! edge into valid values, and written back. The JSON API speaks the same format, so an import,
//! an API call and an export all describe a company the same way.

use chrono::{Datelike, NaiveDate};
use serde_json::Value;

use crate::types::validation::{FieldErrors, ObjectReader, UnknownFields};
use crate::types::{
    ChallengeStatus, CompanyKind, Cpv, Email, Language, Money, SizeClass, TaxId, Trl, WebUrl,
};

/// A company profile, valid by construction.
#[derive(Debug, Clone, PartialEq)]
pub struct CompanyProfile {
    /// Interchange id; generated when absent.
    pub external_id: Option<String>,
    /// Name.
    pub name: String,
    /// startup, sme or large.
    pub kind: CompanyKind,
    /// EU size class.
    pub size: Option<SizeClass>,
    /// Year founded.
    pub founded: Option<i32>,
    /// Region.
    pub region: Option<String>,
    /// Municipality.
    pub municipality: Option<String>,
    /// Web site.
    pub website: Option<WebUrl>,
    /// Contact person.
    pub contact: Option<Contact>,
    /// Spanish tax id (NIF, NIE or CIF).
    pub tax_id: Option<TaxId>,
    /// Working languages.
    pub languages: Vec<Language>,
    /// Description.
    pub description: String,
    /// Capability statements.
    pub capabilities: Vec<String>,
    /// Technologies.
    pub technologies: Vec<String>,
    /// Sectors.
    pub sectors: Vec<String>,
    /// CPV codes.
    pub cpv: Vec<Cpv>,
    /// TRL of the main offering.
    pub trl: Option<Trl>,
    /// Certifications (ENS-media, ISO27001…).
    pub certifications: Vec<String>,
    /// Past work.
    pub references: Vec<Reference>,
}

/// Who to write to at a company.
#[derive(Debug, Clone, PartialEq)]
pub struct Contact {
    /// Person.
    pub name: Option<String>,
    /// Address.
    pub email: Option<Email>,
}

/// A reference project.
#[derive(Debug, Clone, PartialEq)]
pub struct Reference {
    /// What was done.
    pub title: String,
    /// For whom.
    pub client: Option<String>,
    /// When.
    pub year: Option<i32>,
}

/// A challenge, valid by construction.
#[derive(Debug, Clone, PartialEq)]
pub struct ChallengeSpec {
    /// Interchange id; generated when absent.
    pub external_id: Option<String>,
    /// Title.
    pub title: String,
    /// Department name, for imports; officers' challenges take their department.
    pub department: Option<String>,
    /// Language it is written in.
    pub language: Option<Language>,
    /// One or two sentences.
    pub summary: Option<String>,
    /// The problem.
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
    pub cpv: Vec<Cpv>,
    /// Minimum TRL.
    pub trl_min: Option<Trl>,
    /// Budget.
    pub budget: Option<Money>,
    /// Deadline for proposals.
    pub deadline: Option<NaiveDate>,
    /// Certifications a supplier must hold.
    pub required_certifications: Vec<String>,
    /// Status, for imports; new challenges through the API start as drafts.
    pub status: Option<ChallengeStatus>,
}

/// Checks an interchange id: letters, digits and `._:-`, up to 64 characters.
pub fn parse_external_id(text: &str) -> Result<String, String> {
    let ok = !text.is_empty()
        && text.len() <= 64
        && text
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphanumeric())
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | ':' | '-'));
    if ok {
        Ok(text.to_owned())
    } else {
        Err(format!(
            "`{text}` is not an id: use up to 64 letters, digits, dots, dashes or underscores, like co-0001"
        ))
    }
}

fn parse_date(text: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map_err(|_| format!("`{text}` is not a date like 2027-03-31"))
}

fn label(max: usize) -> impl Fn(&str) -> Result<String, String> {
    move |text: &str| {
        if text.chars().count() > max {
            Err(format!("is longer than {max} characters"))
        } else {
            Ok(text.to_owned())
        }
    }
}

/// Sectors as keys of the shared list (`Emergencias` → `emergencies`), without repeats.
fn sector_keys(names: Vec<String>) -> Vec<String> {
    let mut keys: Vec<String> = Vec::with_capacity(names.len());
    for key in names
        .iter()
        .map(|n| factoria_frontend::sectors::canonical(n))
    {
        if !keys.contains(&key) {
            keys.push(key);
        }
    }
    keys
}

impl CompanyProfile {
    /// Reads a company from its interchange JSON; every fault is reported.
    pub fn parse(
        value: &Value,
        unknown: UnknownFields,
    ) -> Result<(Self, Vec<String>), FieldErrors> {
        let mut r = ObjectReader::new(value);
        let external_id = r.optional("id", parse_external_id);
        let name = r.required_line("name", 200);
        let kind = r.required("kind", CompanyKind::parse);
        let size = r.optional("size", SizeClass::parse);
        let this_year = i64::from(chrono::Utc::now().year());
        let founded = r
            .optional_integer("founded", 1800..=this_year)
            .map(|y| y as i32);
        let region = r.optional_line("region", 100);
        let municipality = r.optional_line("municipality", 100);
        let website = r.optional("website", WebUrl::parse);
        let contact = r.object("contact", |c| {
            let name = c.optional_line("name", 200);
            let email = c.optional("email", Email::parse);
            Some(Contact { name, email })
        });
        let tax_id = r.optional("tax_id", TaxId::parse);
        let languages = r.list("languages", 20, Language::parse);
        let description = r.required_text("description", 5000);
        let capabilities = r.text_list("capabilities", 20, 400);
        let technologies = r.text_list("technologies", 40, 100);
        let sectors = sector_keys(r.list("sectors", 20, label(80)));
        let cpv = r.list("cpv", 40, Cpv::parse);
        let trl = r
            .optional_integer("trl", 1..=9)
            .and_then(|t| Trl::new(t).ok());
        let certifications = r.list("certifications", 30, label(80));
        let references = r.object_list("references", 50, |item| {
            let title = item.required_line("title", 300);
            let client = item.optional_line("client", 200);
            let year = item.optional_integer("year", 1900..=2100).map(|y| y as i32);
            title.map(|title| Reference {
                title,
                client,
                year,
            })
        });
        let ignored = r.ignored();
        let profile = match (name, kind, description) {
            (Some(name), Some(kind), Some(description)) => Some(CompanyProfile {
                external_id,
                name,
                kind,
                size,
                founded,
                region,
                municipality,
                website,
                contact,
                tax_id,
                languages,
                description,
                capabilities,
                technologies,
                sectors,
                cpv,
                trl,
                certifications,
                references,
            }),
            _ => None,
        };
        r.finish(unknown, profile).map(|p| (p, ignored))
    }

    /// The interchange record of this profile under `external_id`.
    pub fn to_record(&self, external_id: &str) -> CompanyRecord {
        CompanyRecord {
            id: external_id.to_owned(),
            name: self.name.clone(),
            kind: self.kind,
            size: self.size,
            founded: self.founded,
            region: self.region.clone(),
            municipality: self.municipality.clone(),
            website: self.website.as_ref().map(|w| w.as_str().to_owned()),
            contact: self.contact.as_ref().map(|c| ContactRecord {
                name: c.name.clone(),
                email: c.email.as_ref().map(|e| e.as_str().to_owned()),
            }),
            tax_id: self.tax_id.as_ref().map(|t| t.as_str().to_owned()),
            languages: self
                .languages
                .iter()
                .map(|l| l.as_str().to_owned())
                .collect(),
            description: self.description.clone(),
            capabilities: self.capabilities.clone(),
            technologies: self.technologies.clone(),
            sectors: self.sectors.clone(),
            cpv: self.cpv.iter().map(|c| c.as_str().to_owned()).collect(),
            trl: self.trl.map(Trl::get),
            certifications: self.certifications.clone(),
            references: self
                .references
                .iter()
                .map(|r| ReferenceRecord {
                    title: r.title.clone(),
                    client: r.client.clone(),
                    year: r.year,
                })
                .collect(),
        }
    }
}

impl ChallengeSpec {
    /// Reads a challenge from its interchange JSON; every fault is reported.
    pub fn parse(
        value: &Value,
        unknown: UnknownFields,
    ) -> Result<(Self, Vec<String>), FieldErrors> {
        let mut r = ObjectReader::new(value);
        let external_id = r.optional("id", parse_external_id);
        let title = r.required_line("title", 300);
        let department = r.optional_line("department", 200);
        let language = r.optional("language", Language::parse);
        let summary = r.optional_text("summary", 1000);
        let description = r.required_text("description", 10_000);
        let outcomes = r.text_list("outcomes", 20, 500);
        let requirements = r.object("requirements", |req| {
            let must = req.text_list("must", 20, 500);
            let should = req.text_list("should", 20, 500);
            Some((must, should))
        });
        let (must, should) = requirements.unwrap_or_default();
        let sectors = sector_keys(r.list("sectors", 20, label(80)));
        let cpv = r.list("cpv", 40, Cpv::parse);
        let trl_min = r
            .optional_integer("trl_min", 1..=9)
            .and_then(|t| Trl::new(t).ok());
        let budget = r.optional_number("budget_eur").and_then(|euros| {
            Money::from_euros(euros)
                .map_err(|m| r.fault("budget_eur", m))
                .ok()
        });
        let deadline = r.optional("deadline", parse_date);
        let required_certifications = r.list("required_certifications", 20, label(80));
        let status = r.optional("status", ChallengeStatus::parse);
        let ignored = r.ignored();
        let spec = match (title, description) {
            (Some(title), Some(description)) => Some(ChallengeSpec {
                external_id,
                title,
                department,
                language,
                summary,
                description,
                outcomes,
                must,
                should,
                sectors,
                cpv,
                trl_min,
                budget,
                deadline,
                required_certifications,
                status,
            }),
            _ => None,
        };
        r.finish(unknown, spec).map(|s| (s, ignored))
    }

    /// The interchange record under `external_id`, with the stored department and status.
    pub fn to_record(
        &self,
        external_id: &str,
        department: &str,
        status: ChallengeStatus,
    ) -> ChallengeRecord {
        ChallengeRecord {
            id: external_id.to_owned(),
            title: self.title.clone(),
            department: department.to_owned(),
            language: self.language.map(|l| l.as_str().to_owned()),
            summary: self.summary.clone(),
            description: self.description.clone(),
            outcomes: self.outcomes.clone(),
            requirements: RequirementsRecord {
                must: self.must.clone(),
                should: self.should.clone(),
            },
            sectors: self.sectors.clone(),
            cpv: self.cpv.iter().map(|c| c.as_str().to_owned()).collect(),
            trl_min: self.trl_min.map(Trl::get),
            budget_eur: self.budget.map(Money::to_json),
            deadline: self.deadline,
            required_certifications: self.required_certifications.clone(),
            status,
        }
    }
}

/// A company in the interchange format, as exported and as the API returns it. Fields marked
/// optional may be left out when writing; answers always carry them.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct CompanyRecord {
    /// Interchange id, like `co-0001`.
    #[schema(required = false)]
    pub id: String,
    /// Name.
    pub name: String,
    /// startup, sme or large.
    pub kind: CompanyKind,
    /// EU size class.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<SizeClass>,
    /// Year founded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub founded: Option<i32>,
    /// Region.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// Municipality.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub municipality: Option<String>,
    /// Web site.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub website: Option<String>,
    /// Contact person; shown to the company, admins and, after an accepted introduction, officers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact: Option<ContactRecord>,
    /// Spanish tax id; shown like the contact.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tax_id: Option<String>,
    /// Working languages (ISO 639-1).
    #[schema(required = false)]
    pub languages: Vec<String>,
    /// Description.
    pub description: String,
    /// Capability statements.
    #[schema(required = false)]
    pub capabilities: Vec<String>,
    /// Technologies.
    #[schema(required = false)]
    pub technologies: Vec<String>,
    /// Sectors.
    #[schema(required = false)]
    pub sectors: Vec<String>,
    /// CPV codes, eight digits.
    #[schema(required = false)]
    pub cpv: Vec<String>,
    /// Technology readiness level of the main offering.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trl: Option<u8>,
    /// Certifications.
    #[schema(required = false)]
    pub certifications: Vec<String>,
    /// Reference projects.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub references: Vec<ReferenceRecord>,
}

/// Contact of a company.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct ContactRecord {
    /// Person.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Email address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
}

/// A reference project.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct ReferenceRecord {
    /// What was done.
    pub title: String,
    /// For whom.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client: Option<String>,
    /// When.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub year: Option<i32>,
}

/// Must-have and nice-to-have requirements.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct RequirementsRecord {
    /// Must-haves.
    #[schema(required = false)]
    pub must: Vec<String>,
    /// Nice-to-haves.
    #[schema(required = false)]
    pub should: Vec<String>,
}

/// A challenge in the interchange format, as exported and as the API returns it. Fields marked
/// optional may be left out when writing; answers always carry them.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct ChallengeRecord {
    /// Interchange id, like `ch-001`.
    #[schema(required = false)]
    pub id: String,
    /// Title.
    pub title: String,
    /// Department.
    #[schema(required = false)]
    pub department: String,
    /// Language it is written in (detected when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<crate::types::Locale>)]
    pub language: Option<String>,
    /// One or two sentences.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    /// The problem.
    pub description: String,
    /// Expected outcomes.
    #[schema(required = false)]
    pub outcomes: Vec<String>,
    /// Requirements.
    #[schema(required = false)]
    pub requirements: RequirementsRecord,
    /// Sectors.
    #[schema(required = false)]
    pub sectors: Vec<String>,
    /// CPV codes.
    #[schema(required = false)]
    pub cpv: Vec<String>,
    /// Minimum TRL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trl_min: Option<u8>,
    /// Budget in euros.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<f64>)]
    pub budget_eur: Option<Value>,
    /// Deadline for proposals.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deadline: Option<NaiveDate>,
    /// Certifications a supplier must hold.
    #[schema(required = false)]
    pub required_certifications: Vec<String>,
    /// draft, published, closed, awarded or cancelled.
    #[schema(required = false)]
    pub status: ChallengeStatus,
}

/// A new interchange id: `prefix`, a dash and twelve random hex digits.
pub fn new_external_id(prefix: &str) -> String {
    let bytes: [u8; 6] = rand::random();
    format!(
        "{prefix}-{}",
        bytes.iter().map(|b| format!("{b:02x}")).collect::<String>()
    )
}

/// What an upsert did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Upserted {
    /// A new row.
    Created,
    /// An existing row changed.
    Updated,
    /// The stored row already said the same.
    Unchanged,
}

/// A change to a stored record: all of it, or a JSON merge patch (RFC 7386) of its
/// interchange record, applied inside the write's transaction to the version it locked.
pub enum Change<'a, T> {
    /// The whole new content.
    Replace(T),
    /// The fields to change (`null` removes one).
    Patch(&'a Value),
}

/// RFC 7386 JSON merge patch.
pub fn merge_patch(target: &mut Value, patch: &Value) {
    match (target, patch) {
        (Value::Object(target), Value::Object(patch)) => {
            for (key, value) in patch {
                if value.is_null() {
                    target.remove(key);
                } else {
                    merge_patch(target.entry(key.clone()).or_insert(Value::Null), value);
                }
            }
        }
        (target, patch) => *target = patch.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_company_round_trips_through_its_json() {
        let input = json!({
            "id": "co-0001", "name": "Movilia Analytics S.L.", "kind": "startup", "size": "micro", "founded": 2021,
            "region": "Comunidad de Madrid", "municipality": "Getafe", "website": "https://movilia.example",
            "contact": {"name": "Lucía Ortega", "email": "lucia@movilia.example"}, "languages": ["es", "en"],
            "description": "Analítica de movilidad urbana.", "capabilities": ["Conteo de tráfico"], "technologies": [],
            "sectors": ["mobility"], "cpv": ["72316000"], "trl": 7, "certifications": ["ENS-media"],
            "references": [{"title": "Piloto", "client": "Ayuntamiento de X", "year": 2024}]
        });
        let (profile, ignored) =
            CompanyProfile::parse(&input, UnknownFields::Reject).unwrap_or_else(|e| panic!("{e}"));
        assert!(ignored.is_empty());
        assert_eq!(
            serde_json::to_value(profile.to_record("co-0001")).ok(),
            Some(input)
        );
    }

    fn json_value() -> impl proptest::strategy::Strategy<Value = Value> {
        use proptest::prelude::*;
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(|n| json!(n)),
            any::<f64>().prop_map(|f| json!(f)),
            ".{0,12}".prop_map(Value::String),
        ];
        leaf.prop_recursive(3, 24, 6, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
                proptest::collection::btree_map(
                    prop_oneof![
                        Just("id".to_owned()),
                        Just("name".to_owned()),
                        Just("cpv".to_owned()),
                        Just("trl".to_owned()),
                        Just("contact".to_owned()),
                        Just("requirements".to_owned()),
                        Just("budget_eur".to_owned()),
                        ".{0,6}"
                    ],
                    inner,
                    0..6,
                )
                .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    proptest::proptest! {
        #[test]
        fn any_import_line_is_parsed_or_rejected_with_fields_never_a_panic(value in json_value()) {
            for unknown in [UnknownFields::Reject, UnknownFields::Ignore] {
                if let Err(errors) = CompanyProfile::parse(&value, unknown) {
                    proptest::prop_assert!(!errors.0.is_empty());
                }
                if let Err(errors) = ChallengeSpec::parse(&value, unknown) {
                    proptest::prop_assert!(errors.0.iter().all(|e| !e.field.is_empty() && !e.message.is_empty()));
                }
            }
        }
    }

    #[test]
    fn every_fault_of_a_company_is_reported() {
        let input = json!({"name": "", "kind": "giant", "description": "x", "cpv": ["123"], "trl": 12, "contact": {"email": "nope"}});
        let errors = CompanyProfile::parse(&input, UnknownFields::Reject)
            .err()
            .unwrap_or_default();
        let fields: Vec<&str> = errors.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            vec!["name", "kind", "contact.email", "cpv[0]", "trl"]
        );
    }

    #[test]
    fn a_challenge_round_trips_through_its_json() {
        let input = json!({
            "id": "ch-001", "title": "Predicción de urgencias", "department": "Consejería de Sanidad", "language": "es",
            "summary": "Anticipar picos.", "description": "Los servicios de urgencias…", "outcomes": ["Menos esperas"],
            "requirements": {"must": ["FHIR"], "should": []}, "sectors": ["health"], "cpv": ["72316000"], "trl_min": 6,
            "budget_eur": 180000, "deadline": "2026-11-30", "required_certifications": [], "status": "published"
        });
        let (spec, _) =
            ChallengeSpec::parse(&input, UnknownFields::Reject).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            serde_json::to_value(spec.to_record(
                "ch-001",
                "Consejería de Sanidad",
                ChallengeStatus::Published
            ))
            .ok(),
            Some(input)
        );
    }
}
