//! `leadsmith leads list|show` and `leadsmith export`: the store's leads as a table, one lead with its
//! facts (source, confidence), findings and score breakdown, and every lead as CSV or JSONL.

use std::fmt::Write as _;
use std::path::PathBuf;

use anyhow::{Result, bail};
use leadsmith_store::{LeadFilter, Store};

use super::Ctx;
use crate::export::{self, Format, LeadWriter, Target};
use crate::pipeline::progress::Counter;
use crate::view::LeadView;

/// A fixed-width table of leads: tier, score, company, email, phone, owner, and the crawl's outcome with its
/// reason when the site was not crawled cleanly (so a `FAILED` or low lead says why at a glance).
pub fn table(views: &[LeadView]) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:>5}  {:<6} {:>5}  {:<32} {:<30} {:<14} {:<28} CRAWL",
        "ID", "TIER", "SCORE", "COMPANY", "EMAIL", "PHONE", "OWNER"
    );
    for v in views {
        let owner = v.best.owner.as_ref().map(|o| match &o.title {
            Some(t) => format!("{} ({t})", o.name),
            None => o.name.clone(),
        });
        let _ = writeln!(
            out,
            "{:>5}  {:<6} {:>5}  {:<32} {:<30} {:<14} {:<28} {}",
            v.id,
            v.tier(),
            v.score.as_ref().map(|s| format!("{:.1}", s.score)).unwrap_or_else(|| "-".into()),
            clip(v.company(), 32),
            clip(v.best.email.as_deref().unwrap_or("-"), 30),
            v.best.phone.as_deref().unwrap_or("-"),
            clip(owner.as_deref().unwrap_or("-"), 28),
            crawl_cell(v),
        );
    }
    out
}

/// `ok`, `pending`, or the status with its reason (`blocked: Cloudflare challenge`), clipped to stay on one line.
fn crawl_cell(v: &LeadView) -> String {
    let status = v.crawl_status();
    match v.crawl.as_ref().and_then(|c| c.reason.as_deref()).filter(|r| !r.is_empty()) {
        Some(reason) if status != "ok" => clip(&format!("{status}: {}", reason.replace(['\n', '\r'], " ")), 60),
        _ => status,
    }
}

fn clip(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(n - 1).collect();
        t.push('…');
        t
    }
}

pub async fn list(store: &dyn Store, tier: Option<String>, limit: usize, json: bool) -> Result<()> {
    let filter = LeadFilter { tier, limit: Some(limit), ..Default::default() };
    let views = crate::export::load_views(store, None, &filter).await?;
    if json {
        crate::export::write(&views, crate::export::Format::Jsonl, std::io::stdout().lock(), true)?;
    } else if views.is_empty() {
        eprintln!("no leads match; import some with `leadsmith run FILE`");
    } else {
        print!("{}", table(&views));
    }
    Ok(())
}

pub async fn show(store: &dyn Store, key: &str, json: bool) -> Result<()> {
    let record = match key.parse::<i64>() {
        Ok(id) => store.lead(id).await?,
        Err(_) => {
            let domain =
                leadsmith_core::Domain::from_website(key).map(|d| d.to_string()).unwrap_or_else(|_| key.to_string());
            store.lead_by_domain(&domain).await?
        }
    };
    let Some(record) = record else { bail!("no lead with id or domain {key:?}") };
    let view = LeadView::load(store, record).await?;
    if json {
        println!("{}", serde_json::to_string_pretty(&view)?);
    } else {
        print!("{}", render(&view));
    }
    Ok(())
}

/// One fact value with all the evidence for it, across sources and pages.
struct FactGroup {
    kind: String,
    value: String,
    confidence: f32,
    sources: Vec<&'static str>,
    pages: usize,
}

/// Groups the evidence by (kind, value), most confident first within each kind, kinds in a fixed order.
fn group_facts(facts: &[leadsmith_core::Fact]) -> Vec<FactGroup> {
    let mut groups: Vec<(leadsmith_core::FactKind, FactGroup, Vec<String>)> = Vec::new();
    for fact in facts {
        let idx = groups.iter().position(|(k, g, _)| *k == fact.kind && g.value == fact.value);
        let idx = idx.unwrap_or_else(|| {
            let kind =
                serde_json::to_value(fact.kind).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default();
            let group = FactGroup { kind, value: fact.value.clone(), confidence: 0.0, sources: vec![], pages: 0 };
            groups.push((fact.kind, group, vec![]));
            groups.len() - 1
        });
        let (_, g, urls) = &mut groups[idx];
        g.confidence = g.confidence.max(fact.confidence);
        if !g.sources.contains(&fact.source.as_str()) {
            g.sources.push(fact.source.as_str());
        }
        if let Some(u) = &fact.url
            && !urls.contains(u)
        {
            urls.push(u.clone());
        }
        g.pages = urls.len();
    }
    groups.sort_by(|a, b| a.0.cmp(&b.0).then(b.1.confidence.total_cmp(&a.1.confidence)));
    groups.into_iter().map(|(_, g, _)| g).collect()
}

