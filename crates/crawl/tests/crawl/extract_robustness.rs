//! `extract` never panics: empty input, binary garbage, unclosed and deeply nested markup, and a few
//! thousand pseudo-random documents stitched from HTML fragments (a dependency-free property test).

use leadsmith_crawl::{ExtractOptions, extract};
use url::Url;

fn run(html: &str) -> leadsmith_core::PageFacts {
    let url = Url::parse("https://acme.test/").unwrap();
    extract(html, &url, &ExtractOptions::default())
}

#[test]
fn empty_and_garbage_inputs() {
    let binary: String = (0u8..=255).map(char::from).cycle().take(10_000).collect();
    for html in [
        "",
        " ",
        "\u{feff}",
        "\0\0\0",
        "%PDF-1.7\n%âãÏÓ\n1 0 obj <</Type /Catalog>>",
        "{\"json\": true}",
        binary.as_str(),
        "<",
        "<<<<>>>>",
        "</a></div></body>",
        "<a href",
        "<a href='mailto:",
        "<script>",
        "<script type=application/ld+json>{",
        "<title>",
        "<svg><svg><svg>",
        "<template><p>x",
        "<!--",
        "<![CDATA[ x",
        "&#x110000;&#99999999999;&#;&",
        "<div itemscope><span itemprop=name>",
        "<meta itemprop=x content=y itemscope>",
        "<a href=tel:>x</a><a href=tel:+>y</a><a href='tel:%zz'>z</a>",
    ] {
        let page = run(html);
        assert_eq!(page.url, "https://acme.test/");
    }
}

#[test]
fn deeply_nested_markup() {
    for depth in [10_000, 100_000] {
        let html = format!(
            "{}<p>Call (415) 555-2671</p>{}",
            "<div itemscope><span>".repeat(depth),
            "</span></div>".repeat(depth)
        );
        let page = run(&html);
        assert_eq!(page.phones, ["+14155552671"], "depth {depth}");
    }
    let unclosed = "<div><a href=/contact><span>".repeat(20_000);
    let page = run(&unclosed);
    assert_eq!(page.links.contact, ["https://acme.test/contact"]);
}

#[test]
fn huge_text_and_huge_scripts() {
    let html = format!(
        "<script type=application/ld+json>{{\"a\": \"{}\"}}</script><p>{}</p><p>x@acme.test</p>",
        "x".repeat(2_000_000),
        "word ".repeat(200_000)
    );
    let page = run(&html);
    assert_eq!(page.emails, ["x@acme.test"]);
}

/// xorshift64*: deterministic, no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[(self.next() % items.len() as u64) as usize]
    }
}

const FRAGMENTS: &[&str] = &[
    "<div>",
    "</div>",
    "<p>",
    "</p>",
    "<a href=\"/contact\">",
    "<a href='mailto:a@b.test'>",
    "</a>",
    "<footer>",
    "</footer>",
    "<address>",
    "</address>",
    "<br>",
    "<script>",
    "</script>",
    "<style>",
    "</style>",
    "<svg>",
    "</svg>",
    "<template>",
    "</template>",
    "<div itemscope itemtype=\"https://schema.org/Thing\">",
    "<span itemprop=\"name\">",
    "</span>",
    "<meta itemprop=\"telephone\" content=\"+1 415 555 2671\">",
    "<script type=\"application/ld+json\">",
    "{\"@type\":\"Organization\",\"name\":\"X\",",
    "\"founder\":{\"name\":\"Jane Doe\"}}",
    "// c\n",
    "/* c */",
    ",}",
    "Owner: Jane Doe",
    "Dr. Ann Lee, DDS",
    "123 Main St, Springfield, IL 62704",
    "10 Downing Street, London SW1A 2AA",
    "(415) 555-2671",
    "+44 20 7946 0958",
    "Fax: ",
    "2024-01-15",
    "$1,299.00",
    "jane [at] acme [dot] com",
    "x(at)y.com",
    " at ",
    " dot ",
    "@",
    "&#64;",
    "&amp;",
    "&",
    "<",
    ">",
    "\"",
    "'",
    "\n",
    " ",
    "é",
    "\u{200b}",
    "日本語",
    "<!--",
    "-->",
    "<![CDATA[",
    "]]>",
    "<title>",
    "</title>",
    "<table><tr><td>",
    "</td></tr></table>",
];

#[test]
fn random_documents_never_panic() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    for _ in 0..3_000 {
        let len = 1 + rng.next() % 60;
        let html: String = (0..len).map(|_| rng.pick(FRAGMENTS)).collect();
        let page = run(&html);
        // Whatever the input, the summary only holds validated values.
        assert!(page.emails.iter().all(|e| leadsmith_core::Email::parse(e).is_ok()), "{html:?}");
        assert!(page.phones.iter().all(|p| p.starts_with('+')), "{html:?}");
        assert!(page.facts.iter().all(|f| (0.0..=1.0).contains(&f.confidence) && !f.value.trim().is_empty()));
        let _ = serde_json::to_string(&page).unwrap();
    }
}

#[test]
fn random_bytes_never_panic() {
    let mut rng = Rng(42);
    for _ in 0..500 {
        let len = (rng.next() % 2_000) as usize;
        let bytes: Vec<u8> = (0..len).map(|_| (rng.next() % 256) as u8).collect();
        let html = String::from_utf8_lossy(&bytes);
        let _ = run(&html);
    }
}
