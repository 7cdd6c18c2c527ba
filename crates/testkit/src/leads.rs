//! The demo's lead list: one row per site as a CRM export would have it (websites written every which
//! way, gaps, Salesforce-like ids), plus duplicates of the same businesses and rows an import must reject.

use std::collections::HashSet;
use std::fmt::Write;

use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::Serialize;

use crate::contacts::weighted;
use crate::plan::{Plan, Used};
use crate::site::Site;

/// Share of sites that get a second (or third) row in the lead list.
pub const DUPLICATE_SHARE: f64 = 0.05;
/// Rows with no company, no website and no email.
pub const NO_IDENTITY_ROWS: usize = 3;
/// Rows whose website cannot be parsed as a URL (and that have no email to fall back on): leads that
/// cannot be crawled.
pub const BAD_URL_ROWS: usize = 2;
/// Rows with the wrong number of columns.
pub const WRONG_COLUMN_ROWS: usize = 1;

const HEADERS: &str =
    "Id,Company,Website,Email,Phone,Street,City,State,PostalCode,Country,FirstName,LastName,Title,Industry";

/// Counts describing [`SampleWeb::leads_csv`](crate::SampleWeb::leads_csv).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct LeadListStats {
    /// Data rows, header excluded.
    pub rows: usize,
    /// Extra rows for a business that already has a row.
    pub duplicates: usize,
    /// Rows an import must reject (no identity, wrong column count).
    pub bad_rows: usize,
    /// Rows whose only identity besides the company is a website that does not parse: imported as leads
    /// with a warning, never crawled.
    pub broken_websites: usize,
}

/// One lead-list row; empty strings are blank cells.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub(crate) struct LeadRow {
    #[serde(skip_serializing_if = "String::is_empty")]
    pub id: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub company: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub website: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub email: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub phone: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub street: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub city: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub state: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub postal_code: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub country: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub first_name: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub last_name: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub title: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub industry: String,
}

impl LeadRow {
    fn cells(&self) -> [&str; 14] {
        [
            &self.id,
            &self.company,
            &self.website,
            &self.email,
            &self.phone,
            &self.street,
            &self.city,
            &self.state,
            &self.postal_code,
            &self.country,
            &self.first_name,
            &self.last_name,
            &self.title,
            &self.industry,
        ]
    }
}

fn new_id(rng: &mut ChaCha8Rng, used: &mut HashSet<String>) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    loop {
        let suffix: String = (0..6).map(|_| char::from(ALPHABET[rng.gen_range(0..ALPHABET.len())])).collect();
        let id = format!("00Q5g00000{suffix}");
        if used.insert(id.clone()) {
            return id;
        }
    }
}

/// A website as people type it: `x.test`, `www.x.test`, `http://x.test/`, `HTTP://WWW.X.TEST`.
fn website_form(rng: &mut ChaCha8Rng, domain: &str, apex_only: bool) -> String {
    let forms = [
        domain.to_string(),
        format!("http://{domain}/"),
        format!("http://{domain}"),
        format!("www.{domain}"),
        format!("http://www.{domain}/"),
        format!("http://www.{domain}"),
        format!("WWW.{}", domain.to_uppercase()),
        format!("www.{domain}/"),
    ];
    if apex_only {
        return weighted(rng, &forms[..3], &[50, 30, 20]).clone();
    }
    weighted(rng, &forms, &[28, 12, 8, 20, 12, 10, 4, 6]).clone()
}

/// The absolute URL a crawler starts from for a lead-list website (`www.x.test` → `http://www.x.test/`).
pub(crate) fn home_url(website: &str, domain: &str) -> String {
    if website.is_empty() {
        return format!("http://{domain}/");
    }
    let lower = website.to_ascii_lowercase();
    let rest = lower.strip_prefix("http://").unwrap_or(&lower);
    let host = rest.split('/').next().unwrap_or(rest);
    format!("http://{host}/")
}

/// The business's own row, decided while the site is generated (it fixes `Site::home_url`).
pub(crate) fn primary_row(rng: &mut ChaCha8Rng, plan: &Plan, used: &mut Used) -> LeadRow {
    let apex_only = plan.special.redirect_chain;
    let website = if plan.special.no_website { String::new() } else { website_form(rng, &plan.domain, apex_only) };
    let email = match plan.emails.first() {
        Some(e) if plan.special.no_website || rng.gen_bool(0.5) => e.addr.clone(),
        _ => String::new(),
    };
    let phone = if rng.gen_bool(0.7) {
        let alts = &plan.phones[0].number.alternates;
        alts.choose(rng).cloned().unwrap_or_default()
    } else {
        String::new()
    };
    let mut row = LeadRow {
        id: new_id(rng, &mut used.ids),
        company: plan.company.clone(),
        website,
        email,
        phone,
        industry: plan.vertical.key.to_string(),
        ..LeadRow::default()
    };
    if let Some(a) = plan.address.as_ref().filter(|_| rng.gen_bool(0.6)) {
        row.street = a.address.street.clone().unwrap_or_default();
        row.city = a.address.city.clone().unwrap_or_default();
        row.state = a.address.region.clone().unwrap_or_default();
        row.postal_code = a.address.postal_code.clone().unwrap_or_default();
        row.country = plan.country.spellings().choose(rng).copied().unwrap_or_default().to_string();
    }
    if let Some(o) = plan.owner.as_ref().filter(|_| rng.gen_bool(0.5)) {
        row.first_name = o.person.first.clone();
        row.last_name = o.person.last.clone();
        row.title = o.title.clone();
    }
    row
}

