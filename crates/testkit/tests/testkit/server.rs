//! The sample server over real sockets, with a minimal HTTP/1.1 client on a plain TcpStream.

use std::io::Read;
use std::net::SocketAddr;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use leadsmith_testkit::{OVERSIZED_BYTES, PageBody, SampleServer, SampleWeb, ServeOptions, Site, SiteTrait};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

fn web() -> Arc<SampleWeb> {
    static WEB: OnceLock<Arc<SampleWeb>> = OnceLock::new();
    Arc::clone(WEB.get_or_init(|| Arc::new(SampleWeb::standard())))
}

async fn server(slow_delay: Duration) -> SampleServer {
    web().serve(ServeOptions { slow_delay, ..ServeOptions::instant() }).await.unwrap()
}

fn site_with(t: SiteTrait) -> Site {
    web().sites().iter().find(|s| s.has(t)).unwrap_or_else(|| panic!("no site with {t:?}")).clone()
}

struct Resp {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Resp {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

fn dechunk(mut raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let line_end = raw.windows(2).position(|w| w == b"\r\n").expect("chunk size line");
        let size = usize::from_str_radix(std::str::from_utf8(&raw[..line_end]).unwrap().trim(), 16).unwrap();
        raw = &raw[line_end + 2..];
        if size == 0 {
            return out;
        }
        out.extend_from_slice(&raw[..size]);
        raw = &raw[size + 2..];
    }
}

async fn get(addr: SocketAddr, host: &str, path: &str, extra: &[(&str, &str)]) -> Resp {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let mut req = format!("GET {path} HTTP/1.1\r\nHost: {host}\r\nUser-Agent: leadsmith-test\r\nConnection: close\r\n");
    for (k, v) in extra {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    stream.write_all(req.as_bytes()).await.unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).await.unwrap();
    let head_end = raw.windows(4).position(|w| w == b"\r\n\r\n").expect("response head");
    let head = String::from_utf8_lossy(&raw[..head_end]).to_string();
    let mut lines = head.split("\r\n");
    let status = lines.next().unwrap().split(' ').nth(1).unwrap().parse().unwrap();
    let headers: Vec<(String, String)> =
        lines.filter_map(|l| l.split_once(':')).map(|(k, v)| (k.trim().to_string(), v.trim().to_string())).collect();
    let mut body = raw[head_end + 4..].to_vec();
    let chunked = headers.iter().any(|(k, v)| k.eq_ignore_ascii_case("transfer-encoding") && v.contains("chunked"));
    if chunked {
        body = dechunk(&body);
    }
    Resp { status, headers, body }
}

fn home_path(site: &Site) -> &'static str {
    if site.pages.contains_key("/home") { "/home" } else { "/" }
}

#[tokio::test]
async fn picks_the_site_by_host_header() {
    let server = server(Duration::from_secs(5)).await;
    let addr = server.addr();
    let site = web()
        .sites()
        .iter()
        .find(|s| s.truth.status.is_success() && !s.has(SiteTrait::RedirectChain) && !s.has(SiteTrait::FlakyHome))
        .unwrap()
        .clone();
    let port = addr.port();
    let want = match &site.pages["/"].body {
        PageBody::Bytes(b) => b.to_vec(),
        PageBody::Padded { .. } => unreachable!(),
    };
    for host in [
        site.domain.clone(),
        format!("www.{}", site.domain),
        format!("{}:{port}", site.domain),
        format!("WWW.{}:{port}", site.domain.to_uppercase()),
    ] {
        let resp = get(addr, &host, "/", &[]).await;
        assert_eq!(resp.status, 200, "{host}");
        assert_eq!(resp.body, want, "{host}");
        assert!(resp.header("content-type").unwrap().starts_with("text/html"));
    }
    let unknown = get(addr, "nowhere.test", "/", &[]).await;
    assert_eq!((unknown.status, String::from_utf8_lossy(&unknown.body).as_ref()), (404, "no such site"));
    assert_eq!(get(addr, &site.domain, "/no/such/page", &[]).await.status, 404);
    assert_eq!(server.requests(), 6);
    assert_eq!(server.requests_for(&format!("www.{}", site.domain), "/"), 4);
    let overrides = server.resolve_overrides();
    assert_eq!(overrides.len(), web().sites().len() * 2);
    assert_eq!(overrides[&format!("www.{}", site.domain)], addr);
    server.shutdown().await;
    assert!(
        TcpStream::connect(addr).await.is_err() || get_times_out(addr).await,
        "server still answers after shutdown"
    );
}

