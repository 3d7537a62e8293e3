//! Seeded generation of demo companies and challenges from `catalog.json`.

use std::collections::HashSet;
use std::io::Write;
use std::path::Path;

use anyhow::Context as _;
use chrono::NaiveDate;
use rand::rngs::StdRng;
use rand::seq::{IndexedRandom, SliceRandom};
use rand::{Rng, SeedableRng};
use serde::Deserialize;
use serde_json::{Value, json};

const CATALOG: &str = include_str!("catalog.json");

#[derive(Deserialize)]
struct Catalog {
    domains: Vec<Domain>,
}

#[derive(Deserialize)]
struct Domain {
    sector: String,
    challenges: Vec<ChallengeTemplate>,
    archetypes: Vec<Archetype>,
}

#[derive(Deserialize)]
struct ChallengeTemplate {
    language: String,
    department: String,
    title: String,
    summary: String,
    description: String,
    outcomes: Vec<String>,
    must: Vec<String>,
    should: Vec<String>,
    cpv: Vec<String>,
    trl_min: u8,
    budget: u64,
    certs: Vec<String>,
}

#[derive(Deserialize)]
struct Archetype {
    language: String,
    roots: Vec<String>,
    description: String,
    capabilities: Vec<String>,
    technologies: Vec<String>,
    cpv: Vec<String>,
    certs: Vec<String>,
    trl: [u8; 2],
}

/// Spanish first names and surnames for contacts and officers.
pub const PEOPLE_ES: &[(&str, &str)] = &[
    ("Lucía", "Ortega"),
    ("Javier", "Moreno"),
    ("Carmen", "Navarro"),
    ("Sergio", "Gil"),
    ("Marta", "Serrano"),
    ("Adrián", "Gallego"),
    ("Patricia", "Fuentes"),
    ("Raúl", "Cano"),
    ("Elena", "Prieto"),
    ("Diego", "Molina"),
    ("Nuria", "Vidal"),
    ("Pablo", "Herrero"),
    ("Irene", "Calvo"),
    ("Álvaro", "Lozano"),
    ("Sara", "Méndez"),
    ("Hugo", "Pascual"),
    ("Rocío", "Santana"),
    ("Marcos", "Iglesias"),
    ("Beatriz", "Cortés"),
    ("Iván", "Garrido"),
    ("Alicia", "Rubio"),
    ("Óscar", "Vega"),
    ("Laura", "Castillo"),
    ("Rubén", "Sanz"),
];

const PEOPLE_EN: &[(&str, &str)] = &[
    ("Claire", "Kowalski"),
    ("James", "Whitaker"),
    ("Aoife", "Brennan"),
    ("Tom", "Hughes"),
    ("Sophie", "Martin"),
    ("Daniel", "Okafor"),
    ("Emma", "Lindqvist"),
    ("Mark", "de Vries"),
    ("Hannah", "Schmidt"),
    ("Oliver", "Patel"),
    ("Niamh", "Byrne"),
    ("Lukas", "Virtanen"),
];

const MADRID: &[&str] = &[
    "Madrid",
    "Madrid",
    "Madrid",
    "Getafe",
    "Alcobendas",
    "Leganés",
    "Alcalá de Henares",
    "Móstoles",
    "Las Rozas de Madrid",
    "Tres Cantos",
    "Pozuelo de Alarcón",
    "San Sebastián de los Reyes",
    "Fuenlabrada",
    "Majadahonda",
    "Boadilla del Monte",
    "Collado Villalba",
    "Torrejón de Ardoz",
    "Rivas-Vaciamadrid",
    "Aranjuez",
    "Colmenar Viejo",
];

const SPAIN: &[(&str, &str)] = &[
    ("Cataluña", "Barcelona"),
    ("Comunitat Valenciana", "Valencia"),
    ("País Vasco", "Bilbao"),
    ("Andalucía", "Sevilla"),
    ("Aragón", "Zaragoza"),
    ("Castilla y León", "Valladolid"),
    ("Galicia", "Vigo"),
];

