//! Rows to index documents, stored vectors to [`EntityVectors`], and the embedding of an
//! entity's changed texts.

use std::collections::{HashMap, HashSet};

use factoria_search::embedder::MODEL_ID;
use factoria_search::{
    ChallengeDoc, ChunkField, CompanyDoc, Document, Embedder, EntityKey, EntityVectors, Kind, Lang,
    VectorChunk,
};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};
use sha2::{Digest, Sha256};

use crate::db::entities::{challenge, company, department, embedding};
use crate::db::{self, Db, from_json_text};
use crate::error::{Error, Result};

fn list(column: &str, text: &str) -> Result<Vec<String>> {
    from_json_text(column, text).map_err(|e| Error::Internal(e.into()))
}

/// The index document of a company row.
pub fn company_doc(row: &company::Model) -> Result<CompanyDoc> {
    Ok(CompanyDoc {
        id: row.id,
        external_id: row.external_id.clone(),
        name: row.name.clone(),
        company_kind: row.kind.clone(),
        size: row.size.clone(),
        region: row.region.clone(),
        municipality: row.municipality.clone(),
        description: row.description.clone(),
        capabilities: list("capabilities", &row.capabilities)?,
        technologies: list("technologies", &row.technologies)?,
        sectors: list("sectors", &row.sectors)?,
        cpv: list("cpv", &row.cpv)?,
        trl: row.trl.and_then(|t| u8::try_from(t).ok()),
        certifications: list("certifications", &row.certifications)?,
        languages: list("languages", &row.languages)?,
        updated_at: row.updated_at.timestamp(),
    })
}

/// The index document of a challenge row.
pub fn challenge_doc(row: &challenge::Model, department: &str) -> Result<ChallengeDoc> {
    Ok(ChallengeDoc {
        id: row.id,
        external_id: row.external_id.clone(),
        title: row.title.clone(),
        language: Some(Lang::from_code(&row.language)),
        department: department.to_owned(),
        summary: row.summary.clone(),
        description: row.description.clone(),
        outcomes: list("outcomes", &row.outcomes)?,
        must: list("requirements_must", &row.requirements_must)?,
        should: list("requirements_should", &row.requirements_should)?,
        sectors: list("sectors", &row.sectors)?,
        cpv: list("cpv", &row.cpv)?,
        trl_min: row.trl_min.and_then(|t| u8::try_from(t).ok()),
        budget_eur: row.budget_cents.map(|c| (c / 100).max(0) as u64),
        deadline: row.deadline,
        required_certifications: list("required_certifications", &row.required_certifications)?,
        status: row.status.as_str().to_owned(),
        updated_at: row.updated_at.timestamp(),
    })
}

/// The document of an entity as it should be indexed now; `None` when it is gone or hidden.
pub async fn document<C: ConnectionTrait>(conn: &C, key: EntityKey) -> Result<Option<Document>> {
    match key.kind {
        Kind::Company => match company::Entity::find_by_id(key.id).one(conn).await? {
            Some(row) if row.moderation == "visible" => {
                Ok(Some(Document::Company(company_doc(&row)?)))
            }
            _ => Ok(None),
        },
        Kind::Challenge => match challenge::Entity::find_by_id(key.id).one(conn).await? {
            Some(row) => {
                let department = department::Entity::find_by_id(row.department_id)
                    .one(conn)
                    .await?
                    .map(|d| d.name)
                    .unwrap_or_default();
                Ok(Some(Document::Challenge(challenge_doc(&row, &department)?)))
            }
            None => Ok(None),
        },
    }
}

/// Hash of an embedded text and the model, stored with its vector.
pub fn text_hash(text: &str) -> String {
    let digest = Sha256::digest(format!("{MODEL_ID}\n{text}").as_bytes());
    digest.iter().take(16).map(|b| format!("{b:02x}")).collect()
}

fn vector_from_bytes(bytes: &[u8]) -> Vec<f32> {
    bytes
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect()
}

fn vector_to_bytes(vector: &[f32]) -> Vec<u8> {
    vector.iter().flat_map(|x| x.to_le_bytes()).collect()
}

