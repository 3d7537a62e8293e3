//! Small, hand-written records for tests that need to know exactly what is stored.

use serde_json::{Value, json};

pub fn company_es() -> Value {
    json!({
        "id": "co-test-es", "name": "Fugas Cero Ingeniería S.L.", "kind": "sme", "size": "small", "founded": 2012,
        "region": "Comunidad de Madrid", "municipality": "Getafe", "website": "https://fugascero.example",
        "contact": {"name": "Lucía Ortega", "email": "lucia@fugascero.example"}, "tax_id": "B12345674", "languages": ["es"],
        "description": "Detección y localización de fugas en redes de abastecimiento de agua con correladores acústicos y sectorización.",
        "capabilities": ["Localización de fugas con geófono y correlador", "Sectorización y caudales mínimos nocturnos"],
        "technologies": ["sensores acústicos"], "sectors": ["water"], "cpv": ["38420000", "71800000"], "trl": 9,
        "certifications": ["ISO9001"]
    })
}

pub fn company_en() -> Value {
    json!({
        "id": "co-test-en", "name": "HydroListen Ltd", "kind": "startup", "size": "micro", "founded": 2020,
        "region": "United Kingdom", "municipality": "London", "website": "https://hydrolisten.example",
        "contact": {"name": "Claire Kowalski", "email": "claire@hydrolisten.example"}, "languages": ["en"],
        "description": "Permanent acoustic leak monitoring for water utilities: loggers on valves and hydrants listen every night and correlate noise to locate leaks in the pipe network.",
        "capabilities": ["Acoustic leak monitoring on valves and hydrants", "Automatic correlation to locate leaks within metres"],
        "technologies": ["acoustic sensors", "machine learning"], "sectors": ["water"], "cpv": ["38420000"], "trl": 8,
        "certifications": ["ENS-media"]
    })
}

pub fn company_other() -> Value {
    json!({
        "id": "co-test-other", "name": "Taquilla Cultural S.L.", "kind": "large", "size": "large", "languages": ["es"],
        "description": "Venta de entradas en línea y control de accesos para museos, teatros y monumentos con franjas horarias.",
        "capabilities": ["Venta de entradas con franjas horarias", "Control de aforo"], "technologies": [], "sectors": ["culture"],
        "cpv": ["48000000"], "certifications": []
    })
}

pub fn challenge(id: &str, status: &str) -> Value {
    json!({
        "id": id, "title": "Detección temprana de fugas de agua en municipios pequeños", "department": "Canal de Isabel II",
        "language": "es", "summary": "Localizar las fugas antes de que afloren.",
        "description": "En los municipios pequeños se pierde mucha agua en fugas que solo se detectan cuando afloran a la superficie.",
        "outcomes": ["Menos agua no registrada"], "requirements": {"must": ["Detección acústica de fugas en tuberías"], "should": ["Integración con el SIG"]},
        "sectors": ["water"], "cpv": ["38420000"], "trl_min": 6, "budget_eur": 250000, "deadline": "2099-06-30",
        "required_certifications": [], "status": status
    })
}

pub fn challenge_en(id: &str) -> Value {
    json!({
        "id": id, "title": "Online ticketing with timed entry for regional museums", "department": "Consejería de Cultura",
        "language": "en", "summary": "Spread visitors over the day with timed tickets.",
        "description": "Museums are crowded at weekends and empty on weekdays; timed tickets sold online would spread visitors.",
        "outcomes": ["Shorter queues"], "requirements": {"must": ["Online ticket sales with time slots"], "should": []},
        "sectors": ["culture"], "cpv": ["48000000"], "trl_min": 8, "budget_eur": 90000, "deadline": "2099-03-31",
        "required_certifications": [], "status": "published"
    })
}

pub fn company_low_trl() -> Value {
    let mut c = company_en();
    c["id"] = json!("co-test-lowtrl");
    c["name"] = json!("LeakLab Prototypes Ltd");
    c["trl"] = json!(3);
    c["certifications"] = json!(["ENS-media"]);
    c
}

pub fn challenge_requiring(id: &str, certification: &str) -> Value {
    let mut c = challenge(id, "published");
    c["required_certifications"] = json!([certification]);
    c
}