fn csv_field(out: &mut String, value: &str) {
    if value.contains([',', '"', '\n', '\r']) {
        let _ = write!(out, "\"{}\"", value.replace('"', "\"\""));
    } else {
        out.push_str(value);
    }
}

fn csv_line(out: &mut String, cells: &[&str]) {
    for (k, cell) in cells.iter().enumerate() {
        if k > 0 {
            out.push(',');
        }
        csv_field(out, cell);
    }
    out.push('\n');
}

/// A second row for `site`'s business, written differently the way CRM duplicates are.
fn duplicate_of(rng: &mut ChaCha8Rng, site: &Site, kind: usize, ids: &mut HashSet<String>) -> LeadRow {
    let original = &site.lead;
    let mut row = original.clone();
    let apex_only = site.has(crate::SiteTrait::RedirectChain);
    // A phone-only duplicate can only be recognised when the original row lists a phone; otherwise it
    // is written as a new record with the website instead.
    let kind = if kind % 4 == 2 && original.phone.is_empty() { 1 } else { kind };
    match kind % 4 {
        // The same record exported twice, website reformatted.
        0 => row.website = website_form(rng, &site.domain, apex_only),
        // A new record for the same company and website.
        1 => {
            row.id = new_id(rng, ids);
            row.website = website_form(rng, &site.domain, apex_only);
            row.email.clear();
        }
        // A new record with no website: same company, the phone written another way.
        2 => {
            row.id = new_id(rng, ids);
            row.website.clear();
            row.email.clear();
            let alts: Vec<&String> = site.lead_phone_alternates().iter().filter(|p| **p != original.phone).collect();
            row.phone = alts.choose(rng).map(|p| (*p).clone()).unwrap_or_default();
        }
        // A new record, company in capitals with a legal suffix, email on the business domain.
        _ => {
            row.id = new_id(rng, ids);
            row.company = format!("{} LLC", site.company.to_uppercase());
            row.website.clear();
            row.email = site.truth.emails.first().cloned().unwrap_or_else(|| format!("info@{}", site.domain));
        }
    }
    row
}

impl Site {
    fn lead_phone_alternates(&self) -> &[String] {
        &self.lead_phones
    }
}

/// Builds the CSV and its counts; deterministic for the web's seed.
pub(crate) fn build_csv(seed: u64, sites: &[Site]) -> (String, LeadListStats) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x1EAD_5EED);
    let mut ids: HashSet<String> = sites.iter().map(|s| s.lead.id.clone()).collect();
    let mut rows: Vec<Vec<String>> =
        sites.iter().map(|s| s.lead.cells().iter().map(|c| c.to_string()).collect()).collect();

    let with_phone: Vec<usize> = (0..sites.len()).filter(|&i| !sites[i].lead_phones.is_empty()).collect();
    let n_dups = if sites.is_empty() { 0 } else { ((sites.len() as f64 * DUPLICATE_SHARE).round() as usize).max(1) };
    let mut picks = with_phone.clone();
    picks.shuffle(&mut rng);
    let mut duplicates = 0;
    for (kind, &i) in picks.iter().take(n_dups).enumerate() {
        let row = duplicate_of(&mut rng, &sites[i], kind, &mut ids);
        let at = rng.gen_range(i + 1..=rows.len());
        rows.insert(at, row.cells().iter().map(|c| c.to_string()).collect());
        duplicates += 1;
    }

    let mut bad: Vec<Vec<String>> = Vec::new();
    let mut broken_websites = 0;
    let no_identity = [
        ["", "", "", "", "(312) 555-0199", "", "Chicago", "IL", "", "US", "Pat", "Morgan", "", ""],
        ["", "", "", "", "", "42 Elm St", "Denver", "CO", "80202", "USA", "", "", "", "plumber"],
        ["", " ", "", "", "", "", "", "", "", "", "Jo", "", "Owner", ""],
    ];
    for r in no_identity.iter().take(NO_IDENTITY_ROWS) {
        let mut cells: Vec<String> = r.iter().map(|c| c.to_string()).collect();
        cells[0] = new_id(&mut rng, &mut ids);
        bad.push(cells);
    }
    let bad_urls =
        [("Widgets, Gadgets & More", "http://exa mple..test"), ("Acme Supply Co", "http://acme supply..test/contact")];
    for (company, url) in bad_urls.iter().take(BAD_URL_ROWS) {
        let id = new_id(&mut rng, &mut ids);
        bad.push(
            [id.as_str(), company, url, "", "", "", "", "", "", "", "", "", "", "agency"]
                .iter()
                .map(|c| c.to_string())
                .collect(),
        );
        broken_websites += 1;
    }
    for _ in 0..WRONG_COLUMN_ROWS {
        let id = new_id(&mut rng, &mut ids);
        bad.push(
            [id.as_str(), "Broken Row Ltd", "broken-row.test", "info@broken-row.test", "plumber"]
                .iter()
                .map(|c| c.to_string())
                .collect(),
        );
    }
    let bad_rows = bad.len() - broken_websites;
    for row in bad {
        let at = rng.gen_range(0..=rows.len());
        rows.insert(at, row);
    }

    let mut out = String::with_capacity(rows.len() * 160);
    out.push_str(HEADERS);
    out.push('\n');
    for row in &rows {
        let cells: Vec<&str> = row.iter().map(String::as_str).collect();
        csv_line(&mut out, &cells);
    }
    (out, LeadListStats { rows: rows.len(), duplicates, bad_rows, broken_websites })
}

/// One JSON object per business (its primary row), no duplicates, no junk.
pub(crate) fn build_jsonl(sites: &[Site]) -> String {
    let mut out = String::with_capacity(sites.len() * 300);
    for site in sites {
        out.push_str(&serde_json::to_string(&site.lead).expect("rows serialise"));
        out.push('\n');
    }
    out
}
