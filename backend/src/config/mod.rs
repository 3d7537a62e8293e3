//! Typed configuration, loaded once: defaults, then an optional TOML file, then environment
//! variables. Every value is checked at start-up, and every bad value is reported at once, named
//! by the variable or key that holds it. Secrets are never printed.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use serde::Deserialize;

mod load;

/// How emails leave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MailTransport {
    /// Written as `.eml` files to a folder: the demo and development.
    File(PathBuf),
    /// Sent through an SMTP server.
    Smtp(SmtpSettings),
}

/// An SMTP server.
#[derive(Clone, PartialEq, Eq)]
pub struct SmtpSettings {
    /// `smtp://`, `smtps://` (TLS) or `smtp://…?tls=required` (STARTTLS) URL, credentials included.
    pub url: String,
    /// How long one send may take, connection included.
    pub timeout: Duration,
}

impl std::fmt::Debug for SmtpSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let shown = url::Url::parse(&self.url)
            .map(|mut u| {
                let _ = u.set_password(u.password().map(|_| "***"));
                u.to_string()
            })
            .unwrap_or_else(|_| "(unparsable)".into());
        f.debug_struct("SmtpSettings")
            .field("url", &shown)
            .field("timeout", &self.timeout)
            .finish()
    }
}

/// DKIM signing of outgoing mail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DkimSettings {
    /// PEM file with the RSA or Ed25519 private key.
    pub key_file: PathBuf,
    /// Selector published in DNS (`selector._domainkey.domain`).
    pub selector: String,
    /// Signing domain.
    pub domain: String,
}

/// Mail settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailSettings {
    /// Transport.
    pub transport: MailTransport,
    /// `From` of every email.
    pub from: String,
    /// DKIM, when configured.
    pub dkim: Option<DkimSettings>,
}

/// Whether a company's contact details are shown to officers before an accepted introduction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ContactVisibility {
    /// Only once the company accepted an introduction (the default).
    AfterAcceptance,
    /// Always to officers.
    Officers,
}

/// Development (file mail allowed, generated secret) or production (SMTP and secret required).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Environment {
    /// Demo and development.
    Development,
    /// Production.
    Production,
}

/// The configuration of a Factoría process.
#[derive(Debug, Clone)]
pub struct Config {
    /// Development or production.
    pub environment: Environment,
    /// Database URL: `sqlite://…` or `postgres://…`.
    pub database_url: String,
    /// Address the server listens on.
    pub bind: SocketAddr,
    /// Base URL of the site as users reach it, for links in emails.
    pub public_url: url::Url,
    /// Data folder: SQLite file, index, outbox, secret.
    pub data_dir: PathBuf,
    /// Search index folder; every process needs its own.
    pub index_dir: PathBuf,
    /// Where the embedding model and ONNX Runtime are kept.
    pub assets_dir: PathBuf,
    /// Key for signed links and tokens.
    pub secret: Secret,
    /// Email.
    pub mail: MailSettings,
    /// Days before an unanswered introduction expires.
    pub introduction_expiry_days: u32,
    /// Contact details and officers.
    pub contact_visibility: ContactVisibility,
    /// A session ends after this long without a request.
    pub session_idle_timeout: Duration,
    /// A session ends this long after login, whatever happens.
    pub session_absolute_timeout: Duration,
    /// Background workers in this process.
    pub workers: usize,
    /// How many reverse proxies stand in front of the server: the client is the rightmost
    /// `X-Forwarded-For` hop they did not add (0: the TCP peer, and the header is ignored).
    pub trusted_proxies: usize,
    /// Where those proxies connect from: `X-Forwarded-For` is read only from a peer in one of
    /// these networks (a client that reaches the port directly cannot forge its address).
    pub trusted_proxy_networks: Vec<ipnet::IpNet>,
    /// Searches (and other requests that embed text) a client may make per minute; 0: no limit.
    pub search_rate_per_minute: u32,
    /// Prefix of the Open Contracting ids of challenges (`FACTORIA_OCID_PREFIX`).
    pub ocid_prefix: String,
    /// Bearer token that opens `/metrics` to clients other than the loopback; none: loopback only.
    pub metrics_token: Option<Secret>,
    /// How long a claimed job is reserved for its worker before another may take it.
    pub job_lease: Duration,
    /// First retry delay of a failed job; it doubles with each attempt, up to an hour.
    pub job_retry_base: Duration,
    /// Where documents and attachments are kept.
    pub files: FileStore,
}

/// Where documents and attachments are kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileStore {
    /// A folder of this machine (`<data folder>/files` by default).
    Local(PathBuf),
    /// An S3-compatible bucket (`FACTORIA_S3_BUCKET`), which several replicas share.
    S3(S3Settings),
}

/// An S3-compatible bucket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct S3Settings {
    /// Bucket name.
    pub bucket: String,
    /// Endpoint of an S3-compatible service (MinIO, Ceph, a cloud's); AWS when absent.
    pub endpoint: Option<String>,
    /// Region.
    pub region: String,
    /// Access key id.
    pub access_key_id: String,
    /// Secret access key.
    pub secret_access_key: Secret,
}

/// A secret value that never shows in logs or debug output.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(pub(crate) Vec<u8>);

impl Secret {
    /// A secret of these bytes.
    pub fn new(bytes: impl Into<Vec<u8>>) -> Secret {
        Secret(bytes.into())
    }

    /// The bytes.
    pub fn expose(&self) -> &[u8] {
        &self.0
    }

    /// Whether `candidate` is this secret. Their digests are compared, so the time taken says
    /// nothing about how much of a guess was right.
    pub fn matches(&self, candidate: &[u8]) -> bool {
        use sha2::{Digest, Sha256};
        Sha256::digest(&self.0) == Sha256::digest(candidate)
    }

    /// A secret from bytes (tests and tools; the server reads it from its configuration).
    pub fn from_bytes(bytes: Vec<u8>) -> Self {
        Secret(bytes)
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// Bad configuration: every problem found, each naming where the value came from.
#[derive(Debug, thiserror::Error)]
#[error("invalid configuration:\n  - {}", .0.join("\n  - "))]
pub struct ConfigError(pub Vec<String>);

/// Overrides the command line can set before loading (the demo uses them).
#[derive(Debug, Default, Clone)]
pub struct Overrides {
    /// TOML file.
    pub file: Option<PathBuf>,
    /// Data folder.
    pub data_dir: Option<PathBuf>,
    /// Database URL.
    pub database_url: Option<String>,
    /// Bind address.
    pub bind: Option<String>,
}

impl Config {
    /// Loads the configuration from defaults, the TOML file (`--config` or `FACTORIA_CONFIG`)
    /// and `FACTORIA_*` environment variables, in that order of precedence (last wins). Every
    /// bad value is reported at once.
    pub fn load(overrides: &Overrides) -> Result<Config, ConfigError> {
        load::load(overrides)
    }

    /// Whether the database is SQLite.
    pub fn is_sqlite(&self) -> bool {
        self.database_url.starts_with("sqlite:")
    }

    /// The database URL without its password, for logs.
    pub fn database_url_for_logs(&self) -> String {
        redact_url(&self.database_url)
    }
}

/// Hides the password of a URL.
pub fn redact_url(text: &str) -> String {
    match url::Url::parse(text) {
        Ok(mut url) if url.password().is_some() => {
            let _ = url.set_password(Some("***"));
            url.to_string()
        }
        _ => text.to_owned(),
    }
}
