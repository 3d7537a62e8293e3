//! Building and delivering messages: SMTP in production, `.eml` files for the demo. What to
//! send and when is the outbox's business (`crate::email`); this module only delivers.

mod headers;

use std::time::Duration;

use factoria_frontend::emails::Rendered;
use lettre::message::dkim::{
    DkimCanonicalization, DkimCanonicalizationType, DkimConfig, DkimSigningAlgorithm,
    DkimSigningKey,
};
use lettre::message::header::HeaderName;
use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::PoolConfig;
use lettre::{AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::config::{MailSettings, MailTransport};
use headers::{ListUnsubscribe, ListUnsubscribePost};

/// What became of a send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Delivery {
    /// Accepted by the server (or written to the outbox folder).
    Sent,
    /// Try later: a 4xx reply, a refused or dropped connection, a timeout.
    Retry(String),
    /// Never: a 5xx reply.
    Rejected(String),
}

enum Transport {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    File(AsyncFileTransport<Tokio1Executor>),
}

/// Sends email through the configured transport.
pub struct Mailer {
    transport: Transport,
    from: Mailbox,
    dkim: Option<DkimConfig>,
    timeout: Duration,
    domain: String,
}

/// Headers every DKIM signature covers. lettre's default set (From, Subject, To, Date with
/// simple header canonicalisation) breaks on relays that refold headers and leaves the
/// unsubscribe headers unsigned; relaxed/relaxed over this list verifies.
const SIGNED_HEADERS: [&str; 9] = [
    "From",
    "To",
    "Subject",
    "Date",
    "Message-ID",
    "Reply-To",
    "MIME-Version",
    "List-Unsubscribe",
    "List-Unsubscribe-Post",
];

impl Mailer {
    /// The mailer of the configuration; a bad SMTP URL or DKIM key is an error at start-up.
    pub fn new(settings: &MailSettings) -> anyhow::Result<Self> {
        let from: Mailbox = settings
            .from
            .parse()
            .map_err(|e| anyhow::anyhow!("FACTORIA_MAIL_FROM: {e}"))?;
        let domain = from.email.domain().to_owned();
        let (transport, timeout) = match &settings.transport {
            MailTransport::Smtp(smtp) => {
                let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(&smtp.url)
                    .map_err(|e| anyhow::anyhow!("FACTORIA_SMTP_URL: {e}"))?
                    .timeout(Some(smtp.timeout))
                    .pool_config(PoolConfig::new().max_size(4))
                    .build();
                (Transport::Smtp(transport), smtp.timeout)
            }
            MailTransport::File(dir) => {
                std::fs::create_dir_all(dir).map_err(|e| {
                    anyhow::anyhow!("cannot create the outbox folder {}: {e}", dir.display())
                })?;
                (
                    Transport::File(AsyncFileTransport::<Tokio1Executor>::new(dir)),
                    Duration::from_secs(10),
                )
            }
        };
        let dkim = match &settings.dkim {
            None => None,
            Some(dkim) => {
                let pem = std::fs::read_to_string(&dkim.key_file).map_err(|e| {
                    anyhow::anyhow!("FACTORIA_DKIM_KEY_FILE {}: {e}", dkim.key_file.display())
                })?;
                let key = DkimSigningKey::new(&pem, DkimSigningAlgorithm::Rsa).map_err(|e| {
                    anyhow::anyhow!(
                        "FACTORIA_DKIM_KEY_FILE must hold an RSA key in PKCS#1 PEM: {e}"
                    )
                })?;
                let headers = SIGNED_HEADERS
                    .iter()
                    .map(|h| HeaderName::new_from_ascii_str(h))
                    .collect();
                let canonicalization = DkimCanonicalization {
                    header: DkimCanonicalizationType::Relaxed,
                    body: DkimCanonicalizationType::Relaxed,
                };
                Some(DkimConfig::new(
                    dkim.selector.clone(),
                    dkim.domain.clone(),
                    key,
                    headers,
                    canonicalization,
                ))
            }
        };
        Ok(Self {
            transport,
            from,
            dkim,
            timeout,
            domain,
        })
    }

    /// Domain of the sender, for Message-IDs.
    pub fn domain(&self) -> &str {
        &self.domain
    }

    /// A multipart text + HTML message, signed when DKIM is configured.
    pub fn build(
        &self,
        message_id: &str,
        to: &str,
        to_name: Option<&str>,
        reply_to: Option<&str>,
        rendered: &Rendered,
        unsubscribe: Option<&str>,
    ) -> anyhow::Result<Message> {
        let to = Mailbox::new(to_name.map(str::to_owned), to.parse()?);
        let mut builder = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(rendered.subject.clone())
            .message_id(Some(message_id.to_owned()))
            .date_now();
        if let Some(reply_to) = reply_to {
            builder = builder.reply_to(reply_to.parse()?);
        }
        if let Some(url) = unsubscribe {
            builder = builder
                .header(ListUnsubscribe(url.to_owned()))
                .header(ListUnsubscribePost);
        }
        let mut message = builder.multipart(MultiPart::alternative_plain_html(
            rendered.text.clone(),
            rendered.html.clone(),
        ))?;
        if let Some(dkim) = &self.dkim {
            message.sign(dkim);
        }
        Ok(message)
    }

    /// Delivers a message within the timeout, and says what became of it.
    pub async fn send(&self, message: Message) -> Delivery {
        let outcome = match &self.transport {
            Transport::Smtp(smtp) => tokio::time::timeout(self.timeout, smtp.send(message))
                .await
                .map(|r| r.map(|_| ()).map_err(classify)),
            Transport::File(file) => tokio::time::timeout(self.timeout, file.send(message))
                .await
                .map(|r| {
                    r.map(|_| ())
                        .map_err(|e| Delivery::Retry(format!("cannot write the email file: {e}")))
                }),
        };
        match outcome {
            Ok(Ok(())) => Delivery::Sent,
            Ok(Err(delivery)) => delivery,
            Err(_) => Delivery::Retry(format!(
                "no answer from the mail server within {} s",
                self.timeout.as_secs()
            )),
        }
    }
}

fn classify(error: lettre::transport::smtp::Error) -> Delivery {
    if error.is_permanent() {
        Delivery::Rejected(error.to_string())
    } else {
        Delivery::Retry(error.to_string())
    }
}
