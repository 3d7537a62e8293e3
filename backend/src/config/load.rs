//! Reading the configuration: defaults, then the TOML file, then `FACTORIA_*` variables. Each
//! part of the configuration has a function of its own; all of them report problems to one
//! [`Loader`], so that every bad value is named at once.

use std::net::SocketAddr;
use std::ops::RangeInclusive;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

use super::{
    Config, ConfigError, ContactVisibility, DkimSettings, Environment, MailSettings, MailTransport,
    Overrides, Secret, SmtpSettings, redact_url,
};

/// Prefix of every environment variable.
const ENV_PREFIX: &str = "FACTORIA_";

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
    trusted_proxy_networks: Option<String>,
    search_rate_per_minute: Option<u64>,
    metrics_token: Option<String>,
    ocid_prefix: Option<String>,
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

/// Reads `name` from the environment, treating empty as unset.
fn env(name: &str) -> Option<String> {
    std::env::var(format!("{ENV_PREFIX}{name}"))
        .ok()
        .filter(|v| !v.trim().is_empty())
}

/// Collects the problems found while reading.
#[derive(Default)]
struct Loader {
    problems: Vec<String>,
}

impl Loader {
    fn problem(&mut self, message: impl Into<String>) {
        self.problems.push(message.into());
    }

    /// The value of variable `name` or else of `key` in the file, with where it came from.
    fn pick(&self, name: &str, key: &str, from_file: Option<String>) -> Option<(String, String)> {
        env(name)
            .map(|v| (format!("{ENV_PREFIX}{name}"), v))
            .or_else(|| from_file.map(|v| (format!("{key} in the configuration file"), v)))
    }

    /// A path: the command line's, else the variable's, else the file's.
    fn path(
        &self,
        name: &str,
        from_override: Option<PathBuf>,
        from_file: Option<PathBuf>,
    ) -> Option<PathBuf> {
        from_override
            .or_else(|| env(name).map(PathBuf::from))
            .or(from_file)
    }

    /// A whole number within `range`: the variable's, else the file's, else `default`.
    fn number(
        &mut self,
        name: &str,
        from_file: Option<u64>,
        default: u64,
        range: RangeInclusive<u64>,
    ) -> u64 {
        let value = match env(name) {
            Some(text) => match text.parse::<u64>() {
                Ok(v) => v,
                Err(_) => {
                    self.problem(format!(
                        "{ENV_PREFIX}{name}: `{text}` is not a whole number"
                    ));
                    default
                }
            },
            None => from_file.unwrap_or(default),
        };
        if !range.contains(&value) {
            self.problem(format!(
                "{ENV_PREFIX}{name}: {value} is outside {}–{}",
                range.start(),
                range.end()
            ));
            return default;
        }
        value
    }

    /// One of `choices` (text, value), or `default` when unset.
    fn choice<T: Copy>(
        &mut self,
        name: &str,
        key: &str,
        from_file: Option<String>,
        default: T,
        choices: &[(&str, T)],
    ) -> T {
        let Some((source, text)) = self.pick(name, key, from_file) else {
            return default;
        };
        match choices.iter().find(|(t, _)| *t == text) {
            Some((_, value)) => *value,
            None => {
                let names: Vec<&str> = choices.iter().map(|(t, _)| *t).collect();
                self.problem(format!(
                    "{source}: `{text}` is not one of {}",
                    names.join(", ")
                ));
                default
            }
        }
    }
}

