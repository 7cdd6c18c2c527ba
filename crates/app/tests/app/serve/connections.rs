//! Connections the server must not be held by: a request head sent a byte at a time, a kept-alive
//! connection left idle, a body that never ends, more connections than the cap, and a stop (SIGTERM) with
//! half-sent requests still open.

use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::{App, auth, call, start_with};

/// How long a test waits for what the server must do long before: only a guard against hanging.
const HANG_GUARD: Duration = Duration::from_secs(20);

/// Reads until the server closes the connection (or resets it): what it sent first.
async fn read_until_closed(stream: &mut TcpStream) -> String {
    let mut out = Vec::new();
    let read = tokio::time::timeout(HANG_GUARD, stream.read_to_end(&mut out)).await;
    assert!(read.is_ok(), "the server never closed the connection; it sent {:?}", String::from_utf8_lossy(&out));
    String::from_utf8_lossy(&out).into_owned()
}

async fn connect_and_send(app: &App, bytes: &str) -> TcpStream {
    let mut stream = TcpStream::connect(app.addr).await.unwrap();
    stream.write_all(bytes.as_bytes()).await.unwrap();
    stream
}

#[tokio::test]
async fn slow_request_heads_are_closed_and_connections_past_the_cap_wait_for_a_slot() {
    let (app, _served) = start_with(|s| {
        s.serve.header_read_timeout_secs = 0.5;
        s.serve.max_connections = 2;
    })
    .await;
    // Two slowloris connections: half a request line, then nothing.
    let mut slow = Vec::new();
    for _ in 0..2 {
        slow.push(connect_and_send(&app, "GET /health HT").await);
    }
    tokio::time::sleep(Duration::from_millis(50)).await;
    // A third, whole request: past the cap, it waits until a slow one is closed.
    let mut waiting = connect_and_send(&app, "GET /health HTTP/1.1\r\nhost: test\r\nconnection: close\r\n\r\n").await;
    let mut early = [0u8; 1];
    let answered_early = tokio::time::timeout(Duration::from_millis(200), waiting.read(&mut early)).await;
    assert!(answered_early.is_err(), "a connection past the cap was served at once");
    for stream in &mut slow {
        let sent = read_until_closed(stream).await;
        assert!(!sent.contains("200"), "{sent}");
    }
    let reply = read_until_closed(&mut waiting).await;
    assert!(reply.starts_with("HTTP/1.1 200"), "{reply}");
    // With the slots free again, requests are answered as usual.
    assert_eq!(call(&app, "GET", "/health", &[], None).await.status, 200);
}

#[tokio::test]
async fn idle_connections_and_bodies_that_never_end_are_closed() {
    let (app, _served) = start_with(|s| {
        s.serve.idle_timeout_secs = 0.5;
        s.serve.request_timeout_secs = 0.5;
    })
    .await;
    // A kept-alive connection answered, then left idle: closed.
    let mut idle = connect_and_send(&app, "GET /health HTTP/1.1\r\nhost: test\r\n\r\n").await;
    let sent = read_until_closed(&mut idle).await;
    assert!(sent.starts_with("HTTP/1.1 200"), "{sent}");

    // A body that stops coming: a 503 problem once the request timeout has passed.
    let head = format!(
        "POST /api/v1/score HTTP/1.1\r\nhost: test\r\nx-api-key: {}\r\ncontent-type: application/json\r\n\
         content-length: 100\r\n\r\n{{\"features\": ",
        app.key
    );
    let mut stalled = connect_and_send(&app, &head).await;
    let sent = read_until_closed(&mut stalled).await;
    assert!(sent.starts_with("HTTP/1.1 503"), "{sent}");
    assert!(sent.contains("application/problem+json") && sent.contains("not read and answered within"), "{sent}");
}

/// An upload has its own, longer timeout: a body that takes longer than the request timeout still goes in.
#[tokio::test]
async fn an_upload_may_take_longer_than_the_request_timeout() {
    let (app, _served) = start_with(|s| s.serve.request_timeout_secs = 0.3).await;
    let rows: String = (0..40).map(|i| format!("Company {i},https://company-{i}.example\n")).collect();
    let body = format!("company,website\n{rows}");
    let head = format!(
        "POST /api/v1/leads/upload HTTP/1.1\r\nhost: test\r\nconnection: close\r\nx-api-key: {}\r\n\
         content-type: text/csv\r\ncontent-length: {}\r\n\r\n",
        app.writer,
        body.len()
    );
    let mut stream = connect_and_send(&app, &head).await;
    let started = Instant::now();
    for chunk in body.as_bytes().chunks(body.len() / 4 + 1) {
        tokio::time::sleep(Duration::from_millis(150)).await;
        stream.write_all(chunk).await.unwrap();
    }
    assert!(started.elapsed() > Duration::from_millis(300));
    let reply = read_until_closed(&mut stream).await;
    assert!(reply.starts_with("HTTP/1.1 200"), "{reply}");
    assert!(reply.contains("\"imported\":40"), "{reply}");
}

/// A stop waits for requests in flight only until its deadline: half-sent requests do not keep the server
/// running.
#[tokio::test]
async fn a_stop_drops_half_sent_requests_at_its_deadline() {
    let (app, served) = start_with(|s| {
        s.serve.shutdown_timeout_secs = 0.5;
        // Longer than the test: only the stop's deadline can end these connections.
        s.serve.header_read_timeout_secs = 600.0;
        s.serve.request_timeout_secs = 600.0;
    })
    .await;
    let half_head = connect_and_send(&app, "POST /api/v1/score HTTP/1.1\r\nhost: test\r\ncontent-le").await;
    let half_body = format!(
        "POST /api/v1/score HTTP/1.1\r\nhost: test\r\nx-api-key: {}\r\ncontent-type: application/json\r\n\
         content-length: 100\r\n\r\n{{",
        app.key
    );
    let half_body = connect_and_send(&app, &half_body).await;
    assert_eq!(call(&app, "GET", "/api/v1/queue", &auth(&app.key), None).await.status, 200);
    let App { addr, _stop: stop, .. } = app;
    drop(stop);
    let stopped = tokio::time::timeout(HANG_GUARD, served).await;
    assert!(stopped.is_ok(), "the server was still running with half-sent requests open");
    stopped.unwrap().unwrap();
    assert!(TcpStream::connect(addr).await.is_err(), "the server still accepts connections after stopping");
    drop((half_head, half_body));
}
