//! An SMTP server on loopback speaking enough of RFC 5321 for a recipient check: greeting, EHLO, MAIL,
//! RCPT (answered by the test's function), RSET, QUIT. It never accepts DATA.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

/// The reply to one `RCPT TO:<address>`: code and text.
pub type RcptReply = Box<dyn Fn(&str) -> (u16, String) + Send + Sync>;

/// The server; stops when dropped. `commands` records every line it was sent.
pub struct FakeSmtp {
    pub addr: SocketAddr,
    pub commands: Arc<Mutex<Vec<String>>>,
    task: JoinHandle<()>,
}

impl Drop for FakeSmtp {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl FakeSmtp {
    /// Greets with `greeting` (220 for a working server) and answers RCPT with `rcpt`.
    pub async fn start(greeting: (u16, &'static str), rcpt: RcptReply) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("a loopback port");
        let addr = listener.local_addr().expect("an address");
        let commands: Arc<Mutex<Vec<String>>> = Arc::default();
        let (seen, rcpt) = (commands.clone(), Arc::new(rcpt));
        let task = tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else { return };
                let (seen, rcpt) = (seen.clone(), rcpt.clone());
                tokio::spawn(async move {
                    let (read, mut write) = stream.into_split();
                    let mut lines = BufReader::new(read).lines();
                    let _ = write.write_all(format!("{} {}\r\n", greeting.0, greeting.1).as_bytes()).await;
                    if greeting.0 != 220 {
                        return;
                    }
                    while let Ok(Some(line)) = lines.next_line().await {
                        seen.lock().unwrap().push(line.clone());
                        let upper = line.to_ascii_uppercase();
                        let reply = if upper.starts_with("EHLO") {
                            "250-fake.smtp.test greets you\r\n250-SIZE 10240000\r\n250 8BITMIME\r\n".to_string()
                        } else if upper.starts_with("MAIL FROM:") || upper.starts_with("RSET") {
                            "250 OK\r\n".to_string()
                        } else if let Some(rest) = upper.strip_prefix("RCPT TO:") {
                            let address = line[line.len() - rest.len()..].trim().trim_matches(['<', '>']).to_string();
                            let (code, text) = rcpt(&address);
                            format!("{code} {text}\r\n")
                        } else if upper.starts_with("QUIT") {
                            let _ = write.write_all(b"221 bye\r\n").await;
                            return;
                        } else {
                            "502 not implemented\r\n".to_string()
                        };
                        if write.write_all(reply.as_bytes()).await.is_err() {
                            return;
                        }
                    }
                });
            }
        });
        Self { addr, commands, task }
    }
}
