//! `job_signal` across processes: a dedicated connection (not from the pool, which recycles connections)
//! LISTENs on [`CHANNEL`] and bumps the store's counter on every notification for its schema. If the
//! connection drops (server restart, failover) it reconnects with backoff forever and bumps once after
//! reconnecting, since a notification may have been missed meanwhile.

use std::time::Duration;

use futures_util::future::poll_fn;
use tokio::sync::{oneshot, watch};
use tokio_postgres::{AsyncMessage, Client, Config, Connection, Socket};

use super::tls::{Tls, TlsStream};
use crate::error::describe_pg;

/// The NOTIFY channel. Channels are per database, not per schema, so the payload names the schema and
/// listeners ignore other schemas' notifications (several leadsmith deployments or test runs can share a
/// database).
pub(crate) const CHANNEL: &str = "leadsmith_jobs";

/// Sent (before commit) by every transaction that makes a job claimable; delivered on commit.
pub(crate) const NOTIFY_SQL: &str = "SELECT pg_notify('leadsmith_jobs', coalesce(current_schema(), ''))";

const MIN_BACKOFF: Duration = Duration::from_millis(100);
const MAX_BACKOFF: Duration = Duration::from_secs(5);

pub(crate) struct Listener {
    /// Held so the connection stays open: dropping the client closes it.
    _client: Client,
    connection: Connection<Socket, TlsStream>,
    schema: String,
}

fn bump(signal: &watch::Sender<u64>) {
    signal.send_modify(|n| *n += 1);
}

/// Connects and runs `LISTEN`, driving the connection meanwhile (tokio-postgres only makes progress while
/// the connection is polled). Errors are text: they end up in a log line or a `StoreError::Pool`.
pub(crate) async fn connect(config: &Config, tls: &Tls, signal: &watch::Sender<u64>) -> Result<Listener, String> {
    let (client, mut connection) = config.connect(tls.clone()).await.map_err(|e| describe_pg(&e))?;
    let mut setup = Box::pin(async {
        let schema: String = client.query_one("SELECT coalesce(current_schema(), '')", &[]).await?.get(0);
        client.batch_execute(&format!("LISTEN {CHANNEL}")).await?;
        Ok::<_, tokio_postgres::Error>(schema)
    });
    let schema = loop {
        tokio::select! {
            done = &mut setup => break done.map_err(|e| describe_pg(&e))?,
            message = poll_fn(|cx| connection.poll_message(cx)) => match message {
                // Cannot be filtered yet; a spurious wake-up only costs an empty claim.
                Some(Ok(AsyncMessage::Notification(_))) => bump(signal),
                Some(Ok(_)) => {}
                Some(Err(e)) => return Err(describe_pg(&e)),
                None => return Err("connection closed".into()),
            },
        }
    };
    drop(setup);
    Ok(Listener { _client: client, connection, schema })
}

impl Listener {
    /// Bumps `signal` for each notification until the connection ends; returns why it ended.
    async fn pump(mut self, signal: &watch::Sender<u64>) -> String {
        loop {
            match poll_fn(|cx| self.connection.poll_message(cx)).await {
                Some(Ok(AsyncMessage::Notification(n))) => {
                    if n.channel() == CHANNEL && n.payload() == self.schema {
                        bump(signal);
                    }
                }
                Some(Ok(AsyncMessage::Notice(notice))) => tracing::debug!(%notice, "PostgreSQL notice on listener"),
                Some(Ok(_)) => {}
                Some(Err(e)) => return describe_pg(&e),
                None => return "connection closed".into(),
            }
        }
    }
}

/// The listener task: runs until `stop` fires or its sender is dropped (the last store clone went away).
pub(crate) async fn run(
    config: Config,
    tls: Tls,
    signal: std::sync::Arc<watch::Sender<u64>>,
    listener: Listener,
    mut stop: oneshot::Receiver<()>,
) {
    let mut listener = Some(listener);
    let mut backoff = MIN_BACKOFF;
    loop {
        if let Some(l) = listener.take() {
            tokio::select! {
                reason = l.pump(&signal) => {
                    tracing::warn!(%reason, "PostgreSQL job listener lost its connection; reconnecting");
                }
                _ = &mut stop => return,
            }
        }
        tokio::select! {
            _ = tokio::time::sleep(backoff) => {}
            _ = &mut stop => return,
        }
        let attempt = tokio::select! {
            attempt = connect(&config, &tls, &signal) => attempt,
            _ = &mut stop => return,
        };
        match attempt {
            Ok(l) => {
                listener = Some(l);
                backoff = MIN_BACKOFF;
                tracing::info!("PostgreSQL job listener reconnected");
                bump(&signal);
            }
            Err(error) => {
                backoff = (backoff * 2).min(MAX_BACKOFF);
                tracing::warn!(%error, retry_in = ?backoff, "PostgreSQL job listener cannot reconnect");
            }
        }
    }
}
