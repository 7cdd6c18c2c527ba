//! The input: one fetched page as the caller (the crawler) fills it — final URL, response headers,
//! cookies, the decoded HTML — plus the site-level evidence a caller may have: robots.txt and DNS records.

/// One DNS record of the site's domain: `MX`, `TXT`, `NS`, `CNAME`, `SOA` …
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DnsRecord {
    /// Record type, any case (`MX`).
    pub kind: String,
    /// The record's value as text (`10 aspmx.l.google.com.`, `v=spf1 include:_spf.google.com ~all`).
    pub value: String,
}

/// One page to detect technologies on. Robots and DNS belong to the site: set them on one page of it
/// (usually the home page); they are evaluated wherever they are given.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Page {
    /// The final URL, after redirects.
    pub url: String,
    /// Response headers, `(name, value)`, names in any case, repeated names as separate entries.
    pub headers: Vec<(String, String)>,
    /// `(name, value)` of each cookie the response set.
    pub cookies: Vec<(String, String)>,
    /// The decoded body.
    pub html: String,
    /// The site's robots.txt, when fetched.
    pub robots: Option<String>,
    /// The site's DNS records, when resolved.
    pub dns: Vec<DnsRecord>,
}

impl Page {
    pub fn new(url: impl Into<String>, html: impl Into<String>) -> Self {
        Self { url: url.into(), html: html.into(), ..Self::default() }
    }

    /// Builds a page from a response: `Set-Cookie` headers also fill [`cookies`](Self::cookies).
    pub fn from_response<K: AsRef<str>, V: AsRef<str>>(
        url: impl Into<String>,
        headers: impl IntoIterator<Item = (K, V)>,
        html: impl Into<String>,
    ) -> Self {
        headers.into_iter().fold(Self::new(url, html), |page, (k, v)| page.header(k.as_ref(), v.as_ref()))
    }

    /// Adds a response header; a `Set-Cookie` header also adds its cookie.
    pub fn header(mut self, name: &str, value: &str) -> Self {
        if name.eq_ignore_ascii_case("set-cookie")
            && let Some((n, v)) = parse_set_cookie(value)
        {
            self.cookies.push((n, v));
        }
        self.headers.push((name.to_string(), value.to_string()));
        self
    }

    pub fn cookie(mut self, name: &str, value: &str) -> Self {
        self.cookies.push((name.to_string(), value.to_string()));
        self
    }

    pub fn robots(mut self, robots_txt: &str) -> Self {
        self.robots = Some(robots_txt.to_string());
        self
    }

    pub fn dns(mut self, kind: &str, value: &str) -> Self {
        self.dns.push(DnsRecord { kind: kind.to_string(), value: value.to_string() });
        self
    }
}

/// `name=value; Path=/; HttpOnly` → `(name, value)`.
pub fn parse_set_cookie(header: &str) -> Option<(String, String)> {
    let pair = header.split(';').next()?.trim();
    let (name, value) = pair.split_once('=')?;
    let name = name.trim();
    (!name.is_empty()).then(|| (name.to_string(), value.trim().trim_matches('"').to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_cookie_fills_cookies() {
        let page = Page::from_response(
            "https://a.test/",
            [("Set-Cookie", "_shopify_y=abc; Path=/; HttpOnly"), ("Server", "nginx"), ("set-cookie", "junk")],
            "",
        );
        assert_eq!(page.cookies, [("_shopify_y".to_string(), "abc".to_string())]);
        assert_eq!(page.headers.len(), 3);
    }
}
