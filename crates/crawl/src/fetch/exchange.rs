//! One HTTP request and what its response means: a page, a redirect, a final failure (blocked, empty,
//! not HTML, …), or a transient one worth retrying. Transport errors are classified from the client
//! error's source chain.

use std::error::Error as StdError;
use std::io;
use std::time::Duration;

use bytes::Bytes;
use http::header::{
    ACCEPT, ACCEPT_ENCODING, CONTENT_ENCODING, CONTENT_LENGTH, CONTENT_TYPE, LOCATION, RETRY_AFTER, USER_AGENT,
};
use http::{HeaderMap, HeaderValue, Request, Response, Uri};
use http_body_util::Empty;
use hyper::body::Incoming;
use leadsmith_core::CrawlStatus;
use url::Url;

use super::HttpClient;
use super::blocked;
use super::body::{self, BodyError, MediaType};
use super::charset;
use super::connector::ConnectFailure;
use super::empty;

/// What one request ended in.
#[derive(Debug)]
pub(crate) enum Exchange {
    Page {
        http_status: u16,
        html: String,
        content_type: Option<String>,
        bytes: u64,
        headers: Vec<(String, String)>,
    },
    Redirect {
        http_status: u16,
        location: Option<String>,
    },
    /// A final answer about this URL: not retried.
    Done(Failure),
    /// Worth another attempt (timeouts, resets, 5xx, 429); `retry_after` is the server's wish, uncapped.
    Transient {
        failure: Failure,
        retry_after: Option<Duration>,
    },
}

#[derive(Debug)]
pub(crate) struct Failure {
    pub(crate) status: CrawlStatus,
    pub(crate) http_status: Option<u16>,
    pub(crate) reason: String,
    pub(crate) content_type: Option<String>,
    pub(crate) bytes: u64,
}

impl Failure {
    pub(crate) fn new(status: CrawlStatus, reason: impl Into<String>) -> Self {
        Self { status, http_status: None, reason: reason.into(), content_type: None, bytes: 0 }
    }

    fn http(mut self, http_status: u16) -> Self {
        self.http_status = Some(http_status);
        self
    }

    fn bytes(mut self, bytes: u64) -> Self {
        self.bytes = bytes;
        self
    }
}

/// Sends a GET for `url` (fragment dropped) with our User-Agent and encodings.
pub(crate) async fn send(
    client: &HttpClient,
    user_agent: &HeaderValue,
    url: &Url,
) -> Result<Response<Incoming>, Exchange> {
    send_method(client, user_agent, url, http::Method::GET).await
}

/// [`send`] with another method (the audit's HEAD requests).
pub(crate) async fn send_method(
    client: &HttpClient,
    user_agent: &HeaderValue,
    url: &Url,
    method: http::Method,
) -> Result<Response<Incoming>, Exchange> {
    let mut target = url.clone();
    target.set_fragment(None);
    let uri: Uri = target
        .as_str()
        .parse()
        .map_err(|e| Exchange::Done(Failure::new(CrawlStatus::HttpError, format!("URL cannot be requested: {e}"))))?;
    let request = Request::builder()
        .method(method)
        .uri(uri)
        .header(USER_AGENT, user_agent.clone())
        .header(ACCEPT, "text/html,application/xhtml+xml;q=0.9,*/*;q=0.5")
        .header(ACCEPT_ENCODING, "gzip, deflate, br")
        .body(Empty::<Bytes>::new())
        .map_err(|e| Exchange::Done(Failure::new(CrawlStatus::HttpError, format!("URL cannot be requested: {e}"))))?;
    client.request(request).await.map_err(|e| classify_error(&e))
}

