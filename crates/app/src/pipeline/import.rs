//! Importing lead lists: CSV (plain, Salesforce and HubSpot column names) and JSONL, normalised into
//! `LeadInput`s and merged into the store's leads. Bad rows are kept with their line number and reason for
//! `<input>.errors.csv`; the rest of the file goes on.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use leadsmith_core::{Address, Domain, Email, LeadId, LeadInput, Phone, clean_value, website_url};
use leadsmith_store::{ImportRow, RowDecision, Store};
use serde::Serialize;

use crate::config::Settings;
use crate::table::{self, Format, Table};

/// A field of `LeadInput` that an input column can fill.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    Company,
    Website,
    Email,
    Phone,
    Street,
    City,
    Region,
    PostalCode,
    Country,
    FirstName,
    LastName,
    Title,
    ExternalId,
    Vertical,
}

/// Column names (lower-cased, letters and digits only) per field, most specific first. Covers plain
/// names and the headers of Salesforce and HubSpot exports.
const COLUMN_NAMES: &[(Field, &[&str])] = &[
    (
        Field::Company,
        &[
            "company",
            "companyname",
            "accountname",
            "account",
            "organization",
            "organisation",
            "business",
            "businessname",
            "name",
        ],
    ),
    (Field::Website, &["website", "websiteurl", "url", "domain", "companydomainname", "web", "site", "homepage"]),
    (Field::Email, &["email", "emailaddress", "workemail", "businessemail"]),
    (
        Field::Phone,
        &["phone", "phonenumber", "telephone", "companyphone", "mainphone", "businessphone", "mobilephone", "mobile"],
    ),
    (
        Field::Street,
        &["street", "streetaddress", "address", "address1", "addressline1", "mailingstreet", "billingstreet"],
    ),
    (Field::City, &["city", "town", "mailingcity", "billingcity"]),
    (
        Field::Region,
        &["state", "stateregion", "region", "province", "stateprovince", "mailingstate", "billingstate", "county"],
    ),
    (Field::PostalCode, &["postalcode", "zip", "zipcode", "postcode", "mailingpostalcode", "billingpostalcode"]),
    (Field::Country, &["country", "countryregion", "mailingcountry", "billingcountry"]),
    (Field::FirstName, &["firstname", "first", "givenname"]),
    (Field::LastName, &["lastname", "last", "surname", "familyname"]),
    (Field::Title, &["title", "jobtitle", "position", "role"]),
    (
        Field::ExternalId,
        &["id", "leadid", "recordid", "salesforceid", "externalid", "contactid", "accountid", "hubspotid", "crmid"],
    ),
    (Field::Vertical, &["industry", "vertical", "category", "businesstype"]),
];

fn header_key(h: &str) -> String {
    h.chars().filter(char::is_ascii_alphanumeric).collect::<String>().to_ascii_lowercase()
}

/// Maps each column index to the field it fills; each field takes its best-named column only, and the
/// columns nobody claims are kept as extra fields.
fn map_columns(headers: &[String]) -> Vec<Option<Field>> {
    let keys: Vec<String> = headers.iter().map(|h| header_key(h)).collect();
    let mut mapping = vec![None; headers.len()];
    for (field, names) in COLUMN_NAMES {
        let free_column =
            names.iter().find_map(|name| keys.iter().position(|k| k == name).filter(|&i| mapping[i].is_none()));
        if let Some(i) = free_column {
            mapping[i] = Some(*field);
        }
    }
    mapping
}

/// A row that could not be imported, reported with its line number.
#[derive(Debug, Clone, Serialize)]
pub struct Rejected {
    pub line: u64,
    pub reason: String,
    pub raw: String,
}

/// What reading a file produced: rows to import and rows rejected.
#[derive(Debug, Default)]
pub struct Parsed {
    pub rows: Vec<ImportRow>,
    pub rejected: Vec<Rejected>,
    /// Problems that did not reject a row (an invalid phone kept aside), with line numbers.
    pub warnings: Vec<String>,
}

/// A lead list from a file (CSV or JSONL, by its name or content).
pub fn parse_file(path: &Path, default_region: &str) -> Result<Parsed> {
    Ok(parse_table(table::read_file(path, None)?, default_region))
}

/// A lead list from bytes (a file, an upload): `format` when given, else told from the content. Bytes
/// that are not UTF-8 are replaced, never fatal.
pub fn parse_bytes(bytes: &[u8], format: Option<Format>, default_region: &str) -> Result<Parsed> {
    Ok(parse_table(table::read_bytes(bytes, format)?, default_region))
}

/// A lead list of JSON objects, one per line.
pub fn parse_jsonl(text: &str, default_region: &str) -> Parsed {
    parse_table(table::read_jsonl(text), default_region)
}