const ABROAD: &[(&str, &str)] = &[
    ("United Kingdom", "London"),
    ("United Kingdom", "Manchester"),
    ("Ireland", "Dublin"),
    ("Netherlands", "Amsterdam"),
    ("Finland", "Helsinki"),
    ("Portugal", "Lisboa"),
    ("Germany", "Berlin"),
    ("Denmark", "Copenhagen"),
    ("Estonia", "Tallinn"),
    ("Belgium", "Brussels"),
];

const CLIENTS_ES: &[&str] = &[
    "Ayuntamiento de Getafe",
    "Ayuntamiento de Alcalá de Henares",
    "Diputación de Valencia",
    "Servicio Andaluz de Salud",
    "Ayuntamiento de Zaragoza",
    "Canal de Isabel II",
    "Ayuntamiento de Bilbao",
    "Generalitat de Catalunya",
    "Junta de Castilla y León",
    "Ayuntamiento de Las Rozas",
];

const CLIENTS_EN: &[&str] = &[
    "Dublin City Council",
    "NHS trust in the North West",
    "Municipality of Utrecht",
    "City of Helsinki",
    "Lisbon City Council",
    "Transport for Greater Manchester",
];

/// Generated records in the interchange format.
pub struct DemoData {
    /// Company records.
    pub companies: Vec<Value>,
    /// Challenge records.
    pub challenges: Vec<Value>,
}

impl DemoData {
    /// Writes both lists as JSON Lines.
    pub fn write(&self, companies: &Path, challenges: &Path) -> anyhow::Result<()> {
        for (path, records) in [(companies, &self.companies), (challenges, &self.challenges)] {
            let mut file = std::io::BufWriter::new(
                std::fs::File::create(path)
                    .with_context(|| format!("cannot write {}", path.display()))?,
            );
            for record in records {
                writeln!(file, "{record}")?;
            }
            file.flush()?;
        }
        Ok(())
    }
}

fn slug(text: &str) -> String {
    let folded: String = text
        .chars()
        .map(|c| match c {
            'á' | 'à' | 'Á' => 'a',
            'é' | 'É' => 'e',
            'í' | 'Í' => 'i',
            'ó' | 'Ó' => 'o',
            'ú' | 'ü' | 'Ú' => 'u',
            'ñ' | 'Ñ' => 'n',
            c => c.to_ascii_lowercase(),
        })
        .collect();
    folded
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join("-")
}

/// The demo data of `seed`, with deadlines counted from `today`.
pub fn generate(seed: u64, today: NaiveDate) -> DemoData {
    let catalog: Catalog = serde_json::from_str(CATALOG)
        .unwrap_or_else(|e| unreachable!("catalog.json is checked by a test: {e}"));
    let mut rng = StdRng::seed_from_u64(seed);
    let companies = companies(&catalog, &mut rng, 300);
    let challenges = challenges(&catalog, &mut rng, today);
    DemoData {
        companies,
        challenges,
    }
}

