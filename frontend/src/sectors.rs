//! The sectors of public action, with Spanish and English names. Records store the key, so a
//! challenge tagged «Emergencias» and a profile tagged "emergencies" share a sector; a sector
//! outside the list is kept as written (in lower case).

/// Key, Spanish name, English name.
pub const SECTORS: &[(&str, &str, &str)] = &[
    ("agriculture", "Agricultura", "Agriculture"),
    ("culture", "Cultura", "Culture"),
    ("cybersecurity", "Ciberseguridad", "Cybersecurity"),
    ("education", "Educación", "Education"),
    ("emergencies", "Emergencias", "Emergencies"),
    ("employment", "Empleo", "Employment"),
    ("energy", "Energía", "Energy"),
    ("environment", "Medio ambiente", "Environment"),
    ("health", "Sanidad", "Health"),
    ("housing", "Vivienda", "Housing"),
    ("justice", "Justicia", "Justice"),
    ("mobility", "Movilidad", "Mobility"),
    (
        "public administration",
        "Administración pública",
        "Public administration",
    ),
    ("social services", "Servicios sociales", "Social services"),
    ("tourism", "Turismo", "Tourism"),
    ("urban planning", "Urbanismo", "Urban planning"),
    ("water", "Agua", "Water"),
];

/// Other names people use for a sector: (name, key).
const SYNONYMS: &[(&str, &str)] = &[
    ("salud", "health"),
    ("healthcare", "health"),
    ("seguridad y emergencias", "emergencies"),
    ("emergency", "emergencies"),
    ("transporte", "mobility"),
    ("transport", "mobility"),
    ("medioambiente", "environment"),
    ("servicios sociales y dependencia", "social services"),
    ("urbanism", "urban planning"),
    ("administracion", "public administration"),
    ("government", "public administration"),
];

/// Lower case without Spanish accents, for comparing names.
fn fold(text: &str) -> String {
    text.trim()
        .to_lowercase()
        .chars()
        .map(|c| match c {
            'á' | 'à' => 'a',
            'é' | 'è' => 'e',
            'í' => 'i',
            'ó' => 'o',
            'ú' | 'ü' => 'u',
            other => other,
        })
        .collect()
}

/// The key of a sector named in Spanish or English, or the name in lower case when it is not
/// one of the list.
pub fn canonical(name: &str) -> String {
    let folded = fold(name);
    SECTORS
        .iter()
        .find(|(key, es, en)| fold(key) == folded || fold(es) == folded || fold(en) == folded)
        .map(|(key, _, _)| (*key).to_owned())
        .or_else(|| {
            SYNONYMS
                .iter()
                .find(|(n, _)| fold(n) == folded)
                .map(|(_, key)| (*key).to_owned())
        })
        .unwrap_or_else(|| name.trim().to_lowercase())
}

/// The name of a sector key in the page's language (the key itself when it is not listed).
pub fn name(key: &str, es: bool) -> String {
    SECTORS
        .iter()
        .find(|(k, _, _)| *k == key)
        .map(|(_, s, e)| if es { *s } else { *e })
        .unwrap_or(key)
        .to_owned()
}

/// The listed sectors as (key, name in the page's language), for checkboxes.
pub fn choices(es: bool) -> Vec<(String, String)> {
    SECTORS
        .iter()
        .map(|(key, s, e)| ((*key).to_owned(), (if es { *s } else { *e }).to_owned()))
        .collect()
}

/// Splits sector keys into the listed ones and the others written as a comma-separated list.
pub fn split(keys: &[String]) -> (Vec<String>, String) {
    let (listed, other): (Vec<String>, Vec<String>) =
        keys.iter().cloned().partition(|k| is_listed(k));
    (listed, other.join(", "))
}

/// Whether `key` is one of the listed sectors.
pub fn is_listed(key: &str) -> bool {
    SECTORS.iter().any(|(k, _, _)| *k == key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spanish_and_english_names_share_a_key() {
        assert_eq!(canonical("Emergencias"), "emergencies");
        assert_eq!(canonical(" emergencies "), "emergencies");
        assert_eq!(canonical("Administración Pública"), "public administration");
        assert_eq!(canonical("administracion publica"), "public administration");
        assert_eq!(canonical("Salud"), "health");
        assert_eq!(canonical("Astronáutica"), "astronáutica");
    }

    #[test]
    fn names_follow_the_language() {
        assert_eq!(name("urban planning", true), "Urbanismo");
        assert_eq!(name("urban planning", false), "Urban planning");
        assert_eq!(name("astronáutica", true), "astronáutica");
    }
}