/// Maps a read table's columns to lead fields and normalises each record.
fn parse_table(table: Table, default_region: &str) -> Parsed {
    let mapping = map_columns(&table.columns);
    let mut parsed = Parsed { warnings: table.warnings, ..Parsed::default() };
    parsed.rejected.extend(table.unreadable.into_iter().map(|u| Rejected {
        line: u.line,
        reason: u.reason,
        raw: u.raw,
    }));
    for record in table.records {
        let values = match &record.own {
            None => record
                .values
                .iter()
                .enumerate()
                .map(|(i, v)| (mapping[i], table.columns[i].as_str(), v.as_str()))
                .collect(),
            // Keys differ by record (JSONL): each record's own keys are mapped to fields.
            Some(own) => {
                let keys: Vec<String> = own.iter().map(|&i| table.columns[i].clone()).collect();
                let own_mapping = map_columns(&keys);
                own.iter()
                    .zip(own_mapping)
                    .map(|(&i, field)| (field, table.columns[i].as_str(), record.values[i].as_str()))
                    .collect()
            }
        };
        push_row(&mut parsed, record.line, record.raw.clone(), values, default_region);
    }
    parsed.rejected.sort_by_key(|r| r.line);
    parsed
}

/// Normalises one row's values into a `LeadInput`, or rejects it with a reason.
fn push_row(
    parsed: &mut Parsed,
    line: u64,
    raw: String,
    values: Vec<(Option<Field>, &str, &str)>,
    default_region: &str,
) {
    let mut input = LeadInput::default();
    let mut extra = BTreeMap::new();
    let mut website_raw = None;
    let mut email_raw = None;
    let mut phone_raw = None;
    for (field, header, value) in values {
        let Some(value) = clean_value(value) else { continue };
        match field {
            Some(Field::Company) => input.company = Some(value),
            Some(Field::Website) => website_raw = Some(value),
            Some(Field::Email) => email_raw = Some(value),
            Some(Field::Phone) => phone_raw = Some(value),
            Some(Field::Street) => input.address.street = Some(value),
            Some(Field::City) => input.address.city = Some(value),
            Some(Field::Region) => input.address.region = Some(value),
            Some(Field::PostalCode) => input.address.postal_code = Some(value),
            Some(Field::Country) => input.address.country = Some(value),
            Some(Field::FirstName) => input.first_name = Some(value),
            Some(Field::LastName) => input.last_name = Some(value),
            Some(Field::Title) => input.title = Some(value),
            Some(Field::ExternalId) => input.external_id = Some(value),
            Some(Field::Vertical) => input.vertical = Some(value.to_lowercase()),
            None => {
                extra.insert(header.to_string(), value);
            }
        }
    }
    if let Some(w) = &website_raw {
        match website_url(w).and_then(|url| Domain::from_website(url.as_str()).map(|d| (url, d))) {
            Ok((url, domain)) => {
                input.website = Some(url.to_string());
                input.domain = Some(domain);
            }
            Err(e) => {
                parsed.rejected.push(Rejected { line, reason: format!("unparseable website {w:?}: {e}"), raw });
                return;
            }
        }
    }
    if let Some(e) = &email_raw {
        match Email::parse(e) {
            Ok(email) => {
                if input.domain.is_none() {
                    input.domain = email.business_domain();
                }
                input.email = Some(email);
            }
            Err(err) => {
                parsed.warnings.push(format!("line {line}: {err}; kept as extra field \"invalid_email\""));
                extra.insert("invalid_email".into(), e.clone());
            }
        }
    }
    if let Some(p) = &phone_raw {
        let region = region_for(&input.address).unwrap_or(default_region);
        match Phone::parse(p, region) {
            Ok(phone) => input.phone = Some(phone),
            Err(err) => {
                parsed.warnings.push(format!("line {line}: {err}; kept as extra field \"invalid_phone\""));
                extra.insert("invalid_phone".into(), p.clone());
            }
        }
    }
    if input.company.is_none() && input.website.is_none() && input.email.is_none() {
        parsed.rejected.push(Rejected { line, reason: "no company and no website or email".into(), raw });
        return;
    }
    input.extra = extra;
    parsed.rows.push(ImportRow { line, raw, input });
}

/// The ISO region of a country as people write it, for reading national phone numbers.
fn region_for(address: &Address) -> Option<&'static str> {
    let country = address.country.as_deref()?.trim().to_ascii_lowercase();
    const COUNTRIES: &[(&str, &[&str])] = &[
        ("US", &["us", "usa", "united states", "united states of america", "u.s.", "u.s.a."]),
        ("GB", &["gb", "uk", "united kingdom", "great britain", "england", "scotland", "wales"]),
        ("CA", &["ca", "canada"]),
        ("AU", &["au", "australia"]),
        ("DE", &["de", "germany", "deutschland"]),
        ("FR", &["fr", "france"]),
        ("IE", &["ie", "ireland"]),
        ("NZ", &["nz", "new zealand"]),
        ("ES", &["es", "spain", "españa"]),
        ("IT", &["it", "italy", "italia"]),
        ("NL", &["nl", "netherlands", "the netherlands"]),
    ];
    COUNTRIES.iter().find(|(_, names)| names.contains(&country.as_str())).map(|(code, _)| *code)
}