fn companies(catalog: &Catalog, rng: &mut StdRng, count: usize) -> Vec<Value> {
    let archetypes: Vec<(&Domain, &Archetype)> = catalog
        .domains
        .iter()
        .flat_map(|d| d.archetypes.iter().map(move |a| (d, a)))
        .collect();
    let mut names = HashSet::new();
    let mut out = Vec::with_capacity(count);
    for n in 0..count {
        let (domain, archetype) = archetypes[n % archetypes.len()];
        let spanish = archetype.language == "es";
        let round = n / archetypes.len();
        let root = &archetype.roots[(n + round) % archetype.roots.len()];
        let suffixes: &[&str] = if spanish {
            &[
                "S.L.",
                "Soluciones S.L.",
                "Tecnologías S.L.",
                "Ingeniería S.L.",
                "Sistemas S.A.",
                "Innovación S.L.",
            ]
        } else {
            &[
                "Ltd",
                "Labs Ltd",
                "Systems Ltd",
                "Technologies B.V.",
                "Analytics Ltd",
                "Iberia S.L.",
            ]
        };
        let mut name = format!("{root} {}", suffixes[round % suffixes.len()]);
        let mut k = round + 1;
        while !names.insert(name.clone()) {
            name = format!("{root} {}", suffixes[k % suffixes.len()]);
            k += 1;
            if k > round + suffixes.len() {
                name = format!(
                    "{root} {} {}",
                    ["Norte", "Sur", "Centro", "Global"][k % 4],
                    suffixes[k % suffixes.len()]
                );
            }
        }
        let kind = match rng.random_range(0..100) {
            0..25 => "startup",
            25..90 => "sme",
            _ => "large",
        };
        let size = match kind {
            "startup" => *["micro", "small"].choose(rng).unwrap_or(&"micro"),
            "sme" => *["small", "small", "medium"].choose(rng).unwrap_or(&"small"),
            _ => "large",
        };
        let founded = match kind {
            "startup" => rng.random_range(2018..=2025),
            "sme" => rng.random_range(1995..=2019),
            _ => rng.random_range(1970..=2008),
        };
        let (region, municipality) = if spanish {
            if rng.random_bool(0.8) {
                (
                    "Comunidad de Madrid",
                    *MADRID.choose(rng).unwrap_or(&"Madrid"),
                )
            } else {
                *SPAIN.choose(rng).unwrap_or(&SPAIN[0])
            }
        } else if rng.random_bool(0.35) {
            ("Comunidad de Madrid", "Madrid")
        } else {
            *ABROAD.choose(rng).unwrap_or(&ABROAD[0])
        };
        let domain_name = slug(
            &name
                .replace("S.L.", "")
                .replace("S.A.", "")
                .replace("Ltd", "")
                .replace("B.V.", ""),
        );
        let (first, last) = if spanish {
            *PEOPLE_ES.choose(rng).unwrap_or(&PEOPLE_ES[0])
        } else {
            *PEOPLE_EN.choose(rng).unwrap_or(&PEOPLE_EN[0])
        };
        let email = format!("{}@{domain_name}.example", slug(first));
        let staff = match size {
            "micro" => rng.random_range(3..10),
            "small" => rng.random_range(10..50),
            "medium" => rng.random_range(50..250),
            _ => rng.random_range(250..3000),
        };
        let tail = if spanish {
            format!(
                "Fundada en {founded} en {municipality}, la empresa cuenta con {staff} personas en plantilla."
            )
        } else {
            format!("Founded in {founded} in {municipality}, we are a team of {staff}.")
        };
        let mut capabilities = archetype.capabilities.clone();
        if capabilities.len() > 3 && rng.random_bool(0.4) {
            let drop = rng.random_range(1..capabilities.len());
            capabilities.remove(drop);
        }
        let mut certifications: Vec<String> = archetype
            .certs
            .iter()
            .filter(|_| rng.random_bool(0.8))
            .cloned()
            .collect();
        if !certifications.iter().any(|c| c == "ISO9001") && rng.random_bool(0.3) {
            certifications.push("ISO9001".into());
        }
        let trl =
            (!rng.random_bool(0.12)).then(|| rng.random_range(archetype.trl[0]..=archetype.trl[1]));
        let languages: Vec<&str> = match (spanish, rng.random_bool(0.5)) {
            (true, false) => vec!["es"],
            (true, true) => vec!["es", "en"],
            (false, false) => vec!["en"],
            (false, true) => vec!["en", "es"],
        };
        let mut record = json!({
            "id": format!("co-{:04}", n + 1),
            "name": name,
            "kind": kind,
            "size": size,
            "founded": founded,
            "region": region,
            "municipality": municipality,
            "website": format!("https://{domain_name}.example"),
            "contact": {"name": format!("{first} {last}"), "email": email},
            "languages": languages,
            "description": format!("{} {tail}", archetype.description),
            "capabilities": capabilities,
            "technologies": archetype.technologies,
            "sectors": [domain.sector.clone()],
            "cpv": archetype.cpv,
            "certifications": certifications,
        });
        if let Some(trl) = trl {
            record["trl"] = json!(trl);
        }
        if rng.random_bool(0.4) {
            let client = if spanish {
                CLIENTS_ES.choose(rng)
            } else {
                CLIENTS_EN.choose(rng)
            }
            .copied()
            .unwrap_or("Ayuntamiento de Madrid");
            let title = if spanish {
                format!("Proyecto de {}", archetype.capabilities[0].to_lowercase())
            } else {
                format!("{} project", archetype.capabilities[0])
            };
            record["references"] =
                json!([{"title": title, "client": client, "year": rng.random_range(2019..=2026)}]);
        }
        out.push(record);
    }
    out
}

