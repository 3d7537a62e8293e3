//! Where documents and attachments are kept, through the `object_store` crate: a folder of this
//! machine by default, an S3-compatible bucket that several replicas share when configured.
//! Keys are made by the domain (`challenges/{id}/{random}`); nothing here knows what a file is.

use std::sync::Arc;

use anyhow::Context as _;
use bytes::Bytes;
use object_store::ObjectStore;
use object_store::path::Path;

use crate::config::FileStore;
use crate::error::{Error, Result};

/// The store of files; cheap to clone.
#[derive(Clone)]
pub struct Files {
    store: Arc<dyn ObjectStore>,
}

impl Files {
    /// Opens the configured store (creating the local folder when needed).
    pub fn open(config: &FileStore) -> anyhow::Result<Files> {
        let store: Arc<dyn ObjectStore> = match config {
            FileStore::Local(dir) => {
                std::fs::create_dir_all(dir)
                    .with_context(|| format!("cannot create {}", dir.display()))?;
                Arc::new(
                    object_store::local::LocalFileSystem::new_with_prefix(dir)
                        .with_context(|| format!("cannot keep files in {}", dir.display()))?,
                )
            }
            FileStore::S3(s3) => {
                let secret = String::from_utf8_lossy(s3.secret_access_key.expose()).into_owned();
                let mut builder = object_store::aws::AmazonS3Builder::new()
                    .with_bucket_name(&s3.bucket)
                    .with_region(&s3.region)
                    .with_access_key_id(&s3.access_key_id)
                    .with_secret_access_key(secret);
                if let Some(endpoint) = &s3.endpoint {
                    builder = builder
                        .with_endpoint(endpoint)
                        .with_allow_http(endpoint.starts_with("http://"))
                        .with_virtual_hosted_style_request(false);
                }
                Arc::new(builder.build().context("cannot reach the S3 bucket")?)
            }
        };
        Ok(Files { store })
    }

    /// Stores `bytes` under `key`.
    pub async fn put(&self, key: &str, bytes: Bytes) -> Result<()> {
        self.store
            .put(&Path::from(key), bytes.into())
            .await
            .map(|_| ())
            .map_err(|e| Error::Internal(anyhow::anyhow!("storing {key}: {e}")))
    }

    /// The bytes under `key`.
    pub async fn get(&self, key: &str) -> Result<Bytes> {
        let found = self
            .store
            .get(&Path::from(key))
            .await
            .map_err(|e| Error::Internal(anyhow::anyhow!("reading {key}: {e}")))?;
        found
            .bytes()
            .await
            .map_err(|e| Error::Internal(anyhow::anyhow!("reading {key}: {e}")))
    }

    /// The bytes under `key`, or `None` when nothing is stored there.
    pub async fn get_if_present(&self, key: &str) -> Result<Option<Bytes>> {
        match self.store.get(&Path::from(key)).await {
            Ok(found) => found
                .bytes()
                .await
                .map(Some)
                .map_err(|e| Error::Internal(anyhow::anyhow!("reading {key}: {e}"))),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(Error::Internal(anyhow::anyhow!("reading {key}: {e}"))),
        }
    }

    /// Whether something is stored under `key`.
    pub async fn exists(&self, key: &str) -> Result<bool> {
        match self.store.head(&Path::from(key)).await {
            Ok(_) => Ok(true),
            Err(object_store::Error::NotFound { .. }) => Ok(false),
            Err(e) => Err(Error::Internal(anyhow::anyhow!("looking for {key}: {e}"))),
        }
    }

    /// Removes `key`; removing what is not there is not an error.
    pub async fn delete(&self, key: &str) -> Result<()> {
        match self.store.delete(&Path::from(key)).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(Error::Internal(anyhow::anyhow!("removing {key}: {e}"))),
        }
    }
}