/// The card's email block: the domains' mail set-up, each address's kind and deliverability, the owner's
/// inferred address.
fn render_email(o: &mut String, e: &crate::pipeline::email::EmailSignals) {
    if e.domains.is_empty() && e.addresses.is_empty() && e.owner_address.is_none() && e.note.is_none() {
        return;
    }
    let _ = writeln!(o, "\nemail");
    for d in &e.domains {
        let mx = d.mx.first().map_or_else(|| "no MX".to_string(), |m| format!("MX {}", m.host));
        let _ = writeln!(
            o,
            "  {:<28} {} ({mx}) · SPF {} · DMARC {}{}",
            d.domain,
            d.provider.as_deref().unwrap_or("mail provider unknown"),
            d.spf.as_ref().map_or("none", |s| s.policy.as_str()),
            d.dmarc.as_ref().map_or("none", |m| m.policy.as_str()),
            d.error.as_deref().map(|err| format!(" · lookup incomplete: {err}")).unwrap_or_default()
        );
    }
    for a in &e.addresses {
        let kind = if a.kind.disposable {
            "disposable"
        } else if a.kind.free_mail {
            "free-mail"
        } else if a.kind.role {
            "role"
        } else {
            "personal"
        };
        let status = serde_json::to_value(a.deliverability.status).ok();
        let status = status.as_ref().and_then(|s| s.as_str()).unwrap_or("unknown");
        let _ = writeln!(o, "  {:<28} {kind:<10} {status}: {}", a.address, a.deliverability.reason);
    }
    if let Some(i) = &e.owner_address {
        let _ = writeln!(
            o,
            "  {:<28} owner's address, inferred ({}: {} of {} site addresses, confidence {:.2}; not verified)",
            i.address, i.pattern, i.agreeing, i.examples, i.confidence
        );
    }
    if let Some(note) = &e.note {
        let _ = writeln!(o, "  ({note})");
    }
}

/// The card's technologies: detected ones with version, categories, confidence and the first evidence;
/// possible ones (a weak hint only) on one line.
fn render_technologies(o: &mut String, t: &leadsmith_tech::Detections) {
    let _ = writeln!(o, "\ntechnologies (confidence · evidence)");
    for d in t.detected() {
        let name = match &d.version {
            Some(v) => format!("{} {v}", d.name),
            None => d.name.clone(),
        };
        let categories: Vec<&str> = d.categories.iter().map(|c| c.name.as_str()).collect();
        let evidence = d.evidence.first().map_or_else(String::new, |e| {
            let key = e.key.as_deref().map(|k| format!(" {k}")).unwrap_or_default();
            format!("{}{key}: {}", e.kind.as_str(), clip(&e.snippet, 48))
        });
        let _ = writeln!(
            o,
            "  {:<28} {:<30} {:>3}  {evidence}",
            clip(&name, 28),
            clip(&categories.join(", "), 30),
            d.confidence
        );
    }
    let possible: Vec<String> = t.possible().map(|d| format!("{} ({})", d.name, d.confidence)).collect();
    if !possible.is_empty() {
        let _ = writeln!(o, "  possible: {}", possible.join(", "));
    }
}

