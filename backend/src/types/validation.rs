//! Reading untrusted JSON objects field by field, collecting every fault instead of stopping
//! at the first, so a person fixing a form or an import line sees them all at once.

use serde::Serialize;
use serde_json::{Map, Value};

/// Whether `c` ends a line: names and titles are one line, because they travel into email
/// headers, subject lines, CSV cells and feed titles.
pub fn is_line_break(c: char) -> bool {
    matches!(
        c,
        '\n' | '\r' | '\u{0b}' | '\u{0c}' | '\u{85}' | '\u{2028}' | '\u{2029}'
    )
}

/// Whether `text` is one line of printable text: no control character, no line break.
pub fn is_one_line(text: &str) -> bool {
    !text.chars().any(|c| c.is_control() || is_line_break(c))
}

/// One field at fault and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct FieldError {
    /// Path of the field, like `cpv[1]` or `contact.email`.
    pub field: String,
    /// What is wrong, in words a person understands.
    pub message: String,
}

/// Every field at fault in one input.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(transparent)]
pub struct FieldErrors(pub Vec<FieldError>);

impl FieldErrors {
    /// A single fault.
    pub fn one(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self(vec![FieldError {
            field: field.into(),
            message: message.into(),
        }])
    }

    /// Records a fault.
    pub fn push(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.0.push(FieldError {
            field: field.into(),
            message: message.into(),
        });
    }

    /// Whether there is nothing at fault.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl std::fmt::Display for FieldErrors {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let parts: Vec<String> = self
            .0
            .iter()
            .map(|e| format!("{}: {}", e.field, e.message))
            .collect();
        f.write_str(&parts.join("; "))
    }
}

impl std::error::Error for FieldErrors {}

/// Whether fields the reader does not know are an error (the API's contract) or only reported
/// (imports of files written by other, perhaps newer, tools).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnknownFields {
    /// Unknown fields are faults.
    Reject,
    /// Unknown fields are listed in [`ObjectReader::ignored`].
    Ignore,
}

/// Reads the fields of one JSON object; every accessor records its fault and returns `None`.
pub struct ObjectReader<'a> {
    prefix: String,
    object: Option<&'a Map<String, Value>>,
    seen: Vec<&'static str>,
    errors: FieldErrors,
}

impl<'a> ObjectReader<'a> {
    /// Starts reading `value`, which must be an object.
    pub fn new(value: &'a Value) -> Self {
        Self::nested(value, "")
    }

    fn nested(value: &'a Value, prefix: &str) -> Self {
        let mut errors = FieldErrors::default();
        let object = value.as_object();
        if object.is_none() {
            let field = if prefix.is_empty() { "(body)" } else { prefix };
            errors.push(field, "must be a JSON object");
        }
        Self {
            prefix: prefix.to_owned(),
            object,
            seen: Vec::new(),
            errors,
        }
    }

    fn path(&self, key: &str) -> String {
        // An empty key (`{"": 1}`) still needs a name a person can see.
        let key = if key.is_empty() { "\"\"" } else { key };
        if self.prefix.is_empty() {
            key.to_owned()
        } else {
            format!("{}.{key}", self.prefix)
        }
    }

