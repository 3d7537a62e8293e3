//! The small request bodies as the OpenAPI document describes them. Handlers read bodies with
//! `ObjectReader`, which reports every field at fault at once; these types only document the
//! shape, so a comment beside each names the handler that reads it.
#![expect(
    dead_code,
    reason = "documentation of request bodies for OpenAPI; the handlers read the JSON themselves"
)]

use utoipa::ToSchema;

use crate::domain::actor::Scope;
use crate::domain::alerts::Frequency;

/// A new company account.
// Read by auth::sign_up.
#[derive(ToSchema)]
pub struct SignUpBody {
    #[schema(format = "email", max_length = 254)]
    email: String,
    #[schema(max_length = 120)]
    name: String,
    /// At least 10 characters.
    #[schema(min_length = 10, max_length = 200)]
    password: String,
    /// The language of the emails (default es).
    #[schema(value_type = Option<crate::types::Locale>)]
    locale: Option<String>,
}

/// Sign-in with a password.
// Read by auth::log_in.
#[derive(ToSchema)]
pub struct LoginBody {
    #[schema(max_length = 254)]
    email: String,
    #[schema(max_length = 200)]
    password: String,
}

/// A single-use token from an email link.
// Read by auth::complete_link.
#[derive(ToSchema)]
pub struct TokenBody {
    #[schema(max_length = 200)]
    token: String,
}

/// A token from a verification email and the password chosen with that sign-up.
// Read by auth::verify.
#[derive(ToSchema)]
pub struct VerifyBody {
    #[schema(max_length = 200)]
    token: String,
    /// The password given when signing up.
    #[schema(max_length = 200)]
    password: String,
}

/// An address to send a link to.
// Read by auth::request_link and auth::request_reset.
#[derive(ToSchema)]
pub struct EmailBody {
    #[schema(max_length = 254)]
    email: String,
}

/// A token from an email link and the new password.
// Read by auth::complete_reset and auth::complete_invitation.
#[derive(ToSchema)]
pub struct NewPasswordBody {
    #[schema(max_length = 200)]
    token: String,
    /// At least 10 characters.
    #[schema(min_length = 10, max_length = 200)]
    password: String,
}

/// An officer to invite into a department.
// Read by admin::invite.
#[derive(ToSchema)]
pub struct InvitationBody {
    #[schema(format = "email", max_length = 254)]
    email: String,
    #[schema(max_length = 120)]
    name: String,
    /// The department, created if missing.
    #[schema(max_length = 200)]
    department: String,
    /// The language of the emails (default es).
    #[schema(value_type = Option<crate::types::Locale>)]
    locale: Option<String>,
}

/// Grants (true) or removes (false) the administrator role.
// Read by admin::set_admin.
#[derive(ToSchema)]
pub struct AdministratorBody {
    administrator: bool,
}

/// Shows (true) or hides (false) a company profile.
// Read by admin::moderate.
#[derive(ToSchema)]
pub struct ModerationBody {
    visible: bool,
}

/// The company to introduce to a challenge.
// Read by introductions::introduce.
#[derive(ToSchema)]
pub struct IntroductionBody {
    /// The company's interchange id.
    #[schema(max_length = 64)]
    company: String,
    /// A message for the company.
    #[schema(max_length = 2000)]
    message: Option<String>,
}

/// A later stage of a collaboration.
// Read by introductions::record_stage.
#[derive(ToSchema)]
pub struct StageBody {
    /// meeting, pilot or contract (the stages after acceptance).
    #[schema(value_type = crate::types::IntroductionStage)]
    stage: String,
    #[schema(max_length = 2000)]
    note: Option<String>,
    /// YYYY-MM-DD; today when absent.
    #[schema(format = Date)]
    date: Option<String>,
}

/// How often to receive an alert topic, and the consent shown.
// Read by introductions::set_subscription.
#[derive(ToSchema)]
pub struct SubscriptionBody {
    frequency: Frequency,
    /// The version of the consent text shown to the person.
    #[schema(max_length = 40)]
    consent_text_version: Option<String>,
}

/// A new API token.
// Read by me::create_token.
#[derive(ToSchema)]
pub struct TokenRequestBody {
    #[schema(max_length = 80)]
    name: String,
    /// At least one.
    #[schema(min_items = 1)]
    scopes: Vec<Scope>,
}

/// Confirms the erasure of your account.
// Read by me::erase.
#[derive(ToSchema)]
pub struct EraseBody {
    /// Must be true.
    confirm: bool,
}
