//! What comes back: body caps (Content-Length, chunked streams, zip bombs), media types, compression,
//! charsets, and block detection, all against a loopback server.

use std::io::Write;

use crate::fetch_support::{Reply, Server, url};
use leadsmith_core::CrawlStatus;
use leadsmith_crawl::{FetchConfig, FetchedPage, HostPool};

const PAGE: &str = "<!doctype html><html><head><title>Acme</title></head><body><p>Hello</p></body></html>";

async fn fetch_path(config: FetchConfig, path: &str) -> FetchedPage {
    let pool = HostPool::new(config, None).unwrap();
    pool.fetch(&url(&format!("http://acme.test{path}"))).await
}

fn config(server: &Server) -> FetchConfig {
    FetchConfig { respect_robots: false, ..server.config(&["acme.test"]) }
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

#[tokio::test(start_paused = true)]
async fn a_declared_length_over_the_cap_is_refused_unread() {
    let server = Server::start(|_| {
        Reply::status(200, "<html>short</html>").header("Content-Type", "text/html").header("Content-Length", "3145728")
    })
    .await;
    let page = fetch_path(config(&server), "/").await;
    assert_eq!(page.outcome.status, CrawlStatus::TooLarge, "{:?}", page.outcome);
    assert_eq!(page.outcome.bytes, 0);
    assert_eq!(page.outcome.attempts, 1, "too large is not retried");
    assert!(page.outcome.reason.unwrap().contains("2097152-byte cap"));
}

#[tokio::test(start_paused = true)]
async fn a_chunked_stream_stops_at_the_cap() {
    let server = Server::start(|_| Reply::Chunked {
        status: 200,
        headers: vec![("Content-Type".into(), "text/html".into())],
        chunk: vec![b'a'; 16 * 1024],
        count: 1024,
    })
    .await;
    let config = FetchConfig { max_body_bytes: 256 * 1024, ..config(&server) };
    let page = fetch_path(config, "/").await;
    assert_eq!(page.outcome.status, CrawlStatus::TooLarge, "{:?}", page.outcome);
    assert!(page.outcome.bytes > 256 * 1024 && page.outcome.bytes <= 272 * 1024, "{}", page.outcome.bytes);
    assert!(page.html.is_none());
}

#[tokio::test(start_paused = true)]
async fn a_gzip_bomb_stops_at_the_decompressed_cap() {
    let bomb = gzip(&vec![b' '; 20 * 1024 * 1024]);
    assert!(bomb.len() < 100 * 1024);
    let server =
        Server::start(move |_| Reply::bytes(200, "text/html", bomb.clone()).header("Content-Encoding", "gzip")).await;
    let page = fetch_path(config(&server), "/").await;
    assert_eq!(page.outcome.status, CrawlStatus::TooLarge, "{:?}", page.outcome);
    assert!(page.outcome.reason.unwrap().starts_with("decompressed body exceeds"));
}

#[tokio::test(start_paused = true)]
async fn compressed_pages_are_decoded() {
    let mut brotli_body = Vec::new();
    brotli::CompressorWriter::new(&mut brotli_body, 4096, 5, 22).write_all(PAGE.as_bytes()).unwrap();
    let mut deflate = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    deflate.write_all(PAGE.as_bytes()).unwrap();
    let deflate_body = deflate.finish().unwrap();
    let server = Server::start(move |hit| match hit.path.as_str() {
        "/gzip" => Reply::bytes(200, "text/html", gzip(PAGE.as_bytes())).header("Content-Encoding", "gzip"),
        "/br" => Reply::bytes(200, "text/html", brotli_body.clone()).header("Content-Encoding", "br"),
        _ => Reply::bytes(200, "text/html", deflate_body.clone()).header("Content-Encoding", "deflate"),
    })
    .await;
    for path in ["/gzip", "/br", "/deflate"] {
        let page = fetch_path(config(&server), path).await;
        assert_eq!(page.outcome.status, CrawlStatus::Ok, "{path}: {:?}", page.outcome);
        assert_eq!(page.html.as_deref(), Some(PAGE), "{path}");
        assert!(page.outcome.bytes < PAGE.len() as u64 + 32, "{path}: bytes are wire bytes");
    }
}

#[tokio::test(start_paused = true)]
async fn only_html_is_a_page() {
    let server = Server::start(|hit| match hit.path.as_str() {
        "/report.pdf" => {
            Reply::bytes(200, "application/pdf", b"%PDF-1.4".to_vec()).header("Content-Length", "52428800")
        }
        "/untyped" => Reply::status(200, PAGE),
        "/untyped-json" => Reply::status(200, "{\"a\": 1}"),
        _ => Reply::bytes(200, "application/xhtml+xml; charset=utf-8", PAGE.as_bytes().to_vec()),
    })
    .await;
    let pdf = fetch_path(config(&server), "/report.pdf").await;
    assert_eq!(pdf.outcome.status, CrawlStatus::NotHtml, "the type is judged before the (huge) body");
    assert_eq!(pdf.outcome.reason.as_deref(), Some("not an HTML page (Content-Type: application/pdf)"));
    assert_eq!(pdf.content_type.as_deref(), Some("application/pdf"));
    assert!(pdf.html.is_none());

    let sniffed = fetch_path(config(&server), "/untyped").await;
    assert_eq!(sniffed.outcome.status, CrawlStatus::Ok);
    let json = fetch_path(config(&server), "/untyped-json").await;
    assert_eq!(json.outcome.status, CrawlStatus::NotHtml);
    let xhtml = fetch_path(config(&server), "/xhtml").await;
    assert_eq!(xhtml.outcome.status, CrawlStatus::Ok);
}

#[tokio::test(start_paused = true)]
async fn legacy_charsets_are_decoded() {
    let (sjis, _, _) = encoding_rs::SHIFT_JIS
        .encode("<html><head><meta charset=shift_jis><title>株式会社アクメ</title></head></html>");
    let sjis = sjis.into_owned();
    let server = Server::start(move |hit| match hit.path.as_str() {
        "/1252" => {
            Reply::bytes(200, "text/html", b"<html><p>Caf\xe9 \x93Chez Nous\x94 \x96 since 1987</p></html>".to_vec())
        }
        "/latin1" => Reply::bytes(200, "text/html; charset=iso-8859-1", b"<p>Se\xf1or</p>".to_vec()),
        _ => Reply::bytes(200, "text/html", sjis.clone()),
    })
    .await;
    let western = fetch_path(config(&server), "/1252").await;
    assert_eq!(western.html.as_deref(), Some("<html><p>Café “Chez Nous” – since 1987</p></html>"));
    let latin1 = fetch_path(config(&server), "/latin1").await;
    assert_eq!(latin1.html.as_deref(), Some("<p>Señor</p>"));
    let japanese = fetch_path(config(&server), "/sjis").await;
    assert!(japanese.html.unwrap().contains("<title>株式会社アクメ</title>"));
}

#[tokio::test(start_paused = true)]
async fn challenges_and_walls_are_blocked_but_normal_pages_are_not() {
    let challenge = r#"<!DOCTYPE html><html><head><title>Just a moment...</title></head><body>
        <div id="challenge-running">Checking if the site connection is secure</div>
        <script>window._cf_chl_opt={cType:'managed'};</script></body></html>"#;
    let normal = format!(
        "<html><head><title>Acme Plumbing</title></head><body><nav><a href=/login>Log in</a></nav>{}\
         <p>Our contact form uses a captcha to keep spam out.</p><div class=\"g-recaptcha\"></div></body></html>",
        "<p>Family-run plumbers serving Springfield since 1987, boilers, bathrooms and emergency call-outs.</p>"
            .repeat(30)
    );
    let login = r#"<html><head><title>Log in | Acme Members</title></head><body><form>
        <input name="user"><input type="password" name="pass"><button>Log in</button></form></body></html>"#;
    let server = Server::start(move |hit| match hit.path.as_str() {
        "/challenge" => Reply::bytes(503, "text/html", challenge.as_bytes().to_vec()),
        "/login" => Reply::bytes(200, "text/html", login.as_bytes().to_vec()),
        _ => Reply::bytes(200, "text/html", normal.as_bytes().to_vec()),
    })
    .await;

    let blocked = fetch_path(config(&server), "/challenge").await;
    assert_eq!(blocked.outcome.status, CrawlStatus::Blocked, "{:?}", blocked.outcome);
    assert_eq!(blocked.outcome.reason.as_deref(), Some("bot challenge (cloudflare)"));
    assert_eq!(blocked.outcome.attempts, 1, "a challenge served as 503 is not retried");
    assert!(blocked.html.is_none());

    let wall = fetch_path(config(&server), "/login").await;
    assert_eq!((wall.outcome.status, wall.outcome.reason.as_deref()), (CrawlStatus::Blocked, Some("login wall")));

    let ok = fetch_path(config(&server), "/").await;
    assert_eq!(ok.outcome.status, CrawlStatus::Ok, "{:?}", ok.outcome);
}