/// The human-readable lead card.
pub fn render(v: &LeadView) -> String {
    let mut o = String::new();
    let input = &v.record.input;
    let _ = writeln!(o, "lead {} · {} · {}", v.id, v.company(), v.domain());
    if let Some(s) = &v.score {
        let _ = writeln!(
            o,
            "tier {} · score {:.1} · rules {}{}",
            s.tier,
            s.score,
            s.rules,
            s.vertical.as_deref().map(|x| format!(" ({x})")).unwrap_or_default()
        );
    }
    let _ = writeln!(
        o,
        "crawl {}{}",
        v.crawl_status(),
        v.crawl.as_ref().and_then(|c| c.reason.as_deref()).map(|r| format!(": {r}")).unwrap_or_default()
    );
    let _ = writeln!(o, "\nbest contact");
    let _ = writeln!(o, "  email    {}", v.best.email.as_deref().unwrap_or("-"));
    let _ = writeln!(o, "  phone    {}", v.best.phone.as_deref().unwrap_or("-"));
    let _ = writeln!(o, "  address  {}", v.best.address.as_ref().map(|a| a.one_line()).unwrap_or_else(|| "-".into()));
    let _ = writeln!(
        o,
        "  owner    {}",
        v.best
            .owner
            .as_ref()
            .map(|w| format!(
                "{}{} (confidence {:.2})",
                w.name,
                w.title.as_deref().map(|t| format!(", {t}")).unwrap_or_default(),
                w.confidence
            ))
            .unwrap_or_else(|| "-".into())
    );
    if let Some(f) = &v.facts {
        if !f.facts.is_empty() {
            let _ = writeln!(o, "\nfacts (value · best confidence · sources · pages)");
            for g in group_facts(&f.facts) {
                let _ = writeln!(
                    o,
                    "  {:<12} {:<44} {:.2}  {:<28} {}",
                    g.kind,
                    clip(&g.value, 44),
                    g.confidence,
                    g.sources.join(", "),
                    g.pages
                );
            }
        }
        if let Some(l) = &f.legal {
            let _ = writeln!(o, "\nlegal notice ({})", l.url);
            for (label, value) in [
                ("company", l.company.clone()),
                ("register", l.register_number.clone()),
                ("court", l.register_court.clone()),
                ("vat id", l.vat_id.clone()),
                ("directors", Some(l.representatives.join(", ")).filter(|s| !s.is_empty())),
            ] {
                if let Some(value) = value {
                    let _ = writeln!(o, "  {label:<10} {value}");
                }
            }
        }
        if !f.socials.is_empty() {
            let _ = writeln!(o, "\nsocial profiles");
            for (k, url) in &f.socials {
                let _ = writeln!(o, "  {k:<10} {url}");
            }
        }
    }
    if let Some(e) = &v.email {
        render_email(&mut o, e);
    }
    if let Some(t) = v.technologies.as_ref().filter(|t| !t.technologies.is_empty()) {
        render_technologies(&mut o, t);
    }
    if let Some(a) = &v.audit {
        let scores: Vec<String> = a.scores.iter().map(|(c, s)| format!("{c} {s}")).collect();
        let _ = writeln!(o, "\nwebsite audit ({} checks) · {}", a.checks, scores.join(" · "));
        for f in &a.findings {
            let severity = serde_json::to_value(f.severity).ok();
            let severity = severity.as_ref().and_then(|s| s.as_str()).unwrap_or("");
            let _ = writeln!(o, "  {severity:<8} {:<28} {}", f.id, clip(&f.evidence, 70));
        }
        if let Some(l) = &a.lighthouse {
            let scores: Vec<String> = l.scores.iter().map(|(c, s)| format!("{c} {s}")).collect();
            let _ = writeln!(o, "  lighthouse ({}): {}", l.strategy, scores.join(" · "));
            let metric = |name: &str, v: Option<f64>, unit: &str| v.map(|v| format!("{name} {v:.0}{unit}"));
            let metrics: Vec<String> = [
                metric("LCP", l.lcp_ms, " ms"),
                l.cls.map(|c| format!("CLS {c:.2}")),
                metric("TBT", l.tbt_ms, " ms"),
                metric("INP (field)", l.inp_ms, " ms"),
            ]
            .into_iter()
            .flatten()
            .collect();
            if !metrics.is_empty() {
                let _ = writeln!(o, "  {}", metrics.join(" · "));
            }
        }
        if !a.not_measured.is_empty() {
            let _ = writeln!(o, "  not measured: {}", a.not_measured.join("; "));
        }
    }
    if let Some(c) = &v.crawl
        && !c.pages.is_empty()
    {
        let _ = writeln!(o, "\npages");
        for p in &c.pages {
            let _ = writeln!(
                o,
                "  {:<18} {:>4} {:>6} ms{}  {}{}",
                p.status.as_str(),
                p.http_status.map(|s| s.to_string()).unwrap_or_default(),
                p.elapsed_ms,
                if p.from_cache { " (cache)" } else { "" },
                p.url,
                p.reason.as_deref().map(|r| format!(" — {r}")).unwrap_or_default()
            );
        }
    }
    if !v.findings.is_empty() {
        let _ = writeln!(o, "\nfindings");
        for f in &v.findings {
            let _ = writeln!(o, "  - {f}");
        }
    }
    if let Some(s) = v.score.as_ref().filter(|s| !s.scores.is_empty()) {
        let _ = writeln!(o, "\nscores (the final score is the weighted mean of those with a weight)");
        for n in &s.scores {
            let value = n.score.map_or_else(|| "-".to_string(), |x| format!("{x:.1}"));
            let weight = if n.weight > 0.0 { format!("weight {:.2}", n.weight) } else { "not blended".to_string() };
            let _ = writeln!(o, "  {:<14} {:>5}  {:<6} {:<13} {}", n.name, value, n.tier, weight, n.by);
            if let Some(e) = &n.error {
                let _ = writeln!(o, "      cannot score: {e}");
            }
            for r in &n.reasons {
                let _ = writeln!(o, "      {r}");
            }
        }
    }
    if let Some(s) = &v.score {
        let _ = writeln!(o, "\nscore breakdown");
        if let Some(g) = &s.gate {
            let _ = writeln!(o, "  gate failed: {g}");
        }
        for c in &s.components {
            let capped = match c.uncapped {
                Some(raw) if raw > 100.0 => format!("  (capped at 100: its factors give {raw})"),
                Some(raw) => format!("  (held at 0: its factors give {raw})"),
                None => String::new(),
            };
            let _ = writeln!(
                o,
                "  {:<20} weight {:.2} × {:>5.1} = {:>5.1}{capped}",
                c.name, c.weight, c.score, c.contribution
            );
            for hit in s.factors.iter().filter(|h| h.component == c.name) {
                let _ = writeln!(o, "      {:+6.1}  {}", hit.points, hit.reason);
            }
        }
        if !s.gains.is_empty() {
            let _ = writeln!(
                o,
                "
would score higher with (final-score points, at most)"
            );
            for g in &s.gains {
                let _ = writeln!(o, "      {:+6.1}  {}  [{}]", g.points, g.what, g.component);
            }
        }
    }
    let _ = writeln!(o, "\nsources ({} row{})", v.sources.len(), if v.sources.len() == 1 { "" } else { "s" });
    for s in &v.sources {
        let _ = writeln!(
            o,
            "  {}:{}{}  {}",
            s.source,
            s.line,
            s.matched_on.as_deref().map(|m| format!(" (merged on {m})")).unwrap_or_default(),
            clip(&s.raw, 100)
        );
    }
    if let Some(x) = &input.external_id {
        let _ = writeln!(o, "external id {x}");
    }
    o
}

