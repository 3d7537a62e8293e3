//! What the API promises beyond each handler's annotation, in one table: every operation's id,
//! who may call it, whether a retry with an `Idempotency-Key` is safe, and whether it serves a
//! versioned record (`ETag`, `If-Match`). The served OpenAPI document is the handlers'
//! annotations completed from this table; the idempotency middleware reads the same table.

use axum::http::Method;
use serde_json::{Map, Value, json};
use utoipa::OpenApi;

use super::ApiDoc;

/// Who may call an operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone; credentials are not read.
    Public,
    /// Anyone; signed-in callers see more (their drafts, contact details).
    Optional,
    /// A bearer token or the session cookie.
    Signed,
}

/// One operation of the API.
#[derive(Debug, Clone, Copy)]
pub struct Operation {
    /// Lower-case HTTP method.
    pub method: &'static str,
    /// Path template, as in the document.
    pub path: &'static str,
    /// Unique operation id (what generated clients name their functions).
    pub id: &'static str,
    /// Who may call it.
    pub access: Access,
    /// A `POST` that creates something or sends email: `Idempotency-Key` makes retries safe.
    pub idempotent: bool,
    /// Answers a record with a version: `ETag` on the answer, `If-Match` on updates.
    pub versioned: bool,
}

const fn op(
    method: &'static str,
    path: &'static str,
    id: &'static str,
    access: Access,
) -> Operation {
    Operation {
        method,
        path,
        id,
        access,
        idempotent: false,
        versioned: false,
    }
}

impl Operation {
    const fn idempotent(mut self) -> Self {
        self.idempotent = true;
        self
    }

    const fn versioned(mut self) -> Self {
        self.versioned = true;
        self
    }
}

mod table;
pub use table::OPERATIONS;

/// The operation at a route (`matched` as axum reports it, with or without the `/api/v1`
/// prefix).
pub fn find(method: &Method, matched: &str) -> Option<&'static Operation> {
    let method = method.as_str().to_ascii_lowercase();
    OPERATIONS.iter().find(|op| {
        op.method == method
            && (op.path == matched || op.path.strip_prefix("/api/v1") == Some(matched))
    })
}

/// Whether retries of the operation at a route are made safe by `Idempotency-Key`.
pub fn is_idempotent(method: &Method, matched: &str) -> bool {
    find(method, matched).is_some_and(|op| op.idempotent)
}

/// Query parameters shared by a handler's parameter struct that do not apply to an operation
/// (the handler refuses them there with a 422 naming them).
fn not_for(id: &str) -> &'static [&'static str] {
    match id {
        "search_challenges" => super::search::COMPANY_FILTERS,
        "search_companies" => super::search::CHALLENGE_FILTERS,
        "recommend_challenges" => super::matching::COMPANY_FILTERS,
        "match_companies" => super::matching::RECOMMENDATION_ONLY,
        _ => &[],
    }
}

/// What a response with this status means, when the handler does not say more.
fn default_description(status: &str) -> &'static str {
    match status {
        "200" => "Success.",
        "201" => "Created.",
        "204" => "Done; nothing to return.",
        "400" => "The request is malformed (for example an If-Match that is not an entity tag).",
        "401" => "Sign-in needed: send a bearer token or the session cookie.",
        "403" => "Signed in, but not allowed.",
        "404" => "Nothing with that id, or nothing you may see.",
        "409" => "Conflicts with the current state; the message says how.",
        "412" => {
            "The record changed since the version named in If-Match; `current` holds it as it is now."
        }
        "413" => "The request body is larger than the API accepts.",
        "422" => "Invalid input; `fields` names every field at fault.",
        "429" => "Too many requests; retry after the seconds in Retry-After.",
        "503" => "Temporarily unavailable; retry shortly.",
        _ => "See the error body.",
    }
}

fn error_response(description: &str) -> Value {
    json!({
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}}
    })
}

const ETAG_HEADER: &str = "The record's version as an entity tag (\"v7\"); send it back in If-Match to update only that version.";