pub(super) fn load(overrides: &Overrides) -> Result<Config, ConfigError> {
    let mut l = Loader::default();
    let file = read_file(&mut l, overrides);
    let environment = l.choice(
        "ENV",
        "environment",
        file.environment.clone(),
        Environment::Development,
        &[
            ("development", Environment::Development),
            ("production", Environment::Production),
        ],
    );
    let data_dir = l
        .path(
            "DATA_DIR",
            overrides.data_dir.clone(),
            file.data_dir.clone(),
        )
        .unwrap_or_else(|| PathBuf::from("data"));
    let index_dir = l
        .path("INDEX_DIR", None, file.index_dir.clone())
        .unwrap_or_else(|| data_dir.join("index"));
    let assets_dir = l
        .path("ASSETS_DIR", None, file.assets_dir.clone())
        .unwrap_or_else(default_assets_dir);
    let database_url = database_url(&mut l, overrides, &file, &data_dir);
    let (bind, public_url) = addresses(&mut l, overrides, &file, environment);
    let secret = secret_key(&mut l, &file, environment);
    let mail = mail(&mut l, &file.mail, &data_dir, environment);
    let introduction_expiry_days = l.number(
        "INTRODUCTION_EXPIRY_DAYS",
        file.introduction_expiry_days.map(u64::from),
        14,
        1..=365,
    ) as u32;
    let idle_minutes = l.number(
        "SESSION_IDLE_MINUTES",
        file.session_idle_minutes,
        120,
        5..=7 * 24 * 60,
    );
    let absolute_hours = l.number(
        "SESSION_ABSOLUTE_HOURS",
        file.session_absolute_hours,
        12,
        1..=30 * 24,
    );
    let job_lease = Duration::from_secs(l.number("JOB_LEASE_SECONDS", None, 120, 2..=3600));
    let job_retry_base =
        Duration::from_millis(l.number("JOB_RETRY_BASE_MS", None, 5000, 10..=600_000));
    let workers = l.number("WORKERS", file.workers.map(|w| w as u64), 2, 0..=64) as usize;
    let contact_visibility = l.choice(
        "CONTACT_VISIBILITY",
        "contact_visibility",
        file.contact_visibility.clone(),
        ContactVisibility::AfterAcceptance,
        &[
            ("after_acceptance", ContactVisibility::AfterAcceptance),
            ("officers", ContactVisibility::Officers),
        ],
    );
    if env("TRUST_PROXY").is_some() {
        l.problem("FACTORIA_TRUST_PROXY was replaced by FACTORIA_TRUSTED_PROXIES: set it to the number of reverse proxies in front of the server");
    }
    let trusted_proxies = l.number("TRUSTED_PROXIES", file.trusted_proxies, 0, 0..=10) as usize;
    let trusted_proxy_networks = networks(
        &mut l,
        env("TRUSTED_PROXY_NETWORKS").or(file.trusted_proxy_networks.clone()),
    );
    let search_rate_per_minute = l.number(
        "SEARCH_RATE_PER_MINUTE",
        file.search_rate_per_minute,
        120,
        0..=1_000_000,
    ) as u32;
    let metrics_token = env("METRICS_TOKEN").or(file.metrics_token.clone());
    if metrics_token.as_ref().is_some_and(|t| t.len() < 24) {
        l.problem("FACTORIA_METRICS_TOKEN must be at least 24 characters (it guards /metrics from anyone but the loopback)");
    }
    let ocid_prefix = env("OCID_PREFIX")
        .or(file.ocid_prefix.clone())
        .unwrap_or_else(|| "ocds-factoria".into());
    if !ocid_prefix.starts_with("ocds-")
        || ocid_prefix.len() < 6
        || !ocid_prefix
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-')
    {
        l.problem(format!(
            "FACTORIA_OCID_PREFIX must be the prefix registered with the Open Contracting Partnership, like ocds-213czf (letters, digits and dashes), not {ocid_prefix}"
        ));
    }
    let files = file_store(&mut l, &data_dir);
    if !l.problems.is_empty() {
        return Err(ConfigError(l.problems));
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
        mail,
        introduction_expiry_days,
        contact_visibility,
        session_idle_timeout: Duration::from_secs(idle_minutes * 60),
        session_absolute_timeout: Duration::from_secs(absolute_hours * 3600),
        workers,
        trusted_proxies,
        trusted_proxy_networks,
        search_rate_per_minute,
        metrics_token: metrics_token.map(|t| Secret(t.into_bytes())),
        ocid_prefix,
        job_lease,
        job_retry_base,
        files,
    })
}

/// Where documents go: an S3-compatible bucket when `FACTORIA_S3_BUCKET` is set (with its
/// credentials), else `FACTORIA_FILES_DIR` or `<data folder>/files`.
fn file_store(l: &mut Loader, data_dir: &std::path::Path) -> super::FileStore {
    let Some(bucket) = env("S3_BUCKET") else {
        let dir = env("FILES_DIR").map_or_else(|| data_dir.join("files"), PathBuf::from);
        return super::FileStore::Local(dir);
    };
    let (Some(access_key_id), Some(secret_access_key)) =
        (env("S3_ACCESS_KEY_ID"), env("S3_SECRET_ACCESS_KEY"))
    else {
        l.problem(
            "FACTORIA_S3_BUCKET needs FACTORIA_S3_ACCESS_KEY_ID and FACTORIA_S3_SECRET_ACCESS_KEY",
        );
        return super::FileStore::Local(data_dir.join("files"));
    };
    super::FileStore::S3(super::S3Settings {
        bucket,
        endpoint: env("S3_ENDPOINT"),
        region: env("S3_REGION").unwrap_or_else(|| "us-east-1".into()),
        access_key_id,
        secret_access_key: Secret(secret_access_key.into_bytes()),
    })
}

