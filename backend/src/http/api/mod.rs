//! The JSON API under `/api/v1`, and its OpenAPI 3.1 document at `/api/openapi.json`.

pub mod admin;
pub mod auth;
pub mod bodies;
pub mod calls;
pub mod challenges;
pub mod companies;
pub mod contract;
pub mod cpv;
pub mod documents;
mod examples;
pub mod introductions;
pub mod matching;
pub mod me;
pub mod ocds;
pub mod params;
pub mod search;

use axum::Router;
use axum::routing::{delete, get, post, put};
use utoipa::OpenApi;

use super::AppState;
use super::error::ErrorBody;
use crate::domain::challenges::ChallengeView;
use crate::domain::companies::CompanyView;
use crate::domain::interests::InterestView;
use crate::domain::records::{
    ChallengeRecord, CompanyRecord, ContactRecord, ReferenceRecord, RequirementsRecord,
};
use crate::types::validation::FieldError;
use crate::types::{ChallengeStatus, CompanyKind, InterestKind, SizeClass};

/// The OpenAPI document, generated from the handlers and types.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Factoria API",
        description = "The API of Factoría, the open-innovation marketplace of a regional administration: challenges, company profiles, search, matching with explanations, and introductions.\n\nAuthenticate with `Authorization: Bearer <token>` (API tokens) or the session cookie of the web pages. Records that can change carry an `ETag`; send it back in `If-Match` so that an update never overwrites a change you have not seen. Send an `Idempotency-Key` with a `POST` that creates something or sends email, and retry it safely. See docs/API.md.",
        license(name = "EUPL-1.2")
    ),
    paths(
        companies::list, companies::get_one, companies::create, companies::replace, companies::patch,
        challenges::list, challenges::get_one, challenges::create, challenges::replace, challenges::patch, challenges::change_status,
        challenges::interests, challenges::declare_interest, challenges::withdraw_interest,
        search::challenges, search::companies,
        cpv::browse, cpv::suggest,
        matching::matches, matching::recommendations, matching::preview, matching::feedback,
        auth::sign_up, auth::verify, auth::log_in, auth::log_out, auth::request_link, auth::complete_link,
        auth::request_reset, auth::complete_reset, auth::complete_invitation,
        me::me, me::tokens, me::create_token, me::revoke_token, me::data, me::erase,
        admin::users, admin::invite, admin::end_sessions, admin::set_admin, admin::moderate,
        introductions::introduce, introductions::for_challenge, introductions::for_company, introductions::record_stage,
        introductions::subscriptions, introductions::set_subscription,
        ocds::releases, ocds::release,
        calls::get_call, calls::set_call, calls::questions, calls::ask, calls::answer,
        calls::proposals, calls::start_proposal, calls::proposal, calls::edit_proposal, calls::submit_proposal,
        calls::withdraw_proposal, calls::declare, calls::my_evaluation, calls::score, calls::ranking, calls::publish_result,
        documents::add_to_challenge, documents::of_challenge, documents::add_to_proposal, documents::of_proposal, documents::download, documents::remove,
    ),
    components(schemas(
        ErrorBody, FieldError, crate::domain::cpv::CpvEntry, crate::domain::cpv::CpvSuggestion, cpv::SuggestionRequest, CompanyView, ChallengeView, CompanyRecord, ChallengeRecord, ContactRecord, ReferenceRecord,
        RequirementsRecord, InterestView, CompanyKind, SizeClass, ChallengeStatus, InterestKind,
        challenges::StatusChange, challenges::InterestRequest, search::SearchResponse, search::SearchItem,
        search::FacetOut, search::FacetValueOut, search::HighlightOut,
        CompanyPage, ChallengePage,
        crate::domain::matching::MatchPage, crate::domain::matching::MatchItem,
        factoria_search::matching::Features, factoria_search::matching::RequirementScore, factoria_search::ChunkField,
        factoria_search::matching::Explanation, factoria_search::matching::RequirementCoverage,
        factoria_search::matching::CoveredBy, factoria_search::matching::RequirementKind, factoria_search::matching::CoverField, factoria_search::matching::ConstraintKind, factoria_search::matching::Preview, factoria_search::matching::RequirementSupply,
        admin::Invited, admin::SessionsEnded, me::PersonalData, factoria_search::matching::ConstraintCheck, factoria_search::matching::Strength,
        params::SearchMode, params::SearchSort, params::ChallengeListSort, params::CompanyListSort,
        params::CertificationRule, params::Lang, crate::domain::matching::CompanySummary,
        crate::domain::matching::ChallengeSummary, crate::domain::matching::FeedbackView, matching::FeedbackRequest,
        auth::Notice, auth::SignedIn, crate::domain::accounts::Me, me::CreatedToken, crate::domain::accounts::TokenView, crate::domain::actor::Scope,
        crate::domain::admin::UserView, crate::domain::introductions::IntroductionView, crate::domain::introductions::EventView,
        crate::domain::alerts::SubscriptionView, crate::domain::alerts::Frequency, crate::email::Topic, crate::types::Locale,
        crate::domain::search::HighlightField, crate::types::IntroductionStage,
        bodies::SignUpBody, bodies::LoginBody, bodies::TokenBody, bodies::VerifyBody, bodies::EmailBody, bodies::NewPasswordBody,
        bodies::InvitationBody, bodies::AdministratorBody, bodies::ModerationBody, bodies::IntroductionBody,
        bodies::StageBody, bodies::SubscriptionBody, bodies::TokenRequestBody, bodies::EraseBody,
        calls::CallBody, calls::TextBody, calls::ProposalBody, calls::AnswerBody, calls::StartBody, calls::DeclarationBody,
        calls::ScoresBody, calls::ResultBody, crate::domain::calls::CallView, crate::domain::calls::Criterion,
        crate::domain::calls::CallOutcome, crate::domain::calls::SelectedProposal, crate::domain::calls::QuestionView,
        crate::domain::proposals::ProposalView, crate::domain::proposals::ProposalContent, crate::domain::proposals::RequirementAnswer,
        crate::domain::proposals::ProposalList, crate::domain::proposals::ProposalSummary, crate::types::ProposalStatus,
        crate::domain::evaluation::EvaluationView, crate::domain::evaluation::CriterionScore, crate::domain::evaluation::Ranking,
        crate::domain::evaluation::RankedProposal, crate::domain::evaluation::CriterionMean,
        documents::UploadBody, crate::domain::documents::DocumentView,
    )),
    tags(
        (name = "companies", description = "Company profiles"),
        (name = "challenges", description = "Challenges and their life cycle"),
        (name = "search", description = "Hybrid search"),
        (name = "cpv", description = "The CPV 2008 vocabulary and CPV codes suggested for a text"),
        (name = "matching", description = "Matches, recommendations, supply preview and feedback"),
        (name = "accounts", description = "Sign-up, sign-in, API tokens and personal data"),
        (name = "admin", description = "Officers, roles, sessions and moderation"),
        (name = "introductions", description = "Double opt-in introductions and the collaboration pipeline"),
        (name = "calls", description = "A challenge's call: criteria and deadlines, public questions, proposals, sealed evaluation and the result"),
        (name = "open data", description = "Published challenges in the Open Contracting Data Standard"),
    )
)]
pub struct ApiDoc;

