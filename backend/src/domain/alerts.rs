//! Alerts: per-topic subscriptions with recorded consent, digests of new matching challenges,
//! changes and deadline reminders of followed challenges, and one-click unsubscribe. Nothing is
//! sent to an address that unsubscribed, bounced or never consented.

use chrono::{DateTime, Duration, Utc};
use factoria_frontend::emails::{
    ChallengeUpdate, Digest, DigestItem, DigestPeriod, EmailContent, FollowedDigest, News,
};
use factoria_search::matching::MatchOptions;
use factoria_search::{EntityKey, Filters};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use serde::Serialize;

use super::{Actor, Error, Result};
use crate::context::Context;
use crate::db::entities::{
    challenge, company, consent, held_news, interest, membership, subscription, suppression, user,
};
use crate::db::{self};
use crate::email::{self, Outgoing, Topic};
use crate::types::validation::FieldErrors;

/// Version of the consent text the alert settings show; stored with each consent.
pub const CONSENT_TEXT_VERSION: &str = "alerts-2026-11";

/// How often a topic's emails are sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Frequency {
    /// Each piece of news as it happens (followed challenges only: new challenges always come
    /// as a digest).
    Immediate,
    /// Once a day.
    Daily,
    /// Once a week.
    Weekly,
    /// Never.
    Off,
}

impl Frequency {
    /// Reads `immediate`, `daily`, `weekly` or `off`.
    pub fn parse(text: &str) -> std::result::Result<Self, String> {
        match text {
            "immediate" => Ok(Self::Immediate),
            "daily" => Ok(Self::Daily),
            "weekly" => Ok(Self::Weekly),
            "off" => Ok(Self::Off),
            other => Err(format!(
                "`{other}` is not a frequency: use immediate, daily, weekly or off"
            )),
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            Self::Immediate => "immediate",
            Self::Daily => "daily",
            Self::Weekly => "weekly",
            Self::Off => "off",
        }
    }

    /// How long a digest gathers news; `None` when nothing is gathered.
    fn period(self) -> Option<Duration> {
        match self {
            Self::Daily => Some(Duration::days(1)),
            Self::Weekly => Some(Duration::days(7)),
            Self::Immediate | Self::Off => None,
        }
    }
}

/// A subscription as shown to its owner.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SubscriptionView {
    /// What the emails are about.
    #[schema(value_type = crate::email::Topic)]
    pub topic: String,
    /// How often they are sent.
    #[schema(value_type = Frequency)]
    pub frequency: String,
    /// When consent was given, with the version of the text shown.
    pub consented_at: Option<DateTime<Utc>>,
    /// Version of the consent text.
    pub consent_text_version: Option<String>,
}

/// The actor's subscriptions, every topic listed.
pub async fn list(ctx: &Context, actor: &Actor) -> Result<Vec<SubscriptionView>> {
    let Some(user_id) = actor.user_id() else {
        return Err(Error::Unauthenticated);
    };
    let subscriptions = subscription::Entity::find()
        .filter(subscription::Column::UserId.eq(user_id))
        .all(&ctx.db)
        .await?;
    let consents = consent::Entity::find()
        .filter(consent::Column::UserId.eq(user_id))
        .filter(consent::Column::WithdrawnAt.is_null())
        .all(&ctx.db)
        .await?;
    Ok(Topic::ALL
        .iter()
        .map(|topic| {
            let sub = subscriptions.iter().find(|s| s.topic == topic.as_str());
            let given = consents
                .iter()
                .filter(|c| c.topic == topic.as_str())
                .max_by_key(|c| c.granted_at);
            SubscriptionView {
                topic: topic.as_str().to_owned(),
                frequency: sub.map_or("off", |s| s.frequency.as_str()).to_owned(),
                consented_at: given.map(|c| c.granted_at),
                consent_text_version: given.map(|c| c.text_version.clone()),
            }
        })
        .collect())
}

