//! The in-memory copy of every indexed document and its vectors: what vector search, filters,
//! facets and matching read. Kept in step with tantivy by [`crate::SearchIndex::apply`].

use std::collections::HashMap;

use fixedbitset::FixedBitSet;

use crate::analysis::Lang;
use crate::documents::{
    ChunkField, Document, EntityKey, EntityVectors, Kind, normalise_certification,
};
use crate::vectors::{DIMENSION, MIN_BACKGROUND, Spread, VectorMatrix, dot};

/// One document with what is derived from it once, at indexing time.
#[derive(Debug, Clone)]
pub struct Entry {
    /// The document.
    pub doc: Document,
    /// Language it is written in.
    pub lang: Lang,
    /// Row in its kind's matrices.
    pub slot: usize,
    /// Certifications, normalised for comparison.
    pub certifications: Vec<String>,
    /// Sectors, lower-cased.
    pub sectors: Vec<String>,
    /// Chunk vectors other than the whole-document ones, in one flat buffer.
    chunks: Vec<(ChunkField, usize)>,
    chunk_data: Vec<f32>,
}

impl Entry {
    /// The chunks of `field`: position and vector.
    pub fn chunks(&self, field: ChunkField) -> impl Iterator<Item = (usize, &[f32])> {
        self.chunks
            .iter()
            .enumerate()
            .filter(move |(_, (f, _))| *f == field)
            .map(|(i, (_, position))| {
                (
                    *position,
                    &self.chunk_data[i * DIMENSION..(i + 1) * DIMENSION],
                )
            })
    }

    /// The best similarity of `query` to any chunk of `fields`: the chunk's field, position and
    /// the dot product.
    pub fn best_chunk(
        &self,
        query: &[f32],
        fields: &[ChunkField],
    ) -> Option<(ChunkField, usize, f32)> {
        self.chunks
            .iter()
            .enumerate()
            .filter(|(_, (f, _))| fields.contains(f))
            .map(|(i, (f, p))| {
                (
                    *f,
                    *p,
                    dot(query, &self.chunk_data[i * DIMENSION..(i + 1) * DIMENSION]),
                )
            })
            .max_by(|a, b| a.2.total_cmp(&b.2))
    }

    /// Whether the entry has vectors for every chunk it should.
    pub fn has_chunks(&self) -> bool {
        !self.chunks.is_empty()
    }
}

#[derive(Debug)]
struct KindStore {
    keys: Vec<Option<EntityKey>>,
    free: Vec<usize>,
    passage: VectorMatrix,
    query: VectorMatrix,
    /// Slots of entries written in Spanish and in English.
    languages: [FixedBitSet; 2],
}

fn lang_index(lang: Lang) -> usize {
    match lang {
        Lang::Es => 0,
        Lang::En => 1,
    }
}

impl KindStore {
    fn new() -> Self {
        Self {
            keys: Vec::new(),
            free: Vec::new(),
            passage: VectorMatrix::new(DIMENSION),
            query: VectorMatrix::new(DIMENSION),
            languages: [FixedBitSet::new(), FixedBitSet::new()],
        }
    }

    fn set_language(&mut self, slot: usize, lang: Option<Lang>) {
        for (i, set) in self.languages.iter_mut().enumerate() {
            set.grow(slot + 1);
            set.set(slot, lang.is_some_and(|l| lang_index(l) == i));
        }
    }

    fn allocate(&mut self, key: EntityKey) -> usize {
        match self.free.pop() {
            Some(slot) => {
                self.keys[slot] = Some(key);
                slot
            }
            None => {
                self.keys.push(Some(key));
                self.keys.len() - 1
            }
        }
    }
}

/// Every indexed document, by key and by slot.
#[derive(Debug)]
pub struct Catalog {
    entries: HashMap<EntityKey, Entry>,
    companies: KindStore,
    challenges: KindStore,
    /// Bumped by every change: what is derived from the whole catalog is current while it holds.
    generation: u64,
}

impl Default for Catalog {
    fn default() -> Self {
        Self {
            entries: HashMap::new(),
            companies: KindStore::new(),
            challenges: KindStore::new(),
            generation: 0,
        }
    }
}

/// Which whole-document vector to scan.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocVector {
    /// The document as a passage: what a query looks for.
    Passage,
    /// The challenge as a query: what looks for suppliers.
    Query,
}

impl Catalog {
    fn store(&self, kind: Kind) -> &KindStore {
        match kind {
            Kind::Company => &self.companies,
            Kind::Challenge => &self.challenges,
        }
    }

    fn store_mut(&mut self, kind: Kind) -> &mut KindStore {
        match kind {
            Kind::Company => &mut self.companies,
            Kind::Challenge => &mut self.challenges,
        }
    }