/// The TOML file named on the command line or by `FACTORIA_CONFIG`, if any.
fn read_file(l: &mut Loader, overrides: &Overrides) -> FileConfig {
    let Some(path) = overrides
        .file
        .clone()
        .or_else(|| env("CONFIG").map(PathBuf::from))
    else {
        return FileConfig::default();
    };
    match std::fs::read_to_string(&path) {
        Ok(text) => toml::from_str(&text).unwrap_or_else(|e| {
            l.problem(format!("{}: {}", path.display(), e.to_string().trim()));
            FileConfig::default()
        }),
        Err(e) => {
            l.problem(format!(
                "{}: cannot read the configuration file: {e}",
                path.display()
            ));
            FileConfig::default()
        }
    }
}

fn default_assets_dir() -> PathBuf {
    let cache = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
        .unwrap_or_else(|| PathBuf::from(".cache"));
    cache.join("factoria").join("assets")
}

fn database_url(
    l: &mut Loader,
    overrides: &Overrides,
    file: &FileConfig,
    data_dir: &Path,
) -> String {
    let url = overrides
        .database_url
        .clone()
        .or_else(|| env("DATABASE_URL"))
        .or_else(|| file.database_url.clone())
        .unwrap_or_else(|| {
            format!(
                "sqlite://{}?mode=rwc",
                data_dir.join("factoria.sqlite").display()
            )
        });
    if !(url.starts_with("sqlite:")
        || url.starts_with("postgres://")
        || url.starts_with("postgresql://"))
    {
        l.problem(format!(
            "database URL `{}`: use sqlite://FILE or postgres://USER@HOST/DB",
            redact_url(&url)
        ));
    }
    url
}

/// Where the server listens, and the URL users reach it at (HTTPS only in production).
fn addresses(
    l: &mut Loader,
    overrides: &Overrides,
    file: &FileConfig,
    environment: Environment,
) -> (SocketAddr, url::Url) {
    let fallback = SocketAddr::from(([127, 0, 0, 1], 8080));
    let bind_text = overrides
        .bind
        .clone()
        .map(|b| ("--bind".to_owned(), b))
        .or_else(|| l.pick("BIND", "bind", file.bind.clone()));
    let bind = match bind_text {
        None => fallback,
        Some((source, text)) => text.parse().unwrap_or_else(|_| {
            l.problem(format!(
                "{source}: `{text}` is not an address like 127.0.0.1:8080"
            ));
            fallback
        }),
    };
    let public_url = match l.pick("PUBLIC_URL", "public_url", file.public_url.clone()) {
        None => url::Url::parse(&format!("http://{bind}")).unwrap_or_else(|_| local_url()),
        Some((source, text)) => match url::Url::parse(&text) {
            Ok(url) if matches!(url.scheme(), "http" | "https") => {
                if environment == Environment::Production && url.scheme() != "https" {
                    l.problem(format!(
                        "{source}: production is served over HTTPS only, and `{url}` is not an https:// URL (session cookies must be Secure)"
                    ));
                }
                url
            }
            _ => {
                l.problem(format!("{source}: `{text}` is not an http(s) URL"));
                local_url()
            }
        },
    };
    if environment == Environment::Production
        && env("PUBLIC_URL").is_none()
        && file.public_url.is_none()
    {
        l.problem("FACTORIA_PUBLIC_URL is required in production: the https:// address users reach the site at");
    }
    (bind, public_url)
}

fn local_url() -> url::Url {
    // A constant that always parses; kept apart so the code above reads simply.
    url::Url::parse("http://127.0.0.1:8080/")
        .unwrap_or_else(|_| unreachable!("a constant URL parses"))
}

