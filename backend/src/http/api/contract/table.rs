//! The table of every operation of `/api/v1`: its id, who may call it, whether it is
//! idempotent and whether it serves a versioned record.

use super::Access::{Optional, Public, Signed};
use super::{Operation, op};

/// Every operation of `/api/v1`.
pub const OPERATIONS: &[Operation] = &[
    op("get", "/api/v1/cpv", "browse_cpv", Optional),
    op("post", "/api/v1/cpv/suggestions", "suggest_cpv", Optional),
    op("get", "/api/v1/ocds/releases", "list_ocds_releases", Public),
    op(
        "get",
        "/api/v1/ocds/releases/{id}",
        "get_ocds_release",
        Public,
    ),
    op("get", "/api/v1/companies", "list_companies", Optional),
    op("post", "/api/v1/companies", "create_company", Signed)
        .idempotent()
        .versioned(),
    op(
        "get",
        "/api/v1/companies/search",
        "search_companies",
        Optional,
    ),
    op("get", "/api/v1/companies/{id}", "get_company", Optional).versioned(),
    op("put", "/api/v1/companies/{id}", "replace_company", Signed).versioned(),
    op("patch", "/api/v1/companies/{id}", "patch_company", Signed).versioned(),
    op(
        "get",
        "/api/v1/companies/{id}/introductions",
        "list_company_introductions",
        Signed,
    ),
    op(
        "get",
        "/api/v1/companies/{id}/recommendations",
        "recommend_challenges",
        Signed,
    ),
    op("get", "/api/v1/challenges", "list_challenges", Optional),
    op("post", "/api/v1/challenges", "create_challenge", Signed)
        .idempotent()
        .versioned(),
    op(
        "post",
        "/api/v1/challenges/preview",
        "preview_challenge_supply",
        Signed,
    ),
    op(
        "get",
        "/api/v1/challenges/search",
        "search_challenges",
        Optional,
    ),
    op("get", "/api/v1/challenges/{id}", "get_challenge", Optional).versioned(),
    op(
        "put",
        "/api/v1/challenges/{id}",
        "replace_challenge",
        Signed,
    )
    .versioned(),
    op(
        "patch",
        "/api/v1/challenges/{id}",
        "patch_challenge",
        Signed,
    )
    .versioned(),
    op(
        "post",
        "/api/v1/challenges/{id}/status",
        "change_challenge_status",
        Signed,
    )
    .idempotent(),
    op(
        "get",
        "/api/v1/challenges/{id}/interests",
        "list_challenge_interests",
        Signed,
    ),
    op(
        "post",
        "/api/v1/challenges/{id}/interests",
        "declare_interest",
        Signed,
    )
    .idempotent(),
    op(
        "delete",
        "/api/v1/challenges/{id}/interests",
        "withdraw_interest",
        Signed,
    ),
    op("get", "/api/v1/challenges/{id}/call", "get_call", Optional),
    op("put", "/api/v1/challenges/{id}/call", "set_call", Signed),
    op(
        "get",
        "/api/v1/challenges/{id}/questions",
        "list_questions",
        Optional,
    ),
    op(
        "post",
        "/api/v1/challenges/{id}/questions",
        "ask_question",
        Signed,
    )
    .idempotent(),
    op(
        "post",
        "/api/v1/challenges/{id}/questions/{question}/answer",
        "answer_question",
        Signed,
    )
    .idempotent(),
    op(
        "get",
        "/api/v1/challenges/{id}/proposals",
        "list_proposals",
        Signed,
    ),
    op(
        "post",
        "/api/v1/challenges/{id}/proposals",
        "start_proposal",
        Signed,
    )
    .idempotent(),
    op(
        "get",
        "/api/v1/challenges/{id}/proposals/{proposal}",
        "get_proposal",
        Signed,
    ),
    op(
        "patch",
        "/api/v1/challenges/{id}/proposals/{proposal}",
        "edit_proposal",
        Signed,
    ),
    op(
        "post",
        "/api/v1/challenges/{id}/proposals/{proposal}/submit",
        "submit_proposal",
        Signed,
    )
    .idempotent(),
    op(
        "post",
        "/api/v1/challenges/{id}/proposals/{proposal}/withdraw",
        "withdraw_proposal",
        Signed,
    ),
    op(
        "post",
        "/api/v1/challenges/{id}/proposals/{proposal}/declaration",
        "declare_conflict_of_interest",
        Signed,
    ),
    op(
        "get",
        "/api/v1/challenges/{id}/proposals/{proposal}/evaluation",
        "get_my_evaluation",
        Signed,
    ),
    op(
        "put",
        "/api/v1/challenges/{id}/proposals/{proposal}/evaluation",
        "submit_evaluation",
        Signed,
    ),
    op(
        "get",
        "/api/v1/challenges/{id}/evaluations",
        "rank_proposals",
        Signed,
    ),
    op(
        "post",
        "/api/v1/challenges/{id}/result",
        "publish_result",
        Signed,
    )
    .idempotent(),
    op(
        "get",
        "/api/v1/challenges/{id}/introductions",
        "list_challenge_introductions",
        Signed,
    ),
    op(
        "post",
        "/api/v1/challenges/{id}/introductions",
        "introduce_company",
        Signed,
    )
    .idempotent(),
    op(
        "get",
        "/api/v1/challenges/{id}/matches",
        "match_companies",
        Signed,
    ),
    op(
        "post",
        "/api/v1/challenges/{id}/matches/{company}/feedback",
        "record_match_feedback",
        Signed,
    )
    .idempotent(),
    op(
        "post",
        "/api/v1/introductions/{id}/stage",
        "record_introduction_stage",
        Signed,
    )
    .idempotent(),
    op("post", "/api/v1/auth/signup", "sign_up", Public).idempotent(),
    op("post", "/api/v1/auth/verify", "verify_email", Public),
    op("post", "/api/v1/auth/login", "log_in", Public),
    op("post", "/api/v1/auth/logout", "log_out", Optional),
    op(
        "post",
        "/api/v1/auth/login-link",
        "request_login_link",
        Public,
    )
    .idempotent(),
    op(
        "post",
        "/api/v1/auth/login-link/complete",
        "complete_login_link",
        Public,
    ),
    op(
        "post",
        "/api/v1/auth/password-reset",
        "request_password_reset",
        Public,
    )
    .idempotent(),
    op(
        "post",
        "/api/v1/auth/password-reset/complete",
        "complete_password_reset",
        Public,
    ),
    op(
        "post",
        "/api/v1/auth/invitation/complete",
        "complete_invitation",
        Public,
    ),
    op("get", "/api/v1/me", "get_me", Signed),
    op("delete", "/api/v1/me", "erase_me", Signed),
    op("get", "/api/v1/me/data", "export_my_data", Signed),
    op(
        "get",
        "/api/v1/me/subscriptions",
        "list_subscriptions",
        Signed,
    ),
    op(
        "put",
        "/api/v1/me/subscriptions/{topic}",
        "set_subscription",
        Signed,
    ),
    op("get", "/api/v1/me/tokens", "list_api_tokens", Signed),
    // Not replayable: its answer carries the new token's secret, which is never stored.
    op("post", "/api/v1/me/tokens", "create_api_token", Signed),
    op(
        "delete",
        "/api/v1/me/tokens/{id}",
        "revoke_api_token",
        Signed,
    ),
    op("get", "/api/v1/admin/users", "list_users", Signed),
    op(
        "post",
        "/api/v1/admin/invitations",
        "invite_officer",
        Signed,
    )
    .idempotent(),
    op(
        "delete",
        "/api/v1/admin/users/{id}/sessions",
        "end_user_sessions",
        Signed,
    ),
    op(
        "put",
        "/api/v1/admin/users/{id}/administrator",
        "set_administrator",
        Signed,
    ),
    op(
        "put",
        "/api/v1/admin/companies/{id}/moderation",
        "moderate_company",
        Signed,
    ),
];
