//! Signing up, verifying the address, signing in (password or one-time link), resetting the
//! password, inviting officers, and ending sessions.
//!
//! Answers never reveal whether an address has an account: a sign-up with a known address and
//! a link or reset request for an unknown one look the same to the requester.
//!
//! An address is nobody's until its owner opens a link sent to it. Until then the account holds
//! no password: the password and name chosen at sign-up travel inside the verification token
//! and take effect only when that link is opened. Whatever was set up on the account before the
//! owner proved the address — by someone else signing up with it first — is discarded then: its
//! password, sessions, API tokens and pending links (account pre-hijacking, ASVS 2.5).

use chrono::Duration;
use factoria_frontend::emails::{EmailContent, Invite, Link};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use serde::{Deserialize, Serialize};

use super::accounts::{self, NewSession, SignInFrom};
use super::audit::{self, action};
use super::{Actor, Error, Result};
use crate::context::Context;
use crate::db::entities::{user, user_token};
use crate::db::{self};
use crate::email::{self, Outgoing};
use crate::types::Email;
use crate::types::validation::{FieldErrors, ObjectReader, UnknownFields, is_one_line};

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

/// What a verification link carries: the account details chosen with one sign-up, applied only
/// when the owner of the address opens that sign-up's link.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct PendingSignUp {
    name: String,
    password_hash: String,
    locale: String,
}

/// Issues a single-use token for `user_id`, valid for `ttl`; only its hash is stored.
pub async fn issue_token<C: ConnectionTrait>(
    conn: &C,
    user_id: i64,
    purpose: &str,
    ttl: Duration,
) -> Result<String> {
    issue_token_with(conn, user_id, purpose, ttl, None).await
}

