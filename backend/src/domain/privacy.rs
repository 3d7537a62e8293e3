//! Personal data: a person downloads everything Factoría holds about them, and erasure removes
//! it from the database, the search index and the outbox.

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};

use super::audit::{self, action};
use super::{Actor, Error, Result};
use crate::config::MailTransport;
use crate::context::Context;
use crate::db::entities::{
    api_token, audit as audit_row, company, consent, department, email, held_news, interest,
    match_feedback, membership, session, subscription, suppression, user, user_token,
};
use crate::db::{self, statement};

fn time(t: chrono::DateTime<chrono::Utc>) -> String {
    t.to_rfc3339()
}

/// Everything stored about the actor, as JSON.
pub async fn export(ctx: &Context, actor: &Actor, ip: Option<&str>) -> Result<Value> {
    let user_id = actor.user().ok_or(Error::Unauthenticated)?.id;
    let db = &ctx.db;
    let row = user::Entity::find_by_id(user_id)
        .one(db)
        .await?
        .ok_or(Error::NotFound("user"))?;
    let memberships = membership::Entity::find()
        .filter(membership::Column::UserId.eq(user_id))
        .all(db)
        .await?;
    let mut organisations = Vec::new();
    for m in &memberships {
        if let Some(id) = m.company_id
            && let Some(c) = company::Entity::find_by_id(id).one(db).await?
        {
            organisations.push(json!({"company": c.external_id, "name": c.name, "role": m.role}));
        }
        if let Some(id) = m.department_id
            && let Some(d) = department::Entity::find_by_id(id).one(db).await?
        {
            organisations.push(json!({"department": d.name, "role": m.role}));
        }
    }
    let sessions: Vec<Value> = session::Entity::find()
        .filter(session::Column::UserId.eq(user_id))
        .all(db)
        .await?
        .iter()
        .map(|s| json!({"created_at": time(s.created_at), "last_seen_at": time(s.last_seen_at), "revoked": s.revoked_at.is_some(), "ip": s.ip, "user_agent": s.user_agent}))
        .collect();
    let tokens: Vec<Value> = api_token::Entity::find()
        .filter(api_token::Column::UserId.eq(user_id))
        .all(db)
        .await?
        .iter()
        .map(|t| json!({"name": t.name, "prefix": t.prefix, "scopes": serde_json::from_str::<Value>(&t.scopes).unwrap_or_default(), "created_at": time(t.created_at), "revoked": t.revoked_at.is_some()}))
        .collect();
    let consents: Vec<Value> = consent::Entity::find()
        .filter(consent::Column::UserId.eq(user_id))
        .all(db)
        .await?
        .iter()
        .map(|c| json!({"topic": c.topic, "text_version": c.text_version, "granted_at": time(c.granted_at), "withdrawn_at": c.withdrawn_at.map(time)}))
        .collect();
    let subscriptions: Vec<Value> = subscription::Entity::find()
        .filter(subscription::Column::UserId.eq(user_id))
        .all(db)
        .await?
        .iter()
        .map(|s| json!({"topic": s.topic, "frequency": s.frequency, "created_at": time(s.created_at)}))
        .collect();
    let held_news: Vec<Value> = held_news::Entity::find()
        .filter(held_news::Column::UserId.eq(user_id))
        .all(db)
        .await?
        .iter()
        .map(|h| {
            let news =
                serde_json::from_str::<Value>(&h.news).map_err(|e| Error::Internal(e.into()))?;
            Ok(json!({"news": news, "held_at": time(h.created_at)}))
        })
        .collect::<Result<_>>()?;
    let interests = interest::Entity::find()
        .filter(interest::Column::UserId.eq(user_id))
        .all(db)
        .await?
        .len();
    let feedback = match_feedback::Entity::find()
        .filter(match_feedback::Column::UserId.eq(user_id))
        .all(db)
        .await?
        .len();
    let emails: Vec<Value> = email::Entity::find()
        .filter(email::Column::Recipient.eq(row.email.clone()))
        .all(db)
        .await?
        .iter()
        .map(|e| json!({"template": e.template, "status": e.status, "created_at": time(e.created_at), "sent_at": e.sent_at.map(time)}))
        .collect();
    let activity: Vec<Value> = audit_row::Entity::find()
        .filter(audit_row::Column::ActorUserId.eq(user_id))
        .all(db)
        .await?
        .iter()
        .map(|a| json!({"action": a.action, "at": time(a.at), "ip": a.ip}))
        .collect();
    audit::record(
        db,
        &ctx.config.secret,
        Some(user_id),
        action::DATA_EXPORTED,
        Some(format!("user:{user_id}")),
        None,
        ip,
    )
    .await?;
    Ok(json!({
        "account": {"email": row.email, "name": row.name, "locale": row.locale, "created_at": time(row.created_at),
                    "email_verified_at": row.email_verified_at.map(time), "administrator": row.is_admin},
        "memberships": organisations,
        "sessions": sessions,
        "api_tokens": tokens,
        "consents": consents,
        "subscriptions": subscriptions,
        "news_held_for_digest": held_news,
        "interests_declared": interests,
        "match_feedback_given": feedback,
        "emails": emails,
        "activity": activity,
    }))
}