    fn get(&mut self, key: &'static str) -> Option<&'a Value> {
        self.seen.push(key);
        self.object
            .and_then(|o| o.get(key))
            .filter(|v| !v.is_null())
    }

    /// Records a fault on `key`.
    pub fn fault(&mut self, key: &str, message: impl Into<String>) {
        let path = self.path(key);
        self.errors.push(path, message);
    }

    /// A required non-empty string of at most `max` characters, trimmed.
    pub fn required_text(&mut self, key: &'static str, max: usize) -> Option<String> {
        match self.optional_text(key, max) {
            Some(text) => Some(text),
            None if self.has_fault(key) => None,
            None => {
                self.fault(key, "is required");
                None
            }
        }
    }

    /// An optional string of at most `max` characters, trimmed; empty counts as absent.
    pub fn optional_text(&mut self, key: &'static str, max: usize) -> Option<String> {
        match self.get(key)? {
            Value::String(s) => {
                let trimmed = s.trim();
                if trimmed.chars().count() > max {
                    self.fault(key, format!("is longer than {max} characters"));
                    None
                } else if trimmed
                    .chars()
                    .any(|c| c.is_control() && c != '\n' && c != '\t' && c != '\r')
                {
                    self.fault(key, "contains control characters");
                    None
                } else {
                    (!trimmed.is_empty()).then(|| trimmed.to_owned())
                }
            }
            _ => {
                self.fault(key, "must be text");
                None
            }
        }
    }

    /// A required one-line string (a name, a title) of at most `max` characters, trimmed.
    pub fn required_line(&mut self, key: &'static str, max: usize) -> Option<String> {
        let text = self.required_text(key, max)?;
        self.one_line(key, text)
    }

    /// An optional one-line string of at most `max` characters, trimmed.
    pub fn optional_line(&mut self, key: &'static str, max: usize) -> Option<String> {
        let text = self.optional_text(key, max)?;
        self.one_line(key, text)
    }

    fn one_line(&mut self, key: &'static str, text: String) -> Option<String> {
        if !is_one_line(&text) {
            self.fault(key, "must be one line");
            None
        } else {
            Some(text)
        }
    }

    /// An optional string parsed into `T`.
    pub fn optional<T>(
        &mut self,
        key: &'static str,
        parse: impl Fn(&str) -> Result<T, String>,
    ) -> Option<T> {
        let text = self.optional_text(key, 2000)?;
        parse(&text)
            .map_err(|message| self.fault(key, message))
            .ok()
    }

    /// A required string parsed into `T`.
    pub fn required<T>(
        &mut self,
        key: &'static str,
        parse: impl Fn(&str) -> Result<T, String>,
    ) -> Option<T> {
        let text = self.required_text(key, 2000)?;
        parse(&text)
            .map_err(|message| self.fault(key, message))
            .ok()
    }

    /// A required whole number within `range`.
    pub fn required_integer(
        &mut self,
        key: &'static str,
        range: std::ops::RangeInclusive<i64>,
    ) -> Option<i64> {
        let present = self
            .object
            .and_then(|o| o.get(key))
            .is_some_and(|v| !v.is_null());
        if !present {
            self.seen.push(key);
            self.fault(key, "is required");
            return None;
        }
        self.optional_integer(key, range)
    }

    /// An optional whole number within `range`.
    pub fn optional_integer(
        &mut self,
        key: &'static str,
        range: std::ops::RangeInclusive<i64>,
    ) -> Option<i64> {
        let value = self.get(key)?;
        match value.as_i64().or_else(|| {
            value
                .as_f64()
                .filter(|f| f.fract() == 0.0 && f.abs() < 1e15)
                .map(|f| f as i64)
        }) {
            Some(n) if range.contains(&n) => Some(n),
            Some(n) => {
                self.fault(
                    key,
                    format!(
                        "{n} is out of range: use a number from {} to {}",
                        range.start(),
                        range.end()
                    ),
                );
                None
            }
            None => {
                self.fault(key, "must be a whole number");
                None
            }
        }
    }

    /// An optional number.
    pub fn optional_number(&mut self, key: &'static str) -> Option<f64> {
        let value = self.get(key)?;
        match value.as_f64() {
            Some(n) => Some(n),
            None => {
                self.fault(key, "must be a number");
                None
            }
        }
    }

    /// An optional boolean.
    pub fn optional_bool(&mut self, key: &'static str) -> Option<bool> {
        match self.get(key)? {
            Value::Bool(b) => Some(*b),
            _ => {
                self.fault(key, "must be true or false");
                None
            }
        }
    }

    /// A list of strings, each parsed by `parse`; absent is empty. Duplicates are dropped,
    /// keeping the first, since every list in the format is a set.
    pub fn list<T: PartialEq>(
        &mut self,
        key: &'static str,
        max_items: usize,
        parse: impl Fn(&str) -> Result<T, String>,
    ) -> Vec<T> {
        let Some(value) = self.get(key) else {
            return Vec::new();
        };
        let Some(items) = value.as_array() else {
            self.fault(key, "must be a list");
            return Vec::new();
        };
        if items.len() > max_items {
            self.fault(
                key,
                format!("has {} items; at most {max_items} are allowed", items.len()),
            );
            return Vec::new();
        }
        let mut parsed = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            let field = format!("{key}[{i}]");
            match item.as_str().map(str::trim) {
                Some("") => self.fault(&field, "is empty"),
                Some(text) => match parse(text) {
                    Ok(value) if !parsed.contains(&value) => parsed.push(value),
                    Ok(_) => {}
                    Err(message) => self.fault(&field, message),
                },
                None => self.fault(&field, "must be text"),
            }
        }
        parsed
    }