async fn issue_token_with<C: ConnectionTrait>(
    conn: &C,
    user_id: i64,
    purpose: &str,
    ttl: Duration,
    pending: Option<&PendingSignUp>,
) -> Result<String> {
    let token = accounts::random_token();
    let now = db::now();
    let payload = pending
        .map(serde_json::to_string)
        .transpose()
        .map_err(|e| Error::Internal(e.into()))?;
    user_token::ActiveModel {
        user_id: Set(Some(user_id)),
        purpose: Set(purpose.to_owned()),
        token_hash: Set(accounts::token_hash(&token)),
        payload: Set(payload),
        created_at: Set(now),
        expires_at: Set(now + ttl),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    Ok(token)
}

/// Uses a token and returns its row, once. The use is one conditional update (`… WHERE used_at
/// IS NULL`), so of two requests racing with one token exactly one gets it. A used, expired,
/// unknown or other-purpose token is an error whose message the link pages show.
pub async fn consume_token<C: ConnectionTrait>(
    conn: &C,
    token: &str,
    purpose: &str,
) -> Result<user_token::Model> {
    let hash = accounts::token_hash(token);
    let now = db::now();
    let used = user_token::Entity::update_many()
        .col_expr(
            user_token::Column::UsedAt,
            sea_orm::sea_query::Expr::value(now),
        )
        .filter(user_token::Column::TokenHash.eq(&hash))
        .filter(user_token::Column::Purpose.eq(purpose))
        .filter(user_token::Column::UsedAt.is_null())
        .filter(user_token::Column::ExpiresAt.gt(now))
        .filter(user_token::Column::UserId.is_not_null())
        .exec(conn)
        .await?;
    let row = user_token::Entity::find()
        .filter(user_token::Column::TokenHash.eq(&hash))
        .filter(user_token::Column::Purpose.eq(purpose))
        .one(conn)
        .await?;
    match row {
        Some(row) if used.rows_affected == 1 => Ok(row),
        Some(row) if row.used_at.is_some() => {
            Err(Error::Forbidden("this link has already been used".into()))
        }
        Some(row) if row.expires_at <= now => Err(Error::Forbidden("this link has expired".into())),
        _ => Err(Error::Forbidden("this link is not valid".into())),
    }
}

/// Ends every link of `user_id` not used yet.
async fn expire_links_of<C: ConnectionTrait>(conn: &C, user_id: i64) -> Result<()> {
    user_token::Entity::update_many()
        .col_expr(
            user_token::Column::UsedAt,
            sea_orm::sea_query::Expr::value(db::now()),
        )
        .filter(user_token::Column::UserId.eq(user_id))
        .filter(user_token::Column::UsedAt.is_null())
        .exec(conn)
        .await?;
    Ok(())
}

fn lang_of(locale: &str) -> factoria_search::Lang {
    factoria_search::Lang::from_code(locale)
}

/// The name an email greets an account's holder by: none before the address is proven, since
/// until then the name may be anyone's choice.
fn greeting_name(row: &user::Model) -> String {
    if row.email_verified_at.is_some() {
        row.name.clone()
    } else {
        String::new()
    }
}

/// Sends `content` to the account's address.
async fn send_link<C: ConnectionTrait>(
    ctx: &Context,
    conn: &C,
    row: &user::Model,
    content: EmailContent,
) -> Result<()> {
    let to = Email::parse(&row.email).map_err(|e| Error::Internal(anyhow::anyhow!(e)))?;
    let outgoing = Outgoing {
        to,
        to_name: Some(greeting_name(row)).filter(|n| !n.is_empty()),
        user_id: Some(row.id),
        lang: lang_of(&row.locale),
        content,
        topic: None,
        reply_to: None,
    };
    email::enqueue(conn, ctx.mailer.domain(), outgoing).await?;
    Ok(())
}

/// Sends a verification link carrying one sign-up's details, greeting its author by the name
/// they gave, in the language they used.
async fn send_verification<C: ConnectionTrait>(
    ctx: &Context,
    conn: &C,
    row: &user::Model,
    pending: &PendingSignUp,
) -> Result<()> {
    let token = issue_token_with(
        conn,
        row.id,
        purpose::VERIFY_EMAIL,
        Duration::hours(48),
        Some(pending),
    )
    .await?;
    let outgoing = Outgoing {
        to: Email::parse(&row.email).map_err(|e| Error::Internal(anyhow::anyhow!(e)))?,
        to_name: Some(pending.name.clone()),
        user_id: Some(row.id),
        lang: lang_of(&pending.locale),
        content: EmailContent::VerifyEmail(Link {
            name: pending.name.clone(),
            url: ctx.url(&format!("/verify?token={token}")),
        }),
        topic: None,
        reply_to: None,
    };
    email::enqueue(conn, ctx.mailer.domain(), outgoing).await?;
    Ok(())
}

/// Sends a one-time sign-in link to the account.
async fn send_login_link<C: ConnectionTrait>(
    ctx: &Context,
    conn: &C,
    row: &user::Model,
) -> Result<()> {
    let token = issue_token(conn, row.id, purpose::LOGIN_LINK, Duration::minutes(15)).await?;
    let url = ctx.url(&format!("/login/link?token={token}"));
    let name = greeting_name(row);
    send_link(ctx, conn, row, EmailContent::LoginLink(Link { name, url })).await
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
        } else if !is_one_line(name) {
            errors.push("name", "write your name on one line");
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

/// Creates an account without a password and sends the verification link, which carries the
/// password and name chosen here. For an address whose account is verified, sends it a sign-in
/// link instead and answers the same way; for one whose account is not, sends a verification
/// link of this sign-up's own (another sign-up's details apply only if its own link is opened).
pub async fn sign_up(ctx: &Context, form: SignUp, ip: Option<&str>) -> Result<()> {
    let pending = PendingSignUp {
        name: form.name.clone(),
        password_hash: accounts::hash_password(form.password.clone()).await?,
        locale: form.locale.clone(),
    };
    let tx = db::begin_write(&ctx.db).await?;
    let existing = user::Entity::find()
        .filter(user::Column::Email.eq(form.email.as_str().to_lowercase()))
        .one(&tx)
        .await?;
    match existing {
        Some(row) if row.disabled_at.is_some() => {}
        Some(row) if row.email_verified_at.is_some() => send_login_link(ctx, &tx, &row).await?,
        Some(row) => send_verification(ctx, &tx, &row, &pending).await?,
        None => {
            let id = accounts::create_user(
                &tx,
                &form.email,
                &form.name,
                None,
                &form.locale,
                false,
                false,
            )
            .await?;
            let row = user::Entity::find_by_id(id)
                .one(&tx)
                .await?
                .ok_or(Error::NotFound("user"))?;
            send_verification(ctx, &tx, &row, &pending).await?;
            audit::record(
                &tx,
                &ctx.config.secret,
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

/// Confirms the address behind a verification link and makes the password and name chosen with
/// that sign-up the account's. Whoever opens the link must give that password: a link sent by
/// someone else's sign-up (an attacker signing up with your address) cannot be confirmed by the
/// address's owner, so the attacker's password never becomes the account's.
pub async fn verify_email(ctx: &Context, token: &str, password: &str) -> Result<i64> {
    let link = user_token::Entity::find()
        .filter(user_token::Column::TokenHash.eq(accounts::token_hash(token)))
        .filter(user_token::Column::Purpose.eq(purpose::VERIFY_EMAIL))
        .one(&ctx.db)
        .await?;
    // A used or expired link is refused for that reason by its use below.
    let chosen: Option<PendingSignUp> = link
        .filter(|row| row.used_at.is_none() && row.expires_at > db::now())
        .and_then(|row| row.payload)
        .and_then(|p| serde_json::from_str(&p).ok());
    if let Some(chosen) = chosen
        && !accounts::verify_password(password.to_owned(), chosen.password_hash).await
    {
        return Err(FieldErrors::one(
            "password",
            "this is not the password chosen when signing up with this link; if you did not sign up, ignore the email",
        )
        .into());
    }
    let tx = db::begin_write(&ctx.db).await?;
    let used = consume_token(&tx, token, purpose::VERIFY_EMAIL).await?;
    let user_id = used.user_id.ok_or(Error::NotFound("user"))?;
    let pending: Option<PendingSignUp> = used
        .payload
        .as_deref()
        .and_then(|p| serde_json::from_str(p).ok());
    prove_address(&tx, user_id, pending.as_ref()).await?;
    tx.commit().await?;
    Ok(user_id)
}

/// Marks the address of `user_id` as its owner's. The first time, everything set up before is
/// discarded: the password (replaced by the one `pending` carries, if any), every session, API
/// token and pending link. Proving it again changes nothing.
async fn prove_address<C: ConnectionTrait>(
    conn: &C,
    user_id: i64,
    pending: Option<&PendingSignUp>,
) -> Result<()> {
    let row = user::Entity::find_by_id(user_id)
        .one(conn)
        .await?
        .ok_or(Error::NotFound("user"))?;
    if row.email_verified_at.is_some() {
        return Ok(());
    }
    let now = db::now();
    let mut model: user::ActiveModel = row.into();
    model.email_verified_at = Set(Some(now));
    model.password_hash = Set(pending.map(|p| p.password_hash.clone()));
    if let Some(pending) = pending {
        model.name = Set(pending.name.clone());
        model.locale = Set(pending.locale.clone());
    }
    model.updated_at = Set(now);
    model.update(conn).await?;
    accounts::revoke_sessions_of(conn, user_id).await?;
    accounts::revoke_api_tokens_of(conn, user_id).await?;
    expire_links_of(conn, user_id).await?;
    Ok(())
}

/// The sign-up still waiting for `user_id`'s address to be proven whose password is `password`.
async fn pending_sign_up_with<C: ConnectionTrait>(
    conn: &C,
    user_id: i64,
    password: &str,
) -> Result<Option<PendingSignUp>> {
    let rows = user_token::Entity::find()
        .filter(user_token::Column::UserId.eq(user_id))
        .filter(user_token::Column::Purpose.eq(purpose::VERIFY_EMAIL))
        .filter(user_token::Column::UsedAt.is_null())
        .filter(user_token::Column::ExpiresAt.gt(db::now()))
        .all(conn)
        .await?;
    for row in rows {
        let Some(pending) = row
            .payload
            .as_deref()
            .and_then(|p| serde_json::from_str::<PendingSignUp>(p).ok())
        else {
            continue;
        };
        if accounts::verify_password(password.to_owned(), pending.password_hash.clone()).await {
            return Ok(Some(pending));
        }
    }
    Ok(None)
}

/// A hash of nothing in particular, checked when the address is unknown so that unknown
/// addresses take as long as wrong passwords.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$ZJ5UZz3FhbRSJLc0F9rXMAdoGyzVgvvbdRkVnVqP3pA";

/// Signs in with a password: a new session, with a new id, for a verified, active account. An
/// account whose address is not proven yet has no password: the one given with its sign-up only
/// gets a fresh verification link sent.
pub async fn log_in(
    ctx: &Context,
    email: &str,
    password: &str,
    from: SignInFrom,
) -> Result<NewSession> {
    let ip = from.ip.clone();
    let ip = ip.as_deref();
    let address = email.trim().to_lowercase();
    let row = user::Entity::find()
        .filter(user::Column::Email.eq(&address))
        .one(&ctx.db)
        .await?
        .filter(|r| r.disabled_at.is_none());
    if let Some(unproven) = row.as_ref().filter(|r| r.email_verified_at.is_none())
        && let Some(pending) = pending_sign_up_with(&ctx.db, unproven.id, password).await?
    {
        send_verification(ctx, &ctx.db, unproven, &pending).await?;
        return Err(Error::Forbidden(
            "confirm your email address first: we have sent you a new link".into(),
        ));
    }
    let hash = row
        .as_ref()
        .filter(|r| r.email_verified_at.is_some())
        .and_then(|r| r.password_hash.clone());
    let usable = hash.is_some();
    let hash = hash.unwrap_or_else(|| DUMMY_HASH.to_owned());
    let password_ok = accounts::verify_password(password.to_owned(), hash).await;
    let Some(row) = row.filter(|_| password_ok && usable) else {
        let subject = audit::pseudonym(&ctx.config.secret, &address);
        audit::record(
            &ctx.db,
            &ctx.config.secret,
            None,
            action::LOGIN_FAILED,
            Some(subject),
            None,
            ip,
        )
        .await?;
        return Err(Error::Forbidden("wrong email address or password".into()));
    };
    let session = accounts::create_session(ctx, row.id, from).await?;
    audit::record(
        &ctx.db,
        &ctx.config.secret,
        Some(row.id),
        action::LOGIN_SUCCEEDED,
        Some(format!("user:{}", row.id)),
        Some(serde_json::json!({"method": "password"})),
        ip,
    )
    .await?;
    Ok(session)
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
        send_login_link(ctx, &tx, &row).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Signs in with a one-time link. Opening it also proves the address: for an account not
/// proven before, whatever was set up on it is discarded (see [`prove_address`]).
pub async fn complete_login_link(
    ctx: &Context,
    token: &str,
    from: SignInFrom,
) -> Result<NewSession> {
    let ip = from.ip.clone();
    let ip = ip.as_deref();
    let tx = db::begin_write(&ctx.db).await?;
    let user_id = consume_token(&tx, token, purpose::LOGIN_LINK)
        .await?
        .user_id
        .ok_or(Error::NotFound("user"))?;
    prove_address(&tx, user_id, None).await?;
    tx.commit().await?;
    let session = accounts::create_session(ctx, user_id, from).await?;
    audit::record(
        &ctx.db,
        &ctx.config.secret,
        Some(user_id),
        action::LOGIN_SUCCEEDED,
        Some(format!("user:{user_id}")),
        Some(serde_json::json!({"method": "link"})),
        ip,
    )
    .await?;
    Ok(session)
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
        let name = greeting_name(&row);
        send_link(
            ctx,
            &tx,
            &row,
            EmailContent::PasswordReset(Link { name, url }),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Sets a new password from a reset or invitation link (which also proves the address), and
/// ends every session, API token and other pending link of the account: the reset email says so.
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
    let user_id = consume_token(&tx, token, link_purpose)
        .await?
        .user_id
        .ok_or(Error::NotFound("user"))?;
    prove_address(&tx, user_id, None).await?;
    let row = user::Entity::find_by_id(user_id)
        .one(&tx)
        .await?
        .ok_or(Error::NotFound("user"))?;
    let mut model: user::ActiveModel = row.into();
    model.password_hash = Set(Some(hash));
    model.updated_at = Set(db::now());
    model.update(&tx).await?;
    let sessions_ended = accounts::revoke_sessions_of(&tx, user_id).await?;
    let tokens_revoked = accounts::revoke_api_tokens_of(&tx, user_id).await?;
    expire_links_of(&tx, user_id).await?;
    audit::record(
        &tx,
        &ctx.config.secret,
        Some(user_id),
        action::PASSWORD_CHANGED,
        Some(format!("user:{user_id}")),
        Some(serde_json::json!({"sessions_ended": sessions_ended, "api_tokens_revoked": tokens_revoked})),
        ip,
    )
    .await?;
    tx.commit().await?;
    Ok(user_id)
}

/// An officer to invite, as an administrator wrote it (API body or page form).
#[derive(Debug, Clone)]
pub struct Invitation {
    /// Their address.
    pub email: Email,
    /// Their name, one line.
    pub name: String,
    /// The department they join (created when new).
    pub department: String,
    /// The language of the invitation and of their pages: `es` or `en`.
    pub locale: String,
}

impl Invitation {
    /// Reads `{email, name, department, locale?}`; every fault is reported.
    pub fn read(value: &serde_json::Value) -> std::result::Result<Self, FieldErrors> {
        let mut r = ObjectReader::new(value);
        let email = r.required("email", Email::parse);
        let name = r.required_line("name", 120);
        let department = r.required_line("department", 200);
        let locale = r
            .optional("locale", |l| match l {
                "es" | "en" => Ok(l.to_owned()),
                _ => Err("choose es or en".into()),
            })
            .unwrap_or_else(|| "es".into());
        let (email, (name, department)) =
            r.finish(UnknownFields::Reject, email.zip(name.zip(department)))?;
        Ok(Self {
            email,
            name,
            department,
            locale,
        })
    }
}

/// An administrator invites an officer into a department.
pub async fn invite_officer(ctx: &Context, actor: &Actor, invitation: &Invitation) -> Result<i64> {
    actor.check_admin_write()?;
    let Invitation {
        email,
        name,
        department,
        locale,
    } = invitation;
    let tx = db::begin_write(&ctx.db).await?;
    let existing = user::Entity::find()
        .filter(user::Column::Email.eq(email.as_str().to_lowercase()))
        .one(&tx)
        .await?;
    let user_id = match existing {
        Some(row) if row.email_verified_at.is_none() => {
            // Whoever signed up with the address first did not prove it: the administrator's
            // name for the officer replaces theirs, and the invitation link proves it.
            let id = row.id;
            let mut model: user::ActiveModel = row.into();
            model.name = Set(name.to_owned());
            model.updated_at = Set(db::now());
            model.update(&tx).await?;
            id
        }
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
        &ctx.config.secret,
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
    actor.check_admin_write()?;
    let tx = db::begin_write(&ctx.db).await?;
    user::Entity::find_by_id(user_id)
        .one(&tx)
        .await?
        .ok_or(Error::NotFound("user"))?;
    let ended = accounts::revoke_sessions_of(&tx, user_id).await?;
    audit::record(
        &tx,
        &ctx.config.secret,
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
    actor.check_admin_write()?;
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
        &ctx.config.secret,
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
