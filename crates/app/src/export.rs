//! Exports: CSV with one row per lead (identity, best contact data, socials, score, tier, top reasons and
//! what would raise the score most, crawl status, technologies, audit findings and scores, the best email's
//! deliverability) and JSONL with everything, written a lead at a time to a file or stdout.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use leadsmith_store::{LeadExport, LeadFilter, Store};

use crate::csv_out::CsvOut;
use crate::view::LeadView;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Csv,
    Jsonl,
}

pub const CSV_COLUMNS: &[&str] = &[
    "lead_id",
    "company",
    "domain",
    "website",
    "tier",
    "score",
    "email",
    "phone",
    "street",
    "city",
    "region",
    "postal_code",
    "country",
    "owner_name",
    "owner_title",
    "owner_confidence",
    "linkedin",
    "facebook",
    "instagram",
    "x",
    "youtube",
    "crawl_status",
    "crawl_reason",
    "top_reasons",
    "would_gain",
    "vertical",
    "external_id",
    "source_rows",
    "scores",
    "technologies",
    "audit_findings",
    "audit_performance",
    "audit_seo",
    "audit_security",
    "audit_mobile",
    "audit_conversion",
    "email_status",
];

/// How many leads may wait between the store's walk of the listing and the writer.
const IN_FLIGHT: usize = 256;

/// Where an export goes: `--out PATH`, or stdout for `--out -` and no `--out`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    Stdout,
    File(PathBuf),
}

impl Target {
    pub fn of(out: Option<&Path>) -> Self {
        match out {
            Some(p) if p.as_os_str() != "-" => Target::File(p.to_path_buf()),
            _ => Target::Stdout,
        }
    }

    /// The format `explicit` names, else the file's extension (`.jsonl`, `.ndjson`, `.json`: JSONL), else CSV.
    pub fn format(&self, explicit: Option<Format>) -> Format {
        explicit.unwrap_or(match self {
            Target::File(p) => match p.extension().and_then(|e| e.to_str()) {
                Some("jsonl" | "ndjson" | "json") => Format::Jsonl,
                _ => Format::Csv,
            },
            Target::Stdout => Format::Csv,
        })
    }

    /// Opens the target for writing (a file is created or truncated).
    pub fn open(&self) -> Result<Box<dyn Write>> {
        Ok(match self {
            Target::Stdout => Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
            Target::File(p) => Box::new(std::io::BufWriter::new(
                std::fs::File::create(p).with_context(|| format!("creating {}", p.display()))?,
            )),
        })
    }
}

/// Writes leads one at a time in one format: the CSV header first, then a row or a JSON line per lead.
pub struct LeadWriter<W: Write> {
    out: Out<W>,
    written: u64,
}

enum Out<W: Write> {
    Csv(Box<CsvOut<W>>),
    Jsonl(W),
}

impl<W: Write> LeadWriter<W> {
    /// A writer in `format`; CSV cells that would start a formula are neutralised unless `keep_formulas`.
    pub fn new(format: Format, out: W, keep_formulas: bool) -> Result<Self> {
        let out = match format {
            Format::Csv => {
                let mut w = CsvOut::new(out, keep_formulas);
                w.write(CSV_COLUMNS)?;
                Out::Csv(Box::new(w))
            }
            Format::Jsonl => Out::Jsonl(out),
        };
        Ok(Self { out, written: 0 })
    }

    pub fn write(&mut self, view: &LeadView) -> Result<()> {
        match &mut self.out {
            Out::Csv(w) => w.write(csv_row(view))?,
            Out::Jsonl(w) => {
                serde_json::to_writer(&mut *w, view)?;
                w.write_all(b"\n")?;
            }
        }
        self.written += 1;
        Ok(())
    }

    /// Flushes; returns how many leads were written.
    pub fn finish(self) -> Result<u64> {
        match self.out {
            Out::Csv(w) => {
                w.into_inner()?.flush()?;
            }
            Out::Jsonl(mut w) => w.flush()?,
        }
        Ok(self.written)
    }
}

/// Writes every lead `filter` selects, best first, as the store walks its listing in one pass
/// ([`Leads::stream_leads`](leadsmith_store::Leads::stream_leads)): each lead is written as it is read, so
/// memory stays flat and the time linear however many leads there are; `progress` is told the count after
/// each lead. A write error stops the walk.
pub async fn stream_filtered<W: Write>(
    store: &dyn Store,
    filter: &LeadFilter,
    writer: &mut LeadWriter<W>,
    mut progress: impl FnMut(u64),
) -> Result<()> {
    let (tx, mut rx) = tokio::sync::mpsc::channel(IN_FLIGHT);
    let walk = store.stream_leads(filter, tx);
    let write = async move {
        while let Some(lead) = rx.recv().await {
            let LeadExport { summary, results, sources } = lead;
            writer.write(&LeadView::from_stored(summary.lead, results, sources))?;
            progress(writer.written);
        }
        anyhow::Ok(())
    };
    // The writer owns the receiver: when it fails it drops it, and the walk stops at its next send.
    let (walked, written) = tokio::join!(walk, write);
    written?;
    walked.context("reading the leads to export")?;
    Ok(())
}