/// The stored vectors of `doc` whose text is still the document's: a vector of an edited text
/// is left out until the embedding job replaces it.
fn current_vectors(doc: &Document, rows: &[embedding::Model]) -> EntityVectors {
    let wanted: HashMap<(ChunkField, usize), String> = doc
        .chunk_texts()
        .into_iter()
        .map(|c| ((c.field, c.position), text_hash(&c.text)))
        .collect();
    let chunks = rows
        .iter()
        .filter_map(|row| {
            let field = ChunkField::parse(&row.field)?;
            let position = usize::try_from(row.position).ok()?;
            (wanted.get(&(field, position)) == Some(&row.text_hash)).then(|| VectorChunk {
                field,
                position,
                vector: vector_from_bytes(&row.vector),
            })
        })
        .collect();
    EntityVectors { chunks }
}

async fn stored_vectors<C: ConnectionTrait>(
    conn: &C,
    kind: Kind,
    ids: &[i64],
) -> Result<HashMap<i64, Vec<embedding::Model>>> {
    let mut by_entity: HashMap<i64, Vec<embedding::Model>> = HashMap::new();
    for chunk in ids.chunks(500) {
        let rows = embedding::Entity::find()
            .filter(embedding::Column::EntityKind.eq(kind.as_str()))
            .filter(embedding::Column::ModelId.eq(MODEL_ID))
            .filter(embedding::Column::EntityId.is_in(chunk.to_vec()))
            .all(conn)
            .await?;
        for row in rows {
            by_entity.entry(row.entity_id).or_default().push(row);
        }
    }
    Ok(by_entity)
}

/// Documents and current vectors of `keys`; entities that are gone come back as `None`.
pub async fn documents_with_vectors<C: ConnectionTrait>(
    conn: &C,
    keys: &[EntityKey],
) -> Result<Vec<(EntityKey, Option<(Document, EntityVectors)>)>> {
    let mut docs = Vec::with_capacity(keys.len());
    for key in keys {
        docs.push((*key, document(conn, *key).await?));
    }
    let mut out = Vec::with_capacity(keys.len());
    for kind in [Kind::Company, Kind::Challenge] {
        let ids: Vec<i64> = docs
            .iter()
            .filter(|(k, d)| k.kind == kind && d.is_some())
            .map(|(k, _)| k.id)
            .collect();
        let vectors = stored_vectors(conn, kind, &ids).await?;
        for (key, doc) in docs.iter().filter(|(k, _)| k.kind == kind) {
            let entry = doc.as_ref().map(|doc| {
                let rows = vectors.get(&key.id).map(Vec::as_slice).unwrap_or_default();
                (doc.clone(), current_vectors(doc, rows))
            });
            out.push((*key, entry));
        }
    }
    Ok(out)
}

/// Every indexable document with its current vectors, read in pages; `progress` is told how
/// many were read.
pub async fn load_all(db: &Db, progress: &dyn Fn(usize)) -> Result<Vec<(Document, EntityVectors)>> {
    let mut out = Vec::new();
    let departments: HashMap<i64, String> = department::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|d| (d.id, d.name))
        .collect();
    let mut last = 0;
    loop {
        let rows = company::Entity::find()
            .filter(company::Column::Id.gt(last))
            .filter(company::Column::Moderation.eq("visible"))
            .order_by_asc(company::Column::Id)
            .limit(1000)
            .all(db)
            .await?;
        let Some(tail) = rows.last() else { break };
        last = tail.id;
        let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
        let vectors = stored_vectors(db, Kind::Company, &ids).await?;
        for row in &rows {
            let doc = Document::Company(company_doc(row)?);
            let v = current_vectors(
                &doc,
                vectors.get(&row.id).map(Vec::as_slice).unwrap_or_default(),
            );
            out.push((doc, v));
        }
        progress(out.len());
    }
    let mut last = 0;
    loop {
        let rows = challenge::Entity::find()
            .filter(challenge::Column::Id.gt(last))
            .order_by_asc(challenge::Column::Id)
            .limit(1000)
            .all(db)
            .await?;
        let Some(tail) = rows.last() else { break };
        last = tail.id;
        let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
        let vectors = stored_vectors(db, Kind::Challenge, &ids).await?;
        for row in &rows {
            let department = departments
                .get(&row.department_id)
                .map(String::as_str)
                .unwrap_or_default();
            let doc = Document::Challenge(challenge_doc(row, department)?);
            let v = current_vectors(
                &doc,
                vectors.get(&row.id).map(Vec::as_slice).unwrap_or_default(),
            );
            out.push((doc, v));
        }
        progress(out.len());
    }
    Ok(out)
}