/// Subscribes to a topic (recording consent to the text version shown) or, with `off`,
/// unsubscribes and withdraws consent.
pub async fn set(
    ctx: &Context,
    actor: &Actor,
    topic: Topic,
    frequency: Frequency,
    consent_text_version: Option<&str>,
) -> Result<Vec<SubscriptionView>> {
    let user_id = actor.writer()?.id;
    if topic == Topic::NewChallenges && frequency == Frequency::Immediate {
        return Err(FieldErrors::one(
            "frequency",
            "new challenges come as a digest: use daily, weekly or off",
        )
        .into());
    }
    let tx = db::begin_write(&ctx.db).await?;
    let row = user::Entity::find_by_id(user_id)
        .one(&tx)
        .await?
        .ok_or(Error::Unauthenticated)?;
    let now = db::now();
    match frequency {
        Frequency::Off => withdraw(&tx, user_id, topic).await?,
        _ => {
            if consent_text_version != Some(CONSENT_TEXT_VERSION) {
                return Err(FieldErrors::one(
                    "consent_text_version",
                    format!("confirm the current consent text ({CONSENT_TEXT_VERSION})"),
                )
                .into());
            }
            consent::ActiveModel {
                user_id: Set(user_id),
                topic: Set(topic.as_str().into()),
                text_version: Set(CONSENT_TEXT_VERSION.into()),
                granted_at: Set(now),
                ..Default::default()
            }
            .insert(&tx)
            .await?;
            let existing = subscription::Entity::find()
                .filter(subscription::Column::UserId.eq(user_id))
                .filter(subscription::Column::Topic.eq(topic.as_str()))
                .one(&tx)
                .await?;
            match existing {
                Some(sub) => {
                    let mut model: subscription::ActiveModel = sub.into();
                    model.frequency = Set(frequency.as_str().into());
                    model.update(&tx).await?;
                }
                None => {
                    subscription::ActiveModel {
                        user_id: Set(user_id),
                        topic: Set(topic.as_str().into()),
                        frequency: Set(frequency.as_str().into()),
                        created_at: Set(now),
                        ..Default::default()
                    }
                    .insert(&tx)
                    .await?;
                }
            }
            // Subscribing again lifts an earlier unsubscribe of this topic (not a bounce).
            suppression::Entity::delete_many()
                .filter(suppression::Column::Email.eq(row.email.to_lowercase()))
                .filter(suppression::Column::Topic.eq(topic.as_str()))
                .filter(suppression::Column::Reason.eq("unsubscribed"))
                .exec(&tx)
                .await?;
        }
    }
    tx.commit().await?;
    list(ctx, actor).await
}

/// Sets the frequency of several topics at once, changing only those whose frequency differs
/// (so that consent is recorded only for what the person changed).
pub async fn choose(
    ctx: &Context,
    actor: &Actor,
    choices: &[(Topic, Frequency)],
    consent_text_version: Option<&str>,
) -> Result<Vec<SubscriptionView>> {
    let current = list(ctx, actor).await?;
    for (topic, frequency) in choices {
        let unchanged = current
            .iter()
            .any(|s| s.topic == topic.as_str() && s.frequency == frequency.as_str());
        if !unchanged {
            set(ctx, actor, *topic, *frequency, consent_text_version).await?;
        }
    }
    list(ctx, actor).await
}

async fn withdraw<C: ConnectionTrait>(conn: &C, user_id: i64, topic: Topic) -> Result<()> {
    let now = db::now();
    consent::Entity::update_many()
        .col_expr(
            consent::Column::WithdrawnAt,
            sea_orm::sea_query::Expr::value(now),
        )
        .filter(consent::Column::UserId.eq(user_id))
        .filter(consent::Column::Topic.eq(topic.as_str()))
        .filter(consent::Column::WithdrawnAt.is_null())
        .exec(conn)
        .await?;
    subscription::Entity::update_many()
        .col_expr(
            subscription::Column::Frequency,
            sea_orm::sea_query::Expr::value("off"),
        )
        .filter(subscription::Column::UserId.eq(user_id))
        .filter(subscription::Column::Topic.eq(topic.as_str()))
        .exec(conn)
        .await?;
    Ok(())
}

/// What an unsubscribe link is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnsubscribeTarget {
    /// Topic.
    pub topic: Topic,
    /// Address.
    pub address: String,
}

