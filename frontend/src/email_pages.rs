//! Pages reached from email links, without signing in.

use askama::Template;

use crate::layout::Frame;

/// Confirm accepting or declining an introduction.
#[derive(Template)]
#[template(path = "email_pages/respond.html")]
pub struct Respond {
    /// Frame.
    pub frame: Frame,
    /// Accept (else decline).
    pub accept: bool,
    /// The signed token, posted back.
    pub token: String,
    /// Department.
    pub department: String,
    /// Company.
    pub company: String,
    /// Challenge id.
    pub challenge_id: String,
    /// Challenge title.
    pub challenge_title: String,
}

/// A result or an error, in a few paragraphs.
#[derive(Template)]
#[template(path = "email_pages/message.html")]
pub struct Message {
    /// Frame.
    pub frame: Frame,
    /// What to say.
    pub paragraphs: Vec<String>,
}

/// Confirm unsubscribing (a GET never unsubscribes by itself).
#[derive(Template)]
#[template(path = "email_pages/unsubscribe.html")]
pub struct Unsubscribe {
    /// Frame.
    pub frame: Frame,
    /// The signed token.
    pub token: String,
    /// What they receive, in words.
    pub topic: String,
    /// The address.
    pub address: String,
}
