//! `leadsmith extract PATH… [--url URL] [--fingerprints PATH] [--stats]`: the extractor and technology
//! detection on saved HTML files, one JSON object per page on stdout (the page's facts, and its
//! `"technologies"`, its `"findings"` and `"audit"` scores judged on the page alone, and its
//! `"email_signals"` without DNS); with `--stats`, throughput on stderr.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result, bail};
use leadsmith_crawl::{ExtractOptions, extract};
use url::Url;

/// Files to read: the paths given, with directories expanded (recursively) to their `.html`/`.htm` files.
fn collect(paths: &[PathBuf]) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for p in paths {
        if p.is_dir() {
            let mut stack = vec![p.clone()];
            while let Some(dir) = stack.pop() {
                let mut entries: Vec<_> = std::fs::read_dir(&dir)
                    .with_context(|| format!("reading directory {}", dir.display()))?
                    .filter_map(|e| e.ok().map(|e| e.path()))
                    .collect();
                entries.sort();
                for e in entries {
                    if e.is_dir() {
                        stack.push(e);
                    } else if matches!(e.extension().and_then(|x| x.to_str()), Some("html" | "htm" | "xhtml")) {
                        out.push(e);
                    }
                }
            }
        } else if p.exists() {
            out.push(p.clone());
        } else {
            bail!("{} does not exist", p.display());
        }
    }
    Ok(out)
}

fn page_url(path: &Path, base: Option<&Url>) -> Result<Url> {
    match base {
        Some(u) => Ok(u.clone()),
        None => {
            let abs = std::fs::canonicalize(path).with_context(|| format!("resolving {}", path.display()))?;
            Url::from_file_path(&abs).map_err(|()| anyhow::anyhow!("{} cannot be a file URL", abs.display()))
        }
    }
}

#[derive(clap::Args)]
pub struct ExtractArgs {
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    /// The URL the pages were fetched from (for resolving links).
    #[arg(long)]
    url: Option<String>,
    /// Print pages/s and MB/s to stderr.
    #[arg(long)]
    stats: bool,
    /// More technology fingerprints (Wappalyzer format: a file or a directory of `*.json`), besides the
    /// defaults and `[assess] fingerprints`; repeatable.
    #[arg(long, value_name = "PATH")]
    fingerprints: Vec<PathBuf>,
}

/// `leadsmith extract`.
pub fn run(ctx: &super::Ctx, args: &ExtractArgs) -> Result<()> {
    let mut assess = ctx.settings.assess.clone();
    assess.fingerprints.extend(args.fingerprints.iter().cloned());
    let (detector, warnings) = crate::pipeline::tech::detector(&assess)?;
    for w in &warnings {
        eprintln!("warning: fingerprint skipped: {w}");
    }
    extract_pages(&args.paths, args.url.as_deref(), args.stats, &ctx.settings.pipeline.default_region, Some(&detector))
}

/// The audit of one saved page: no response headers, no requests; contacts from its own facts.
fn audit_page(url: &str, html: &str, facts: &leadsmith_core::PageFacts) -> leadsmith_crawl::audit::Audit {
    use leadsmith_crawl::audit::{AuditPage, Contacts, Evidence, audit};
    let pages = [AuditPage { url, headers: &[], html }];
    let contacts = Contacts::of(facts);
    let year = chrono::Datelike::year(&chrono::Utc::now());
    audit(&Evidence { pages: &pages, year, contacts: Some(contacts), probes: None })
}

/// What each address on a saved page is; deliverability without DNS (never looked up here) is `unknown`.
fn email_signals(facts: &leadsmith_core::PageFacts) -> serde_json::Value {
    let addresses: Vec<serde_json::Value> = facts
        .emails
        .iter()
        .map(|address| {
            let (local, domain) = address.rsplit_once('@').unwrap_or_default();
            serde_json::json!({
                "address": address,
                "kind": leadsmith_email::classify(local, domain),
                "deliverability": leadsmith_email::judge(address, None, None),
            })
        })
        .collect();
    serde_json::json!({ "addresses": addresses, "note": "no DNS lookups for saved pages" })
}

/// Runs the extractor (and, given a detector, technology detection) on `paths` (files, or directories of
/// `.html` files), one JSON object per page.
pub fn extract_pages(
    paths: &[PathBuf],
    base: Option<&str>,
    stats: bool,
    default_region: &str,
    detector: Option<&leadsmith_tech::Detector>,
) -> Result<()> {
    let base = base.map(|b| leadsmith_core::website_url(b).with_context(|| format!("--url {b:?}"))).transpose()?;
    let files = collect(paths)?;
    if files.is_empty() {
        bail!("no HTML files found in the given paths");
    }
    let opts = ExtractOptions { default_region: default_region.to_string() };
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let mut bytes_total = 0u64;
    let mut busy = std::time::Duration::ZERO;
    for file in &files {
        let bytes = std::fs::read(file).with_context(|| format!("reading {}", file.display()))?;
        let url = page_url(file, base.as_ref())?;
        let started = Instant::now();
        let html = leadsmith_crawl::fetch::decode_html(&bytes, None).0;
        let facts = extract(&html, &url, &opts);
        let mut page = serde_json::to_value(&facts)?;
        if let Some(detector) = detector {
            let found = detector.detect(&leadsmith_tech::Page::new(url.as_str(), html.as_str()));
            page["technologies"] = serde_json::to_value(&found.technologies)?;
            let audit = audit_page(url.as_str(), &html, &facts);
            page["findings"] = serde_json::to_value(&audit.findings)?;
            page["audit"] = serde_json::json!({
                "scores": audit.scores.iter().map(|(c, s)| (c.clone(), serde_json::Value::from(*s))).collect::<serde_json::Map<_, _>>(),
                "checks": audit.checks,
                "not_measured": audit.not_measured,
            });
            page["email_signals"] = email_signals(&facts);
        }
        busy += started.elapsed();
        bytes_total += bytes.len() as u64;
        serde_json::to_writer(&mut out, &page)?;
        out.write_all(b"\n")?;
    }
    out.flush()?;
    if stats {
        let secs = busy.as_secs_f64().max(1e-9);
        eprintln!(
            "{} pages, {:.1} MB in {:.3} s: {:.0} pages/s, {:.1} MB/s (decode + extract{}, one thread)",
            files.len(),
            bytes_total as f64 / 1e6,
            secs,
            files.len() as f64 / secs,
            bytes_total as f64 / 1e6 / secs,
            if detector.is_some() { " + technologies, audit and email signals" } else { "" }
        );
    }
    Ok(())
}
