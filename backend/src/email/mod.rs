//! Email: the transactional outbox, rendering, delivery through lettre and suppression.
//!
//! An email is a row of `emails` and a `send_email` job, both written in the transaction of
//! the change that causes it. The worker renders it, signs it with DKIM when a key is
//! configured, and sends it within a timeout of its own (lettre's does not cover a server that
//! stalls mid-reply). 4xx replies, refused or dropped connections and timeouts are retried with
//! backoff; a 5xx reply fails the email for good and suppresses the address. Message-ID comes
//! from the row, so a message sent twice after a crash is recognisably the same message.

use chrono::{DateTime, Utc};
use factoria_frontend::emails::{EmailContent, Footer, render};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use serde::{Deserialize, Serialize};

pub use crate::mailer::{Delivery, Mailer};

use crate::context::Context;
use crate::db::entities::{email, suppression};
use crate::db::{self};
use crate::error::{Error, Result};
use crate::jobs::{self, JobError};
use crate::types::Email;

/// Job kind that sends one email.
pub const SEND_JOB: &str = jobs::kind::SEND_EMAIL;

/// Attempts before an email fails for good (about a day with the backoff of `jobs`).
const MAX_ATTEMPTS: i32 = 16;

/// Topics a person can unsubscribe from, one by one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Topic {
    /// Digests of new challenges matching the company's profile.
    NewChallenges,
    /// Changes and deadline reminders of followed challenges.
    FollowedChallenges,
}

impl Topic {
    /// Every topic.
    pub const ALL: [Topic; 2] = [Topic::NewChallenges, Topic::FollowedChallenges];

    /// Stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Topic::NewChallenges => "new_challenges",
            Topic::FollowedChallenges => "followed_challenges",
        }
    }

    /// Reads a stored name.
    pub fn parse(name: &str) -> Option<Topic> {
        Topic::ALL.into_iter().find(|t| t.as_str() == name)
    }
}

/// Suppression of every topic: the address bounced or asked for nothing at all.
pub const ALL_TOPICS: &str = "*";

/// An email to send.
#[derive(Debug, Clone)]
pub struct Outgoing {
    /// Recipient address.
    pub to: Email,
    /// Recipient name.
    pub to_name: Option<String>,
    /// The user it is for, when there is one (for erasure).
    pub user_id: Option<i64>,
    /// Spanish or English.
    pub lang: factoria_search::Lang,
    /// What to say.
    pub content: EmailContent,
    /// Alert topic: makes the email unsubscribable, and suppressed when unsubscribed.
    pub topic: Option<Topic>,
    /// Where replies go.
    pub reply_to: Option<Email>,
}

impl Outgoing {
    /// An email to an account, in its language, with no other reply-to; the error when the
    /// stored address does not parse.
    pub fn to_person(
        person: &crate::db::entities::user::Model,
        content: EmailContent,
        topic: Option<Topic>,
    ) -> std::result::Result<Outgoing, String> {
        Ok(Outgoing {
            to: Email::parse(&person.email)?,
            to_name: Some(person.name.clone()),
            user_id: Some(person.id),
            lang: factoria_search::Lang::from_code(&person.locale),
            content,
            topic,
            reply_to: None,
        })
    }
}

#[derive(Debug, Serialize, Deserialize)]
struct Stored {
    content: EmailContent,
    to_name: Option<String>,
    reply_to: Option<String>,
}

#[derive(Debug, Serialize, Deserialize)]
struct SendPayload {
    email_id: i64,
}

/// Whether `address` may receive mail of `topic` (`None`: transactional mail, blocked only by
/// a permanent bounce).
pub async fn is_suppressed<C: ConnectionTrait>(
    conn: &C,
    address: &str,
    topic: Option<Topic>,
) -> Result<bool> {
    let address = address.to_lowercase();
    let rows = suppression::Entity::find()
        .filter(suppression::Column::Email.eq(address))
        .all(conn)
        .await?;
    Ok(rows.iter().any(|row| {
        let bounced = row.reason == "bounced";
        let everything = row.topic == ALL_TOPICS;
        let this_topic = topic.is_some_and(|t| row.topic == t.as_str());
        bounced || (topic.is_some() && (everything || this_topic))
    }))
}

