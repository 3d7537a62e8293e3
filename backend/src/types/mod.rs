//! Types parsed at the edge: once a value has one of these types it is valid, so domain code
//! never checks it again and invalid input never reaches the database.
//!
//! Each `parse` returns a message a person understands; [`crate::types::validation`] collects
//! them per field into a 422 answer.

mod cpv;
mod email;
mod enums;
mod money;
mod tax_id;
mod trl;
pub mod validation;
mod web_url;

pub use cpv::Cpv;
pub use email::Email;
pub use enums::{
    ChallengeStatus, CompanyKind, InterestKind, IntroductionStage, Language, Locale,
    ProposalStatus, SizeClass,
};
pub use money::Money;
pub use tax_id::TaxId;
pub use trl::Trl;
pub use web_url::WebUrl;
