//! Users, passwords, sessions and API tokens.
//!
//! Passwords are hashed with argon2id on a blocking thread. Session ids and tokens are 256
//! random bits; only their SHA-256 is stored, so a database leak yields nothing usable.

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use base64::Engine;
use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::actor::{Scope, UserActor};
use super::{Actor, Error, Result};
use crate::context::Context;
use crate::db::entities::{api_token, membership, session, user};
use crate::db::{self};
use crate::types::Email;

/// 256 random bits, URL-safe base64 without padding.
pub fn random_token() -> String {
    let bytes: [u8; 32] = rand::random();
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// SHA-256 of a token, hex; what is stored.
pub fn token_hash(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Hashes a password with argon2id (default parameters: 19 MiB, 2 passes), off the runtime.
pub async fn hash_password(password: String) -> Result<String> {
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::encode_b64(&rand::random::<[u8; 16]>())
            .map_err(|e| anyhow::anyhow!("salt: {e}"))?;
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| anyhow::anyhow!("cannot hash a password: {e}"))
    })
    .await
    .map_err(|e| Error::Internal(anyhow::anyhow!("hashing task: {e}")))?
    .map_err(Error::Internal)
}

/// Checks a password against a stored hash, off the runtime.
pub async fn verify_password(password: String, hash: String) -> bool {
    tokio::task::spawn_blocking(move || {
        PasswordHash::new(&hash).is_ok_and(|parsed| {
            Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
    })
    .await
    .unwrap_or(false)
}

/// Checks a new password: at least 10 characters, at most 200.
pub fn check_password(password: &str) -> std::result::Result<(), String> {
    let n = password.chars().count();
    if n < 10 {
        Err("use at least 10 characters".into())
    } else if n > 200 {
        Err("use at most 200 characters".into())
    } else {
        Ok(())
    }
}

/// The users among `ids` whom the platform may write to: active, with a proven address.
pub async fn reachable<C: ConnectionTrait>(conn: &C, ids: Vec<i64>) -> Result<Vec<user::Model>> {
    Ok(user::Entity::find()
        .filter(user::Column::Id.is_in(ids))
        .filter(user::Column::DisabledAt.is_null())
        .filter(user::Column::EmailVerifiedAt.is_not_null())
        .all(conn)
        .await?)
}

/// Creates a user; an existing address is a conflict.
pub async fn create_user<C: ConnectionTrait>(
    conn: &C,
    email: &Email,
    name: &str,
    password_hash: Option<String>,
    locale: &str,
    is_admin: bool,
    verified: bool,
) -> Result<i64> {
    let address = email.as_str().to_lowercase();
    if user::Entity::find()
        .filter(user::Column::Email.eq(&address))
        .one(conn)
        .await?
        .is_some()
    {
        return Err(Error::Conflict(
            "an account with this email address already exists".into(),
        ));
    }
    let now = db::now();
    let row = user::ActiveModel {
        email: Set(address),
        name: Set(name.to_owned()),
        password_hash: Set(password_hash),
        locale: Set(locale.to_owned()),
        email_verified_at: Set(verified.then_some(now)),
        is_admin: Set(is_admin),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    Ok(row.id)
}

/// Adds a membership: `member` of a company or `officer` of a department.
pub async fn add_membership<C: ConnectionTrait>(
    conn: &C,
    user_id: i64,
    company_id: Option<i64>,
    department_id: Option<i64>,
) -> Result<()> {
    let role = if department_id.is_some() {
        "officer"
    } else {
        "member"
    };
    let exists = membership::Entity::find()
        .filter(membership::Column::UserId.eq(user_id))
        .filter(match company_id {
            Some(id) => membership::Column::CompanyId.eq(id),
            None => membership::Column::CompanyId.is_null(),
        })
        .filter(match department_id {
            Some(id) => membership::Column::DepartmentId.eq(id),
            None => membership::Column::DepartmentId.is_null(),
        })
        .one(conn)
        .await?;
    if exists.is_none() {
        membership::ActiveModel {
            user_id: Set(user_id),
            company_id: Set(company_id),
            department_id: Set(department_id),
            role: Set(role.into()),
            created_at: Set(db::now()),
            ..Default::default()
        }
        .insert(conn)
        .await?;
    }
    Ok(())
}

/// The actor of an active user, with their memberships; `None` when disabled or gone.
pub async fn actor_for_user<C: ConnectionTrait>(
    conn: &C,
    user_id: i64,
    scopes: Option<Vec<Scope>>,
) -> Result<Option<Actor>> {
    let Some(row) = user::Entity::find_by_id(user_id).one(conn).await? else {
        return Ok(None);
    };
    if row.disabled_at.is_some() {
        return Ok(None);
    }
    let memberships = membership::Entity::find()
        .filter(membership::Column::UserId.eq(user_id))
        .all(conn)
        .await?;
    Ok(Some(Actor::User(UserActor {
        id: row.id,
        name: row.name,
        email: row.email,
        is_admin: row.is_admin,
        companies: memberships.iter().filter_map(|m| m.company_id).collect(),
        departments: memberships.iter().filter_map(|m| m.department_id).collect(),
        scopes,
        locale: row.locale,
    })))
}

/// Remembers the language a signed-in user chose (`es` or `en`); nothing for anonymous visitors,
/// whose choice lives in a cookie.
pub async fn set_locale(ctx: &Context, actor: &Actor, locale: &str) -> Result<()> {
    let Some(user) = actor.user() else {
        return Ok(());
    };
    let locale = if locale == "en" { "en" } else { "es" };
    user::Entity::update_many()
        .col_expr(
            user::Column::Locale,
            sea_orm::sea_query::Expr::value(locale),
        )
        .filter(user::Column::Id.eq(user.id))
        .exec(&ctx.db)
        .await?;
    Ok(())
}

/// The signed-in person, as they see themselves.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Me {
    /// User id.
    pub id: i64,
    /// Address.
    pub email: String,
    /// Name.
    pub name: String,
    /// The language of the pages and emails.
    #[schema(value_type = crate::types::Locale)]
    pub locale: String,
    /// Administrator.
    pub administrator: bool,
    /// Company ids (database).
    pub companies: Vec<i64>,
    /// Department ids (database).
    pub departments: Vec<i64>,
}

/// Who is signed in: their account as stored, with their memberships.
pub async fn me(ctx: &Context, actor: &Actor) -> Result<Me> {
    let user = actor.user().ok_or(Error::Unauthenticated)?;
    let row = user::Entity::find_by_id(user.id)
        .one(&ctx.db)
        .await?
        .ok_or(Error::Unauthenticated)?;
    Ok(Me {
        id: row.id,
        email: row.email,
        name: row.name,
        locale: row.locale,
        administrator: row.is_admin,
        companies: user.companies.clone(),
        departments: user.departments.clone(),
    })
}

/// The account page: who is signed in and their API tokens.
pub async fn overview(ctx: &Context, actor: &Actor) -> Result<(Me, Vec<TokenView>)> {
    Ok((me(ctx, actor).await?, list_api_tokens(ctx, actor).await?))
}

/// An API token as listed: never the token itself.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TokenView {
    /// Row id, for revoking.
    pub id: i64,
    /// Name given by the user.
    pub name: String,
    /// First characters, to recognise it.
    pub prefix: String,
    /// What it may do.
    pub scopes: Vec<Scope>,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last used.
    pub last_used_at: Option<DateTime<Utc>>,
    /// Revoked.
    pub revoked_at: Option<DateTime<Utc>>,
}

fn token_view(row: &api_token::Model) -> TokenView {
    TokenView {
        id: row.id,
        name: row.name.clone(),
        prefix: row.prefix.clone(),
        scopes: serde_json::from_str(&row.scopes).unwrap_or_default(),
        created_at: row.created_at,
        last_used_at: row.last_used_at,
        revoked_at: row.revoked_at,
    }
}

/// Creates an API token for `user_id`; the token is returned once and stored hashed.
pub async fn create_api_token<C: ConnectionTrait>(
    conn: &C,
    user_id: i64,
    name: &str,
    scopes: &[Scope],
) -> Result<(String, TokenView)> {
    let token = format!("fct_{}", random_token());
    let row = api_token::ActiveModel {
        user_id: Set(user_id),
        name: Set(name.to_owned()),
        token_hash: Set(token_hash(&token)),
        prefix: Set(token.chars().take(12).collect()),
        scopes: Set(serde_json::to_string(scopes).unwrap_or_else(|_| "[]".into())),
        created_at: Set(db::now()),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    Ok((token, token_view(&row)))
}

/// Creates an API token for the person signed in at the keyboard (never with another token);
/// the token is returned once and stored hashed.
pub async fn issue_api_token(
    ctx: &Context,
    actor: &Actor,
    name: &str,
    scopes: &[Scope],
    ip: Option<&str>,
) -> Result<(String, TokenView)> {
    let user = actor.session_user()?;
    // The same rule for the API and the account page.
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 80 || !crate::types::validation::is_one_line(name)
    {
        return Err(crate::types::validation::FieldErrors::one(
            "name",
            "name the token in one line of up to 80 characters",
        )
        .into());
    }
    let tx = db::begin_write(&ctx.db).await?;
    let (token, view) = create_api_token(&tx, user.id, name, scopes).await?;
    super::audit::record(
        &tx,
        &ctx.config.secret,
        Some(user.id),
        super::audit::action::TOKEN_CREATED,
        Some(format!("token:{}", view.id)),
        Some(serde_json::json!({"scopes": scopes})),
        ip,
    )
    .await?;
    tx.commit().await?;
    Ok((token, view))
}

/// The actor's own API tokens.
pub async fn list_api_tokens(ctx: &Context, actor: &Actor) -> Result<Vec<TokenView>> {
    let user = actor.user().ok_or(Error::Unauthenticated)?;
    let rows = api_token::Entity::find()
        .filter(api_token::Column::UserId.eq(user.id))
        .all(&ctx.db)
        .await?;
    Ok(rows.iter().map(token_view).collect())
}

/// Revokes one of the actor's tokens (a token that may only read revokes nothing).
pub async fn revoke_api_token(
    ctx: &Context,
    actor: &Actor,
    id: i64,
    ip: Option<&str>,
) -> Result<()> {
    let user = actor.writer()?;
    let tx = db::begin_write(&ctx.db).await?;
    let row = api_token::Entity::find_by_id(id)
        .one(&tx)
        .await?
        .filter(|t| t.user_id == user.id)
        .ok_or(Error::NotFound("token"))?;
    let mut model: api_token::ActiveModel = row.into();
    model.revoked_at = Set(Some(db::now()));
    model.update(&tx).await?;
    super::audit::record(
        &tx,
        &ctx.config.secret,
        Some(user.id),
        super::audit::action::TOKEN_REVOKED,
        Some(format!("token:{id}")),
        None,
        ip,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Revokes every live API token of a user; returns how many.
pub async fn revoke_api_tokens_of<C: ConnectionTrait>(conn: &C, user_id: i64) -> Result<u64> {
    let result = api_token::Entity::update_many()
        .col_expr(
            api_token::Column::RevokedAt,
            sea_orm::sea_query::Expr::value(db::now()),
        )
        .filter(api_token::Column::UserId.eq(user_id))
        .filter(api_token::Column::RevokedAt.is_null())
        .exec(conn)
        .await?;
    Ok(result.rows_affected)
}

/// The actor behind a bearer token; an unknown or revoked token is unauthenticated.
pub async fn actor_for_api_token(ctx: &Context, token: &str) -> Result<Actor> {
    let row = api_token::Entity::find()
        .filter(api_token::Column::TokenHash.eq(token_hash(token)))
        .one(&ctx.db)
        .await?
        .filter(|t| t.revoked_at.is_none())
        .ok_or(Error::Unauthenticated)?;
    let now = db::now();
    if row
        .last_used_at
        .is_none_or(|t| now - t > chrono::Duration::minutes(1))
    {
        let mut model: api_token::ActiveModel = row.clone().into();
        model.last_used_at = Set(Some(now));
        model.update(&ctx.db).await?;
    }
    let scopes: Vec<Scope> = serde_json::from_str(&row.scopes).unwrap_or_default();
    actor_for_user(&ctx.db, row.user_id, Some(scopes))
        .await?
        .ok_or(Error::Unauthenticated)
}

/// A new browser session: its cookie value, CSRF token and user.
pub struct NewSession {
    /// Cookie value.
    pub token: String,
    /// CSRF token for the forms of this session.
    pub csrf: String,
    /// The user signed in.
    pub user_id: i64,
    /// Who they are, for where to send them next.
    pub actor: Actor,
}

/// Where a sign-in comes from: the client, and the session it replaces.
#[derive(Debug, Clone, Default)]
pub struct SignInFrom {
    /// Client address.
    pub ip: Option<String>,
    /// Browser.
    pub user_agent: Option<String>,
    /// Stored id of the session the browser had, ended by the sign-in (a new id every time).
    pub replacing: Option<String>,
}

/// Starts a session for `user_id`, ending the one it replaces: every sign-in gets a new id.
pub async fn create_session(ctx: &Context, user_id: i64, from: SignInFrom) -> Result<NewSession> {
    let token = random_token();
    let csrf = random_token();
    let now = db::now();
    let absolute =
        chrono::Duration::from_std(ctx.config.session_absolute_timeout).unwrap_or_default();
    let tx = db::begin_write(&ctx.db).await?;
    if let Some(previous) = &from.replacing {
        revoke_session_in(&tx, previous).await?;
    }
    session::ActiveModel {
        id: Set(token_hash(&token)),
        user_id: Set(user_id),
        csrf_token: Set(csrf.clone()),
        created_at: Set(now),
        last_seen_at: Set(now),
        expires_at: Set(now + absolute),
        revoked_at: Set(None),
        ip: Set(from.ip),
        user_agent: Set(from.user_agent.map(|ua| ua.chars().take(200).collect())),
    }
    .insert(&tx)
    .await?;
    let actor = actor_for_user(&tx, user_id, None)
        .await?
        .ok_or(Error::Unauthenticated)?;
    tx.commit().await?;
    Ok(NewSession {
        token,
        csrf,
        user_id,
        actor,
    })
}

/// A live session and its user.
#[derive(Clone)]
pub struct LiveSession {
    /// The user.
    pub actor: Actor,
    /// CSRF token of the session.
    pub csrf: String,
    /// Stored id (hash of the cookie).
    pub id: String,
}

/// The session behind a cookie, if it is live: not revoked, not idle too long, not past its
/// absolute end.
pub async fn resolve_session(ctx: &Context, token: &str) -> Result<Option<LiveSession>> {
    let id = token_hash(token);
    let Some(row) = session::Entity::find_by_id(id.clone()).one(&ctx.db).await? else {
        return Ok(None);
    };
    let now = db::now();
    let idle = chrono::Duration::from_std(ctx.config.session_idle_timeout).unwrap_or_default();
    if row.revoked_at.is_some() || row.expires_at <= now || now - row.last_seen_at > idle {
        return Ok(None);
    }
    if now - row.last_seen_at > chrono::Duration::minutes(1) {
        let mut model: session::ActiveModel = row.clone().into();
        model.last_seen_at = Set(now);
        model.update(&ctx.db).await?;
    }
    let Some(actor) = actor_for_user(&ctx.db, row.user_id, None).await? else {
        return Ok(None);
    };
    Ok(Some(LiveSession {
        actor,
        csrf: row.csrf_token,
        id,
    }))
}

/// Ends one session.
pub async fn revoke_session(ctx: &Context, id: &str) -> Result<()> {
    revoke_session_in(&ctx.db, id).await
}

async fn revoke_session_in<C: ConnectionTrait>(conn: &C, id: &str) -> Result<()> {
    session::Entity::update_many()
        .col_expr(
            session::Column::RevokedAt,
            sea_orm::sea_query::Expr::value(db::now()),
        )
        .filter(session::Column::Id.eq(id))
        .exec(conn)
        .await?;
    Ok(())
}

/// Ends every session of a user.
pub async fn revoke_sessions_of<C: ConnectionTrait>(conn: &C, user_id: i64) -> Result<u64> {
    let result = session::Entity::update_many()
        .col_expr(
            session::Column::RevokedAt,
            sea_orm::sea_query::Expr::value(db::now()),
        )
        .filter(session::Column::UserId.eq(user_id))
        .filter(session::Column::RevokedAt.is_null())
        .exec(conn)
        .await?;
    Ok(result.rows_affected)
}

/// The id of the account at `email` (any case), when there is one.
pub async fn user_id_by_email<C: ConnectionTrait>(conn: &C, email: &str) -> Result<Option<i64>> {
    Ok(user::Entity::find()
        .filter(user::Column::Email.eq(email.trim().to_lowercase()))
        .one(conn)
        .await?
        .map(|row| row.id))
}