/// Reads an unsubscribe link: the topic and recipient of the email it came in, or why the link
/// is refused (an email erased with its recipient makes its link invalid). Links sent before
/// they named emails carried `topic|address`; they stay honoured until they expire, since an
/// unsubscribe must keep working, but are no longer issued.
pub async fn unsubscribe_target(
    ctx: &Context,
    token: &str,
) -> Result<std::result::Result<UnsubscribeTarget, crate::links::LinkError>> {
    use crate::links::LinkError;
    let subject = match ctx.signer().verify(token, email::UNSUBSCRIBE_LINK) {
        Ok(subject) => subject,
        Err(refused) => return Ok(Err(refused)),
    };
    if let Some((topic, address)) = subject.split_once('|') {
        return Ok(Topic::parse(topic)
            .map(|topic| UnsubscribeTarget {
                topic,
                address: address.to_owned(),
            })
            .ok_or(LinkError::Invalid));
    }
    let Some(id) = subject
        .strip_prefix("email:")
        .and_then(|id| id.parse::<i64>().ok())
    else {
        return Ok(Err(LinkError::Invalid));
    };
    let row = crate::db::entities::email::Entity::find_by_id(id)
        .one(&ctx.db)
        .await?;
    let target = row.and_then(|row| {
        let topic = row.topic.as_deref().and_then(Topic::parse)?;
        Some(UnsubscribeTarget {
            topic,
            address: row.recipient,
        })
    });
    Ok(target.ok_or(LinkError::Invalid))
}

/// Unsubscribes the address of a link from its topic; repeating it changes nothing.
pub async fn unsubscribe(ctx: &Context, target: &UnsubscribeTarget) -> Result<()> {
    let tx = db::begin_write(&ctx.db).await?;
    email::suppress(&tx, &target.address, target.topic.as_str(), "unsubscribed").await?;
    if let Some(row) = user::Entity::find()
        .filter(user::Column::Email.eq(target.address.to_lowercase()))
        .one(&tx)
        .await?
    {
        withdraw(&tx, row.id, target.topic).await?;
    }
    tx.commit().await?;
    Ok(())
}

async fn company_of<C: ConnectionTrait>(conn: &C, user_id: i64) -> Result<Option<company::Model>> {
    let Some(m) = membership::Entity::find()
        .filter(membership::Column::UserId.eq(user_id))
        .filter(membership::Column::CompanyId.is_not_null())
        .one(conn)
        .await?
    else {
        return Ok(None);
    };
    Ok(
        company::Entity::find_by_id(m.company_id.unwrap_or_default())
            .one(conn)
            .await?,
    )
}