/// Where the error report for `input` goes: `<input>.errors.csv`.
pub fn errors_path(input: &Path) -> PathBuf {
    let mut name = input.as_os_str().to_owned();
    name.push(".errors.csv");
    PathBuf::from(name)
}

/// Writes rejected rows (line, reason, raw) so the user can fix and re-import them.
pub fn write_errors(path: &Path, rejected: &[Rejected]) -> Result<()> {
    let mut w = csv::Writer::from_path(path).with_context(|| format!("writing {}", path.display()))?;
    w.write_record(["line", "reason", "raw"])?;
    for r in rejected {
        w.write_record([r.line.to_string(), r.reason.clone(), r.raw.clone()])?;
    }
    w.flush()?;
    Ok(())
}

/// What `import` did with a file.
#[derive(Debug, Default, Serialize)]
pub struct ImportReport {
    pub read: usize,
    pub imported: usize,
    pub merged: usize,
    pub unchanged: usize,
    pub rejected: usize,
    pub warnings: Vec<String>,
    #[serde(skip)]
    pub lead_ids: Vec<LeadId>,
    #[serde(skip)]
    pub decisions: Vec<RowDecision>,
    pub errors_file: Option<String>,
}

impl ImportReport {
    pub fn print(&self, dry_run: bool) {
        let verb = if dry_run { "would import" } else { "imported" };
        eprintln!(
            "read {} rows: {verb} {} new leads, merged {} duplicates, {} unchanged, rejected {}",
            self.read, self.imported, self.merged, self.unchanged, self.rejected
        );
        if let Some(f) = &self.errors_file {
            eprintln!("rejected rows with line numbers and reasons: {f}");
        }
        for w in &self.warnings {
            eprintln!("warning: {w}");
        }
    }
}

/// Reads `path`, writes `<path>.errors.csv` for rejected rows (unless dry run) and imports the rest.
pub async fn import_file(store: &dyn Store, path: &Path, settings: &Settings, dry_run: bool) -> Result<ImportReport> {
    let Parsed { rows, rejected, warnings } = parse_file(path, &settings.pipeline.default_region)?;
    let source = source_name(path);
    let read = rows.len() + rejected.len();
    let outcome = store.import_rows(&source, rows, dry_run).await.context("importing rows")?;
    let errors_path = errors_path(path);
    let mut errors_file = None;
    if !dry_run {
        if rejected.is_empty() {
            // A stale report from an earlier import of this file would mislead.
            let _ = std::fs::remove_file(&errors_path);
        } else {
            write_errors(&errors_path, &rejected)?;
            errors_file = Some(errors_path.display().to_string());
        }
    }
    let mut report = ImportReport { read, rejected: rejected.len(), warnings, errors_file, ..Default::default() };
    if dry_run {
        report.warnings.extend(rejected.iter().map(|r| format!("line {}: rejected: {}", r.line, r.reason)));
    }
    let mut ids = BTreeSet::new();
    for d in &outcome.decisions {
        match d {
            RowDecision::New { .. } => report.imported += 1,
            RowDecision::Merged { .. } => report.merged += 1,
            RowDecision::Unchanged { .. } => report.unchanged += 1,
        }
        ids.insert(d.lead_id());
    }
    report.lead_ids = ids.into_iter().collect();
    report.decisions = outcome.decisions;
    Ok(report)
}

/// The name a file's run and imports are recorded under: its absolute path.
pub fn source_name(path: &Path) -> String {
    std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf()).display().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn salesforce_and_hubspot_headers_map() {
        let sf = map_columns(
            &["Id", "Company", "Website", "Email", "Phone", "Street", "PostalCode", "Industry"].map(String::from),
        );
        assert_eq!(
            sf,
            vec![
                Some(Field::ExternalId),
                Some(Field::Company),
                Some(Field::Website),
                Some(Field::Email),
                Some(Field::Phone),
                Some(Field::Street),
                Some(Field::PostalCode),
                Some(Field::Vertical)
            ]
        );
        let hs = map_columns(
            &["Record ID", "Company name", "Website URL", "Phone Number", "State/Region"].map(String::from),
        );
        assert_eq!(
            hs,
            vec![
                Some(Field::ExternalId),
                Some(Field::Company),
                Some(Field::Website),
                Some(Field::Phone),
                Some(Field::Region)
            ]
        );
        // "Name" is the company only when nothing more specific is there.
        let both = map_columns(&["Name", "Company"].map(String::from));
        assert_eq!(both, vec![None, Some(Field::Company)]);
    }

    #[test]
    fn regions_from_country_names() {
        let a = |c: &str| Address { country: Some(c.into()), ..Default::default() };
        assert_eq!(region_for(&a("United Kingdom")), Some("GB"));
        assert_eq!(region_for(&a("usa")), Some("US"));
        assert_eq!(region_for(&a("Atlantis")), None);
    }
}
