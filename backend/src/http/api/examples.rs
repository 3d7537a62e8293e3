//! Examples on the main operations of the OpenAPI document: what a request looks like, in the
//! interchange format the API reads.

use serde_json::{Value, json};

/// Request bodies shown with each operation, by operation id.
fn request_examples() -> Vec<(&'static str, Value)> {
    let company = json!({
        "name": "Sensórica Madrid SL",
        "kind": "startup",
        "size": "micro",
        "founded": 2021,
        "region": "Comunidad de Madrid",
        "languages": ["es", "en"],
        "description": "Redes de sensores de bajo consumo y analítica para ciudades.",
        "capabilities": ["Despliegue de sensores LoRaWAN", "Paneles de calidad del aire en tiempo real"],
        "technologies": ["LoRaWAN", "TimescaleDB"],
        "sectors": ["environment", "urban planning"],
        "cpv": ["38432000"],
        "trl": 7,
        "certifications": ["ISO 27001"]
    });
    let challenge = json!({
        "title": "Early detection of forest fires",
        "language": "en",
        "summary": "Detect fires in the Sierra within minutes.",
        "description": "The regional forest service needs alerts within five minutes of ignition across 12,000 hectares without mobile coverage.",
        "outcomes": ["A pilot over one valley for a summer"],
        "requirements": {
            "must": ["Alert within 5 minutes", "Work without mobile coverage"],
            "should": ["Integrate with the 112 emergency service"]
        },
        "sectors": ["emergencies", "environment"],
        "cpv": ["35120000"],
        "trl_min": 6,
        "budget_eur": 150000,
        "deadline": "2027-03-31",
        "required_certifications": []
    });
    vec![
        ("create_company", company),
        (
            "replace_company",
            json!({"name": "Sensórica Madrid SL", "kind": "startup", "description": "Redes de sensores de bajo consumo."}),
        ),
        (
            "patch_company",
            json!({"trl": 8, "certifications": ["ISO 27001", "ENS"]}),
        ),
        ("create_challenge", challenge),
        (
            "patch_challenge",
            json!({"deadline": "2027-04-30", "budget_eur": 180000}),
        ),
        ("change_challenge_status", json!({"status": "published"})),
        (
            "introduce_company",
            json!({"company": "co-0001", "message": "Your sensor network fits our pilot; shall we talk?"}),
        ),
        (
            "record_match_feedback",
            json!({"useful": true, "reason": "Covers both must-haves"}),
        ),
        (
            "create_api_token",
            json!({"name": "CRM sync", "scopes": ["read"]}),
        ),
    ]
}

/// Adds the examples to the document.
pub fn add(doc: &mut Value) {
    let examples = request_examples();
    let Some(paths) = doc["paths"].as_object_mut() else {
        return;
    };
    for item in paths.values_mut() {
        let Some(methods) = item.as_object_mut() else {
            continue;
        };
        for operation in methods.values_mut() {
            let id = operation["operationId"]
                .as_str()
                .unwrap_or_default()
                .to_owned();
            let Some((_, example)) = examples.iter().find(|(op, _)| *op == id) else {
                continue;
            };
            if let Some(content) = operation["requestBody"]["content"].as_object_mut() {
                for media in content.values_mut() {
                    media["example"] = example.clone();
                }
            }
        }
    }
}