/// Records that `address` must not receive `topic` (or anything, with [`ALL_TOPICS`]).
pub async fn suppress<C: ConnectionTrait>(
    conn: &C,
    address: &str,
    topic: &str,
    reason: &str,
) -> Result<()> {
    let address = address.to_lowercase();
    let existing = suppression::Entity::find()
        .filter(suppression::Column::Email.eq(&address))
        .filter(suppression::Column::Topic.eq(topic))
        .one(conn)
        .await?;
    if existing.is_none() {
        suppression::ActiveModel {
            email: Set(address),
            topic: Set(topic.to_owned()),
            reason: Set(reason.to_owned()),
            created_at: Set(db::now()),
            ..Default::default()
        }
        .insert(conn)
        .await?;
    }
    Ok(())
}

/// Puts an email in the outbox, in the caller's transaction. Returns `None` without writing
/// when the address is suppressed for this kind of mail.
pub async fn enqueue<C: ConnectionTrait>(
    conn: &C,
    mailer_domain: &str,
    outgoing: Outgoing,
) -> Result<Option<i64>> {
    if is_suppressed(conn, outgoing.to.as_str(), outgoing.topic).await? {
        return Ok(None);
    }
    let random: [u8; 12] = rand::random();
    let message_id = format!(
        "<{}.{}@{mailer_domain}>",
        Utc::now().timestamp(),
        random
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    );
    let stored = Stored {
        content: outgoing.content.clone(),
        to_name: outgoing.to_name,
        reply_to: outgoing.reply_to.map(|r| r.to_string()),
    };
    let row = email::ActiveModel {
        message_id: Set(message_id),
        recipient: Set(outgoing.to.as_str().to_lowercase()),
        recipient_user_id: Set(outgoing.user_id),
        template: Set(outgoing.content.template().to_owned()),
        locale: Set(outgoing.lang.code().to_owned()),
        data: Set(serde_json::to_string(&stored).map_err(|e| Error::Internal(e.into()))?),
        topic: Set(outgoing.topic.map(|t| t.as_str().to_owned())),
        status: Set("queued".into()),
        attempts: Set(0),
        created_at: Set(db::now()),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    jobs::enqueue(
        conn,
        SEND_JOB,
        serde_json::json!(SendPayload { email_id: row.id }),
        None,
        MAX_ATTEMPTS,
        db::now(),
    )
    .await?;
    Ok(Some(row.id))
}

/// Purpose of unsubscribe links.
pub const UNSUBSCRIBE_LINK: &str = "unsubscribe";

/// The one-click unsubscribe link of the email `email_id` (from its topic). The link names the
/// email, not the address: a forwarded message or a logged URL reveals nobody.
pub fn unsubscribe_url(ctx: &Context, email_id: i64) -> String {
    let expires = Utc::now() + chrono::Duration::days(365);
    let token = ctx
        .signer()
        .sign(UNSUBSCRIBE_LINK, &format!("email:{email_id}"), expires);
    ctx.url(&format!("/email/unsubscribe?token={token}"))
}

/// Records the outcome of an attempt; `data`, when given, replaces what is stored.
async fn mark(
    ctx: &Context,
    id: i64,
    status: &str,
    error: Option<String>,
    sent_at: Option<DateTime<Utc>>,
    data: Option<String>,
) -> Result<()> {
    let backend = ctx.db.get_database_backend();
    ctx.db
        .execute_raw(db::statement(
            backend,
            "UPDATE emails SET status = $1, last_error = $2, sent_at = COALESCE($3, sent_at), attempts = attempts + 1, data = COALESCE($5, data) WHERE id = $4",
            vec![status.into(), error.into(), sent_at.into(), id.into(), data.into()],
        ))
        .await?;
    Ok(())
}

/// What is kept of an email once it has left for good (sent or refused): everything but its
/// single-use links.
fn spent(stored: &Stored) -> Option<String> {
    serde_json::to_string(&Stored {
        content: stored.content.without_live_links(),
        to_name: stored.to_name.clone(),
        reply_to: stored.reply_to.clone(),
    })
    .ok()
}

/// Runs a `send_email` job.
pub async fn run_send_job(ctx: &Context, payload: &str) -> std::result::Result<(), JobError> {
    let payload: SendPayload = serde_json::from_str(payload)
        .map_err(|e| JobError::Permanent(format!("bad payload: {e}")))?;
    send(ctx, payload.email_id).await
}

async fn send(ctx: &Context, id: i64) -> std::result::Result<(), JobError> {
    let Some(row) = email::Entity::find_by_id(id)
        .one(&ctx.db)
        .await
        .map_err(Error::from)?
    else {
        // Erased with its recipient: nothing to send.
        return Ok(());
    };
    if row.status != "queued" {
        return Ok(());
    }
    let topic = row.topic.as_deref().and_then(Topic::parse);
    let stored: Stored = serde_json::from_str(&row.data)
        .map_err(|e| JobError::Permanent(format!("stored email {id} is unreadable: {e}")))?;
    if is_suppressed(&ctx.db, &row.recipient, topic).await? {
        metrics::counter!("factoria_email_deliveries_total", "outcome" => "suppressed")
            .increment(1);
        mark(ctx, id, "suppressed", None, None, spent(&stored)).await?;
        return Ok(());
    }
    let unsubscribe = topic.map(|_| unsubscribe_url(ctx, row.id));
    let footer = Footer {
        unsubscribe_url: unsubscribe.clone(),
    };
    let rendered = render(&stored.content, row.locale == "es", &footer)
        .map_err(|e| JobError::Permanent(format!("cannot render {}: {e}", row.template)))?;
    let message = ctx
        .mailer
        .build(
            &row.message_id,
            &row.recipient,
            stored.to_name.as_deref(),
            stored.reply_to.as_deref(),
            &rendered,
            unsubscribe.as_deref(),
        )
        .map_err(|e| JobError::Permanent(format!("cannot build email {id}: {e}")))?;
    match ctx.mailer.send(message).await {
        Delivery::Sent => {
            metrics::counter!("factoria_email_deliveries_total", "outcome" => "sent").increment(1);
            mark(ctx, id, "sent", None, Some(db::now()), spent(&stored)).await?;
            tracing::info!(email = id, template = %row.template, to = %mask(&row.recipient), "email sent");
            Ok(())
        }
        Delivery::Retry(reason) => {
            metrics::counter!("factoria_email_deliveries_total", "outcome" => "retried")
                .increment(1);
            mark(ctx, id, "queued", Some(reason.clone()), None, None).await?;
            Err(JobError::Retry(reason))
        }
        Delivery::Rejected(reason) => {
            metrics::counter!("factoria_email_deliveries_total", "outcome" => "rejected")
                .increment(1);
            mark(
                ctx,
                id,
                "failed",
                Some(reason.clone()),
                None,
                spent(&stored),
            )
            .await?;
            suppress(&ctx.db, &row.recipient, ALL_TOPICS, "bounced").await?;
            tracing::warn!(email = id, to = %mask(&row.recipient), reason = %reason, "email rejected for good; address suppressed");
            Err(JobError::Permanent(reason))
        }
    }
}

/// An address with its local part hidden, for logs.
pub fn mask(address: &str) -> String {
    Email::parse(address)
        .map(|e| e.masked())
        .unwrap_or_else(|_| "***".into())
}