/// Erases the actor's personal data: the account and everything tied to it, their name and
/// address wherever a company lists them as contact (and so the search index), the free text
/// they wrote (interest notes, introduction messages and notes), and every email to them or
/// naming them, sent or waiting. What they did for their organisations stays, without their
/// name. A company left with no member is unpublished and leaves the search index: nobody could
/// answer for it any more. Audit entries name them only by id and keyed pseudonyms, and stay.
/// `docs/PRIVACY.md` lists every table and what erasure does to it.
pub async fn erase(ctx: &Context, actor: &Actor, ip: Option<&str>) -> Result<()> {
    // Only the person, signed in: no API token, however scoped, erases an account.
    let user_id = actor.session_user()?.id;
    erase_account(ctx, user_id, Some(user_id), action::ERASED, ip).await
}

/// How long an address may stay unproven before the account made for it is erased.
pub const UNVERIFIED_KEPT_FOR: chrono::Duration = chrono::Duration::days(30);

/// How long spent or expired emailed links and ended sessions are kept (for the person's
/// data export and for an administrator reading what just happened) before they are deleted.
pub const ENDED_KEPT_FOR: chrono::Duration = chrono::Duration::days(7);

/// What a purge removed.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Purged {
    /// Accounts whose address was never proven within [`UNVERIFIED_KEPT_FOR`].
    pub unverified_accounts: u64,
    /// Emailed links expired more than [`ENDED_KEPT_FOR`] ago.
    pub links: u64,
    /// Sessions expired or revoked more than [`ENDED_KEPT_FOR`] ago.
    pub sessions: u64,
}

/// Deletes what nobody can use any more: accounts made for an address that was never proven
/// (a sign-up someone else may have made with it; invited officers, who have a department,
/// are kept for their administrator), dead emailed links and ended sessions. Runs as a
/// periodic job.
pub async fn purge(ctx: &Context, now: chrono::DateTime<chrono::Utc>) -> Result<Purged> {
    use sea_orm::sea_query::Query;
    let stale = user::Entity::find()
        .filter(user::Column::EmailVerifiedAt.is_null())
        .filter(user::Column::CreatedAt.lt(now - UNVERIFIED_KEPT_FOR))
        .filter(
            user::Column::Id.not_in_subquery(
                Query::select()
                    .column(membership::Column::UserId)
                    .from(membership::Entity)
                    .to_owned(),
            ),
        )
        .all(&ctx.db)
        .await?;
    let mut purged = Purged::default();
    // Asked again inside each erasure: an invitation may have landed since.
    for row in &stale {
        let still_unproven = |user: &user::Model, memberships: u64| {
            user.email_verified_at.is_none() && memberships == 0
        };
        if erase_account_if(
            ctx,
            row.id,
            None,
            action::UNVERIFIED_PURGED,
            None,
            still_unproven,
        )
        .await?
        {
            purged.unverified_accounts += 1;
        }
    }
    let ended = now - ENDED_KEPT_FOR;
    purged.links = user_token::Entity::delete_many()
        .filter(user_token::Column::ExpiresAt.lt(ended))
        .exec(&ctx.db)
        .await?
        .rows_affected;
    purged.sessions = session::Entity::delete_many()
        .filter(
            sea_orm::Condition::any()
                .add(session::Column::ExpiresAt.lt(ended))
                .add(session::Column::RevokedAt.lt(ended)),
        )
        .exec(&ctx.db)
        .await?
        .rows_affected;
    Ok(purged)
}

