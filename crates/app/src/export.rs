//! Exports: CSV with one row per lead (identity, best contact data, socials, score, tier, top reasons,
//! crawl status) and JSONL with everything.

use std::io::Write;

use anyhow::Result;
use leadsmith_store::{LeadFilter, Store};

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
    "vertical",
    "external_id",
    "source_rows",
    "scores",
];

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

pub fn write(views: &[LeadView], format: Format, out: impl Write) -> Result<()> {
    match format {
        Format::Csv => write_csv(views, out),
        Format::Jsonl => write_jsonl(views, out),
    }
}

fn write_csv(views: &[LeadView], out: impl Write) -> Result<()> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record(CSV_COLUMNS)?;
    for v in views {
        let input = &v.record.input;
        let addr = v.best.address.clone().unwrap_or_default();
        let owner = v.best.owner.clone();
        let social = |k: &str| v.facts.as_ref().and_then(|f| f.socials.get(k).cloned()).unwrap_or_default();
        let row: Vec<String> = vec![
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
            input.vertical.clone().unwrap_or_default(),
            input.external_id.clone().unwrap_or_default(),
            v.record.source_rows.to_string(),
            v.score.as_ref().map(named_scores).unwrap_or_default(),
        ];
        w.write_record(&row)?;
    }
    w.flush()?;
    Ok(())
}

/// Named scores in one cell: `rules 62.0 B; fit 71.3 B` (`-` for one that could not be computed).
fn named_scores(s: &leadsmith_core::ScoreBreakdown) -> String {
    let one = |n: &leadsmith_core::NamedScore| match n.score {
        Some(x) => format!("{} {x:.1} {}", n.name, n.tier),
        None => format!("{} -", n.name),
    };
    s.scores.iter().map(one).collect::<Vec<_>>().join("; ")
}

fn write_jsonl(views: &[LeadView], mut out: impl Write) -> Result<()> {
    for v in views {
        serde_json::to_writer(&mut out, v)?;
        out.write_all(b"\n")?;
    }
    out.flush()?;
    Ok(())
}