    /// Adds or replaces a document and its vectors.
    pub fn upsert(&mut self, doc: Document, vectors: &EntityVectors) {
        self.generation += 1;
        let key = doc.key();
        let slot = match self.entries.get(&key) {
            Some(existing) => existing.slot,
            None => self.store_mut(key.kind).allocate(key),
        };
        let store = self.store_mut(key.kind);
        store.passage.clear(slot);
        store.query.clear(slot);
        let mut chunks = Vec::new();
        let mut chunk_data = Vec::new();
        for chunk in &vectors.chunks {
            if chunk.vector.len() != DIMENSION {
                continue;
            }
            match chunk.field {
                ChunkField::DocPassage => {
                    store.passage.set(slot, &chunk.vector);
                }
                ChunkField::DocQuery => {
                    store.query.set(slot, &chunk.vector);
                }
                field => {
                    chunks.push((field, chunk.position));
                    chunk_data.extend_from_slice(&chunk.vector);
                }
            }
        }
        let certifications = match &doc {
            Document::Company(c) => c
                .certifications
                .iter()
                .map(|c| normalise_certification(c))
                .collect(),
            Document::Challenge(c) => c
                .required_certifications
                .iter()
                .map(|c| normalise_certification(c))
                .collect(),
        };
        let sectors = doc
            .sectors()
            .iter()
            .map(|s| s.trim().to_lowercase())
            .collect();
        let lang = doc.language();
        self.store_mut(key.kind).set_language(slot, Some(lang));
        self.entries.insert(
            key,
            Entry {
                doc,
                lang,
                slot,
                certifications,
                sectors,
                chunks,
                chunk_data,
            },
        );
    }

    /// Removes a document; its slot is reused.
    pub fn remove(&mut self, key: EntityKey) {
        self.generation += 1;
        if let Some(entry) = self.entries.remove(&key) {
            let store = self.store_mut(key.kind);
            store.passage.clear(entry.slot);
            store.query.clear(entry.slot);
            store.set_language(entry.slot, None);
            store.keys[entry.slot] = None;
            store.free.push(entry.slot);
        }
    }

    /// Documents held.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether it holds no document.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Changes applied so far: equal generations mean the same documents.
    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// The entry of `key`.
    pub fn get(&self, key: EntityKey) -> Option<&Entry> {
        self.entries.get(&key)
    }

    /// The entry at `slot` of `kind`.
    pub fn at(&self, kind: Kind, slot: usize) -> Option<&Entry> {
        let key = (*self.store(kind).keys.get(slot)?)?;
        self.entries.get(&key)
    }

    /// Number of documents of `kind`.
    pub fn count(&self, kind: Kind) -> usize {
        let store = self.store(kind);
        store.keys.len() - store.free.len()
    }

    /// Every entry of `kind`, in slot order.
    pub fn iter(&self, kind: Kind) -> impl Iterator<Item = &Entry> {
        self.store(kind)
            .keys
            .iter()
            .flatten()
            .filter_map(|key| self.entries.get(key))
    }

    /// The slots of `kind` whose entry satisfies `keep`.
    pub fn select(&self, kind: Kind, keep: impl Fn(&Entry) -> bool) -> FixedBitSet {
        let mut set = FixedBitSet::with_capacity(self.store(kind).keys.len());
        // Walking the entries in memory order is several times faster than a lookup per slot.
        for entry in self.entries.values() {
            if entry.doc.key().kind == kind && keep(entry) {
                set.insert(entry.slot);
            }
        }
        set
    }

    /// The slots of `kind` that pass `filters`; without filters, every occupied slot, without
    /// looking at a single entry (the common case, and 100k hash lookups saved).
    pub fn allowed(&self, kind: Kind, filters: &crate::Filters) -> FixedBitSet {
        if !filters.is_empty() {
            return self.select(kind, filters.predicate());
        }
        let store = self.store(kind);
        let mut set = FixedBitSet::with_capacity(store.keys.len());
        for (slot, key) in store.keys.iter().enumerate() {
            if key.is_some() {
                set.insert(slot);
            }
        }
        set
    }

    /// The whole-document vector of an entry.
    pub fn doc_vector(&self, key: EntityKey, which: DocVector) -> Option<&[f32]> {
        let entry = self.entries.get(&key)?;
        self.matrix(key.kind, which).row(entry.slot)
    }

    /// The `k` entries of `kind` whose `which` vector is most similar to `query`.
    pub fn nearest(
        &self,
        kind: Kind,
        which: DocVector,
        query: &[f32],
        allowed: &FixedBitSet,
        k: usize,
    ) -> Vec<(EntityKey, f32)> {
        let store = self.store(kind);
        self.matrix(kind, which)
            .top_k(query, allowed, k)
            .into_iter()
            .filter_map(|s| store.keys[s.slot].map(|key| (key, s.score)))
            .collect()
    }

