//! Documents of a challenge (specifications, annexes: its department adds them, whoever may see
//! the challenge reads them) and attachments of a proposal (its company adds them until the
//! deadline; they are sealed with the proposal). A file is PDF or a common office format, known
//! by its bytes, not its name, of at most 20 MB; its bytes are kept by the file store.

use bytes::Bytes;
use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::calls::{self, ForOfficer, ForPage};
use super::proposals::{self, Access, Mine};
use super::{Actor, Error, Result, challenges};
use crate::context::Context;
use crate::db::entities::document;
use crate::db::{self};
use crate::types::validation::{FieldErrors, is_one_line};

/// The largest file accepted.
pub const MAX_BYTES: usize = 20 * 1024 * 1024;

/// The audit action of a document or attachment added.
pub const DOCUMENT_ADDED: &str = "document_added";

/// The audit action of a document or attachment removed.
pub const DOCUMENT_REMOVED: &str = "document_removed";

/// The types accepted, as their bytes reveal them.
const ACCEPTED: &[&str] = &[
    "application/pdf",
    "application/msword",
    "application/vnd.ms-excel",
    "application/vnd.ms-powerpoint",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "application/vnd.oasis.opendocument.text",
    "application/vnd.oasis.opendocument.spreadsheet",
    "application/vnd.oasis.opendocument.presentation",
    "application/rtf",
];

/// A file as uploaded: the name the person gave it and its bytes.
#[derive(Debug, Clone)]
pub struct Upload {
    /// The file's name on the uploader's machine.
    pub name: String,
    /// Its bytes.
    pub bytes: Bytes,
}

/// A document as the API shows it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DocumentView {
    /// Document id.
    pub id: i64,
    /// Its file name.
    pub name: String,
    /// Its type, as its bytes reveal it.
    pub content_type: String,
    /// Its size in bytes.
    pub size_bytes: i64,
    /// SHA-256 of its bytes.
    pub sha256: String,
    /// Where to download it.
    pub url: String,
    /// When it was added.
    pub created_at: DateTime<Utc>,
}

/// The checked name and type of an upload, or the faults of its `file` field.
fn check(upload: &Upload) -> std::result::Result<(String, &'static str), FieldErrors> {
    let name = upload
        .name
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or_default()
        .trim()
        .to_owned();
    if name.is_empty() || name.chars().count() > 200 || !is_one_line(&name) {
        return Err(FieldErrors::one(
            "file",
            "give the file a name of one line and at most 200 characters",
        ));
    }
    if upload.bytes.len() > MAX_BYTES {
        return Err(FieldErrors::one("file", "is larger than 20 MB"));
    }
    let found = infer::get(&upload.bytes).map(|t| t.mime_type());
    match found.and_then(|mime| ACCEPTED.iter().find(|a| **a == mime)) {
        Some(mime) => Ok((name, mime)),
        None => Err(FieldErrors::one(
            "file",
            "is not a PDF or an office document (Word, Excel, PowerPoint, OpenDocument, RTF), judging by its content",
        )),
    }
}

fn view(row: &document::Model, challenge_id: &str) -> DocumentView {
    DocumentView {
        id: row.id,
        name: row.name.clone(),
        content_type: row.content_type.clone(),
        size_bytes: row.size_bytes,
        sha256: row.sha256.clone(),
        url: format!("/api/v1/challenges/{challenge_id}/documents/{}", row.id),
        created_at: row.created_at,
    }
}