/// Sends the digests that are due at `now`: for each subscriber to new challenges, the
/// challenges published since their last digest, ranked for their company, with reasons; one
/// email per person, none when nothing new matches. Returns how many emails were queued.
pub async fn send_digests(ctx: &Context, now: DateTime<Utc>) -> Result<usize> {
    let subscriptions = subscription::Entity::find()
        .filter(subscription::Column::Topic.eq(Topic::NewChallenges.as_str()))
        .all(&ctx.db)
        .await?;
    let mut sent = 0;
    for sub in subscriptions {
        let Ok(frequency) = Frequency::parse(&sub.frequency) else {
            continue;
        };
        let Some(period) = frequency.period() else {
            continue;
        };
        let since = sub.last_sent_at.unwrap_or(sub.created_at);
        if now - since < period {
            continue;
        }
        let Some(person) = user::Entity::find_by_id(sub.user_id).one(&ctx.db).await? else {
            continue;
        };
        let Some(company) = company_of(&ctx.db, person.id).await? else {
            continue;
        };
        let lang = factoria_search::Lang::from_code(&person.locale);
        let new_ids: Vec<i64> = challenge::Entity::find()
            .filter(challenge::Column::Status.eq("published"))
            .filter(challenge::Column::PublishedAt.gt(since))
            .filter(challenge::Column::PublishedAt.lte(now))
            .all(&ctx.db)
            .await?
            .into_iter()
            .map(|c| c.id)
            .collect();
        let mut items = Vec::new();
        if !new_ids.is_empty() {
            let filters = Filters {
                statuses: vec!["published".into()],
                deadline_from: Some(now.date_naive()),
                ..Filters::default()
            };
            let options = MatchOptions {
                filters,
                limit: 50,
                explain: true,
                lang,
                ..MatchOptions::default()
            };
            let key = EntityKey::company(company.id);
            let results = ctx
                .search
                .with_index(move |index| index.recommend_challenges(key, &options))
                .await?;
            let catalog = ctx.search.index.catalog();
            for m in results
                .map(|r| r.matches)
                .unwrap_or_default()
                .into_iter()
                .filter(|m| new_ids.contains(&m.challenge.id))
                .take(10)
            {
                let Some(factoria_search::Document::Challenge(doc)) =
                    catalog.get(m.challenge).map(|e| e.doc.clone())
                else {
                    continue;
                };
                items.push(DigestItem {
                    title: doc.title.clone(),
                    department: doc.department.clone(),
                    deadline: doc.deadline.map(|d| {
                        factoria_frontend::dates::long_date(lang == factoria_search::Lang::Es, d)
                    }),
                    reason: m.explanation.map(|e| e.summary).unwrap_or_default(),
                    url: ctx.url(&format!("/challenges/{}", doc.external_id)),
                });
            }
        }
        let tx = db::begin_write(&ctx.db).await?;
        if !items.is_empty() {
            let content = EmailContent::Digest(Digest {
                name: person.name.clone(),
                company_name: company.name.clone(),
                weekly: frequency == Frequency::Weekly,
                items,
                settings_url: ctx.url("/account/alerts"),
            });
            let outgoing = Outgoing::to_person(&person, content, Some(Topic::NewChallenges))
                .map_err(|e| Error::Internal(anyhow::anyhow!(e)))?;
            if email::enqueue(&tx, ctx.mailer.domain(), outgoing)
                .await?
                .is_some()
            {
                sent += 1;
            }
        }
        let mut model: subscription::ActiveModel = sub.into();
        model.last_sent_at = Set(Some(now));
        model.update(&tx).await?;
        tx.commit().await?;
    }
    Ok(sent)
}

/// People following a challenge who asked to hear about it: the active, verified members of
/// companies following it (or interested in it) with a live subscription to followed challenges.
pub async fn followers<C: ConnectionTrait>(
    conn: &C,
    challenge_id: i64,
) -> Result<Vec<user::Model>> {
    let companies: Vec<i64> = interest::Entity::find()
        .filter(interest::Column::ChallengeId.eq(challenge_id))
        .all(conn)
        .await?
        .into_iter()
        .map(|i| i.company_id)
        .collect();
    if companies.is_empty() {
        return Ok(Vec::new());
    }
    let users: Vec<i64> = membership::Entity::find()
        .filter(membership::Column::CompanyId.is_in(companies))
        .all(conn)
        .await?
        .into_iter()
        .map(|m| m.user_id)
        .collect();
    let subscribed: Vec<i64> = subscription::Entity::find()
        .filter(subscription::Column::UserId.is_in(users))
        .filter(subscription::Column::Topic.eq(Topic::FollowedChallenges.as_str()))
        .filter(subscription::Column::Frequency.ne("off"))
        .all(conn)
        .await?
        .into_iter()
        .map(|s| s.user_id)
        .collect();
    super::accounts::reachable(conn, subscribed).await
}

async fn tell_followers<C: ConnectionTrait>(
    ctx: &Context,
    conn: &C,
    row: &challenge::Model,
    deadline_soon: bool,
) -> Result<usize> {
    let mut told = 0;
    for person in followers(conn, row.id).await? {
        let es = factoria_search::Lang::from_code(&person.locale) == factoria_search::Lang::Es;
        let content = EmailContent::ChallengeUpdate(ChallengeUpdate {
            name: person.name.clone(),
            challenge_title: row.title.clone(),
            deadline_soon,
            deadline: row
                .deadline
                .map(|d| factoria_frontend::dates::long_date(es, d))
                .unwrap_or_default(),
            url: ctx.url(&format!("/challenges/{}", row.external_id)),
        });
        if tell(ctx, conn, &person, content).await? {
            told += 1;
        }
    }
    Ok(told)
}