/// Erases one account and everything tied to it (see [`erase`]), recording in the audit who
/// did it (`by`, none for the system) and why.
async fn erase_account(
    ctx: &Context,
    user_id: i64,
    by: Option<i64>,
    why: &'static str,
    ip: Option<&str>,
) -> Result<()> {
    erase_account_if(ctx, user_id, by, why, ip, |_, _| true)
        .await
        .map(|_| ())
}

/// [`erase_account`], only if `still`, asked inside the erasing transaction with the account
/// as it is then and its number of memberships, says so; whether it erased.
async fn erase_account_if(
    ctx: &Context,
    user_id: i64,
    by: Option<i64>,
    why: &'static str,
    ip: Option<&str>,
    still: impl Fn(&user::Model, u64) -> bool,
) -> Result<bool> {
    let tx = db::begin_write(&ctx.db).await?;
    let row = user::Entity::find_by_id(user_id)
        .one(&tx)
        .await?
        .ok_or(Error::NotFound("user"))?;
    let memberships = membership::Entity::find()
        .filter(membership::Column::UserId.eq(user_id))
        .count(&tx)
        .await?;
    if !still(&row, memberships) {
        return Ok(false);
    }
    let address = row.email.to_lowercase();
    let backend = tx.get_database_backend();

    let contacts = company::Entity::find()
        .filter(company::Column::ContactEmail.eq(address.clone()))
        .all(&tx)
        .await?;
    for company in &contacts {
        tx.execute_raw(statement(
            backend,
            "UPDATE companies SET contact_name = NULL, contact_email = NULL, updated_at = $1 WHERE id = $2",
            vec![db::now().into(), company.id.into()],
        ))
        .await?;
        db::record_change(&tx, factoria_search::EntityKey::company(company.id)).await?;
    }
    unpublish_companies_left_alone(ctx, &tx, user_id).await?;
    // Emails to them, and emails to others that carry their address (an introduction names the
    // company's contact): the database finds the candidates, then only whole-address mentions
    // count (erasing na@pyme.example spares the emails of ana@pyme.example).
    let candidates = email::Entity::find()
        .filter(
            sea_orm::Condition::any()
                .add(email::Column::Recipient.eq(address.clone()))
                .add(email::Column::RecipientUserId.eq(user_id))
                .add(db::contains_literally(email::Column::Data, &address)),
        )
        .all(&tx)
        .await?;
    let theirs: Vec<i64> = candidates
        .iter()
        .filter(|e| {
            e.recipient.eq_ignore_ascii_case(&address)
                || e.recipient_user_id == Some(user_id)
                || mentions_address(&e.data, &address)
        })
        .map(|e| e.id)
        .collect();
    email::Entity::delete_many()
        .filter(email::Column::Id.is_in(theirs))
        .exec(&tx)
        .await?;
    suppression::Entity::delete_many()
        .filter(suppression::Column::Email.eq(address.clone()))
        .exec(&tx)
        .await?;
    // What they attached to proposals never handed in goes; the rest stays without their name.
    super::documents::forget_unsent_of(&tx, user_id).await?;
    for sql in [
        "UPDATE interests SET user_id = NULL, note = NULL WHERE user_id = $1",
        "UPDATE introductions SET introduced_by = NULL, message = NULL WHERE introduced_by = $1",
        "UPDATE introduction_events SET actor_user_id = NULL, note = NULL WHERE actor_user_id = $1",
        "UPDATE challenges SET created_by = NULL WHERE created_by = $1",
        "UPDATE shortlists SET added_by = NULL WHERE added_by = $1",
        "UPDATE call_questions SET asked_by = NULL WHERE asked_by = $1",
        "UPDATE call_questions SET answered_by = NULL WHERE answered_by = $1",
        "UPDATE proposals SET submitted_by = NULL WHERE submitted_by = $1",
        "UPDATE evaluations SET evaluator_id = NULL WHERE evaluator_id = $1",
        "DELETE FROM call_evaluators WHERE user_id = $1",
        "UPDATE documents SET uploaded_by = NULL WHERE uploaded_by = $1",
    ] {
        tx.execute_raw(statement(backend, sql, vec![user_id.into()]))
            .await?;
    }
    session::Entity::delete_many()
        .filter(session::Column::UserId.eq(user_id))
        .exec(&tx)
        .await?;
    api_token::Entity::delete_many()
        .filter(api_token::Column::UserId.eq(user_id))
        .exec(&tx)
        .await?;
    user_token::Entity::delete_many()
        .filter(user_token::Column::UserId.eq(user_id))
        .exec(&tx)
        .await?;
    consent::Entity::delete_many()
        .filter(consent::Column::UserId.eq(user_id))
        .exec(&tx)
        .await?;
    subscription::Entity::delete_many()
        .filter(subscription::Column::UserId.eq(user_id))
        .exec(&tx)
        .await?;
    match_feedback::Entity::delete_many()
        .filter(match_feedback::Column::UserId.eq(user_id))
        .exec(&tx)
        .await?;
    membership::Entity::delete_many()
        .filter(membership::Column::UserId.eq(user_id))
        .exec(&tx)
        .await?;
    user::Entity::delete_by_id(user_id).exec(&tx).await?;
    audit::record(
        &tx,
        &ctx.config.secret,
        by,
        why,
        Some(format!("user:{user_id}")),
        None,
        ip,
    )
    .await?;
    tx.commit().await?;

    if let MailTransport::File(dir) = &ctx.config.mail.transport {
        remove_written_emails(dir, &address);
    }
    ctx.search.notify_change();
    Ok(true)
}

