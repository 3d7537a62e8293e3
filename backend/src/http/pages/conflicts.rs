//! Forms that were opened on one version of a record and sent after someone else saved another:
//! the version they carry, and what the saved version says where it differs from the form.

use factoria_frontend::pages::Conflict;
use serde_json::Value;

use super::{FormData, Page};

/// The version a form was opened with (its hidden `version` field); none for a new record or an
/// old form without one.
pub fn form_version(form: &FormData) -> Option<i64> {
    form.get("version").trim().parse().ok().filter(|v| *v > 0)
}

/// A value of a record as a person reads it: lists joined by commas, nothing for null.
fn as_text(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::String(text) => text.clone(),
        Value::Array(items) => items
            .iter()
            .map(as_text)
            .filter(|t| !t.is_empty())
            .collect::<Vec<_>>()
            .join(", "),
        Value::Object(fields) => fields
            .values()
            .map(as_text)
            .filter(|t| !t.is_empty())
            .collect::<Vec<_>>()
            .join("; "),
        other => other.to_string(),
    }
}

/// The fields of `submitted` (the record the form describes) where the saved record `current`
/// says something else, with their labels in the page's language; nested objects (like
/// `requirements`) are compared field by field.
pub fn conflict_between(
    page: &Page,
    version: i64,
    current: &Value,
    submitted: &Value,
    label: impl Fn(&str) -> Option<(&'static str, &'static str)>,
) -> Conflict {
    let mut fields = Vec::new();
    let mut compare = |path: String, saved: &Value, typed: &Value| {
        let saved_text = as_text(saved);
        if saved_text != as_text(typed) {
            let name = match label(&path) {
                Some((es, en)) => page.t(es, en),
                None => path,
            };
            fields.push((name, saved_text));
        }
    };
    if let Value::Object(typed) = submitted {
        for (key, typed_value) in typed {
            match typed_value {
                Value::Object(inner) => {
                    for (field, value) in inner {
                        compare(format!("{key}.{field}"), &current[key][field], value);
                    }
                }
                _ => compare(key.clone(), &current[key], typed_value),
            }
        }
    }
    Conflict { version, fields }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::as_text;

    #[test]
    fn reads_values_as_a_person_would() {
        assert_eq!(as_text(&json!(["a", "", "b"])), "a, b");
        assert_eq!(as_text(&json!(null)), "");
        assert_eq!(as_text(&json!(12.5)), "12.5");
        assert_eq!(as_text(&json!({"must": ["x"], "should": []})), "x");
    }
}
