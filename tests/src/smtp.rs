//! A real SMTP server over TCP for tests: `tests/tools/smtp_server.py` (aiosmtpd), scripted
//! to accept, refuse (4xx/5xx) or stall, writing what it accepts to a folder.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::crate_dir;

/// The Python of `scripts/ensure-test-tools.sh`.
pub fn tools_python() -> PathBuf {
    let python = crate_dir()
        .parent()
        .map(PathBuf::from)
        .unwrap_or_default()
        .join("target/test-tools/venv/bin/python");
    assert!(
        python.is_file(),
        "{} is missing: run scripts/ensure-test-tools.sh (scripts/test does)",
        python.display()
    );
    python
}

/// A free TCP port on the loopback.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or_else(|e| panic!("{e}"))
}

/// A running SMTP server.
pub struct SmtpServer {
    /// Its port.
    pub port: u16,
    /// Where accepted messages land.
    pub dir: PathBuf,
    child: Child,
}

impl SmtpServer {
    /// Starts a server answering DATA commands as `script` says (see the script's doc).
    pub fn start(dir: &Path, script: &str) -> SmtpServer {
        Self::start_on(free_port(), dir, script, 0.0)
    }

    /// Starts a server on `port`, pausing `delay` seconds before each answer.
    pub fn start_on(port: u16, dir: &Path, script: &str, delay: f64) -> SmtpServer {
        std::fs::create_dir_all(dir).unwrap_or_else(|e| panic!("{e}"));
        let child = Command::new(tools_python())
            .arg(crate_dir().join("tools/smtp_server.py"))
            .arg(port.to_string())
            .arg(dir)
            .arg(script)
            .arg("--delay")
            .arg(delay.to_string())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start the SMTP server: {e}"));
        let started = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "the SMTP server did not start"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        SmtpServer {
            port,
            dir: dir.to_path_buf(),
            child,
        }
    }

    /// `smtp://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// Accepted messages, in order.
    pub fn messages(&self) -> Vec<String> {
        let mut files: Vec<PathBuf> = std::fs::read_dir(&self.dir)
            .map(|d| {
                d.flatten()
                    .map(|e| e.path())
                    .filter(|p| p.extension().is_some_and(|x| x == "eml"))
                    .collect()
            })
            .unwrap_or_default();
        files.sort();
        files
            .iter()
            .map(|p| std::fs::read_to_string(p).unwrap_or_default())
            .collect()
    }

    /// DATA attempts so far.
    pub fn attempts(&self) -> usize {
        std::fs::read_to_string(self.dir.join("attempts.log"))
            .map(|t| t.lines().count())
            .unwrap_or(0)
    }

    /// Waits until `n` messages were accepted (at most `limit`).
    pub async fn wait_for(&self, n: usize, limit: Duration) -> Vec<String> {
        let started = Instant::now();
        loop {
            let messages = self.messages();
            if messages.len() >= n {
                return messages;
            }
            assert!(
                started.elapsed() < limit,
                "{} of {n} messages arrived within {limit:?} ({} attempts)",
                messages.len(),
                self.attempts()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Stops the server (as if it went down).
    pub fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A header of a raw message (first occurrence, unfolded).
pub fn header(message: &str, name: &str) -> Option<String> {
    let head = message.split("\r\n\r\n").next().unwrap_or(message);
    let unfolded = head.replace("\r\n ", " ").replace("\r\n\t", " ");
    unfolded.lines().find_map(|line| {
        let (key, value) = line.split_once(':')?;
        key.eq_ignore_ascii_case(name)
            .then(|| value.trim().to_owned())
    })
}

/// The decoded text of the `text/plain` part of a raw message.
pub fn text_part(message: &str) -> String {
    decoded_part(message, "text/plain")
}

/// The decoded text of the `text/html` part of a raw message.
pub fn html_part(message: &str) -> String {
    decoded_part(message, "text/html")
}

fn decoded_part(message: &str, content_type: &str) -> String {
    let Some(start) = message.find(&format!("Content-Type: {content_type}")) else {
        return String::new();
    };
    let part = &message[start..];
    let (head, body) = part.split_once("\r\n\r\n").unwrap_or((part, ""));
    let body = body.split("\r\n--").next().unwrap_or(body);
    if head.contains("quoted-printable") {
        decode_quoted_printable(body)
    } else if head.contains("base64") {
        use base64::Engine;
        let joined: String = body.split_whitespace().collect();
        String::from_utf8(
            base64::engine::general_purpose::STANDARD
                .decode(joined)
                .unwrap_or_default(),
        )
        .unwrap_or_default()
    } else {
        body.to_owned()
    }
}

fn decode_quoted_printable(text: &str) -> String {
    let mut bytes = Vec::new();
    let raw = text.replace("=\r\n", "");
    let mut iter = raw.bytes().peekable();
    while let Some(b) = iter.next() {
        if b == b'=' {
            let hi = iter.next();
            let lo = iter.next();
            if let (Some(hi), Some(lo)) = (hi, lo)
                && let Ok(v) = u8::from_str_radix(&format!("{}{}", hi as char, lo as char), 16)
            {
                bytes.push(v);
                continue;
            }
        }
        bytes.push(b);
    }
    String::from_utf8_lossy(&bytes).into_owned()
}