/// Loads the leads to export: the given ids, or every lead best first.
pub async fn load_views(store: &dyn Store, ids: Option<&[i64]>, filter: &LeadFilter) -> Result<Vec<LeadView>> {
    let mut views = Vec::new();
    match ids {
        Some(ids) => {
            for &id in ids {
                if let Some(rec) = store.lead(id).await? {
                    views.push(LeadView::load(store, rec).await?);
                }
            }
            sort_best_first(&mut views);
        }
        None => {
            for summary in store.list_leads(filter).await? {
                views.push(LeadView::load(store, summary.lead).await?);
            }
        }
    }
    Ok(views)
}

/// Best first: scored before unscored, tiered before gated (FAILED), then by score; ties by id. The same
/// order as `Store::list_leads`.
pub fn sort_best_first(views: &mut [LeadView]) {
    let key = |v: &LeadView| {
        let failed = v.score.as_ref().is_some_and(|s| s.tier == leadsmith_core::Tier::Failed);
        (v.score.is_none(), failed)
    };
    views.sort_by(|a, b| {
        let sa = a.score.as_ref().map(|s| s.score);
        let sb = b.score.as_ref().map(|s| s.score);
        key(a).cmp(&key(b)).then(sb.partial_cmp(&sa).unwrap_or(std::cmp::Ordering::Equal)).then(a.id.cmp(&b.id))
    });
}

/// Writes `views` in `format` (formulas neutralised unless `keep_formulas`).
pub fn write(views: &[LeadView], format: Format, out: impl Write, keep_formulas: bool) -> Result<()> {
    let mut w = LeadWriter::new(format, out, keep_formulas)?;
    for v in views {
        w.write(v)?;
    }
    w.finish()?;
    Ok(())
}

/// A lead's CSV row, in [`CSV_COLUMNS`] order.
fn csv_row(v: &LeadView) -> Vec<String> {
    let input = &v.record.input;
    let addr = v.best.address.clone().unwrap_or_default();
    let owner = v.best.owner.clone();
    let social = |k: &str| v.facts.as_ref().and_then(|f| f.socials.get(k).cloned()).unwrap_or_default();
    vec![
        v.id.to_string(),
        v.company().to_string(),
        v.domain(),
        input.website.clone().unwrap_or_default(),
        v.score.as_ref().map(|s| s.tier.to_string()).unwrap_or_default(),
        v.score.as_ref().map(|s| format!("{:.1}", s.score)).unwrap_or_default(),
        v.best.email.clone().unwrap_or_default(),
        v.best.phone.clone().unwrap_or_default(),
        addr.street.unwrap_or_default(),
        addr.city.unwrap_or_default(),
        addr.region.unwrap_or_default(),
        addr.postal_code.unwrap_or_default(),
        addr.country.unwrap_or_default(),
        owner.as_ref().map(|o| o.name.clone()).unwrap_or_default(),
        owner.as_ref().and_then(|o| o.title.clone()).unwrap_or_default(),
        owner.as_ref().map(|o| format!("{:.2}", o.confidence)).unwrap_or_default(),
        social("linkedin"),
        social("facebook"),
        social("instagram"),
        social("x"),
        social("youtube"),
        v.crawl.as_ref().map(|c| c.status.to_string()).unwrap_or_default(),
        v.crawl.as_ref().and_then(|c| c.reason.clone()).unwrap_or_default(),
        v.score.as_ref().map(|s| s.top_reasons(3).join("; ")).unwrap_or_default(),
        v.score
            .as_ref()
            .map(|s| s.gains.iter().take(3).map(|g| g.reason()).collect::<Vec<_>>().join("; "))
            .unwrap_or_default(),
        input.vertical.clone().unwrap_or_default(),
        input.external_id.clone().unwrap_or_default(),
        v.record.source_rows.to_string(),
        v.score.as_ref().map(named_scores).unwrap_or_default(),
        v.technologies.as_ref().map(|t| t.names().join("; ")).unwrap_or_default(),
        v.audit.as_ref().map(serious_findings).unwrap_or_default(),
        audit_score(v, "performance"),
        audit_score(v, "seo"),
        audit_score(v, "security"),
        audit_score(v, "mobile"),
        audit_score(v, "conversion"),
        email_status(v),
    ]
}

/// The audit's findings worth acting on (not the informational ones), worst first: `no_https; no_viewport`.
fn serious_findings(audit: &leadsmith_crawl::audit::Audit) -> String {
    let serious = audit.findings.iter().filter(|f| f.severity != leadsmith_crawl::audit::Severity::Info);
    serious.map(|f| f.id.as_str()).collect::<Vec<_>>().join("; ")
}

fn audit_score(v: &LeadView, category: &str) -> String {
    v.audit.as_ref().and_then(|a| a.score(category)).map(|s| s.to_string()).unwrap_or_default()
}

/// Whether mail to the best email would arrive: `valid`, `invalid` or `unknown` (empty when not judged).
fn email_status(v: &LeadView) -> String {
    let (Some(best), Some(signals)) = (v.best.email.as_deref(), v.email.as_ref()) else {
        return String::new();
    };
    let judged = signals.addresses.iter().find(|a| a.address.eq_ignore_ascii_case(best));
    judged.map(|a| format!("{:?}", a.deliverability.status).to_lowercase()).unwrap_or_default()
}

/// Named scores in one cell: `rules 62.0 B; fit 71.3 B` (`-` for one that could not be computed).
fn named_scores(s: &leadsmith_core::ScoreBreakdown) -> String {
    let one = |n: &leadsmith_core::NamedScore| match n.score {
        Some(x) => format!("{} {x:.1} {}", n.name, n.tier),
        None => format!("{} -", n.name),
    };
    s.scores.iter().map(one).collect::<Vec<_>>().join("; ")
}