#[derive(clap::Subcommand)]
pub enum LeadsCommand {
    /// Leads best first, as a table.
    List {
        #[arg(long)]
        tier: Option<String>,
        #[arg(long, default_value_t = 50)]
        limit: usize,
        /// One JSON object per lead instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// One lead: facts with source and confidence, findings, score breakdown, source rows.
    Show {
        /// Lead id or domain.
        key: String,
        #[arg(long)]
        json: bool,
    },
}

#[derive(clap::Args)]
pub struct ExportArgs {
    /// csv or jsonl; by default from --out's extension (.jsonl, .ndjson), else csv.
    #[arg(long, value_enum)]
    format: Option<Format>,
    /// Output file; stdout when omitted or `-`.
    #[arg(long)]
    out: Option<PathBuf>,
    /// Write CSV cells that start with = + - @ as they are (by default they are prefixed with ' so a
    /// spreadsheet does not run them as formulas).
    #[arg(long)]
    keep_formulas: bool,
    #[arg(long)]
    tier: Option<String>,
}

/// `leadsmith leads …`.
pub async fn run(ctx: &Ctx, command: &LeadsCommand) -> Result<()> {
    match command {
        LeadsCommand::List { tier, limit, json } => {
            let tier = tier_filter(tier.as_deref())?;
            list(ctx.existing_store().await?.as_ref(), tier, *limit, *json).await
        }
        LeadsCommand::Show { key, json } => show(ctx.existing_store().await?.as_ref(), key, *json).await,
    }
}

/// `leadsmith export`.
pub async fn export(ctx: &Ctx, args: &ExportArgs) -> Result<()> {
    let filter = LeadFilter { tier: tier_filter(args.tier.as_deref())?, ..Default::default() };
    let store = ctx.existing_store().await?;
    let target = Target::of(args.out.as_deref());
    let keep_formulas = args.keep_formulas || ctx.settings.export.keep_formulas;
    let mut writer = LeadWriter::new(target.format(args.format), target.open()?, keep_formulas)?;
    let mut progress = Counter::new("leads exported", ctx.progress);
    export::stream_filtered(store.as_ref(), &filter, &mut writer, |n| progress.set(n)).await?;
    progress.finish();
    let n = writer.finish()?;
    if let Target::File(p) = target {
        eprintln!("wrote {n} leads to {}", p.display());
    }
    Ok(())
}

/// `--tier` as the store filters it (canonical spelling), or an error listing the tiers.
fn tier_filter(tier: Option<&str>) -> Result<Option<String>> {
    tier.map(|t| leadsmith_core::Tier::parse_named(t).map(|t| t.to_string())).transpose().map_err(anyhow::Error::msg)
}