/// Stores an upload and records it, for `challenge` (and `proposal`).
async fn keep(
    ctx: &Context,
    actor: &Actor,
    challenge: (i64, &str),
    proposal: Option<i64>,
    upload: Upload,
) -> Result<DocumentView> {
    let (name, mime) = check(&upload)?;
    let random: [u8; 16] = rand::random();
    let random: String = random.iter().map(|b| format!("{b:02x}")).collect();
    let key = match proposal {
        Some(p) => format!("proposals/{p}/{random}"),
        None => format!("challenges/{}/{random}", challenge.0),
    };
    let sha256: String = Sha256::digest(&upload.bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let size = upload.bytes.len() as i64;
    // The bytes first: a row never names a file that is not there.
    ctx.files.put(&key, upload.bytes).await?;
    let saved = record(
        ctx,
        actor,
        challenge.0,
        proposal,
        (name, mime, size, sha256),
        &key,
    )
    .await;
    match saved {
        Ok(row) => Ok(view(&row, challenge.1)),
        Err(error) => {
            if let Err(cleanup) = ctx.files.delete(&key).await {
                tracing::warn!(%cleanup, key, "a file whose row could not be saved stays in the store");
            }
            Err(error)
        }
    }
}

/// The row of a stored file and its audit entry, in one transaction.
async fn record(
    ctx: &Context,
    actor: &Actor,
    challenge: i64,
    proposal: Option<i64>,
    (name, mime, size, sha256): (String, &str, i64, String),
    key: &str,
) -> Result<document::Model> {
    let tx = db::begin_write(&ctx.db).await?;
    let row = document::ActiveModel {
        challenge_id: Set(challenge),
        proposal_id: Set(proposal),
        name: Set(name),
        content_type: Set(mime.to_owned()),
        size_bytes: Set(size),
        sha256: Set(sha256),
        storage_key: Set(key.to_owned()),
        uploaded_by: Set(actor.user_id()),
        created_at: Set(db::now()),
        ..Default::default()
    }
    .insert(&tx)
    .await?;
    super::audit::record(
        &tx,
        &ctx.config.secret,
        actor.user_id(),
        DOCUMENT_ADDED,
        Some(format!("document:{}", row.id)),
        Some(serde_json::json!({ "sha256": row.sha256 })),
        None,
    )
    .await?;
    tx.commit().await?;
    Ok(row)
}

/// An officer of the challenge's department adds a document to it.
pub async fn add_to_challenge(
    ctx: &Context,
    actor: &Actor,
    challenge_id: &str,
    upload: Upload,
) -> Result<DocumentView> {
    let challenge = challenges::find(&ctx.db, actor, challenge_id).await?;
    actor.check_manages_department(
        challenge.department_id,
        "only officers of the challenge's department add its documents",
    )?;
    keep(
        ctx,
        actor,
        (challenge.id, &challenge.external_id),
        None,
        upload,
    )
    .await
}

/// A member of the proposing company attaches a file to its proposal before the deadline.
pub async fn add_to_proposal(
    ctx: &Context,
    actor: &Actor,
    challenge_id: &str,
    proposal_id: i64,
    upload: Upload,
) -> Result<DocumentView> {
    actor.check_write()?;
    let now = ctx.clock.now();
    let (challenge, call, row, access) =
        proposals::reach(&ctx.db, actor, challenge_id, proposal_id, false, now).await?;
    if access != Access::Member {
        return Err(Error::forbidden(
            "only members of the proposing company change a proposal",
        ));
    }
    proposals::check_open(&challenge, &call, now)?;
    keep(
        ctx,
        actor,
        (challenge.id, &challenge.external_id),
        Some(row.id),
        upload,
    )
    .await
}

/// The documents of a challenge, for whoever may see it.
pub async fn of_challenge(
    ctx: &Context,
    actor: &Actor,
    challenge_id: &str,
) -> Result<Vec<DocumentView>> {
    let challenge = challenges::find(&ctx.db, actor, challenge_id).await?;
    let rows = document::Entity::find()
        .filter(document::Column::ChallengeId.eq(challenge.id))
        .filter(document::Column::ProposalId.is_null())
        .order_by_asc(document::Column::Id)
        .all(&ctx.db)
        .await?;
    Ok(rows
        .iter()
        .map(|r| view(r, &challenge.external_id))
        .collect())
}

/// The attachments of a proposal, for those who may read it.
pub async fn of_proposal(
    ctx: &Context,
    actor: &Actor,
    challenge_id: &str,
    proposal_id: i64,
) -> Result<Vec<DocumentView>> {
    // Reading the proposal decides access (and asks an evaluator to declare first).
    proposals::get(ctx, actor, challenge_id, proposal_id).await?;
    let rows = document::Entity::find()
        .filter(document::Column::ProposalId.eq(proposal_id))
        .order_by_asc(document::Column::Id)
        .all(&ctx.db)
        .await?;
    Ok(rows.iter().map(|r| view(r, challenge_id)).collect())
}

/// A document and its bytes, for those who may read what it belongs to; anyone else gets 404.
pub async fn download(
    ctx: &Context,
    actor: &Actor,
    challenge_id: &str,
    document_id: i64,
) -> Result<(DocumentView, Bytes)> {
    let challenge = challenges::find(&ctx.db, actor, challenge_id).await?;
    let row = document::Entity::find_by_id(document_id)
        .filter(document::Column::ChallengeId.eq(challenge.id))
        .one(&ctx.db)
        .await?
        .ok_or(Error::NotFound("document"))?;
    if let Some(proposal_id) = row.proposal_id {
        match proposals::get(ctx, actor, challenge_id, proposal_id).await {
            Ok(_) => {}
            Err(Error::NotFound(_) | Error::Conflict(_)) => {
                return Err(Error::NotFound("document"));
            }
            Err(error) => return Err(error),
        }
    }
    let bytes = ctx.files.get(&row.storage_key).await?;
    Ok((view(&row, &challenge.external_id), bytes))
}

/// Removes a document: a challenge's, by an officer of its department; a proposal's
/// attachment, by a member of the proposing company until the proposals deadline (409 after;
/// 404 for whoever may not read the proposal). The row goes at once, audited with its SHA-256;
/// the file is removed from the store by a job once that commits.
pub async fn remove(
    ctx: &Context,
    actor: &Actor,
    challenge_id: &str,
    document_id: i64,
) -> Result<()> {
    actor.check_write()?;
    let tx = db::begin_write(&ctx.db).await?;
    let challenge = challenges::find(&tx, actor, challenge_id).await?;
    let row = document::Entity::find_by_id(document_id)
        .filter(document::Column::ChallengeId.eq(challenge.id))
        .one(&tx)
        .await?
        .ok_or(Error::NotFound("document"))?;
    match row.proposal_id {
        None => actor.check_manages_department(
            challenge.department_id,
            "only officers of the challenge's department remove its documents",
        )?,
        Some(proposal_id) => {
            let now = ctx.clock.now();
            let (challenge, call, _, access) =
                match proposals::reach(&tx, actor, challenge_id, proposal_id, true, now).await {
                    Ok(reached) => reached,
                    Err(Error::NotFound(_)) => return Err(Error::NotFound("document")),
                    Err(error) => return Err(error),
                };
            if access != Access::Member {
                return Err(Error::forbidden(
                    "only members of the proposing company change a proposal",
                ));
            }
            proposals::check_open(&challenge, &call, now)?;
        }
    }
    forget(&tx, std::slice::from_ref(&row)).await?;
    super::audit::record(
        &tx,
        &ctx.config.secret,
        actor.user_id(),
        DOCUMENT_REMOVED,
        Some(format!("document:{}", row.id)),
        Some(serde_json::json!({ "sha256": row.sha256 })),
        None,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Deletes `rows` in the caller's transaction and queues the removal of their files, which
/// runs once it commits.
async fn forget<C: sea_orm::ConnectionTrait>(conn: &C, rows: &[document::Model]) -> Result<()> {
    for row in rows {
        crate::jobs::enqueue(
            conn,
            crate::jobs::kind::REMOVE_FILE,
            serde_json::json!({ "key": row.storage_key }),
            None,
            // With the backoff's one-hour cap: tried for about two days.
            50,
            db::now(),
        )
        .await?;
    }
    document::Entity::delete_many()
        .filter(document::Column::Id.is_in(rows.iter().map(|r| r.id)))
        .exec(conn)
        .await?;
    Ok(())
}

/// A challenge's public page with its documents.
pub async fn challenge_page(
    ctx: &Context,
    actor: &Actor,
    challenge_id: &str,
) -> Result<(ForPage, Vec<DocumentView>)> {
    let page = calls::for_page(ctx, actor, challenge_id).await?;
    Ok((page, of_challenge(ctx, actor, challenge_id).await?))
}

/// A challenge's call for its officers, with its documents.
pub async fn officer_page(
    ctx: &Context,
    actor: &Actor,
    challenge_id: &str,
) -> Result<(ForOfficer, Vec<DocumentView>)> {
    let page = calls::for_officer(ctx, actor, challenge_id).await?;
    Ok((page, of_challenge(ctx, actor, challenge_id).await?))
}

/// A member's proposal with its attachments.
pub async fn my_proposal(
    ctx: &Context,
    actor: &Actor,
    challenge_id: &str,
) -> Result<(Mine, Vec<DocumentView>)> {
    let mine = proposals::mine(ctx, actor, challenge_id).await?;
    let attached = match &mine.proposal {
        Some(p) => of_proposal(ctx, actor, challenge_id, p.id).await?,
        None => Vec::new(),
    };
    Ok((mine, attached))
}

/// A member attaches a file to their company's proposal from its page.
pub async fn attach_to_mine(
    ctx: &Context,
    actor: &Actor,
    challenge_id: &str,
    upload: Upload,
) -> Result<DocumentView> {
    let mine = proposals::mine(ctx, actor, challenge_id).await?;
    let id = mine.proposal.ok_or(Error::NotFound("proposal"))?.id;
    add_to_proposal(ctx, actor, challenge_id, id, upload).await
}

/// A size as people read it: «1,2 MB», "1.2 MB", «850 kB».
pub fn size_words(es: bool, bytes: i64) -> String {
    let (value, unit) = if bytes >= 1_000_000 {
        (bytes as f64 / 1_000_000.0, "MB")
    } else {
        ((bytes as f64 / 1000.0).max(1.0), "kB")
    };
    let text = format!("{value:.1}");
    let text = text.strip_suffix(".0").unwrap_or(&text).to_owned();
    let text = if es { text.replace('.', ",") } else { text };
    format!("{text} {unit}")
}

/// Forgets, in the caller's transaction, the attachments `user_id` added to proposals that were
/// never handed in (drafts and withdrawn ones: they may hold a CV or other personal data and
/// are nobody's record yet); their files are removed by a job once the transaction commits.
/// Attachments of handed-in proposals stay: they are the call's record. Returns how many.
pub async fn forget_unsent_of<C: sea_orm::ConnectionTrait>(
    conn: &C,
    user_id: i64,
) -> Result<usize> {
    use crate::db::entities::proposal;
    use crate::types::ProposalStatus;
    use sea_orm::sea_query::Query;
    let unsent = Query::select()
        .column(proposal::Column::Id)
        .from(proposal::Entity)
        .and_where(
            proposal::Column::Status.is_in([ProposalStatus::Draft, ProposalStatus::Withdrawn]),
        )
        .to_owned();
    let rows = document::Entity::find()
        .filter(document::Column::UploadedBy.eq(user_id))
        .filter(document::Column::ProposalId.in_subquery(unsent))
        .all(conn)
        .await?;
    forget(conn, &rows).await?;
    Ok(rows.len())
}

/// Runs a `remove_file` job: removes the file its payload names (already gone is done).
pub async fn run_remove_job(
    ctx: &Context,
    payload: &str,
) -> std::result::Result<(), crate::jobs::JobError> {
    use crate::jobs::JobError;
    #[derive(serde::Deserialize)]
    struct Payload {
        key: String,
    }
    let payload: Payload = serde_json::from_str(payload)
        .map_err(|e| JobError::Permanent(format!("bad payload: {e}")))?;
    ctx.files
        .delete(&payload.key)
        .await
        .map_err(|e| JobError::Retry(e.to_string()))
}