    /// The `k` nearest, each with its cosine and how far it stands above the cosines of all the
    /// allowed documents of its language (in standard deviations): a query that means nothing
    /// in particular is about as close to everything, and nothing stands out. A language with
    /// too few documents to tell is measured against all the allowed documents.
    pub fn nearest_standing_out(
        &self,
        kind: Kind,
        which: DocVector,
        query: &[f32],
        allowed: &FixedBitSet,
        k: usize,
    ) -> Vec<(EntityKey, f32, Option<f32>)> {
        let store = self.store(kind);
        let groups: Vec<&FixedBitSet> = store.languages.iter().collect();
        let (top, spreads) = self
            .matrix(kind, which)
            .top_k_with_spread(query, allowed, &groups, k);
        let pooled = Spread::pooled(&spreads);
        top.into_iter()
            .filter_map(|s| {
                let key = store.keys[s.slot]?;
                let own = groups
                    .iter()
                    .position(|g| g.contains(s.slot))
                    .map(|g| spreads[g])
                    .filter(|spread| spread.count >= MIN_BACKGROUND);
                let z = own.unwrap_or(pooled).standardise(s.score);
                Some((key, s.score, z))
            })
            .collect()
    }

    /// The `k` nearest of each language: a cross-lingual neighbour has a lower cosine than a
    /// same-language one of the same meaning, so one list would crowd it out.
    pub fn nearest_by_language(
        &self,
        kind: Kind,
        which: DocVector,
        query: &[f32],
        allowed: &FixedBitSet,
        k: usize,
    ) -> Vec<(EntityKey, f32)> {
        let store = self.store(kind);
        let groups: Vec<&FixedBitSet> = store.languages.iter().collect();
        self.matrix(kind, which)
            .top_k_by_group(query, allowed, &groups, k)
            .into_iter()
            .flatten()
            .filter_map(|s| store.keys[s.slot].map(|key| (key, s.score)))
            .collect()
    }

    pub(crate) fn matrix(&self, kind: Kind, which: DocVector) -> &VectorMatrix {
        let store = self.store(kind);
        match which {
            DocVector::Passage => &store.passage,
            DocVector::Query => &store.query,
        }
    }

    /// Bytes held by vectors.
    pub fn vector_bytes(&self) -> usize {
        let chunk_bytes: usize = self.entries.values().map(|e| e.chunk_data.len() * 4).sum();
        [&self.companies, &self.challenges]
            .iter()
            .map(|s| s.passage.memory_bytes() + s.query.memory_bytes())
            .sum::<usize>()
            + chunk_bytes
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::documents::{CompanyDoc, VectorChunk};

    fn company(id: i64) -> Document {
        Document::Company(CompanyDoc {
            id,
            name: format!("Company {id}"),
            description: "x".into(),
            ..Default::default()
        })
    }

    fn vectors(first: f32) -> EntityVectors {
        let mut v = vec![0.0; DIMENSION];
        v[0] = first;
        v[1] = (1.0 - first * first).sqrt();
        EntityVectors {
            chunks: vec![
                VectorChunk {
                    field: ChunkField::DocPassage,
                    position: 0,
                    vector: v.clone(),
                },
                VectorChunk {
                    field: ChunkField::Capability,
                    position: 0,
                    vector: v,
                },
            ],
        }
    }

    #[test]
    fn slots_are_reused_and_vectors_follow_their_entity() {
        let mut catalog = Catalog::default();
        catalog.upsert(company(1), &vectors(1.0));
        catalog.upsert(company(2), &vectors(0.5));
        catalog.remove(EntityKey::company(1));
        catalog.upsert(company(3), &vectors(0.9));
        assert_eq!(catalog.count(Kind::Company), 2);
        assert_eq!(catalog.get(EntityKey::company(3)).map(|e| e.slot), Some(0));
        let all = catalog.select(Kind::Company, |_| true);
        let mut query = vec![0.0; DIMENSION];
        query[0] = 1.0;
        let nearest = catalog.nearest(Kind::Company, DocVector::Passage, &query, &all, 5);
        assert_eq!(
            nearest.iter().map(|(k, _)| k.id).collect::<Vec<_>>(),
            vec![3, 2]
        );
        let best = catalog
            .get(EntityKey::company(2))
            .and_then(|e| e.best_chunk(&query, &[ChunkField::Capability]));
        assert!(best.is_some_and(|(_, _, score)| (score - 0.5).abs() < 1e-6));
    }
}