async fn get_times_out(addr: SocketAddr) -> bool {
    tokio::time::timeout(Duration::from_millis(300), async {
        let mut s = TcpStream::connect(addr).await.ok()?;
        s.write_all(b"GET / HTTP/1.1\r\nHost: x.test\r\n\r\n").await.ok()?;
        let mut buf = [0u8; 16];
        let n = s.read(&mut buf).await.ok()?;
        (n > 0).then_some(())
    })
    .await
    .map_or(true, |answered| answered.is_none())
}

#[tokio::test]
async fn robots_txt_disallows_and_delays() {
    let server = server(Duration::from_secs(5)).await;
    let site = site_with(SiteTrait::RobotsDisallowContact);
    let resp = get(server.addr(), &site.domain, "/robots.txt", &[]).await;
    assert_eq!(resp.status, 200);
    assert!(resp.header("content-type").unwrap().starts_with("text/plain"));
    let txt = String::from_utf8(resp.body).unwrap();
    assert!(txt.contains(&format!("Disallow: {}", site.linked_pages[0])), "{txt}");
    let delayed = site_with(SiteTrait::CrawlDelay);
    let txt = String::from_utf8(get(server.addr(), &delayed.domain, "/robots.txt", &[]).await.body).unwrap();
    assert!(txt.contains("Crawl-delay: 1"), "{txt}");
}

#[tokio::test]
async fn flaky_home_fails_then_succeeds() {
    let server = server(Duration::from_secs(5)).await;
    let site = site_with(SiteTrait::FlakyHome);
    assert_eq!(get(server.addr(), &site.domain, "/", &[]).await.status, 500);
    let second = get(server.addr(), &format!("www.{}", site.domain), "/", &[]).await;
    assert_eq!(second.status, 200);
    assert!(String::from_utf8_lossy(&second.body).contains("</html>"));
    assert_eq!(server.requests_for(&site.domain, "/"), 2);
}

async fn follow(addr: SocketAddr, mut host: String, mut path: String) -> (usize, Resp) {
    for hops in 0..20 {
        let resp = get(addr, &host, &path, &[]).await;
        let Some(location) = resp.header("location").filter(|_| (300..400).contains(&resp.status)) else {
            return (hops, resp);
        };
        if let Some(rest) = location.strip_prefix("http://") {
            let (h, p) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
            host = h.to_string();
            path = if p.is_empty() { "/".to_string() } else { p.to_string() };
        } else {
            path = location.to_string();
        }
    }
    panic!("redirect loop");
}

#[tokio::test]
async fn redirect_chains_short_and_long() {
    let server = server(Duration::from_secs(5)).await;
    let addr = server.addr();
    let chain = site_with(SiteTrait::RedirectChain);
    let first = get(addr, &format!("{}:{}", chain.domain, addr.port()), "/", &[]).await;
    assert_eq!(first.status, 301);
    assert_eq!(first.header("location"), Some(format!("http://www.{}:{}/", chain.domain, addr.port()).as_str()));
    let (hops, last) = follow(addr, chain.domain.clone(), "/".to_string()).await;
    assert_eq!((hops, last.status), (2, 200));
    let (hops, _) = follow(addr, format!("www.{}", chain.domain), "/".to_string()).await;
    assert_eq!(hops, 1);

    let long = site_with(SiteTrait::TooManyRedirects);
    let (hops, last) = follow(addr, long.domain.clone(), "/".to_string()).await;
    assert_eq!((hops, last.status), (leadsmith_testkit::LONG_REDIRECT_HOPS, 200));
    assert_eq!(hops, 7);
}

#[tokio::test]
async fn slow_home_stalls_for_slow_delay() {
    let server = server(Duration::from_millis(400)).await;
    let site = site_with(SiteTrait::SlowHome);
    let impatient = tokio::time::timeout(Duration::from_millis(150), get(server.addr(), &site.domain, "/", &[])).await;
    assert!(impatient.is_err(), "a client with a short timeout must give up");
    let started = Instant::now();
    let resp = get(server.addr(), &site.domain, "/", &[]).await;
    assert!(started.elapsed() >= Duration::from_millis(400));
    assert_eq!(resp.status, 200);
}