fn challenges(catalog: &Catalog, rng: &mut StdRng, today: NaiveDate) -> Vec<Value> {
    let mut templates: Vec<(&Domain, &ChallengeTemplate)> = catalog
        .domains
        .iter()
        .flat_map(|d| d.challenges.iter().map(move |c| (d, c)))
        .collect();
    templates.shuffle(rng);
    templates
        .into_iter()
        .enumerate()
        .map(|(n, (domain, t))| {
            // Most are open; a few are drafts, a few closed with a past deadline.
            let (status, deadline) = match n % 16 {
                5 | 13 => (
                    "draft",
                    today + chrono::Duration::days(rng.random_range(60..240)),
                ),
                9 => (
                    "closed",
                    today - chrono::Duration::days(rng.random_range(5..90)),
                ),
                _ => (
                    "published",
                    today + chrono::Duration::days(rng.random_range(14..200)),
                ),
            };
            json!({
                "id": format!("ch-{:03}", n + 1),
                "title": t.title,
                "department": t.department,
                "language": t.language,
                "summary": t.summary,
                "description": t.description,
                "outcomes": t.outcomes,
                "requirements": {"must": t.must, "should": t.should},
                "sectors": [domain.sector.clone()],
                "cpv": t.cpv,
                "trl_min": t.trl_min,
                "budget_eur": t.budget,
                "deadline": deadline.format("%Y-%m-%d").to_string(),
                "required_certifications": t.certs,
                "status": status,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::records::{ChallengeSpec, CompanyProfile};
    use crate::types::validation::UnknownFields;

    #[test]
    fn the_demo_is_large_varied_bilingual_and_valid() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 28).unwrap_or_default();
        let data = generate(2026, today);
        assert!(data.companies.len() >= 300);
        assert!(data.challenges.len() >= 60);
        let departments: HashSet<&str> = data
            .challenges
            .iter()
            .filter_map(|c| c["department"].as_str())
            .collect();
        assert!(departments.len() >= 12, "{} departments", departments.len());
        for language in ["es", "en"] {
            assert!(
                data.challenges
                    .iter()
                    .filter(|c| c["language"] == language)
                    .count()
                    >= 20
            );
        }
        let names: HashSet<&str> = data
            .companies
            .iter()
            .filter_map(|c| c["name"].as_str())
            .collect();
        assert_eq!(
            names.len(),
            data.companies.len(),
            "company names are unique"
        );
        for record in &data.companies {
            CompanyProfile::parse(record, UnknownFields::Reject)
                .unwrap_or_else(|e| panic!("{}: {e}", record["id"]));
        }
        for record in &data.challenges {
            ChallengeSpec::parse(record, UnknownFields::Reject)
                .unwrap_or_else(|e| panic!("{}: {e}", record["id"]));
        }
    }

    #[test]
    fn the_same_seed_gives_the_same_demo() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 28).unwrap_or_default();
        assert_eq!(generate(1, today).companies, generate(1, today).companies);
    }
}