    /// A list of free-text statements of at most `max_len` characters each.
    pub fn text_list(
        &mut self,
        key: &'static str,
        max_items: usize,
        max_len: usize,
    ) -> Vec<String> {
        self.list(key, max_items, |text| {
            if text.chars().count() > max_len {
                Err(format!("is longer than {max_len} characters"))
            } else {
                Ok(text.to_owned())
            }
        })
    }

    /// A nested object read by `read`; its faults are reported under `key.`.
    pub fn object<T>(
        &mut self,
        key: &'static str,
        read: impl FnOnce(&mut ObjectReader<'a>) -> Option<T>,
    ) -> Option<T> {
        let value = self.get(key)?;
        let mut nested = ObjectReader::nested(value, &self.path(key));
        let result = read(&mut nested);
        let nested_errors = nested.finish_errors(UnknownFields::Reject);
        self.errors.0.extend(nested_errors.0);
        result
    }

    /// A list of nested objects, each read by `read`.
    pub fn object_list<T>(
        &mut self,
        key: &'static str,
        max_items: usize,
        read: impl Fn(&mut ObjectReader<'a>) -> Option<T>,
    ) -> Vec<T> {
        let Some(value) = self.get(key) else {
            return Vec::new();
        };
        let Some(items) = value.as_array().filter(|items| items.len() <= max_items) else {
            self.fault(
                key,
                format!("must be a list of at most {max_items} objects"),
            );
            return Vec::new();
        };
        let mut parsed = Vec::new();
        for (i, item) in items.iter().enumerate() {
            let mut nested = ObjectReader::nested(item, &format!("{}[{i}]", self.path(key)));
            let result = read(&mut nested);
            let nested_errors = nested.finish_errors(UnknownFields::Reject);
            self.errors.0.extend(nested_errors.0);
            parsed.extend(result);
        }
        parsed
    }

    fn has_fault(&self, key: &str) -> bool {
        let path = self.path(key);
        self.errors.0.iter().any(|e| e.field == path)
    }

    /// Fields of the object that no accessor asked for.
    pub fn ignored(&self) -> Vec<String> {
        let Some(object) = self.object else {
            return Vec::new();
        };
        object
            .keys()
            .filter(|k| !self.seen.contains(&k.as_str()))
            .map(|k| self.path(k))
            .collect()
    }

    fn finish_errors(mut self, unknown: UnknownFields) -> FieldErrors {
        if unknown == UnknownFields::Reject {
            for key in self.ignored() {
                self.errors.push(key, "is not a known field");
            }
        }
        self.errors
    }

    /// Ends reading: `Ok` with the value when nothing was at fault.
    pub fn finish<T>(self, unknown: UnknownFields, value: Option<T>) -> Result<T, FieldErrors> {
        let errors = self.finish_errors(unknown);
        match value {
            Some(value) if errors.is_empty() => Ok(value),
            _ if errors.is_empty() => Err(FieldErrors::one("(body)", "could not be read")),
            _ => Err(errors),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn collects_every_fault_with_its_path() {
        let input = json!({"name": "", "trl": 12, "cpv": ["72316000", "x"], "extra": 1, "contact": {"email": 3}});
        let mut reader = ObjectReader::new(&input);
        let _ = reader.required_text("name", 10);
        let _ = reader.optional_integer("trl", 1..=9);
        let _ = reader.list("cpv", 10, crate::types::Cpv::parse);
        let _ = reader.object("contact", |r| r.optional_text("email", 10));
        let errors = reader
            .finish::<()>(UnknownFields::Reject, None)
            .err()
            .unwrap_or_default();
        let fields: Vec<&str> = errors.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            vec!["name", "trl", "cpv[1]", "contact.email", "extra"]
        );
    }

    #[test]
    fn ignored_fields_are_reported_not_rejected_when_asked() {
        let input = json!({"name": "Movilia", "notes": "x"});
        let mut reader = ObjectReader::new(&input);
        let name = reader.required_text("name", 10);
        assert_eq!(reader.ignored(), vec!["notes".to_owned()]);
        assert_eq!(
            reader.finish(UnknownFields::Ignore, name),
            Ok("Movilia".to_owned())
        );
    }
}
