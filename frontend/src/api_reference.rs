//! The API reference page, rendered from the OpenAPI document: readable without JavaScript or
//! internet access.

use askama::Template;

/// One parameter of an operation.
#[derive(Debug, Clone)]
pub struct ParamView {
    /// Name.
    pub name: String,
    /// path or query.
    pub location: String,
    /// Type, as the schema says.
    pub kind: String,
    /// Required.
    pub required: bool,
    /// Description.
    pub description: String,
}

/// A schema named in an operation: its description (`list of TokenView`) and the component it
/// links to, when there is one.
#[derive(Debug, Clone)]
pub struct SchemaRef {
    /// What the body is.
    pub label: String,
    /// Name of the component schema described below.
    pub anchor: Option<String>,
}

/// One answer of an operation.
#[derive(Debug, Clone)]
pub struct ResponseView {
    /// HTTP status.
    pub status: String,
    /// Description.
    pub description: String,
    /// Body schema, linked below.
    pub schema: Option<SchemaRef>,
}

/// One operation.
#[derive(Debug, Clone)]
pub struct OperationView {
    /// GET, POST…
    pub method: String,
    /// Path template.
    pub path: String,
    /// Anchor id.
    pub anchor: String,
    /// First line of the description.
    pub summary: String,
    /// The rest.
    pub description: String,
    /// Parameters.
    pub params: Vec<ParamView>,
    /// Body schema.
    pub request: Option<SchemaRef>,
    /// Answers.
    pub responses: Vec<ResponseView>,
}

/// A group of operations.
#[derive(Debug, Clone)]
pub struct TagView {
    /// Tag.
    pub name: String,
    /// What the tag is about.
    pub description: String,
    /// Operations.
    pub operations: Vec<OperationView>,
}

impl TagView {
    /// The tag as an element id: lower case, words joined by hyphens (`open data` →
    /// `tag-open-data`).
    pub fn anchor(&self) -> String {
        let words: Vec<String> = self
            .name
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .map(str::to_lowercase)
            .collect();
        format!("tag-{}", words.join("-"))
    }
}

/// One property of a schema.
#[derive(Debug, Clone)]
pub struct FieldView {
    /// Name.
    pub name: String,
    /// Type.
    pub kind: String,
    /// Required.
    pub required: bool,
    /// Description.
    pub description: String,
}

/// One schema.
#[derive(Debug, Clone)]
pub struct SchemaView {
    /// Name and anchor.
    pub name: String,
    /// Description.
    pub description: String,
    /// Properties.
    pub fields: Vec<FieldView>,
    /// Allowed values of an enumeration.
    pub values: Vec<String>,
}

/// The page.
#[derive(Template)]
#[template(path = "api_reference.html")]
pub struct ApiReference {
    /// API title.
    pub title: String,
    /// API description.
    pub description: String,
    /// Version.
    pub version: String,
    /// Operations by tag.
    pub tags: Vec<TagView>,
    /// Schemas.
    pub schemas: Vec<SchemaView>,
}
