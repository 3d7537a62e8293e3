//! The small request bodies as the OpenAPI document describes them. Handlers read bodies with
//! `ObjectReader`, which reports every field at fault at once; these types only document the
//! shape, so each names the handler that reads it.
#![expect(
    dead_code,
    reason = "documentation of request bodies for OpenAPI; the handlers read the JSON themselves"
)]

use utoipa::ToSchema;

use crate::domain::actor::Scope;
use crate::domain::alerts::Frequency;

/// `POST /api/v1/auth/signup` (`auth::sign_up`).
#[derive(ToSchema)]
pub struct SignUpBody {
    #[schema(format = "email", max_length = 254)]
    email: String,
    #[schema(max_length = 120)]
    name: String,
    /// At least 10 characters.
    #[schema(min_length = 10, max_length = 200)]
    password: String,
    /// es (default) or en.
    #[schema(pattern = "^(es|en)$")]
    locale: Option<String>,
}

/// `POST /api/v1/auth/login` (`auth::log_in`).
#[derive(ToSchema)]
pub struct LoginBody {
    #[schema(max_length = 254)]
    email: String,
    #[schema(max_length = 200)]
    password: String,
}

/// A single-use token from an email link (`auth::verify`, `auth::complete_link`).
#[derive(ToSchema)]
pub struct TokenBody {
    #[schema(max_length = 200)]
    token: String,
}

/// An address to send a link to (`auth::request_link`, `auth::request_reset`).
#[derive(ToSchema)]
pub struct EmailBody {
    #[schema(max_length = 254)]
    email: String,
}

/// A token from an email link and the new password (`auth::complete_reset`,
/// `auth::complete_invitation`).
#[derive(ToSchema)]
pub struct NewPasswordBody {
    #[schema(max_length = 200)]
    token: String,
    /// At least 10 characters.
    #[schema(min_length = 10, max_length = 200)]
    password: String,
}

/// `POST /api/v1/admin/invitations` (`admin::invite`).
#[derive(ToSchema)]
pub struct InvitationBody {
    #[schema(format = "email", max_length = 254)]
    email: String,
    #[schema(max_length = 120)]
    name: String,
    /// The department, created if missing.
    #[schema(max_length = 200)]
    department: String,
    /// es (default) or en.
    #[schema(pattern = "^(es|en)$")]
    locale: Option<String>,
}

/// `PUT /api/v1/admin/users/{id}/administrator` (`admin::set_admin`).
#[derive(ToSchema)]
pub struct AdministratorBody {
    administrator: bool,
}

/// `PUT /api/v1/admin/companies/{id}/moderation` (`admin::moderate`).
#[derive(ToSchema)]
pub struct ModerationBody {
    visible: bool,
}

/// `POST /api/v1/challenges/{id}/introductions` (`introductions::introduce`).
#[derive(ToSchema)]
pub struct IntroductionBody {
    /// The company's interchange id.
    #[schema(max_length = 64)]
    company: String,
    /// A message for the company.
    #[schema(max_length = 2000)]
    message: Option<String>,
}

/// `POST /api/v1/introductions/{id}/stage` (`introductions::record_stage`).
#[derive(ToSchema)]
pub struct StageBody {
    /// meeting, pilot or contract.
    #[schema(pattern = "^(meeting|pilot|contract)$")]
    stage: String,
    #[schema(max_length = 2000)]
    note: Option<String>,
    /// YYYY-MM-DD; today when absent.
    #[schema(format = Date)]
    date: Option<String>,
}

/// `PUT /api/v1/me/subscriptions/{topic}` (`introductions::set_subscription`).
#[derive(ToSchema)]
pub struct SubscriptionBody {
    frequency: Frequency,
    /// The version of the consent text shown to the person.
    #[schema(max_length = 40)]
    consent_text_version: Option<String>,
}

/// `POST /api/v1/me/tokens` (`me::create_token`).
#[derive(ToSchema)]
pub struct TokenRequestBody {
    #[schema(max_length = 80)]
    name: String,
    /// At least one.
    #[schema(min_items = 1)]
    scopes: Vec<Scope>,
}

/// `DELETE /api/v1/me` (`me::erase`).
#[derive(ToSchema)]
pub struct EraseBody {
    /// Must be true.
    confirm: bool,
}