/// Completes one operation of the document from its row of the table.
fn complete(operation: &mut Map<String, Value>, row: &Operation) {
    operation.insert("operationId".into(), json!(row.id));
    let credentials = [json!({"bearerAuth": []}), json!({"sessionCookie": []})];
    let security: Vec<Value> = match row.access {
        Access::Public => Vec::new(),
        Access::Optional => std::iter::once(json!({})).chain(credentials).collect(),
        Access::Signed => credentials.to_vec(),
    };
    operation.insert("security".into(), Value::Array(security));
    let mut parameters = match operation.remove("parameters") {
        Some(Value::Array(items)) => items,
        _ => Vec::new(),
    };
    parameters.retain(|p| {
        let name = p["name"].as_str().unwrap_or_default();
        !not_for(row.id).contains(&name)
    });
    let mut responses = match operation.remove("responses") {
        Some(Value::Object(items)) => items,
        _ => Map::new(),
    };
    if row.idempotent {
        parameters.push(json!({
            "name": "Idempotency-Key",
            "in": "header",
            "required": false,
            "description": "Makes retries safe: the same key and body within 24 hours answer the first answer again (marked Idempotent-Replayed: true) without doing anything twice; the same key with another body is a 422. 1 to 255 visible ASCII characters, such as a UUID.",
            "schema": {"type": "string", "minLength": 1, "maxLength": 255}
        }));
        responses
            .entry("409")
            .or_insert_with(|| error_response("Conflicts with the current state, or the first request with this Idempotency-Key is still being answered."));
        responses
            .entry("422")
            .or_insert_with(|| error_response(default_description("422")));
    }
    if row.versioned && matches!(row.method, "put" | "patch") {
        parameters.push(json!({
            "name": "If-Match",
            "in": "header",
            "required": false,
            "description": "The ETag of the version this change was written against; if the record has changed since, nothing is changed and the answer is 412 with the current record. Without it the change applies to whatever version is stored.",
            "schema": {"type": "string", "example": "\"v3\""}
        }));
        responses
            .entry("400")
            .or_insert_with(|| error_response(default_description("400")));
        responses
            .entry("412")
            .or_insert_with(|| error_response(default_description("412")));
    }
    for (status, response) in &mut responses {
        let Some(response) = response.as_object_mut() else {
            continue;
        };
        let described = response
            .get("description")
            .and_then(Value::as_str)
            .is_some_and(|d| !d.is_empty());
        if !described {
            response.insert("description".into(), json!(default_description(status)));
        }
        if row.versioned && matches!(status.as_str(), "200" | "201") {
            response.insert(
                "headers".into(),
                json!({"ETag": {"description": ETAG_HEADER, "schema": {"type": "string"}}}),
            );
        }
    }
    if !parameters.is_empty() {
        operation.insert("parameters".into(), Value::Array(parameters));
    }
    operation.insert("responses".into(), Value::Object(responses));
}

/// The OpenAPI 3.1 document of the API served at `public_url`.
pub fn document(public_url: &url::Url) -> Value {
    let mut doc = match serde_json::to_value(ApiDoc::openapi()) {
        Ok(doc) => doc,
        Err(_) => return Value::Null,
    };
    doc["servers"] = json!([{
        "url": public_url.as_str().trim_end_matches('/'),
        "description": "This Factoría server"
    }]);
    doc["components"]["securitySchemes"] = json!({
        "bearerAuth": {
            "type": "http",
            "scheme": "bearer",
            "description": "An API token (create one at /account or with POST /api/v1/me/tokens)."
        },
        "sessionCookie": {
            "type": "apiKey",
            "in": "cookie",
            "name": super::super::auth::SESSION_COOKIE,
            "description": "The session of the web pages (named factoria_session on plain-HTTP development servers)."
        }
    });
    if let Some(paths) = doc["paths"].as_object_mut() {
        for (path, item) in paths.iter_mut() {
            let Some(methods) = item.as_object_mut() else {
                continue;
            };
            for (method, operation) in methods.iter_mut() {
                let row = OPERATIONS
                    .iter()
                    .find(|op| op.method == method && op.path == path);
                if let (Some(row), Some(operation)) = (row, operation.as_object_mut()) {
                    complete(operation, row);
                }
            }
        }
    }
    super::examples::add(&mut doc);
    doc
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    fn served() -> Value {
        document(&url::Url::parse("http://localhost:8080/").unwrap())
    }

    #[test]
    fn every_operation_is_in_the_table_once_with_a_unique_id() {
        let doc = served();
        let mut seen = HashSet::new();
        for (path, item) in doc["paths"].as_object().unwrap() {
            for (method, operation) in item.as_object().unwrap() {
                let row = OPERATIONS
                    .iter()
                    .find(|op| op.method == method && op.path == path)
                    .unwrap_or_else(|| panic!("{method} {path} is missing from OPERATIONS"));
                assert_eq!(operation["operationId"], row.id);
                assert!(seen.insert((method.clone(), path.clone())));
            }
        }
        assert_eq!(
            seen.len(),
            OPERATIONS.len(),
            "OPERATIONS lists a route the API lacks"
        );
        let ids: HashSet<_> = OPERATIONS.iter().map(|op| op.id).collect();
        assert_eq!(ids.len(), OPERATIONS.len(), "operation ids must be unique");
    }

    #[test]
    fn every_response_is_described_and_protected_operations_say_so() {
        let doc = served();
        for (path, item) in doc["paths"].as_object().unwrap() {
            for (method, operation) in item.as_object().unwrap() {
                for (status, response) in operation["responses"].as_object().unwrap() {
                    let description = response["description"].as_str().unwrap_or_default();
                    assert!(!description.is_empty(), "{method} {path} {status}");
                }
                let security = operation["security"].as_array().unwrap();
                let row = find(&method.to_uppercase().parse().unwrap(), path).unwrap();
                assert_eq!(
                    security.is_empty(),
                    row.access == Access::Public,
                    "{method} {path}"
                );
            }
        }
    }

    #[test]
    fn finds_routes_with_or_without_the_prefix() {
        assert!(is_idempotent(&Method::POST, "/api/v1/companies"));
        assert!(is_idempotent(
            &Method::POST,
            "/challenges/{id}/introductions"
        ));
        assert!(!is_idempotent(&Method::POST, "/api/v1/auth/login"));
        assert!(!is_idempotent(&Method::GET, "/api/v1/companies"));
    }
}
