//! The "Suggest CPV codes" control shared by the challenge editor and the company profile: the
//! form posted with `intent=suggest_cpv` comes back with five codes suggested from its text, and
//! `accept_cpv=CODE` adds one of them to the form's codes. Nothing is saved either way, so it
//! works with HTML alone.

use factoria_frontend::pages::company::CpvSuggestionView;

use super::{FormData, Page};
use crate::domain::{Error, cpv};
use crate::http::AppState;
use crate::http::ratelimit::{Action, ClientIp};

/// Codes shown by the control.
const SUGGESTIONS: usize = 5;

/// What a posted form asks for.
pub(super) enum Intent {
    /// Save (or anything else the page does).
    Other,
    /// Show suggestions.
    Suggest,
    /// Add this code and show the suggestions again.
    Accept(String),
}

/// What `form` asks of the CPV control.
pub(super) fn intent(form: &FormData) -> Intent {
    let accepted = form.get("accept_cpv");
    if !accepted.is_empty() {
        Intent::Accept(accepted.to_owned())
    } else if form.get("intent") == "suggest_cpv" {
        Intent::Suggest
    } else {
        Intent::Other
    }
}

/// The form's CPV inputs with `accepted` added once, then `spare` empty ones.
pub(super) fn inputs(form: &FormData, accepted: Option<&str>, spare: usize) -> Vec<String> {
    let mut codes = form.all("cpv");
    if let Some(code) = accepted
        && !codes.iter().any(|c| c == code)
    {
        codes.push(code.to_owned());
    }
    codes.extend(std::iter::repeat_n(String::new(), spare));
    codes
}

/// Suggestions for `text` in the page's language, marking the codes already in `chosen`.
pub(super) async fn suggestions(
    state: &AppState,
    page: &Page,
    text: &str,
    chosen: &[String],
) -> Result<Vec<CpvSuggestionView>, Error> {
    // Suggesting embeds the form's text: limited like a search, per account (the forms are
    // signed in).
    state
        .limits
        .check_actor(Action::Search, &page.actor, &ClientIp(None))
        .map_err(|limited| limited.0)?;
    let found = cpv::suggest(&state.ctx, text, page.lang(), SUGGESTIONS).await?;
    Ok(found
        .into_iter()
        .map(|s| CpvSuggestionView {
            chosen: chosen
                .iter()
                .any(|c| factoria_vocabulary::digits(c) == Some(s.code.as_str())),
            code: s.code,
            label: s.label,
            path: s.path.join(" › "),
            words: s.words.join(", "),
        })
        .collect())
}