/// Whether `user_id` gathers the news of followed challenges in a daily or weekly digest.
async fn gathers<C: ConnectionTrait>(conn: &C, user_id: i64) -> Result<bool> {
    let chosen = subscription::Entity::find()
        .filter(subscription::Column::UserId.eq(user_id))
        .filter(subscription::Column::Topic.eq(Topic::FollowedChallenges.as_str()))
        .one(conn)
        .await?;
    Ok(chosen
        .is_some_and(|sub| Frequency::parse(&sub.frequency).is_ok_and(|f| f.period().is_some())))
}

/// Tells `person` news of a challenge they follow or take part in (`content` is a
/// `ChallengeUpdate` or a `CallNotice`), in the caller's transaction: at once, or held for the
/// daily or weekly digest of followed challenges they chose. A deadline reminder is never
/// held: a digest could arrive after the day it reminds of. Whether anything was queued or held
/// (nothing is queued for an address that unsubscribed).
pub async fn tell<C: ConnectionTrait>(
    ctx: &Context,
    conn: &C,
    person: &user::Model,
    content: EmailContent,
) -> Result<bool> {
    let news = match &content {
        EmailContent::ChallengeUpdate(update) if !update.deadline_soon => Some(News::from(update)),
        EmailContent::CallNotice(notice) => Some(News::from(notice)),
        _ => None,
    };
    if let Some(news) = news
        && gathers(conn, person.id).await?
    {
        held_news::ActiveModel {
            user_id: Set(person.id),
            news: Set(serde_json::to_string(&news).map_err(|e| Error::Internal(e.into()))?),
            created_at: Set(ctx.clock.now()),
            ..Default::default()
        }
        .insert(conn)
        .await?;
        return Ok(true);
    }
    let Ok(outgoing) = Outgoing::to_person(person, content, Some(Topic::FollowedChallenges)) else {
        tracing::warn!(
            user = person.id,
            "a stored address does not parse; not told of a followed challenge's news"
        );
        return Ok(false);
    };
    Ok(email::enqueue(conn, ctx.mailer.domain(), outgoing)
        .await?
        .is_some())
}

/// Sends the news of followed challenges held for people, at `now`: to those on a daily or
/// weekly digest whose period has passed since their last one, and at once to those who have
/// since chosen `immediate`; the news of people who have since unsubscribed is dropped. One
/// email per person, one entry per challenge. Returns how many emails were queued; a person
/// whose news cannot be sent does not hold up the others (the first such error is returned
/// after every other person was served, so the job is retried for them).
pub async fn send_followed_digests(ctx: &Context, now: DateTime<Utc>) -> Result<usize> {
    let people: Vec<i64> = held_news::Entity::find()
        .select_only()
        .column(held_news::Column::UserId)
        .distinct()
        .order_by_asc(held_news::Column::UserId)
        .into_tuple()
        .all(&ctx.db)
        .await?;
    let mut sent = 0;
    let mut first_error = None;
    for user_id in people {
        match send_held_news(ctx, user_id, now).await {
            Ok(true) => sent += 1,
            Ok(false) => {}
            Err(error) => {
                tracing::error!(user = user_id, %error, "cannot send the news held for a person");
                first_error.get_or_insert(error);
            }
        }
    }
    match first_error {
        Some(error) => Err(error),
        None => Ok(sent),
    }
}