/// Fetches one page-candidate URL and judges the response.
pub(crate) async fn page(client: &HttpClient, user_agent: &HeaderValue, url: &Url, limit: u64) -> Exchange {
    let response = match send(client, user_agent, url).await {
        Ok(r) => r,
        Err(exchange) => return exchange,
    };
    let status = response.status().as_u16();
    let (parts, incoming) = response.into_parts();
    let headers = &parts.headers;
    if matches!(status, 301 | 302 | 303 | 307 | 308) {
        return Exchange::Redirect { http_status: status, location: header(headers, &LOCATION) };
    }
    if matches!(status, 404 | 410) {
        return Exchange::Done(Failure::new(CrawlStatus::NotFound, format!("HTTP {status}")).http(status));
    }
    let content_type = header(headers, &CONTENT_TYPE);
    let media = body::media_type(content_type.as_deref());

    if (200..300).contains(&status) {
        if let MediaType::Other(essence) = &media {
            let mut failure = Failure::new(CrawlStatus::NotHtml, format!("not an HTML page (Content-Type: {essence})"));
            failure.content_type = content_type;
            return Exchange::Done(failure.http(status));
        }
        let (decoded, bytes) = match read_decoded(headers, incoming, limit).await {
            Ok(ok) => ok,
            Err(err) => return body_failure(err, status),
        };
        // Sniffed as text, not bytes: a UTF-16 page starts with `<\0`, not `<`. A blank body is
        // judged empty below whatever its type.
        let (html, _) = charset::decode_html(&decoded, content_type.as_deref());
        if media == MediaType::Missing && !html.trim().is_empty() && !body::sniffs_as_html(html.as_bytes()) {
            let failure = Failure::new(CrawlStatus::NotHtml, "no Content-Type and the body does not look like HTML");
            return Exchange::Done(failure.http(status).bytes(bytes));
        }
        // Blocks first: a challenge can come with an empty body and a telling header.
        if let Some(why) = blocked::detect(status, headers, &html) {
            return Exchange::Done(Failure::new(CrawlStatus::Blocked, why).http(status).bytes(bytes));
        }
        if let Some(why) = empty::why_empty(&html) {
            let mut failure = Failure::new(CrawlStatus::Empty, why).http(status).bytes(bytes);
            failure.content_type = content_type;
            return Exchange::Done(failure);
        }
        return Exchange::Page { http_status: status, html, content_type, bytes, headers: kept_headers(headers) };
    }

    // Challenge and WAF block pages come as 403/405/429/503; read them so they end as Blocked instead of
    // being retried or reported as HTTP errors. Some vendors say so in a header, whatever the body.
    let mut bytes = 0;
    if blocked::is_block_status(status) {
        let mut html = String::new();
        if !matches!(media, MediaType::Other(_))
            && let Ok((decoded, read)) = read_decoded(headers, incoming, limit).await
        {
            bytes = read;
            html = charset::decode_html(&decoded, content_type.as_deref()).0;
        }
        if let Some(why) = blocked::detect(status, headers, &html) {
            return Exchange::Done(Failure::new(CrawlStatus::Blocked, why).http(status).bytes(bytes));
        }
    }
    let failure = Failure::new(CrawlStatus::HttpError, format!("HTTP {status}")).http(status).bytes(bytes);
    if status == 429 || status >= 500 {
        let retry_after =
            if matches!(status, 429 | 503) { retry_after(headers, super::cache::unix_now()) } else { None };
        return Exchange::Transient { failure, retry_after };
    }
    Exchange::Done(failure)
}

/// Reads the body through the cap (Content-Length first) and undoes its Content-Encoding; returns the
/// decoded bytes and the wire byte count.
pub(crate) async fn read_decoded(
    headers: &HeaderMap,
    incoming: Incoming,
    limit: u64,
) -> Result<(Vec<u8>, u64), BodyError> {
    if let Some(length) = header(headers, &CONTENT_LENGTH).and_then(|v| v.trim().parse::<u64>().ok())
        && length > limit
    {
        return Err(BodyError::TooLarge { limit, read: 0, decompressed: false });
    }
    let raw = body::read_capped(incoming, limit).await?;
    let wire = raw.len() as u64;
    let decoded = body::decompress(header(headers, &CONTENT_ENCODING).as_deref(), raw, limit)?;
    Ok((decoded, wire))
}

fn body_failure(err: BodyError, status: u16) -> Exchange {
    match err {
        BodyError::TooLarge { limit, read, decompressed } => {
            let what = if decompressed { "decompressed body" } else { "body" };
            Exchange::Done(
                Failure::new(CrawlStatus::TooLarge, format!("{what} exceeds the {limit}-byte cap"))
                    .http(status)
                    .bytes(read),
            )
        }
        BodyError::Transport { read, source } => Exchange::Transient {
            failure: Failure::new(
                CrawlStatus::ConnectError,
                format!("connection failed while reading the body: {source}"),
            )
            .http(status)
            .bytes(read),
            retry_after: None,
        },
        BodyError::Decode(why) => Exchange::Done(Failure::new(CrawlStatus::HttpError, why).http(status)),
    }
}

/// Most response headers kept with a page, and the longest value kept.
const MAX_KEPT_HEADERS: usize = 64;
const MAX_HEADER_VALUE: usize = 4096;

/// The response's headers as (lower-case name, value) pairs, for readers of the page (technology
/// detection reads `server`, `x-powered-by`, `set-cookie`, …); values that are not text are left out.
fn kept_headers(headers: &HeaderMap) -> Vec<(String, String)> {
    headers
        .iter()
        .filter_map(|(name, value)| {
            let value = value.to_str().ok()?;
            (value.len() <= MAX_HEADER_VALUE).then(|| (name.as_str().to_string(), value.to_string()))
        })
        .take(MAX_KEPT_HEADERS)
        .collect()
}

pub(crate) fn header(headers: &HeaderMap, name: &http::header::HeaderName) -> Option<String> {
    headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_string)
}

