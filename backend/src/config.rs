//! Typed configuration, loaded once: defaults, then an optional TOML file, then environment
//! variables. Every value is checked at start-up, and every bad value is reported at once, named
//! by the variable or key that holds it. Secrets are never printed.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

/// Where the configuration comes from, for error messages.
const ENV_PREFIX: &str = "FACTORIA_";

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
    /// Searches (and other requests that embed text) a client may make per minute; 0: no limit.
    pub search_rate_per_minute: u32,
    /// How long a claimed job is reserved for its worker before another may take it.
    pub job_lease: Duration,
    /// First retry delay of a failed job; it doubles with each attempt, up to an hour.
    pub job_retry_base: Duration,
}

/// A secret value that never shows in logs or debug output.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(Vec<u8>);

impl Secret {
    /// The bytes.
    pub fn expose(&self) -> &[u8] {
        &self.0
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

/// What the TOML file may hold; every key is optional.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    environment: Option<String>,
    database_url: Option<String>,
    bind: Option<String>,
    public_url: Option<String>,
    data_dir: Option<PathBuf>,
    index_dir: Option<PathBuf>,
    assets_dir: Option<PathBuf>,
    secret_key: Option<String>,
    introduction_expiry_days: Option<u32>,
    contact_visibility: Option<String>,
    session_idle_minutes: Option<u64>,
    session_absolute_hours: Option<u64>,
    workers: Option<usize>,
    trusted_proxies: Option<u64>,
    search_rate_per_minute: Option<u64>,
    #[serde(default)]
    mail: FileMail,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileMail {
    transport: Option<String>,
    smtp_url: Option<String>,
    timeout_seconds: Option<u64>,
    from: Option<String>,
    outbox_dir: Option<PathBuf>,
    dkim_key_file: Option<PathBuf>,
    dkim_selector: Option<String>,
    dkim_domain: Option<String>,
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

/// Reads `name` from the environment, treating empty as unset.
fn env(name: &str) -> Option<String> {
    std::env::var(format!("{ENV_PREFIX}{name}"))
        .ok()
        .filter(|v| !v.trim().is_empty())
}

fn default_assets_dir() -> PathBuf {
    let cache = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
        .unwrap_or_else(|| PathBuf::from(".cache"));
    cache.join("factoria").join("assets")
}

impl Config {
    /// Loads the configuration from defaults, the TOML file (`--config` or `FACTORIA_CONFIG`)
    /// and `FACTORIA_*` environment variables, in that order of precedence (last wins).
    pub fn load(overrides: &Overrides) -> Result<Config, ConfigError> {
        let mut problems = Vec::new();
        let file_path = overrides
            .file
            .clone()
            .or_else(|| env("CONFIG").map(PathBuf::from));
        let file: FileConfig = match &file_path {
            Some(path) => match std::fs::read_to_string(path) {
                Ok(text) => toml::from_str(&text).unwrap_or_else(|e| {
                    problems.push(format!("{}: {}", path.display(), e.to_string().trim()));
                    FileConfig::default()
                }),
                Err(e) => {
                    problems.push(format!(
                        "{}: cannot read the configuration file: {e}",
                        path.display()
                    ));
                    FileConfig::default()
                }
            },
            None => FileConfig::default(),
        };
        // Each value: (where it came from, text), for messages.
        let pick = |name: &str, key: &str, from_file: Option<String>| -> Option<(String, String)> {
            env(name)
                .map(|v| (format!("{ENV_PREFIX}{name}"), v))
                .or_else(|| from_file.map(|v| (format!("{key} in the configuration file"), v)))
        };
        let path_pick = |name: &str,
                         from_override: Option<PathBuf>,
                         from_file: Option<PathBuf>|
         -> Option<PathBuf> {
            from_override
                .or_else(|| env(name).map(PathBuf::from))
                .or(from_file)
        };

        let environment = match pick("ENV", "environment", file.environment) {
            None => Environment::Development,
            Some((source, value)) => match value.as_str() {
                "development" => Environment::Development,
                "production" => Environment::Production,
                other => {
                    problems.push(format!(
                        "{source}: `{other}` is neither development nor production"
                    ));
                    Environment::Development
                }
            },
        };
        let data_dir = path_pick("DATA_DIR", overrides.data_dir.clone(), file.data_dir)
            .unwrap_or_else(|| PathBuf::from("data"));
        let index_dir =
            path_pick("INDEX_DIR", None, file.index_dir).unwrap_or_else(|| data_dir.join("index"));
        let assets_dir =
            path_pick("ASSETS_DIR", None, file.assets_dir).unwrap_or_else(default_assets_dir);

        let database_url = overrides
            .database_url
            .clone()
            .or_else(|| env("DATABASE_URL"))
            .or(file.database_url)
            .unwrap_or_else(|| {
                format!(
                    "sqlite://{}?mode=rwc",
                    data_dir.join("factoria.sqlite").display()
                )
            });
        if !(database_url.starts_with("sqlite:")
            || database_url.starts_with("postgres://")
            || database_url.starts_with("postgresql://"))
        {
            problems.push(format!(
                "database URL `{}`: use sqlite://FILE or postgres://USER@HOST/DB",
                redact_url(&database_url)
            ));
        }

        let bind_text = overrides
            .bind
            .clone()
            .map(|b| ("--bind".to_owned(), b))
            .or_else(|| pick("BIND", "bind", file.bind));
        let bind = match bind_text {
            None => SocketAddr::from(([127, 0, 0, 1], 8080)),
            Some((source, text)) => text.parse().unwrap_or_else(|_| {
                problems.push(format!(
                    "{source}: `{text}` is not an address like 127.0.0.1:8080"
                ));
                SocketAddr::from(([127, 0, 0, 1], 8080))
            }),
        };
        let public_url = match pick("PUBLIC_URL", "public_url", file.public_url) {
            None => url::Url::parse(&format!("http://{bind}")).unwrap_or_else(|_| {
                url::Url::parse("http://127.0.0.1:8080").unwrap_or_else(|_| unreachable_url())
            }),
            Some((source, text)) => match url::Url::parse(&text) {
                Ok(url) if matches!(url.scheme(), "http" | "https") => url,
                _ => {
                    problems.push(format!("{source}: `{text}` is not an http(s) URL"));
                    unreachable_url()
                }
            },
        };

        let secret = match env("SECRET_KEY").or(file.secret_key) {
            Some(key) if key.len() >= 32 => Some(Secret(key.into_bytes())),
            Some(_) => {
                problems.push("FACTORIA_SECRET_KEY: use at least 32 characters (for example `openssl rand -hex 32`)".into());
                None
            }
            None if environment == Environment::Production => {
                problems.push("FACTORIA_SECRET_KEY is required in production".into());
                None
            }
            None => None,
        };

        let timeout = Duration::from_secs(
            env("SMTP_TIMEOUT_SECONDS")
                .and_then(|v| v.parse().ok())
                .or(file.mail.timeout_seconds)
                .unwrap_or(30),
        );
        let transport_name = pick("MAIL_TRANSPORT", "mail.transport", file.mail.transport);
        let smtp_url = pick("SMTP_URL", "mail.smtp_url", file.mail.smtp_url);
        let transport = match (
            transport_name
                .as_ref()
                .map(|(s, v)| (s.as_str(), v.as_str())),
            smtp_url,
        ) {
            (Some((_, "smtp")) | None, Some((source, url))) => {
                if !(url.starts_with("smtp://") || url.starts_with("smtps://")) {
                    problems.push(format!(
                        "{source}: `{}` is not an smtp:// or smtps:// URL",
                        redact_url(&url)
                    ));
                }
                MailTransport::Smtp(SmtpSettings { url, timeout })
            }
            (Some((source, "smtp")), None) => {
                problems.push(format!("{source} is smtp but FACTORIA_SMTP_URL is not set"));
                MailTransport::File(data_dir.join("outbox"))
            }
            (Some((_, "file")) | None, _) => {
                let dir = path_pick("OUTBOX_DIR", None, file.mail.outbox_dir)
                    .unwrap_or_else(|| data_dir.join("outbox"));
                MailTransport::File(dir)
            }
            (Some((source, other)), _) => {
                problems.push(format!("{source}: `{other}` is neither smtp nor file"));
                MailTransport::File(data_dir.join("outbox"))
            }
        };
        if environment == Environment::Production && matches!(transport, MailTransport::File(_)) {
            problems.push("production sends email through SMTP only: set FACTORIA_SMTP_URL".into());
        }
        let from = env("MAIL_FROM")
            .or(file.mail.from)
            .unwrap_or_else(|| "Factoría <no-reply@factoria.example>".into());
        if from.parse::<lettre::message::Mailbox>().is_err() {
            problems.push(format!("FACTORIA_MAIL_FROM: `{from}` is not an address like Factoría <no-reply@example.org>"));
        }
        let dkim = match (
            path_pick("DKIM_KEY_FILE", None, file.mail.dkim_key_file),
            env("DKIM_SELECTOR").or(file.mail.dkim_selector),
            env("DKIM_DOMAIN").or(file.mail.dkim_domain),
        ) {
            (None, None, None) => None,
            (Some(key_file), Some(selector), Some(domain)) => {
                if !key_file.is_file() {
                    problems.push(format!(
                        "FACTORIA_DKIM_KEY_FILE: {} does not exist",
                        key_file.display()
                    ));
                }
                Some(DkimSettings {
                    key_file,
                    selector,
                    domain,
                })
            }
            _ => {
                problems.push("DKIM needs FACTORIA_DKIM_KEY_FILE, FACTORIA_DKIM_SELECTOR and FACTORIA_DKIM_DOMAIN together".into());
                None
            }
        };

        let number = |name: &str,
                      from_file: Option<u64>,
                      default: u64,
                      range: std::ops::RangeInclusive<u64>,
                      problems: &mut Vec<String>|
         -> u64 {
            let value = match env(name) {
                Some(text) => match text.parse::<u64>() {
                    Ok(v) => v,
                    Err(_) => {
                        problems.push(format!(
                            "{ENV_PREFIX}{name}: `{text}` is not a whole number"
                        ));
                        default
                    }
                },
                None => from_file.unwrap_or(default),
            };
            if !range.contains(&value) {
                problems.push(format!(
                    "{ENV_PREFIX}{name}: {value} is outside {}–{}",
                    range.start(),
                    range.end()
                ));
                return default;
            }
            value
        };
        let introduction_expiry_days = number(
            "INTRODUCTION_EXPIRY_DAYS",
            file.introduction_expiry_days.map(u64::from),
            14,
            1..=365,
            &mut problems,
        ) as u32;
        let idle_minutes = number(
            "SESSION_IDLE_MINUTES",
            file.session_idle_minutes,
            120,
            5..=7 * 24 * 60,
            &mut problems,
        );
        let absolute_hours = number(
            "SESSION_ABSOLUTE_HOURS",
            file.session_absolute_hours,
            12,
            1..=30 * 24,
            &mut problems,
        );
        let job_lease = Duration::from_secs(number(
            "JOB_LEASE_SECONDS",
            None,
            120,
            2..=3600,
            &mut problems,
        ));
        let job_retry_base = Duration::from_millis(number(
            "JOB_RETRY_BASE_MS",
            None,
            5000,
            10..=600_000,
            &mut problems,
        ));
        let workers = number(
            "WORKERS",
            file.workers.map(|w| w as u64),
            2,
            0..=64,
            &mut problems,
        ) as usize;
        let contact_visibility = match pick(
            "CONTACT_VISIBILITY",
            "contact_visibility",
            file.contact_visibility,
        ) {
            None => ContactVisibility::AfterAcceptance,
            Some((source, value)) => match value.as_str() {
                "after_acceptance" => ContactVisibility::AfterAcceptance,
                "officers" => ContactVisibility::Officers,
                other => {
                    problems.push(format!(
                        "{source}: `{other}` is neither after_acceptance nor officers"
                    ));
                    ContactVisibility::AfterAcceptance
                }
            },
        };

        if env("TRUST_PROXY").is_some() {
            problems.push("FACTORIA_TRUST_PROXY was replaced by FACTORIA_TRUSTED_PROXIES: set it to the number of reverse proxies in front of the server".into());
        }
        let trusted_proxies = number(
            "TRUSTED_PROXIES",
            file.trusted_proxies,
            0,
            0..=10,
            &mut problems,
        ) as usize;
        let search_rate_per_minute = number(
            "SEARCH_RATE_PER_MINUTE",
            file.search_rate_per_minute,
            120,
            0..=1_000_000,
            &mut problems,
        ) as u32;
        if environment == Environment::Production && public_url.scheme() != "https" {
            problems.push(format!(
                "FACTORIA_PUBLIC_URL: production is served over HTTPS only, and `{public_url}` is not an https:// URL (session cookies must be Secure)"
            ));
        }
        if !problems.is_empty() {
            return Err(ConfigError(problems));
        }
        let secret = match secret {
            Some(secret) => secret,
            None => load_or_create_secret(&data_dir).map_err(|e| ConfigError(vec![e]))?,
        };
        Ok(Config {
            environment,
            database_url,
            bind,
            public_url,
            data_dir,
            index_dir,
            assets_dir,
            secret,
            mail: MailSettings {
                transport,
                from,
                dkim,
            },
            introduction_expiry_days,
            contact_visibility,
            session_idle_timeout: Duration::from_secs(idle_minutes * 60),
            session_absolute_timeout: Duration::from_secs(absolute_hours * 3600),
            workers,
            trusted_proxies,
            search_rate_per_minute,
            job_lease,
            job_retry_base,
        })
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

fn unreachable_url() -> url::Url {
    // A constant that always parses; kept apart so the code above reads simply.
    url::Url::parse("http://127.0.0.1:8080/")
        .unwrap_or_else(|_| unreachable!("a constant URL parses"))
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

/// The development secret: generated once into `data_dir/secret.key`, readable by the owner only.
fn load_or_create_secret(data_dir: &Path) -> Result<Secret, String> {
    let path = data_dir.join("secret.key");
    if let Ok(existing) = std::fs::read(&path)
        && existing.len() >= 32
    {
        return Ok(Secret(existing));
    }
    std::fs::create_dir_all(data_dir)
        .map_err(|e| format!("cannot create the data folder {}: {e}", data_dir.display()))?;
    let key: [u8; 32] = rand::random();
    let hex: String = key.iter().map(|b| format!("{b:02x}")).collect();
    write_private(&path, hex.as_bytes())
        .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    Ok(Secret(hex.into_bytes()))
}

fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)?;
    file.write_all(bytes)
}