/// A page of companies.
#[derive(utoipa::ToSchema)]
#[expect(
    dead_code,
    reason = "documents the shape of crate::domain::Page<CompanyView> for OpenAPI"
)]
pub struct CompanyPage {
    items: Vec<CompanyView>,
    page: u64,
    per_page: u64,
    total: u64,
}

/// A page of challenges.
#[derive(utoipa::ToSchema)]
#[expect(
    dead_code,
    reason = "documents the shape of crate::domain::Page<ChallengeView> for OpenAPI"
)]
pub struct ChallengePage {
    items: Vec<ChallengeView>,
    page: u64,
    per_page: u64,
    total: u64,
}

/// Routes of `/api/v1`: bodies up to `body_limit`, and files up to their own limit on the
/// routes that take them.
pub fn routes(body_limit: usize) -> Router<AppState> {
    use axum::extract::DefaultBodyLimit;
    use tower_http::limit::RequestBodyLimitLayer;
    let upload_limit = crate::http::UPLOAD_LIMIT;
    let files = Router::new()
        .route(
            "/challenges/{id}/documents",
            get(documents::of_challenge).post(documents::add_to_challenge),
        )
        .route(
            "/challenges/{id}/documents/{document}",
            get(documents::download).delete(documents::remove),
        )
        .route(
            "/challenges/{id}/proposals/{proposal}/documents",
            get(documents::of_proposal).post(documents::add_to_proposal),
        )
        .layer(DefaultBodyLimit::max(upload_limit))
        .layer(RequestBodyLimitLayer::new(upload_limit));
    records()
        .layer(RequestBodyLimitLayer::new(body_limit))
        .merge(files)
}