/// The error and the errors it wraps; io::Errors are opened with `get_ref`, since their `source` skips
/// the wrapped error itself (that is how rustls and connector errors travel through hyper-rustls).
fn chain<'a>(err: &'a (dyn StdError + 'static)) -> impl Iterator<Item = &'a (dyn StdError + 'static)> {
    std::iter::successors(Some(err), |&e: &&'a (dyn StdError + 'static)| {
        if let Some(inner) = e.downcast_ref::<io::Error>().and_then(io::Error::get_ref) {
            return Some(inner as &(dyn StdError + 'static));
        }
        e.source()
    })
    .take(16)
}

/// Turns a client error into an outcome: our connector's failures by kind, rustls errors as TLS,
/// resets and early closes as transient connection errors.
pub(crate) fn classify_error(err: &hyper_util::client::legacy::Error) -> Exchange {
    use CrawlStatus as S;
    let transient =
        |status, reason: String| Exchange::Transient { failure: Failure::new(status, reason), retry_after: None };
    let done = |status, reason: String| Exchange::Done(Failure::new(status, reason));
    for e in chain(err) {
        if let Some(failure) = e.downcast_ref::<ConnectFailure>() {
            return match failure {
                ConnectFailure::NoHost => done(S::HttpError, failure.to_string()),
                ConnectFailure::Dns { .. } => done(S::DnsError, failure.to_string()),
                ConnectFailure::Refused(refusal) => done(S::SsrfRefused, refusal.to_string()),
                ConnectFailure::Timeout { .. } => transient(S::Timeout, failure.to_string()),
                ConnectFailure::Io { .. } => transient(S::ConnectError, failure.to_string()),
            };
        }
        if let Some(tls) = e.downcast_ref::<rustls::Error>() {
            return done(S::TlsError, format!("TLS handshake failed: {tls}"));
        }
    }
    let innermost = chain(err).last().map(ToString::to_string).unwrap_or_default();
    for e in chain(err) {
        if let Some(io) = e.downcast_ref::<io::Error>()
            && matches!(
                io.kind(),
                io::ErrorKind::ConnectionReset
                    | io::ErrorKind::ConnectionAborted
                    | io::ErrorKind::ConnectionRefused
                    | io::ErrorKind::BrokenPipe
                    | io::ErrorKind::UnexpectedEof
            )
        {
            return transient(S::ConnectError, format!("connection failed: {io}"));
        }
        if let Some(h) = e.downcast_ref::<hyper::Error>() {
            if h.is_parse() || h.is_parse_status() || h.is_parse_too_large() {
                return done(S::HttpError, format!("malformed HTTP response: {h}"));
            }
            if h.is_timeout() {
                return transient(S::Timeout, format!("timed out: {h}"));
            }
            if h.is_incomplete_message() || h.is_closed() || h.is_canceled() {
                return transient(S::ConnectError, format!("connection closed before the response was complete: {h}"));
            }
        }
    }
    if err.is_connect() {
        // Our connector's failures are handled above, so a connect-stage error left is the TLS layer's.
        return done(S::TlsError, format!("TLS handshake failed: {innermost}"));
    }
    transient(S::ConnectError, format!("request failed: {innermost}"))
}

/// `Retry-After` as a wait from now: delay-seconds or an IMF-fixdate HTTP-date.
pub(crate) fn retry_after(headers: &HeaderMap, now_unix: i64) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = parse_http_date(value)?;
    Some(Duration::from_secs(u64::try_from(at - now_unix).unwrap_or(0)))
}

/// Parses `Sun, 06 Nov 1994 08:49:37 GMT` (the only HTTP-date form servers are allowed to send).
fn parse_http_date(value: &str) -> Option<i64> {
    let mut parts = value.split_whitespace();
    let _weekday = parts.next()?.strip_suffix(',')?;
    let day: i64 = parts.next()?.parse().ok()?;
    let month_name = parts.next()?;
    let month = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        .iter()
        .position(|m| m.eq_ignore_ascii_case(month_name))? as i64
        + 1;
    let year: i64 = parts.next()?.parse().ok()?;
    let mut hms = parts.next()?.split(':').map(|p| p.parse::<i64>().ok());
    let (h, m, s) = (hms.next()??, hms.next()??, hms.next()??);
    if parts.next()? != "GMT" || !(1..=31).contains(&day) || h > 23 || m > 59 || s > 60 {
        return None;
    }
    Some(days_from_civil(year, month, day) * 86_400 + h * 3600 + m * 60 + s)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * ((month + 9) % 12) + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_dates() {
        assert_eq!(parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT"), Some(784_111_777));
        assert_eq!(parse_http_date("Thu, 01 Jan 1970 00:00:00 GMT"), Some(0));
        assert_eq!(parse_http_date("Tue, 29 Feb 2028 12:00:00 GMT"), Some(1_835_438_400));
        assert_eq!(parse_http_date("Sunday, 06-Nov-94 08:49:37 GMT"), None);
        assert_eq!(parse_http_date("soon"), None);
    }

    #[test]
    fn retry_after_forms() {
        let mut h = HeaderMap::new();
        assert_eq!(retry_after(&h, 0), None);
        h.insert(RETRY_AFTER, HeaderValue::from_static("120"));
        assert_eq!(retry_after(&h, 0), Some(Duration::from_secs(120)));
        h.insert(RETRY_AFTER, HeaderValue::from_static("Sun, 06 Nov 1994 08:49:37 GMT"));
        assert_eq!(retry_after(&h, 784_111_770), Some(Duration::from_secs(7)));
        assert_eq!(retry_after(&h, 784_111_999), Some(Duration::ZERO));
    }
}