#[tokio::test]
async fn oversized_homes_exceed_two_mib() {
    let server = server(Duration::from_secs(5)).await;
    let web = web();
    let sites: Vec<&Site> = web.sites().iter().filter(|s| s.has(SiteTrait::Oversized)).collect();
    assert_eq!(sites.len(), 2);
    let mut saw_length = false;
    let mut saw_chunked = false;
    for site in sites {
        let resp = get(server.addr(), &site.domain, "/", &[]).await;
        assert_eq!(resp.status, 200);
        assert!(resp.body.len() as u64 > 2 * 1024 * 1024 && resp.body.len() as u64 > OVERSIZED_BYTES);
        assert!(resp.body.ends_with(b"</html>\n"));
        match resp.header("content-length") {
            Some(len) => {
                saw_length = true;
                assert_eq!(len.parse::<usize>().unwrap(), resp.body.len());
            }
            None => {
                saw_chunked = true;
                assert_eq!(resp.header("transfer-encoding"), Some("chunked"));
            }
        }
    }
    assert!(saw_length && saw_chunked);
}

#[tokio::test]
async fn non_html_homes_have_binary_content_types() {
    let server = server(Duration::from_secs(5)).await;
    let mut types = Vec::new();
    for site in web().sites().iter().filter(|s| s.has(SiteTrait::NotHtml)) {
        let resp = get(server.addr(), &site.domain, "/", &[]).await;
        let ct = resp.header("content-type").unwrap().to_string();
        match ct.as_str() {
            "application/pdf" => assert!(resp.body.starts_with(b"%PDF-")),
            "image/jpeg" => assert!(resp.body.starts_with(&[0xFF, 0xD8, 0xFF])),
            other => panic!("unexpected content type {other}"),
        }
        types.push(ct);
    }
    assert!(types.iter().any(|t| t == "application/pdf") && types.iter().any(|t| t == "image/jpeg"));
}

#[tokio::test]
async fn gzip_only_when_asked() {
    let server = server(Duration::from_secs(5)).await;
    let site = web()
        .sites()
        .iter()
        .find(|s| s.has(SiteTrait::Gzip) && s.truth.status.is_success() && !s.has(SiteTrait::FlakyHome))
        .unwrap()
        .clone();
    let path = home_path(&site);
    let PageBody::Bytes(want) = &site.pages[path].body else { panic!("in-memory page") };
    let zipped = get(server.addr(), &site.domain, path, &[("Accept-Encoding", "gzip, deflate")]).await;
    assert_eq!(zipped.header("content-encoding"), Some("gzip"));
    let mut unzipped = Vec::new();
    flate2::read::GzDecoder::new(zipped.body.as_slice()).read_to_end(&mut unzipped).unwrap();
    assert_eq!(&unzipped, want);
    assert!(zipped.body.len() < want.len() / 2);
    let plain = get(server.addr(), &site.domain, path, &[]).await;
    assert_eq!(plain.header("content-encoding"), None);
    assert_eq!(&plain.body, want);
}

#[tokio::test]
async fn blocked_homes_look_like_challenges() {
    let server = server(Duration::from_secs(5)).await;
    for site in web().sites().iter().filter(|s| s.has(SiteTrait::BotChallenge)) {
        let resp = get(server.addr(), &site.domain, "/", &[]).await;
        assert!([403, 503].contains(&resp.status));
        assert_eq!(resp.header("cf-mitigated"), Some("challenge"));
        let body = String::from_utf8(resp.body).unwrap();
        assert!(
            body.contains("Just a moment...") && body.contains("challenge-platform") && body.contains("cf-challenge")
        );
    }
    let captcha = site_with(SiteTrait::Captcha);
    let resp = get(server.addr(), &captcha.domain, "/", &[]).await;
    assert_eq!(resp.status, 200);
    assert!(String::from_utf8(resp.body).unwrap().contains("g-recaptcha"));
    let missing = site_with(SiteTrait::HomeNotFound);
    assert_eq!(get(server.addr(), &missing.domain, "/", &[]).await.status, 404);
    let broken = site_with(SiteTrait::AlwaysServerError);
    for _ in 0..3 {
        assert_eq!(get(server.addr(), &broken.domain, "/", &[]).await.status, 500);
    }
    let partial = site_with(SiteTrait::AboutNotFound);
    let about = partial.linked_pages.iter().find(|p| !partial.pages.contains_key(*p)).unwrap();
    assert_eq!(get(server.addr(), &partial.domain, about, &[]).await.status, 404);
}

#[tokio::test]
async fn latency_is_added_per_response() {
    let opts =
        ServeOptions { latency: (Duration::from_millis(60), Duration::from_millis(80)), ..ServeOptions::default() };
    let server = web().serve(opts).await.unwrap();
    let site = site_with(SiteTrait::CrawlDelay);
    let started = Instant::now();
    let resp = get(server.addr(), &site.domain, "/robots.txt", &[]).await;
    assert_eq!(resp.status, 200);
    assert!(started.elapsed() >= Duration::from_millis(60));
    drop(server);
}