/// The routes of records (JSON bodies).
fn records() -> Router<AppState> {
    Router::new()
        .route("/companies", get(companies::list).post(companies::create))
        .route("/companies/search", get(search::companies))
        .route("/cpv", get(cpv::browse))
        .route("/cpv/suggestions", post(cpv::suggest))
        .route(
            "/companies/{id}/recommendations",
            get(matching::recommendations),
        )
        .route(
            "/companies/{id}",
            get(companies::get_one)
                .put(companies::replace)
                .patch(companies::patch),
        )
        .route(
            "/challenges",
            get(challenges::list).post(challenges::create),
        )
        .route("/challenges/search", get(search::challenges))
        .route("/ocds/releases", get(ocds::releases))
        .route("/ocds/releases/{id}", get(ocds::release))
        .route(
            "/challenges/{id}",
            get(challenges::get_one)
                .put(challenges::replace)
                .patch(challenges::patch),
        )
        .route("/challenges/preview", post(matching::preview))
        .route("/challenges/{id}/status", post(challenges::change_status))
        .route(
            "/challenges/{id}/call",
            get(calls::get_call).put(calls::set_call),
        )
        .route(
            "/challenges/{id}/questions",
            get(calls::questions).post(calls::ask),
        )
        .route(
            "/challenges/{id}/questions/{question}/answer",
            post(calls::answer),
        )
        .route(
            "/challenges/{id}/proposals",
            get(calls::proposals).post(calls::start_proposal),
        )
        .route(
            "/challenges/{id}/proposals/{proposal}",
            get(calls::proposal).patch(calls::edit_proposal),
        )
        .route(
            "/challenges/{id}/proposals/{proposal}/submit",
            post(calls::submit_proposal),
        )
        .route(
            "/challenges/{id}/proposals/{proposal}/withdraw",
            post(calls::withdraw_proposal),
        )
        .route(
            "/challenges/{id}/proposals/{proposal}/declaration",
            post(calls::declare),
        )
        .route(
            "/challenges/{id}/proposals/{proposal}/evaluation",
            get(calls::my_evaluation).put(calls::score),
        )
        .route("/challenges/{id}/evaluations", get(calls::ranking))
        .route("/challenges/{id}/result", post(calls::publish_result))
        .route("/challenges/{id}/matches", get(matching::matches))
        .route(
            "/challenges/{id}/matches/{company}/feedback",
            post(matching::feedback),
        )
        .route("/auth/signup", post(auth::sign_up))
        .route("/auth/verify", post(auth::verify))
        .route("/auth/login", post(auth::log_in))
        .route("/auth/logout", post(auth::log_out))
        .route("/auth/login-link", post(auth::request_link))
        .route("/auth/login-link/complete", post(auth::complete_link))
        .route("/auth/password-reset", post(auth::request_reset))
        .route("/auth/password-reset/complete", post(auth::complete_reset))
        .route("/auth/invitation/complete", post(auth::complete_invitation))
        .route("/me", get(me::me).delete(me::erase))
        .route("/me/tokens", get(me::tokens).post(me::create_token))
        .route("/me/tokens/{id}", delete(me::revoke_token))
        .route("/me/data", get(me::data))
        .route("/me/subscriptions", get(introductions::subscriptions))
        .route(
            "/me/subscriptions/{topic}",
            put(introductions::set_subscription),
        )
        .route(
            "/challenges/{id}/introductions",
            get(introductions::for_challenge).post(introductions::introduce),
        )
        .route(
            "/companies/{id}/introductions",
            get(introductions::for_company),
        )
        .route(
            "/introductions/{id}/stage",
            post(introductions::record_stage),
        )
        .route("/admin/users", get(admin::users))
        .route("/admin/invitations", post(admin::invite))
        .route("/admin/users/{id}/sessions", delete(admin::end_sessions))
        .route("/admin/users/{id}/administrator", put(admin::set_admin))
        .route("/admin/companies/{id}/moderation", put(admin::moderate))
        .route(
            "/challenges/{id}/interests",
            get(challenges::interests)
                .post(challenges::declare_interest)
                .delete(challenges::withdraw_interest),
        )
}