/// Hides the companies of which `user_id` is the only member, as moderation would, recording
/// why in the audit log; the search index drops them at the next change it applies.
async fn unpublish_companies_left_alone<C: ConnectionTrait>(
    ctx: &Context,
    conn: &C,
    user_id: i64,
) -> Result<()> {
    let theirs: Vec<i64> = membership::Entity::find()
        .filter(membership::Column::UserId.eq(user_id))
        .all(conn)
        .await?
        .into_iter()
        .filter_map(|m| m.company_id)
        .collect();
    for company_id in theirs {
        let others = membership::Entity::find()
            .filter(membership::Column::CompanyId.eq(company_id))
            .filter(membership::Column::UserId.ne(user_id))
            .count(conn)
            .await?;
        if others > 0 {
            continue;
        }
        conn.execute_raw(statement(
            conn.get_database_backend(),
            "UPDATE companies SET moderation = 'hidden', updated_at = $1 WHERE id = $2",
            vec![db::now().into(), company_id.into()],
        ))
        .await?;
        db::record_change(conn, factoria_search::EntityKey::company(company_id)).await?;
        audit::record(
            conn,
            &ctx.config.secret,
            Some(user_id),
            action::MODERATED,
            Some(format!("company:{company_id}")),
            Some(json!({"visible": false, "reason": "its only member erased their account"})),
            None,
        )
        .await?;
    }
    Ok(())
}

/// Whether `text` names `address` (lower case) as a whole address, in any case: the characters
/// around it cannot be part of an address.
fn mentions_address(text: &str, address: &str) -> bool {
    let text = text.to_lowercase();
    let part_of_address = |c: char| c.is_alphanumeric() || "._%+-@!#$&'*/=?^`{|}~".contains(c);
    text.match_indices(address).any(|(start, _)| {
        let before = text[..start].chars().next_back();
        // A full stop continues the address only when more of it follows (`….example.org`).
        let mut after = text[start + address.len()..].chars();
        let continues = match after.next() {
            Some('.') => after.next().is_some_and(char::is_alphanumeric),
            next => next.is_some_and(part_of_address),
        };
        !before.is_some_and(part_of_address) && !continues
    })
}

/// The demo's file outbox keeps sent emails as files: remove those addressed to `address`.
fn remove_written_emails(dir: &std::path::Path, address: &str) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let mentions =
            std::fs::read_to_string(&path).is_ok_and(|text| mentions_address(&text, address));
        if mentions && let Err(error) = std::fs::remove_file(&path) {
            tracing::warn!(file = %path.display(), %error, "cannot remove an email file of an erased person");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::mentions_address;

    #[test]
    fn only_whole_addresses_are_mentions() {
        let ana = "ana@pyme.example";
        assert!(mentions_address(r#"{"to":"ana@pyme.example"}"#, ana));
        assert!(mentions_address("Ana <ANA@Pyme.Example>", ana));
        assert!(!mentions_address(r#"{"to":"xana@pyme.example"}"#, ana));
        assert!(!mentions_address(r#"{"to":"ana@pyme.example.org"}"#, ana));
        assert!(!mentions_address("ana.b+ana@pyme.example", ana));
        assert!(mentions_address(
            "first x@y.es, then ana@pyme.example.",
            ana
        ));
    }
}
