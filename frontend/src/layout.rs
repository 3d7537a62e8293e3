//! What every page shares: language, the signed-in user, the CSRF token of forms, and links.

/// The signed-in user, as the header shows them.
#[derive(Debug, Clone, Default)]
pub struct NavUser {
    /// Name.
    pub name: String,
    /// Member of a company: shows "challenges for you" and the profile.
    pub company: Option<String>,
    /// Officer: shows "my challenges".
    pub officer: bool,
    /// Administrator: shows the admin pages.
    pub admin: bool,
}

/// Frame of every page.
#[derive(Debug, Clone)]
pub struct Frame {
    /// Spanish (else English).
    pub es: bool,
    /// Title of the page (without the site name).
    pub title: String,
    /// Signed-in user.
    pub user: Option<NavUser>,
    /// CSRF token for the page's forms (empty when nobody is signed in).
    pub csrf: String,
    /// Path and query of this page, for the language switch.
    pub here: String,
    /// A message left by the previous action (POST → redirect → GET).
    pub notice: Option<String>,
    /// The Atom feed of what the page shows, for feed readers.
    pub feed: Option<FeedLink>,
    /// This page in each language and as the visitor's choice: hreflang code, address.
    pub alternates: Vec<(&'static str, String)>,
}

/// A feed a page points to with `<link rel="alternate">`.
#[derive(Debug, Clone)]
pub struct FeedLink {
    /// What the feed holds, in the page's language.
    pub title: String,
    /// Its address.
    pub href: String,
}

impl Frame {
    /// `lang` attribute value.
    pub fn lang(&self) -> &'static str {
        if self.es { "es" } else { "en" }
    }

    /// The other language's code.
    pub fn other_lang(&self) -> &'static str {
        if self.es { "en" } else { "es" }
    }

    /// The language switch link.
    pub fn switch_url(&self) -> String {
        format!("/lang?to={}&back={}", self.other_lang(), encode(&self.here))
    }
}

/// Percent-encodes a query value.
pub fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// A field at fault in a form, for the error summary and the field.
#[derive(Debug, Clone, Default)]
pub struct FormError {
    /// Field name (and id of the input).
    pub field: String,
    /// Message.
    pub message: String,
}

/// Errors of a form, looked up by field in templates.
#[derive(Debug, Clone, Default)]
pub struct FormErrors(pub Vec<FormError>);

impl FormErrors {
    /// The message for `field`, if any.
    pub fn get(&self, field: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|e| e.field == field)
            .map(|e| e.message.as_str())
    }

    /// Whether `field` is at fault.
    pub fn has(&self, field: &str) -> bool {
        self.get(field).is_some()
    }

    /// Whether nothing is at fault.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}
