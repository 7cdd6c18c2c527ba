//! The RCPT check: asks a domain's mail server whether it would take mail for an address, without sending
//! any (EHLO, MAIL FROM, RCPT TO, QUIT). A second RCPT for a random address tells a catch-all server, which
//! accepts everything and so proves nothing. Off by default: many servers rate-limit or blocklist probes.
//!
//! The caller resolves the MX host and checks the address against its outbound policy (the SSRF guard)
//! before calling [`probe`].

use std::net::SocketAddr;
use std::time::Duration;

use rand::Rng;
use serde::{Deserialize, Serialize};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

#[derive(Debug, Clone)]
pub struct SmtpOptions {
    /// The name sent in EHLO: a host name of the sender's that resolves, or many servers refuse.
    pub helo: String,
    /// The envelope sender (`MAIL FROM`); empty is the null sender `<>`.
    pub from: String,
    /// For the connection and for each reply.
    pub timeout: Duration,
}

impl Default for SmtpOptions {
    fn default() -> Self {
        Self { helo: "localhost".into(), from: String::new(), timeout: Duration::from_secs(10) }
    }
}

/// What the server said of the address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "verdict", rename_all = "snake_case")]
pub enum SmtpVerdict {
    /// The server would take mail for it; `catch_all` when it takes mail for a random address too.
    Accepted { catch_all: bool },
    /// A permanent refusal (5xx) of this recipient.
    Rejected { code: u16, message: String },
    /// A temporary answer (4xx: greylisting, rate limits) or a refusal before RCPT (the probe itself).
    Inconclusive { code: u16, message: String },
    /// No conversation: connection refused or timed out, or the server spoke no SMTP.
    Unreachable { reason: String },
}

/// Asks the mail server at `server` about `address`.
pub async fn probe(server: SocketAddr, address: &str, opts: &SmtpOptions) -> SmtpVerdict {
    match converse(server, address, opts).await {
        Ok(v) => v,
        Err(reason) => SmtpVerdict::Unreachable { reason },
    }
}

struct Conn {
    reader: BufReader<TcpStream>,
    timeout: Duration,
}

impl Conn {
    /// One reply (all its lines): the code and the last line's text.
    async fn reply(&mut self) -> Result<(u16, String), String> {
        for _ in 0..100 {
            let mut line = String::new();
            let n = tokio::time::timeout(self.timeout, (&mut self.reader).take(4096).read_line(&mut line))
                .await
                .map_err(|_| "no reply in time".to_string())?
                .map_err(|e| e.to_string())?;
            if n == 0 {
                return Err("the server closed the connection".into());
            }
            let code: u16 =
                line.get(..3).and_then(|c| c.parse().ok()).ok_or_else(|| format!("not SMTP: {:?}", line.trim_end()))?;
            // `250-…` continues, `250 …` ends the reply.
            if line.as_bytes().get(3) != Some(&b'-') {
                return Ok((code, line.get(4..).unwrap_or_default().trim_end().to_string()));
            }
        }
        Err("a reply of more than 100 lines".into())
    }

    async fn command(&mut self, line: &str) -> Result<(u16, String), String> {
        let stream = self.reader.get_mut();
        tokio::time::timeout(self.timeout, stream.write_all(format!("{line}\r\n").as_bytes()))
            .await
            .map_err(|_| "could not send in time".to_string())?
            .map_err(|e| e.to_string())?;
        self.reply().await
    }
}

async fn converse(server: SocketAddr, address: &str, opts: &SmtpOptions) -> Result<SmtpVerdict, String> {
    let stream = tokio::time::timeout(opts.timeout, TcpStream::connect(server))
        .await
        .map_err(|_| format!("connecting to {server} timed out"))?
        .map_err(|e| format!("connecting to {server}: {e}"))?;
    let mut c = Conn { reader: BufReader::new(stream), timeout: opts.timeout };
    let inconclusive = |(code, message): (u16, String)| SmtpVerdict::Inconclusive { code, message };
    let greeting = c.reply().await?;
    if greeting.0 != 220 {
        return Ok(inconclusive(greeting));
    }
    for cmd in [format!("EHLO {}", opts.helo), format!("MAIL FROM:<{}>", opts.from)] {
        let reply = c.command(&cmd).await?;
        if reply.0 != 250 {
            let _ = c.command("QUIT").await;
            return Ok(inconclusive(reply));
        }
    }
    let verdict = match c.command(&format!("RCPT TO:<{address}>")).await? {
        (250 | 251, _) => {
            let domain = address.rsplit_once('@').map_or("", |(_, d)| d);
            let random: String = rand::thread_rng()
                .sample_iter(rand::distributions::Alphanumeric)
                .take(24)
                .map(|b| char::from(b).to_ascii_lowercase())
                .collect();
            let (code, _) = c.command(&format!("RCPT TO:<{random}@{domain}>")).await?;
            SmtpVerdict::Accepted { catch_all: matches!(code, 250 | 251) }
        }
        (code @ 500..=599, message) => SmtpVerdict::Rejected { code, message },
        other => inconclusive(other),
    };
    let _ = c.command("QUIT").await;
    Ok(verdict)
}