/// The secret given, or none yet (development generates one); production needs one.
fn secret_key(l: &mut Loader, file: &FileConfig, environment: Environment) -> Option<Secret> {
    match env("SECRET_KEY").or_else(|| file.secret_key.clone()) {
        Some(key) if key.len() >= 32 => Some(Secret(key.into_bytes())),
        Some(_) => {
            l.problem("FACTORIA_SECRET_KEY: use at least 32 characters (for example `openssl rand -hex 32`)");
            None
        }
        None if environment == Environment::Production => {
            l.problem("FACTORIA_SECRET_KEY is required in production");
            None
        }
        None => None,
    }
}

fn mail(
    l: &mut Loader,
    file: &FileMail,
    data_dir: &Path,
    environment: Environment,
) -> MailSettings {
    let timeout = Duration::from_secs(
        env("SMTP_TIMEOUT_SECONDS")
            .and_then(|v| v.parse().ok())
            .or(file.timeout_seconds)
            .unwrap_or(30),
    );
    let transport_name = l.pick("MAIL_TRANSPORT", "mail.transport", file.transport.clone());
    let smtp_url = l.pick("SMTP_URL", "mail.smtp_url", file.smtp_url.clone());
    let outbox = l
        .path("OUTBOX_DIR", None, file.outbox_dir.clone())
        .unwrap_or_else(|| data_dir.join("outbox"));
    let transport = match (
        transport_name
            .as_ref()
            .map(|(s, v)| (s.as_str(), v.as_str())),
        smtp_url,
    ) {
        (Some((_, "smtp")) | None, Some((source, url))) => {
            if !(url.starts_with("smtp://") || url.starts_with("smtps://")) {
                l.problem(format!(
                    "{source}: `{}` is not an smtp:// or smtps:// URL",
                    redact_url(&url)
                ));
            }
            MailTransport::Smtp(SmtpSettings { url, timeout })
        }
        (Some((source, "smtp")), None) => {
            l.problem(format!("{source} is smtp but FACTORIA_SMTP_URL is not set"));
            MailTransport::File(data_dir.join("outbox"))
        }
        (Some((_, "file")) | None, _) => MailTransport::File(outbox),
        (Some((source, other)), _) => {
            l.problem(format!("{source}: `{other}` is neither smtp nor file"));
            MailTransport::File(data_dir.join("outbox"))
        }
    };
    if environment == Environment::Production && matches!(transport, MailTransport::File(_)) {
        l.problem("production sends email through SMTP only: set FACTORIA_SMTP_URL");
    }
    let from = env("MAIL_FROM")
        .or_else(|| file.from.clone())
        .unwrap_or_else(|| "Factoría <no-reply@factoria.example>".into());
    if from.parse::<lettre::message::Mailbox>().is_err() {
        l.problem(format!(
            "FACTORIA_MAIL_FROM: `{from}` is not an address like Factoría <no-reply@example.org>"
        ));
    }
    let dkim = match (
        l.path("DKIM_KEY_FILE", None, file.dkim_key_file.clone()),
        env("DKIM_SELECTOR").or_else(|| file.dkim_selector.clone()),
        env("DKIM_DOMAIN").or_else(|| file.dkim_domain.clone()),
    ) {
        (None, None, None) => None,
        (Some(key_file), Some(selector), Some(domain)) => {
            if !key_file.is_file() {
                l.problem(format!(
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
            l.problem("DKIM needs FACTORIA_DKIM_KEY_FILE, FACTORIA_DKIM_SELECTOR and FACTORIA_DKIM_DOMAIN together");
            None
        }
    };
    MailSettings {
        transport,
        from,
        dkim,
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

/// The networks reverse proxies connect from: by default the loopback and the private ranges
/// (a proxy on the same host or the same internal network).
const PRIVATE_NETWORKS: &str =
    "127.0.0.0/8, ::1/128, 10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16, fc00::/7";

/// Reads a comma-separated list of addresses and networks (`10.0.0.5`, `10.0.0.0/8`).
fn networks(l: &mut Loader, given: Option<String>) -> Vec<ipnet::IpNet> {
    let text = given.unwrap_or_else(|| PRIVATE_NETWORKS.to_owned());
    let mut out = Vec::new();
    for item in text.split(',').map(str::trim).filter(|i| !i.is_empty()) {
        match item
            .parse::<ipnet::IpNet>()
            .or_else(|_| item.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
        {
            Ok(network) => out.push(network),
            Err(_) => l.problem(format!(
                "FACTORIA_TRUSTED_PROXY_NETWORKS: `{item}` is not an address or a network like 10.0.0.0/8"
            )),
        }
    }
    out
}
