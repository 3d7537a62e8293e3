//! `/api/openapi.json` and its human-readable reference at `/api/docs`.

use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use factoria_frontend::api_reference::{
    ApiReference, FieldView, OperationView, ParamView, ResponseView, SchemaRef, SchemaView, TagView,
};
use serde_json::Value;

use super::AppState;
use super::api::contract;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/openapi.json", get(document))
        .route("/api/docs", get(reference))
        .route("/static/{file}", get(static_file))
}

async fn document(State(state): State<AppState>) -> impl IntoResponse {
    axum::Json(contract::document(&state.ctx.config.public_url))
}

async fn static_file(Path(file): Path<String>) -> Response {
    match factoria_frontend::STATIC_FILES
        .iter()
        .find(|(name, _, _)| *name == file)
    {
        Some((_, content_type, bytes)) => (
            [
                (header::CONTENT_TYPE, *content_type),
                (header::CACHE_CONTROL, "public, max-age=3600"),
            ],
            *bytes,
        )
            .into_response(),
        None => (StatusCode::NOT_FOUND, "not found").into_response(),
    }
}

fn text(value: &Value) -> String {
    value.as_str().unwrap_or_default().to_owned()
}

/// The name of a referenced schema (`#/components/schemas/Name`), or a short type description.
fn type_name(schema: &Value) -> String {
    if let Some(reference) = schema["$ref"].as_str() {
        return reference.rsplit('/').next().unwrap_or(reference).to_owned();
    }
    for key in ["oneOf", "anyOf", "allOf"] {
        if let Some(options) = schema[key].as_array() {
            let names: Vec<String> = options
                .iter()
                .map(type_name)
                .filter(|n| n != "null")
                .collect();
            return names.join(" or ");
        }
    }
    match &schema["type"] {
        Value::String(t) if t == "array" => format!("list of {}", type_name(&schema["items"])),
        Value::String(t) => match schema["format"].as_str() {
            Some(format) => format!("{t} ({format})"),
            None => t.clone(),
        },
        Value::Array(types) => types
            .iter()
            .filter_map(Value::as_str)
            .filter(|t| *t != "null")
            .collect::<Vec<_>>()
            .join(" or "),
        _ => "object".into(),
    }
}

/// The first component schema a schema refers to, through lists and alternatives.
fn component(schema: &Value) -> Option<String> {
    if !schema.is_object() {
        return None;
    }
    if let Some(reference) = schema["$ref"].as_str() {
        return reference.rsplit('/').next().map(str::to_owned);
    }
    let nested = ["oneOf", "anyOf", "allOf"]
        .iter()
        .filter_map(|key| schema[*key].as_array())
        .flatten();
    component(&schema["items"]).or_else(|| nested.filter_map(component).next())
}

fn referenced(content: &Value) -> Option<SchemaRef> {
    let schema = content.as_object()?.values().next()?.get("schema")?;
    Some(SchemaRef {
        label: type_name(schema),
        anchor: component(schema),
    })
}

fn view(doc: &Value) -> ApiReference {
    let mut tags: Vec<TagView> = doc["tags"]
        .as_array()
        .map(|tags| {
            tags.iter()
                .map(|t| TagView {
                    name: text(&t["name"]),
                    description: text(&t["description"]),
                    operations: Vec::new(),
                })
                .collect()
        })
        .unwrap_or_default();
    if let Some(paths) = doc["paths"].as_object() {
        for (path, item) in paths {
            let Some(methods) = item.as_object() else {
                continue;
            };
            for (method, op) in methods {
                let description = text(&op["description"]);
                let (summary, rest) = match text(&op["summary"]) {
                    s if !s.is_empty() => (s, description),
                    _ => match description.split_once("\n\n") {
                        Some((first, rest)) => (first.to_owned(), rest.to_owned()),
                        None => (description, String::new()),
                    },
                };
                let params = op["parameters"]
                    .as_array()
                    .map(|ps| {
                        ps.iter()
                            .map(|p| ParamView {
                                name: text(&p["name"]),
                                location: text(&p["in"]),
                                kind: type_name(&p["schema"]),
                                required: p["required"].as_bool().unwrap_or(false),
                                description: text(&p["description"]),
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                let responses = op["responses"]
                    .as_object()
                    .map(|rs| {
                        rs.iter()
                            .map(|(status, r)| ResponseView {
                                status: status.clone(),
                                description: text(&r["description"]),
                                schema: referenced(&r["content"]),
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                let operation = OperationView {
                    method: method.to_uppercase(),
                    path: path.clone(),
                    anchor: format!("{method}-{}", path.replace(['/', '{', '}'], "-")),
                    summary,
                    description: rest,
                    params,
                    request: referenced(&op["requestBody"]["content"]),
                    responses,
                };
                let tag = op["tags"][0].as_str().unwrap_or("other").to_owned();
                match tags.iter_mut().find(|t| t.name == tag) {
                    Some(t) => t.operations.push(operation),
                    None => tags.push(TagView {
                        name: tag,
                        description: String::new(),
                        operations: vec![operation],
                    }),
                }
            }
        }
    }
    let schemas = doc["components"]["schemas"]
        .as_object()
        .map(|schemas| {
            schemas
                .iter()
                .map(|(name, schema)| {
                    let required: Vec<&str> = schema["required"]
                        .as_array()
                        .map(|r| r.iter().filter_map(Value::as_str).collect())
                        .unwrap_or_default();
                    let fields = schema["properties"]
                        .as_object()
                        .map(|props| {
                            props
                                .iter()
                                .map(|(field, s)| FieldView {
                                    name: field.clone(),
                                    kind: type_name(s),
                                    required: required.contains(&field.as_str()),
                                    description: text(&s["description"]),
                                })
                                .collect()
                        })
                        .unwrap_or_default();
                    let values = schema["enum"]
                        .as_array()
                        .map(|v| {
                            v.iter()
                                .filter_map(Value::as_str)
                                .map(str::to_owned)
                                .collect()
                        })
                        .unwrap_or_default();
                    SchemaView {
                        name: name.clone(),
                        description: text(&schema["description"]),
                        fields,
                        values,
                    }
                })
                .collect()
        })
        .unwrap_or_default();
    ApiReference {
        title: text(&doc["info"]["title"]),
        description: text(&doc["info"]["description"]),
        version: text(&doc["info"]["version"]),
        tags,
        schemas,
    }
}

async fn reference(State(state): State<AppState>) -> Response {
    match view(&contract::document(&state.ctx.config.public_url)).render() {
        Ok(html) => Html(html).into_response(),
        Err(error) => super::error::ApiError(crate::domain::Error::Internal(anyhow::anyhow!(
            "cannot render the API reference: {error}"
        )))
        .into_response(),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::component;

    #[test]
    fn finds_the_component_behind_lists_and_alternatives() {
        assert_eq!(
            component(
                &json!({"type": "array", "items": {"$ref": "#/components/schemas/TokenView"}})
            ),
            Some("TokenView".into())
        );
        assert_eq!(
            component(&json!({"oneOf": [{"type": "null"}, {"$ref": "#/components/schemas/Page"}]})),
            Some("Page".into())
        );
        assert_eq!(component(&json!({"type": "string"})), None);
        assert_eq!(component(&json!(null)), None);
    }
}
