//! Signing up, verifying the address, signing in (password or one-time link), resetting the
//! password, inviting officers, and ending sessions.
//!
//! Answers never reveal whether an address has an account: a sign-up with a known address and
//! a link or reset request for an unknown one look the same to the requester.

use chrono::Duration;
use factoria_frontend::emails::{EmailContent, Invite, Link};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};

use super::accounts::{self, NewSession};
use super::audit::{self, action};
use super::{Actor, Error, Result};
use crate::context::Context;
use crate::db::entities::{user, user_token};
use crate::db::{self};
use crate::email::{self, Outgoing};
use crate::types::Email;
use crate::types::validation::FieldErrors;

/// Purposes of single-use tokens sent by email.
pub mod purpose {
    /// Confirms an address after sign-up.
    pub const VERIFY_EMAIL: &str = "verify_email";
    /// Signs in without a password.
    pub const LOGIN_LINK: &str = "login_link";
    /// Chooses a new password.
    pub const PASSWORD_RESET: &str = "password_reset";
    /// An invited officer chooses a password.
    pub const INVITATION: &str = "invitation";
}

/// Issues a single-use token for `user_id`, valid for `ttl`; only its hash is stored.
pub async fn issue_token<C: ConnectionTrait>(
    conn: &C,
    user_id: i64,
    purpose: &str,
    ttl: Duration,
) -> Result<String> {
    let token = accounts::random_token();
    let now = db::now();
    user_token::ActiveModel {
        user_id: Set(Some(user_id)),
        purpose: Set(purpose.to_owned()),
        token_hash: Set(accounts::token_hash(&token)),
        created_at: Set(now),
        expires_at: Set(now + ttl),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    Ok(token)
}

/// Uses a token: returns its user once; a used, expired, unknown or other-purpose token is an
/// error whose message the link pages show.
pub async fn consume_token<C: ConnectionTrait>(
    conn: &C,
    token: &str,
    purpose: &str,
) -> Result<i64> {
    let row = user_token::Entity::find()
        .filter(user_token::Column::TokenHash.eq(accounts::token_hash(token)))
        .filter(user_token::Column::Purpose.eq(purpose))
        .one(conn)
        .await?
        .ok_or_else(|| Error::Forbidden("this link is not valid".into()))?;
    if row.used_at.is_some() {
        return Err(Error::Forbidden("this link has already been used".into()));
    }
    if row.expires_at <= db::now() {
        return Err(Error::Forbidden("this link has expired".into()));
    }
    let user_id = row
        .user_id
        .ok_or_else(|| Error::Forbidden("this link is not valid".into()))?;
    let mut model: user_token::ActiveModel = row.into();
    model.used_at = Set(Some(db::now()));
    model.update(conn).await?;
    Ok(user_id)
}

fn lang_of(locale: &str) -> factoria_search::Lang {
    factoria_search::Lang::from_code(locale)
}

async fn send_link<C: ConnectionTrait>(
    ctx: &Context,
    conn: &C,
    row: &user::Model,
    content: EmailContent,
) -> Result<()> {
    let to = Email::parse(&row.email).map_err(|e| Error::Internal(anyhow::anyhow!(e)))?;
    let outgoing = Outgoing {
        to,
        to_name: Some(row.name.clone()),
        user_id: Some(row.id),
        lang: lang_of(&row.locale),
        content,
        topic: None,
        reply_to: None,
    };
    email::enqueue(conn, ctx.mailer.domain(), outgoing).await?;
    Ok(())
}

/// A new account's fields, checked.
pub struct SignUp {
    /// Address.
    pub email: Email,
    /// Full name.
    pub name: String,
    /// Password.
    pub password: String,
    /// es or en.
    pub locale: String,
}

impl SignUp {
    /// Checks the fields of a sign-up form or request.
    pub fn parse(
        email: &str,
        name: &str,
        password: &str,
        locale: &str,
    ) -> std::result::Result<Self, FieldErrors> {
        let mut errors = FieldErrors::default();
        let parsed_email = Email::parse(email)
            .map_err(|m| errors.push("email", m))
            .ok();
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 120 {
            errors.push("name", "write your name (up to 120 characters)");
        }
        if let Err(m) = accounts::check_password(password) {
            errors.push("password", m);
        }
        if !matches!(locale, "es" | "en") {
            errors.push("locale", "choose es or en");
        }
        match parsed_email {
            Some(email) if errors.is_empty() => Ok(Self {
                email,
                name: name.to_owned(),
                password: password.to_owned(),
                locale: locale.to_owned(),
            }),
            _ => Err(errors),
        }
    }
}

/// Creates an unverified account and sends the verification link. For an address that already
/// has an account, sends it a sign-in link instead and answers the same way.
pub async fn sign_up(ctx: &Context, form: SignUp, ip: Option<&str>) -> Result<()> {
    let hash = accounts::hash_password(form.password.clone()).await?;
    let tx = db::begin_write(&ctx.db).await?;
    let existing = user::Entity::find()
        .filter(user::Column::Email.eq(form.email.as_str().to_lowercase()))
        .one(&tx)
        .await?;
    match existing {
        Some(row) => {
            let token =
                issue_token(&tx, row.id, purpose::LOGIN_LINK, Duration::minutes(15)).await?;
            let url = ctx.url(&format!("/login/link?token={token}"));
            send_link(
                ctx,
                &tx,
                &row,
                EmailContent::LoginLink(Link {
                    name: row.name.clone(),
                    url,
                }),
            )
            .await?;
        }
        None => {
            let id = accounts::create_user(
                &tx,
                &form.email,
                &form.name,
                Some(hash),
                &form.locale,
                false,
                false,
            )
            .await?;
            let row = user::Entity::find_by_id(id)
                .one(&tx)
                .await?
                .ok_or(Error::NotFound("user"))?;
            let token = issue_token(&tx, id, purpose::VERIFY_EMAIL, Duration::hours(48)).await?;
            let url = ctx.url(&format!("/verify?token={token}"));
            send_link(
                ctx,
                &tx,
                &row,
                EmailContent::VerifyEmail(Link {
                    name: row.name.clone(),
                    url,
                }),
            )
            .await?;
            audit::record(
                &tx,
                Some(id),
                "signed_up",
                Some(format!("user:{id}")),
                None,
                ip,
            )
            .await?;
        }
    }
    tx.commit().await?;
    Ok(())
}

/// Confirms the address behind a verification link.
pub async fn verify_email(ctx: &Context, token: &str) -> Result<i64> {
    let tx = db::begin_write(&ctx.db).await?;
    let user_id = consume_token(&tx, token, purpose::VERIFY_EMAIL).await?;
    mark_verified(&tx, user_id).await?;
    tx.commit().await?;
    Ok(user_id)
}

async fn mark_verified<C: ConnectionTrait>(conn: &C, user_id: i64) -> Result<()> {
    let row = user::Entity::find_by_id(user_id)
        .one(conn)
        .await?
        .ok_or(Error::NotFound("user"))?;
    if row.email_verified_at.is_none() {
        let mut model: user::ActiveModel = row.into();
        model.email_verified_at = Set(Some(db::now()));
        model.updated_at = Set(db::now());
        model.update(conn).await?;
    }
    Ok(())
}

/// A hash of nothing in particular, checked when the address is unknown so that unknown
/// addresses take as long as wrong passwords.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$ZJ5UZz3FhbRSJLc0F9rXMAdoGyzVgvvbdRkVnVqP3pA";

/// Signs in with a password: a new session, with a new id, for a verified, active account.
pub async fn log_in(
    ctx: &Context,
    email: &str,
    password: &str,
    ip: Option<&str>,
    user_agent: Option<String>,
) -> Result<(NewSession, i64)> {
    let address = email.trim().to_lowercase();
    let row = user::Entity::find()
        .filter(user::Column::Email.eq(&address))
        .one(&ctx.db)
        .await?;
    let hash = row
        .as_ref()
        .and_then(|r| r.password_hash.clone())
        .unwrap_or_else(|| DUMMY_HASH.to_owned());
    let password_ok = accounts::verify_password(password.to_owned(), hash).await;
    let usable = row
        .as_ref()
        .is_some_and(|r| r.disabled_at.is_none() && r.password_hash.is_some());
    let Some(row) = row.filter(|_| password_ok && usable) else {
        let subject = audit::pseudonym(&address);
        audit::record(&ctx.db, None, action::LOGIN_FAILED, Some(subject), None, ip).await?;
        return Err(Error::Forbidden("wrong email address or password".into()));
    };
    if row.email_verified_at.is_none() {
        let token =
            issue_token(&ctx.db, row.id, purpose::VERIFY_EMAIL, Duration::hours(48)).await?;
        let url = ctx.url(&format!("/verify?token={token}"));
        send_link(
            ctx,
            &ctx.db,
            &row,
            EmailContent::VerifyEmail(Link {
                name: row.name.clone(),
                url,
            }),
        )
        .await?;
        return Err(Error::Forbidden(
            "confirm your email address first: we have sent you a new link".into(),
        ));
    }
    let session = accounts::create_session(ctx, row.id, ip.map(str::to_owned), user_agent).await?;
    audit::record(
        &ctx.db,
        Some(row.id),
        action::LOGIN_SUCCEEDED,
        Some(format!("user:{}", row.id)),
        Some(serde_json::json!({"method": "password"})),
        ip,
    )
    .await?;
    Ok((session, row.id))
}

/// Sends a one-time sign-in link to an existing, active account; silent otherwise.
pub async fn request_login_link(ctx: &Context, email: &str) -> Result<()> {
    let address = email.trim().to_lowercase();
    let tx = db::begin_write(&ctx.db).await?;
    if let Some(row) = user::Entity::find()
        .filter(user::Column::Email.eq(&address))
        .one(&tx)
        .await?
        .filter(|r| r.disabled_at.is_none())
    {
        let token = issue_token(&tx, row.id, purpose::LOGIN_LINK, Duration::minutes(15)).await?;
        let url = ctx.url(&format!("/login/link?token={token}"));
        send_link(
            ctx,
            &tx,
            &row,
            EmailContent::LoginLink(Link {
                name: row.name.clone(),
                url,
            }),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Signs in with a one-time link; opening it also proves the address.
pub async fn complete_login_link(
    ctx: &Context,
    token: &str,
    ip: Option<&str>,
    user_agent: Option<String>,
) -> Result<(NewSession, i64)> {
    let tx = db::begin_write(&ctx.db).await?;
    let user_id = consume_token(&tx, token, purpose::LOGIN_LINK).await?;
    mark_verified(&tx, user_id).await?;
    tx.commit().await?;
    let session = accounts::create_session(ctx, user_id, ip.map(str::to_owned), user_agent).await?;
    audit::record(
        &ctx.db,
        Some(user_id),
        action::LOGIN_SUCCEEDED,
        Some(format!("user:{user_id}")),
        Some(serde_json::json!({"method": "link"})),
        ip,
    )
    .await?;
    Ok((session, user_id))
}

/// Sends a password-reset link to an existing account; silent otherwise.
pub async fn request_password_reset(ctx: &Context, email: &str) -> Result<()> {
    let address = email.trim().to_lowercase();
    let tx = db::begin_write(&ctx.db).await?;
    if let Some(row) = user::Entity::find()
        .filter(user::Column::Email.eq(&address))
        .one(&tx)
        .await?
        .filter(|r| r.disabled_at.is_none())
    {
        let token = issue_token(&tx, row.id, purpose::PASSWORD_RESET, Duration::hours(1)).await?;
        let url = ctx.url(&format!("/password/reset?token={token}"));
        send_link(
            ctx,
            &tx,
            &row,
            EmailContent::PasswordReset(Link {
                name: row.name.clone(),
                url,
            }),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Sets a new password from a reset or invitation link, and ends every other session.
pub async fn complete_password_link(
    ctx: &Context,
    token: &str,
    password: &str,
    link_purpose: &str,
    ip: Option<&str>,
) -> Result<i64> {
    accounts::check_password(password).map_err(|m| FieldErrors::one("password", m))?;
    let hash = accounts::hash_password(password.to_owned()).await?;
    let tx = db::begin_write(&ctx.db).await?;
    let user_id = consume_token(&tx, token, link_purpose).await?;
    let row = user::Entity::find_by_id(user_id)
        .one(&tx)
        .await?
        .ok_or(Error::NotFound("user"))?;
    let mut model: user::ActiveModel = row.into();
    model.password_hash = Set(Some(hash));
    model.email_verified_at = Set(Some(db::now()));
    model.updated_at = Set(db::now());
    model.update(&tx).await?;
    let ended = accounts::revoke_sessions_of(&tx, user_id).await?;
    audit::record(
        &tx,
        Some(user_id),
        action::PASSWORD_CHANGED,
        Some(format!("user:{user_id}")),
        Some(serde_json::json!({"sessions_ended": ended})),
        ip,
    )
    .await?;
    tx.commit().await?;
    Ok(user_id)
}

/// An administrator invites an officer into a department.
pub async fn invite_officer(
    ctx: &Context,
    actor: &Actor,
    email: &Email,
    name: &str,
    department: &str,
    locale: &str,
) -> Result<i64> {
    if !actor.is_admin() || !actor.may_write() {
        return Err(Error::forbidden("only administrators invite officers"));
    }
    let tx = db::begin_write(&ctx.db).await?;
    let existing = user::Entity::find()
        .filter(user::Column::Email.eq(email.as_str().to_lowercase()))
        .one(&tx)
        .await?;
    let user_id = match existing {
        Some(row) => row.id,
        None => accounts::create_user(&tx, email, name, None, locale, false, false).await?,
    };
    let department_id = super::challenges::department_id_by_name(&tx, department).await?;
    accounts::add_membership(&tx, user_id, None, Some(department_id)).await?;
    let row = user::Entity::find_by_id(user_id)
        .one(&tx)
        .await?
        .ok_or(Error::NotFound("user"))?;
    let token = issue_token(&tx, user_id, purpose::INVITATION, Duration::days(7)).await?;
    let inviter = match actor.user_id() {
        Some(id) => user::Entity::find_by_id(id)
            .one(&tx)
            .await?
            .map(|u| u.name)
            .unwrap_or_default(),
        None => "Factoría".to_owned(),
    };
    let url = ctx.url(&format!("/invitation?token={token}"));
    send_link(
        ctx,
        &tx,
        &row,
        EmailContent::OfficerInvite(Invite {
            name: row.name.clone(),
            department: department.to_owned(),
            inviter,
            url,
        }),
    )
    .await?;
    audit::record(
        &tx,
        actor.user_id(),
        action::ROLE_CHANGED,
        Some(format!("user:{user_id}")),
        Some(serde_json::json!({"officer_of": department_id})),
        None,
    )
    .await?;
    tx.commit().await?;
    Ok(user_id)
}

/// An administrator ends every session of a user.
pub async fn end_sessions(ctx: &Context, actor: &Actor, user_id: i64) -> Result<u64> {
    if !actor.is_admin() || !actor.may_write() {
        return Err(Error::forbidden(
            "only administrators end other users' sessions",
        ));
    }
    let tx = db::begin_write(&ctx.db).await?;
    user::Entity::find_by_id(user_id)
        .one(&tx)
        .await?
        .ok_or(Error::NotFound("user"))?;
    let ended = accounts::revoke_sessions_of(&tx, user_id).await?;
    audit::record(
        &tx,
        actor.user_id(),
        action::SESSIONS_REVOKED,
        Some(format!("user:{user_id}")),
        Some(serde_json::json!({"sessions_ended": ended})),
        None,
    )
    .await?;
    tx.commit().await?;
    Ok(ended)
}

/// An administrator grants or removes the administrator role.
pub async fn set_admin(ctx: &Context, actor: &Actor, user_id: i64, admin: bool) -> Result<()> {
    if !actor.is_admin() || !actor.may_write() {
        return Err(Error::forbidden("only administrators change roles"));
    }
    let tx = db::begin_write(&ctx.db).await?;
    let row = user::Entity::find_by_id(user_id)
        .one(&tx)
        .await?
        .ok_or(Error::NotFound("user"))?;
    let mut model: user::ActiveModel = row.into();
    model.is_admin = Set(admin);
    model.updated_at = Set(db::now());
    model.update(&tx).await?;
    audit::record(
        &tx,
        actor.user_id(),
        action::ROLE_CHANGED,
        Some(format!("user:{user_id}")),
        Some(serde_json::json!({"admin": admin})),
        None,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
