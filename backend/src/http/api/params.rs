//! The fixed sets of values some query parameters take, as the OpenAPI document shows them.
//! Each handler parses its own; the contract test sends every value listed here and expects
//! it to be accepted, so the two cannot drift apart.

/// How a search ranks: words and meaning fused, words only, or meaning only.
#[derive(utoipa::ToSchema)]
#[schema(rename_all = "lowercase")]
pub enum SearchMode {
    Hybrid,
    Bm25,
    Vector,
}

/// Order of search results.
#[derive(utoipa::ToSchema)]
#[schema(rename_all = "lowercase")]
pub enum SearchSort {
    Relevance,
    Deadline,
    Newest,
    Name,
    Budget,
}

/// Order of the challenge list.
#[derive(utoipa::ToSchema)]
pub enum ChallengeListSort {
    #[schema(rename = "deadline")]
    Deadline,
    #[schema(rename = "-created_at")]
    Newest,
    #[schema(rename = "title")]
    Title,
    #[schema(rename = "-budget")]
    Budget,
}

/// Order of the company list.
#[derive(utoipa::ToSchema)]
pub enum CompanyListSort {
    #[schema(rename = "name")]
    Name,
    #[schema(rename = "-name")]
    NameDescending,
    #[schema(rename = "-created_at")]
    Newest,
    #[schema(rename = "-updated_at")]
    Updated,
}

/// What matching does with companies lacking a required certification: drop them, or rank
/// them below certified companies of similar relevance.
#[derive(utoipa::ToSchema)]
#[schema(rename_all = "lowercase")]
pub enum CertificationRule {
    Filter,
    Demote,
}

/// A language of the interface.
#[derive(utoipa::ToSchema)]
#[schema(rename_all = "lowercase")]
pub enum Lang {
    Es,
    En,
}