/// [`send_followed_digests`] for one person, in one transaction holding their user row, so
/// two workers never send the same news; whether an email was queued.
async fn send_held_news(ctx: &Context, user_id: i64, now: DateTime<Utc>) -> Result<bool> {
    let tx = db::begin_write(&ctx.db).await?;
    db::lock_row(&tx, "users", user_id).await?;
    let sub = subscription::Entity::find()
        .filter(subscription::Column::UserId.eq(user_id))
        .filter(subscription::Column::Topic.eq(Topic::FollowedChallenges.as_str()))
        .one(&tx)
        .await?;
    let frequency = match &sub {
        Some(sub) => Frequency::parse(&sub.frequency)
            .map_err(|e| Error::Internal(anyhow::anyhow!("subscription {}: {e}", sub.id)))?,
        None => Frequency::Off,
    };
    let period = match (frequency, &sub) {
        (Frequency::Daily | Frequency::Weekly, Some(sub)) => {
            let since = sub.last_sent_at.unwrap_or(sub.created_at);
            if now - since < frequency.period().unwrap_or_default() {
                return Ok(false);
            }
            if frequency == Frequency::Weekly {
                DigestPeriod::Week
            } else {
                DigestPeriod::Day
            }
        }
        _ => DigestPeriod::SinceLast,
    };
    let held = held_news::Entity::find()
        .filter(held_news::Column::UserId.eq(user_id))
        .order_by_asc(held_news::Column::Id)
        .all(&tx)
        .await?;
    let person = super::accounts::reachable(&tx, vec![user_id])
        .await?
        .into_iter()
        .next();
    let mut queued = false;
    if let Some(person) = person.filter(|_| frequency != Frequency::Off && !held.is_empty()) {
        let news = held
            .iter()
            .map(|h| serde_json::from_str::<News>(&h.news))
            .collect::<std::result::Result<Vec<_>, _>>()
            .map_err(|e| Error::Internal(e.into()))?;
        let content = EmailContent::FollowedDigest(FollowedDigest::gather(
            person.name.clone(),
            period,
            news,
            ctx.url("/account/alerts"),
        ));
        let outgoing = Outgoing::to_person(&person, content, Some(Topic::FollowedChallenges))
            .map_err(|e| Error::Internal(anyhow::anyhow!(e)))?;
        queued = email::enqueue(&tx, ctx.mailer.domain(), outgoing)
            .await?
            .is_some();
    }
    // Told, unsubscribed since, or nobody left to tell (a deactivated account): not kept.
    held_news::Entity::delete_many()
        .filter(held_news::Column::Id.is_in(held.iter().map(|h| h.id)))
        .exec(&tx)
        .await?;
    if let Some(sub) = sub {
        let mut model: subscription::ActiveModel = sub.into();
        model.last_sent_at = Set(Some(now));
        model.update(&tx).await?;
    }
    tx.commit().await?;
    Ok(queued)
}

/// Tells the followers of a challenge that it changed (its text, or its status: closed,
/// awarded, cancelled), in the caller's transaction. Only published challenges have followers.
pub async fn challenge_changed<C: ConnectionTrait>(
    ctx: &Context,
    conn: &C,
    challenge_id: i64,
) -> Result<usize> {
    let Some(row) = challenge::Entity::find_by_id(challenge_id)
        .one(conn)
        .await?
    else {
        return Ok(0);
    };
    tell_followers(ctx, conn, &row, false).await
}

/// Days before a deadline when followers are reminded.
pub const REMINDER_DAYS: i64 = 3;

/// Reminds followers of published challenges whose deadline is `REMINDER_DAYS` after `today`,
/// once per challenge and deadline.
pub async fn deadline_reminders(ctx: &Context, today: chrono::NaiveDate) -> Result<usize> {
    let target = today + Duration::days(REMINDER_DAYS);
    let due = challenge::Entity::find()
        .filter(challenge::Column::Status.eq("published"))
        .filter(challenge::Column::Deadline.eq(target))
        .all(&ctx.db)
        .await?;
    let mut queued = 0;
    for row in due {
        let marker = format!("reminder:{}:{}", row.id, target);
        let tx = db::begin_write(&ctx.db).await?;
        // A done job with this key marks the reminder as sent; dedupe keys of finished jobs stay.
        let backend = tx.get_database_backend();
        let inserted = tx
            .execute_raw(db::statement(
                backend,
                "INSERT INTO jobs (kind, payload, status, attempts, max_attempts, run_at, dedupe_key, created_at, updated_at, finished_at) \
                 VALUES ('deadline_reminder_marker', '{}', 'done', 0, 0, $1, $2, $1, $1, $1) ON CONFLICT (dedupe_key) DO NOTHING",
                vec![db::now().into(), marker.into()],
            ))
            .await?;
        if inserted.rows_affected() == 1 {
            queued += tell_followers(ctx, &tx, &row, true).await?;
        }
        tx.commit().await?;
    }
    Ok(queued)
}