/// Embeds the texts of an entity that have no current vector, replaces its stored vectors and
/// records the change so every index picks them up. Unchanged texts are never embedded again.
/// Returns how many texts were embedded. `urgent` puts the texts ahead of bulk work, for
/// someone waiting on the answer.
pub async fn embed_entity(
    db: &Db,
    embedder: &Embedder,
    key: EntityKey,
    urgent: bool,
) -> Result<usize> {
    let Some(doc) = document(db, key).await? else {
        embedding::Entity::delete_many()
            .filter(embedding::Column::EntityKind.eq(key.kind.as_str()))
            .filter(embedding::Column::EntityId.eq(key.id))
            .exec(db)
            .await?;
        return Ok(0);
    };
    let chunks = doc.chunk_texts();
    let stored = stored_vectors(db, key.kind, &[key.id])
        .await?
        .remove(&key.id)
        .unwrap_or_default();
    let current: HashSet<(String, i32, String)> = stored
        .iter()
        .map(|r| (r.field.clone(), r.position, r.text_hash.clone()))
        .collect();
    let missing: Vec<_> = chunks
        .iter()
        .filter(|c| {
            !current.contains(&(
                c.field.as_str().to_owned(),
                c.position as i32,
                text_hash(&c.text),
            ))
        })
        .collect();
    let wanted: HashSet<(String, i32)> = chunks
        .iter()
        .map(|c| (c.field.as_str().to_owned(), c.position as i32))
        .collect();
    let obsolete = stored
        .iter()
        .any(|r| !wanted.contains(&(r.field.clone(), r.position)));
    if missing.is_empty() && !obsolete {
        return Ok(0);
    }
    let texts = missing.iter().map(|c| c.text.clone()).collect();
    let vectors = if urgent {
        embedder.embed_texts_now(texts).await?
    } else {
        embedder.embed_texts(texts).await?
    };
    let tx = db::begin_write(db).await?;
    // The texts may have changed while they were embedded: under the entity's row lock, vectors
    // of an older text are dropped rather than written over a newer one's (the change that
    // replaced the text queued its own embedding).
    let table = match key.kind {
        Kind::Company => "companies",
        Kind::Challenge => "challenges",
    };
    db::lock_row(&tx, table, key.id).await?;
    let still_current = document(&tx, key)
        .await?
        .is_some_and(|latest| latest.chunk_texts() == chunks);
    if !still_current {
        tracing::debug!(
            ?key,
            "texts changed while they were embedded; the newer change embeds them"
        );
        return Ok(0);
    }
    let replaced: Vec<i64> = stored
        .iter()
        .filter(|r| {
            !wanted.contains(&(r.field.clone(), r.position))
                || missing
                    .iter()
                    .any(|c| c.field.as_str() == r.field && c.position as i32 == r.position)
        })
        .map(|r| r.id)
        .collect();
    if !replaced.is_empty() {
        embedding::Entity::delete_many()
            .filter(embedding::Column::Id.is_in(replaced))
            .exec(&tx)
            .await?;
    }
    let now = db::now();
    let rows: Vec<embedding::ActiveModel> = missing
        .iter()
        .zip(&vectors)
        .map(|(chunk, vector)| embedding::ActiveModel {
            entity_kind: Set(key.kind.as_str().to_owned()),
            entity_id: Set(key.id),
            field: Set(chunk.field.as_str().to_owned()),
            position: Set(chunk.position as i32),
            text_hash: Set(text_hash(&chunk.text)),
            model_id: Set(MODEL_ID.to_owned()),
            vector: Set(vector_to_bytes(vector)),
            created_at: Set(now),
            ..Default::default()
        })
        .collect();
    if !rows.is_empty() {
        // Two workers may embed the same entity at once (a save's urgent embedding and its
        // queued job): the second write replaces the first instead of failing on the key.
        let key_columns = [
            embedding::Column::EntityKind,
            embedding::Column::EntityId,
            embedding::Column::ModelId,
            embedding::Column::Field,
            embedding::Column::Position,
        ];
        embedding::Entity::insert_many(rows)
            .on_conflict(
                sea_orm::sea_query::OnConflict::columns(key_columns)
                    .update_columns([
                        embedding::Column::TextHash,
                        embedding::Column::Vector,
                        embedding::Column::CreatedAt,
                    ])
                    .to_owned(),
            )
            .exec(&tx)
            .await?;
    }
    db::record_change(&tx, key).await?;
    tx.commit().await?;
    Ok(missing.len())
}
