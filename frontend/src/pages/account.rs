//! Signing up and in, links from emails, and the account page.

use askama::Template;

use crate::layout::{FormErrors, Frame};

/// Sign-up form.
#[derive(Template)]
#[template(path = "pages/signup.html")]
pub struct SignUp {
    /// Frame.
    pub frame: Frame,
    /// Anonymous-form token.
    pub form_token: String,
    /// Faults.
    pub errors: FormErrors,
    /// Values typed.
    pub email: String,
    /// Name typed.
    pub name: String,
}

/// Sign-in form, with the sign-in-link alternative.
#[derive(Template)]
#[template(path = "pages/login.html")]
pub struct Login {
    /// Frame.
    pub frame: Frame,
    /// Anonymous-form token.
    pub form_token: String,
    /// Faults.
    pub errors: FormErrors,
    /// Address typed.
    pub email: String,
}

/// A page that asks to confirm a link's action with a button.
#[derive(Template)]
#[template(path = "pages/confirm_link.html")]
pub struct ConfirmLink {
    /// Frame.
    pub frame: Frame,
    /// Anonymous-form token: a page elsewhere cannot post this form for the visitor.
    pub form_token: String,
    /// Where the form posts.
    pub action: String,
    /// The token.
    pub token: String,
    /// Explanation.
    pub text: String,
    /// Button label.
    pub button: String,
}

/// Confirm an address with the password chosen at sign-up.
#[derive(Template)]
#[template(path = "pages/verify_email.html")]
pub struct VerifyEmail {
    /// Frame.
    pub frame: Frame,
    /// Anonymous-form token.
    pub form_token: String,
    /// The token.
    pub token: String,
    /// Faults.
    pub errors: FormErrors,
}

/// Choose a password (reset or invitation).
#[derive(Template)]
#[template(path = "pages/choose_password.html")]
pub struct ChoosePassword {
    /// Frame.
    pub frame: Frame,
    /// Anonymous-form token.
    pub form_token: String,
    /// Where the form posts.
    pub action: String,
    /// The token.
    pub token: String,
    /// Faults.
    pub errors: FormErrors,
}

/// Request a password reset.
#[derive(Template)]
#[template(path = "pages/reset_request.html")]
pub struct ResetRequest {
    /// Frame.
    pub frame: Frame,
    /// Anonymous-form token.
    pub form_token: String,
    /// Faults.
    pub errors: FormErrors,
}

/// An API token in the list.
#[derive(Debug, Clone)]
pub struct TokenRow {
    /// Id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// Prefix.
    pub prefix: String,
    /// Scopes.
    pub scopes: String,
    /// Last used.
    pub last_used: String,
    /// Revoked.
    pub revoked: bool,
}

/// The account page.
#[derive(Template)]
#[template(path = "pages/account.html")]
pub struct Account {
    /// Frame.
    pub frame: Frame,
    /// Name.
    pub name: String,
    /// Address.
    pub email: String,
    /// Tokens.
    pub tokens: Vec<TokenRow>,
    /// A token just created, shown once.
    pub new_token: Option<String>,
}

/// One topic of the alert settings.
#[derive(Debug, Clone)]
pub struct AlertTopic {
    /// Stored name.
    pub topic: String,
    /// What it is, in words.
    pub label: String,
    /// daily, weekly or off.
    pub frequency: String,
    /// When consent was given.
    pub consented: Option<String>,
}

/// Alert settings.
#[derive(Template)]
#[template(path = "pages/alerts.html")]
pub struct Alerts {
    /// Frame.
    pub frame: Frame,
    /// Topics.
    pub topics: Vec<AlertTopic>,
    /// Version of the consent text.
    pub consent_version: String,
}
