//! Importing lead lists: CSV (plain, Salesforce and HubSpot column names) and JSONL, normalised into
//! `LeadInput`s and merged into the store's leads. Bad rows are kept with their line number and reason for
//! `<input>.errors.csv`; the rest of the file goes on.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use leadsmith_core::{Address, Domain, Email, LeadInput, Phone, clean_value, website_url};
use leadsmith_store::{ImportOutcome, ImportRow, MERGE_KEY_LIMIT, RowDecision};
use serde::Serialize;

use crate::config::Settings;
use crate::csv_out::CsvOut;
use crate::table::{self, Format, Table};

pub use super::import_stream::{ImportProgress, import_file, import_file_to, import_file_with};

/// A field of `LeadInput` that an input column can fill.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
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

impl Field {
    const ALL: [Field; 14] = [
        Field::Company,
        Field::Website,
        Field::Email,
        Field::Phone,
        Field::Street,
        Field::City,
        Field::Region,
        Field::PostalCode,
        Field::Country,
        Field::FirstName,
        Field::LastName,
        Field::Title,
        Field::ExternalId,
        Field::Vertical,
    ];

    /// The name `--map` and `[import.columns]` use.
    pub fn name(self) -> &'static str {
        match self {
            Field::Company => "company",
            Field::Website => "website",
            Field::Email => "email",
            Field::Phone => "phone",
            Field::Street => "street",
            Field::City => "city",
            Field::Region => "region",
            Field::PostalCode => "postal_code",
            Field::Country => "country",
            Field::FirstName => "first_name",
            Field::LastName => "last_name",
            Field::Title => "title",
            Field::ExternalId => "external_id",
            Field::Vertical => "vertical",
        }
    }
}

/// What a column is made to fill: a field, or `extra` (kept as an extra field, never mapped).
fn parse_target(name: &str) -> Result<Option<Field>> {
    let name = name.trim().to_ascii_lowercase().replace(['-', ' '], "_");
    if name == "extra" {
        return Ok(None);
    }
    match Field::ALL.iter().find(|f| f.name() == name) {
        Some(f) => Ok(Some(*f)),
        None => {
            let names: Vec<&str> = Field::ALL.iter().map(|f| f.name()).collect();
            anyhow::bail!("unknown lead field {name:?}: use one of {} or extra", names.join(", "))
        }
    }
}

/// Column names (lower-cased, letters and digits only) per field, most specific first. Covers plain
/// names and the headers and report labels of Salesforce (Lead, Contact and Account; Billing, Shipping
/// and Mailing addresses) and HubSpot exports.
const COLUMN_NAMES: &[(Field, &[&str])] = &[
    (
        Field::Company,
        &[
            "company",
            "companyname",
            "companyaccount",
            "accountname",
            "account",
            "associatedcompany",
            "organization",
            "organisation",
            "organizationname",
            "business",
            "businessname",
            "name",
        ],
    ),
    (
        Field::Website,
        &["website", "websiteurl", "companywebsite", "url", "domain", "companydomainname", "web", "site", "homepage"],
    ),
    (Field::Email, &["email", "emailaddress", "workemail", "businessemail"]),
    (
        Field::Phone,
        &[
            "phone",
            "phonenumber",
            "telephone",
            "companyphone",
            "accountphone",
            "mainphone",
            "businessphone",
            "mobilephone",
            "mobilephonenumber",
            "mobile",
        ],
    ),
    (
        Field::Street,
        &[
            "street",
            "streetaddress",
            "address",
            "address1",
            "addressline1",
            "billingstreet",
            "billingaddressline1",
            "mailingstreet",
            "shippingstreet",
        ],
    ),
    (Field::City, &["city", "town", "billingcity", "mailingcity", "shippingcity"]),
    (
        Field::Region,
        &[
            "state",
            "stateprovince",
            "stateregion",
            "region",
            "province",
            "billingstateprovince",
            "billingstate",
            "mailingstateprovince",
            "mailingstate",
            "shippingstateprovince",
            "shippingstate",
            "county",
        ],
    ),
    (
        Field::PostalCode,
        &[
            "postalcode",
            "zippostalcode",
            "zip",
            "zipcode",
            "postcode",
            "billingzippostalcode",
            "billingpostalcode",
            "mailingzippostalcode",
            "mailingpostalcode",
            "shippingzippostalcode",
            "shippingpostalcode",
        ],
    ),
    (Field::Country, &["country", "countryregion", "billingcountry", "mailingcountry", "shippingcountry"]),
    (Field::FirstName, &["firstname", "first", "givenname"]),
    (Field::LastName, &["lastname", "last", "surname", "familyname"]),
    (Field::Title, &["title", "jobtitle", "position", "role"]),
    (
        Field::ExternalId,
        &["id", "leadid", "contactid", "accountid", "recordid", "salesforceid", "externalid", "hubspotid", "crmid"],
    ),
    (Field::Vertical, &["industry", "vertical", "category", "businesstype"]),
];

fn header_key(h: &str) -> String {
    h.chars().filter(char::is_ascii_alphanumeric).collect::<String>().to_ascii_lowercase()
}

/// How columns are mapped: the user's choices (`--map`, `[import.columns]`) before the known names.
#[derive(Debug, Clone, Default)]
pub struct ColumnMap {
    /// Column name (as in the header, or letters and digits only, in any case) → field, or `None` for
    /// "keep as an extra field".
    chosen: Vec<(String, Option<Field>)>,
}

impl ColumnMap {
    /// From `SOURCE=field` pairs.
    pub fn new<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Result<Self> {
        let mut chosen = Vec::new();
        for (column, field) in pairs {
            let target = parse_target(field).with_context(|| format!("mapping column {column:?}"))?;
            chosen.push((column.trim().to_string(), target));
        }
        Ok(Self { chosen })
    }

    fn choice(&self, header: &str) -> Option<Option<Field>> {
        let key = header_key(header);
        self.chosen
            .iter()
            .find(|(c, _)| c == header.trim() || (!key.is_empty() && header_key(c) == key))
            .map(|(_, f)| *f)
    }

    /// Maps each column index to the field it fills; each field takes the column chosen for it, else its
    /// best-named column; the columns nobody claims are kept as extra fields.
    pub(super) fn map(&self, headers: &[String]) -> Vec<Option<Field>> {
        let keys: Vec<String> = headers.iter().map(|h| header_key(h)).collect();
        let mut mapping = vec![None; headers.len()];
        let mut decided = vec![false; headers.len()];
        for (i, h) in headers.iter().enumerate() {
            if let Some(target) = self.choice(h) {
                mapping[i] = target;
                decided[i] = true;
            }
        }
        for (field, names) in COLUMN_NAMES {
            if mapping.contains(&Some(*field)) {
                continue;
            }
            let free_column =
                names.iter().find_map(|name| keys.iter().position(|k| k == name).filter(|&i| !decided[i]));
            if let Some(i) = free_column {
                mapping[i] = Some(*field);
                decided[i] = true;
            }
        }
        mapping
    }
}

/// The known-name mapping alone.
#[cfg(test)]
fn map_columns(headers: &[String]) -> Vec<Option<Field>> {
    ColumnMap::default().map(headers)
}

/// How a file's columns were read: each column and the field it fills (`None`: kept as an extra field).
#[derive(Debug, Clone, Default, Serialize)]
pub struct ColumnMapping {
    pub columns: Vec<(String, Option<&'static str>)>,
}

impl ColumnMapping {
    pub(super) fn new(headers: &[String], mapping: &[Option<Field>]) -> Self {
        Self { columns: headers.iter().cloned().zip(mapping.iter().map(|f| f.map(Field::name))).collect() }
    }

    pub fn unrecognised(&self) -> Vec<&str> {
        self.columns.iter().filter(|(_, f)| f.is_none()).map(|(c, _)| c.as_str()).collect()
    }

    pub(super) fn has(&self, field: Field) -> bool {
        self.columns.iter().any(|(_, f)| *f == Some(field.name()))
    }

    /// `Company / Account → company, Website → website`.
    pub fn describe(&self) -> String {
        let mapped: Vec<String> = self.columns.iter().filter_map(|(c, f)| f.map(|f| format!("{c} → {f}"))).collect();
        if mapped.is_empty() { "none".into() } else { mapped.join(", ") }
    }
}

/// How to read lead lists: the encoding, delimiter and column choices of `[import]` and the command line.
#[derive(Debug, Clone, Default)]
pub struct ImportOptions {
    pub read: table::ReadOptions,
    pub columns: ColumnMap,
    /// ISO 3166 region for phone numbers written without a country code.
    pub default_region: String,
}

impl ImportOptions {
    pub fn from_settings(settings: &Settings) -> Result<Self> {
        let import = &settings.import;
        let delimiter = import.delimiter.as_deref().map(table::parse_delimiter).transpose()?;
        if let Some(e) = &import.encoding {
            table::encoding(e)?;
        }
        let columns = ColumnMap::new(import.columns.iter().map(|(c, f)| (c.as_str(), f.as_str())))
            .context("in [import.columns]")?;
        Ok(Self {
            read: table::ReadOptions { encoding: import.encoding.clone(), delimiter },
            columns,
            default_region: settings.pipeline.default_region.clone(),
        })
    }
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
    /// What was skipped on purpose (a report footer).
    pub notes: Vec<String>,
    pub blank_rows: usize,
    pub reading: table::Reading,
    pub mapping: ColumnMapping,
}

/// A lead list from a file (CSV or JSONL, by its name or content).
pub fn parse_file(path: &Path, options: &ImportOptions) -> Result<Parsed> {
    Ok(parse_table(table::read_file(path, None, &options.read)?, options))
}

/// A lead list from bytes (a file, an upload): `format` when given, else told from the content.
pub fn parse_bytes(bytes: &[u8], format: Option<Format>, options: &ImportOptions) -> Result<Parsed> {
    Ok(parse_table(table::read_bytes(bytes, format, &options.read)?, options))
}

/// A lead list of JSON objects, one per line.
pub fn parse_jsonl(text: &str, default_region: &str) -> Parsed {
    let options = ImportOptions { default_region: default_region.to_string(), ..Default::default() };
    parse_table(table::read_jsonl(text), &options)
}

/// Maps a read table's columns to lead fields and normalises each record.
fn parse_table(table: Table, options: &ImportOptions) -> Parsed {
    let mapping = options.columns.map(&table.columns);
    let mut parsed = Parsed {
        warnings: table.warnings,
        notes: table.notes,
        blank_rows: table.blank_rows,
        reading: table.reading,
        mapping: ColumnMapping::new(&table.columns, &mapping),
        ..Parsed::default()
    };
    if !table.columns.is_empty()
        && ![Field::Company, Field::Website, Field::Email].iter().any(|f| parsed.mapping.has(*f))
    {
        parsed.warnings.insert(0, super::import_stream::no_key_column(&table.columns));
    }
    parsed.rejected.extend(table.unreadable.into_iter().map(|u| Rejected {
        line: u.line,
        reason: u.reason,
        raw: u.raw,
    }));
    for record in table.records {
        let values = record_values(&record, &table.columns, &mapping, &options.columns);
        match normalise(record.line, record.raw.clone(), values, &options.default_region, &mut parsed.warnings) {
            Ok(row) => parsed.rows.push(row),
            Err(rejected) => parsed.rejected.push(rejected),
        }
    }
    parsed.rejected.sort_by_key(|r| r.line);
    parsed
}

/// A record's values with the field each fills and its column's name: CSV columns by the header's
/// mapping; a JSONL record's own keys mapped on their own (keys differ by record).
pub(super) fn record_values<'r>(
    record: &'r table::Record,
    columns: &'r [String],
    mapping: &[Option<Field>],
    map: &ColumnMap,
) -> Vec<(Option<Field>, &'r str, &'r str)> {
    match &record.own {
        None => record
            .values
            .iter()
            .enumerate()
            .map(|(i, v)| (mapping.get(i).copied().flatten(), columns[i].as_str(), v.as_str()))
            .collect(),
        Some(own) => {
            let keys: Vec<String> = own.iter().map(|&i| columns[i].clone()).collect();
            let own_mapping = map.map(&keys);
            own.iter()
                .zip(own_mapping)
                .map(|(&i, field)| (field, columns[i].as_str(), record.values[i].as_str()))
                .collect()
        }
    }
}

/// Normalises one row's values into a `LeadInput`, or rejects it with a reason; problems that do not
/// reject it go to `warnings`.
pub(super) fn normalise(
    line: u64,
    raw: String,
    values: Vec<(Option<Field>, &str, &str)>,
    default_region: &str,
    warnings: &mut Vec<String>,
) -> Result<ImportRow, Rejected> {
    let mut input = LeadInput::default();
    let mut extra = BTreeMap::new();
    let mut website_raw = None;
    let mut email_raw = None;
    let mut phone_raw = None;
    let mut bad_website = None;
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
            Some(Field::Country) => input.address.country = Some(leadsmith_core::normalise_country(value)),
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
            Ok((url, domain)) => match domain.platform() {
                // A page on a social network or directory is the business's profile there, not its site.
                Some(platform) => {
                    input.profiles.insert(platform.to_string(), url.to_string());
                }
                None => {
                    input.website = Some(url.to_string());
                    input.domain = Some(domain);
                }
            },
            Err(e) => {
                bad_website = Some(format!("unparseable website {w:?} ({e})"));
                extra.insert("invalid_website".into(), w.clone());
            }
        }
    }
    if let Some(e) = &email_raw {
        match Email::parse(e) {
            Ok(email) => {
                if input.domain.is_none() {
                    input.domain = email.business_domain().filter(|d| d.platform().is_none());
                }
                input.email = Some(email);
            }
            Err(err) => {
                warnings.push(format!("line {line}: {err}; kept as extra field \"invalid_email\""));
                extra.insert("invalid_email".into(), e.clone());
            }
        }
    }
    if let Some(p) = &phone_raw {
        let region = region_for(&input.address).unwrap_or(default_region);
        match Phone::parse(p, region) {
            Ok(phone) => input.phone = Some(phone),
            Err(err) => {
                warnings.push(format!("line {line}: {err}; kept as extra field \"invalid_phone\""));
                extra.insert("invalid_phone".into(), p.clone());
            }
        }
    }
    if input.company.is_none() && input.website.is_none() && input.email.is_none() && input.profiles.is_empty() {
        let reason = match bad_website {
            Some(why) => format!("{why} and no company or email"),
            None => "no company and no website or email".into(),
        };
        return Err(Rejected { line, reason, raw });
    }
    if let Some(why) = bad_website {
        warnings.push(format!("line {line}: {why}; kept as extra field \"invalid_website\", not crawled"));
    }
    input.extra = extra;
    Ok(ImportRow { line, raw, input })
}

/// The ISO region of a country as people write it, for reading national phone numbers.
fn region_for(address: &Address) -> Option<&'static str> {
    leadsmith_core::iso_country(address.country.as_deref()?)
}

/// Where the error report for `input` goes: `<input>.errors.csv`.
pub fn errors_path(input: &Path) -> PathBuf {
    let mut name = input.as_os_str().to_owned();
    name.push(".errors.csv");
    PathBuf::from(name)
}

/// Writes rejected rows (line, reason, raw) so the user can fix and re-import them. The report holds the
/// input's rows, so it is readable by no one the input is not readable by: on Unix it gets the input's
/// permission bits (`like`), never wider ones.
pub fn write_errors(path: &Path, like: &Path, rejected: &[Rejected], keep_formulas: bool) -> Result<()> {
    let file = create_like(path, like).with_context(|| format!("writing {}", path.display()))?;
    let mut w = CsvOut::new(std::io::BufWriter::new(file), keep_formulas);
    w.write(["line", "reason", "raw"])?;
    for r in rejected {
        w.write([r.line.to_string().as_str(), &r.reason, &r.raw])?;
    }
    w.into_inner()?.flush()?;
    Ok(())
}

/// Creates (or truncates) `path` with the permission bits of `like` where the platform has them.
pub(super) fn create_like(path: &Path, like: &Path) -> std::io::Result<std::fs::File> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        let mode = std::fs::metadata(like).map(|m| m.permissions().mode() & 0o666).unwrap_or(0o600);
        let file = std::fs::OpenOptions::new().write(true).create(true).truncate(true).mode(mode).open(path)?;
        // `mode` applies only to a new file; an old report keeps its bits unless they are set again.
        file.set_permissions(std::fs::Permissions::from_mode(mode))?;
        Ok(file)
    }
    #[cfg(not(unix))]
    {
        let _ = like;
        std::fs::File::create(path)
    }
}

/// What `import` did with a file.
#[derive(Debug, Default, Serialize)]
pub struct ImportReport {
    pub read: usize,
    pub imported: usize,
    pub merged: usize,
    pub unchanged: usize,
    /// Rows imported before whose leads this reading filled in (the column mapping changed).
    pub updated: usize,
    pub rejected: usize,
    pub blank_rows: usize,
    /// Merges per kind of key (`domain`, `phone`, `external`).
    pub merges_by_key: BTreeMap<String, usize>,
    /// Phones and external ids too many rows share to merge on, with how many rows hold each.
    pub crowded_keys: Vec<(String, usize)>,
    pub warnings: Vec<String>,
    pub notes: Vec<String>,
    /// How the bytes were read (`windows-1252 (detected), ';'-delimited (detected)`).
    pub reading: String,
    #[serde(skip)]
    pub plain_reading: bool,
    pub mapping: ColumnMapping,
    /// The import recorded (`None` for a dry run); a streamed import's leads are the store's
    /// [`import_lead_ids`](leadsmith_store::Leads::import_lead_ids).
    #[serde(skip)]
    pub import_id: Option<i64>,
    /// How many leads the rows went into, each counted once.
    #[serde(skip)]
    pub leads: u64,
    /// The first merges (at most [`MERGES_KEPT`]), which a dry run shows.
    #[serde(skip)]
    pub merges: Vec<RowDecision>,
    pub errors_file: Option<String>,
}

/// How many merges a report keeps to show; the rest are counted.
pub const MERGES_KEPT: usize = 1_000;

impl ImportReport {
    /// What the store decided for the rows of `parsed` (whose rows were taken to import) in one import.
    pub fn new(parsed: &Parsed, outcome: &ImportOutcome) -> Self {
        let mut report = ImportReport {
            rejected: parsed.rejected.len(),
            blank_rows: parsed.blank_rows,
            warnings: parsed.warnings.clone(),
            notes: parsed.notes.clone(),
            plain_reading: parsed.reading.is_plain(),
            reading: parsed.reading.describe(),
            mapping: parsed.mapping.clone(),
            crowded_keys: outcome.crowded_keys.clone(),
            import_id: outcome.import_id,
            ..Default::default()
        };
        report.count(&outcome.decisions);
        report.read = outcome.decisions.len() + parsed.rejected.len();
        report.leads = outcome.decisions.iter().map(RowDecision::lead_id).collect::<BTreeSet<_>>().len() as u64;
        report
    }

    /// Counts `decisions` in (a batch of a streamed import, or all of one import).
    pub fn count(&mut self, decisions: &[RowDecision]) {
        for d in decisions {
            match d {
                RowDecision::New { .. } => self.imported += 1,
                RowDecision::Merged { key, .. } => {
                    self.merged += 1;
                    let kind = key.split_once(':').map_or(key.as_str(), |(kind, _)| kind);
                    *self.merges_by_key.entry(kind.to_string()).or_default() += 1;
                    if self.merges.len() < MERGES_KEPT {
                        self.merges.push(d.clone());
                    }
                }
                RowDecision::Unchanged { .. } => self.unchanged += 1,
                RowDecision::Updated { .. } => self.updated += 1,
            }
        }
    }

    /// Whether rows were read and none of them went into a lead.
    pub fn nothing_imported(&self) -> bool {
        self.imported + self.merged + self.unchanged + self.updated == 0
    }

    pub fn print(&self, dry_run: bool) {
        let verb = if dry_run { "would import" } else { "imported" };
        let by_key = if self.merges_by_key.is_empty() {
            String::new()
        } else {
            let parts: Vec<String> = self.merges_by_key.iter().map(|(k, n)| format!("{n} on {k}")).collect();
            format!(" ({})", parts.join(", "))
        };
        let updated = if self.updated > 0 { format!(", {} updated", self.updated) } else { String::new() };
        let blank = if self.blank_rows > 0 { format!(" ({} blank skipped)", self.blank_rows) } else { String::new() };
        eprintln!(
            "read {} rows{blank}: {verb} {} new leads, merged {} duplicates{by_key}, {} unchanged{updated}, rejected {}",
            self.read, self.imported, self.merged, self.unchanged, self.rejected
        );
        if !self.plain_reading || dry_run {
            eprintln!("read as {}; override with --encoding and --delimiter", self.reading);
        }
        eprintln!("columns: {}", self.mapping.describe());
        let unrecognised = self.mapping.unrecognised();
        if !unrecognised.is_empty() {
            eprintln!(
                "not recognised, kept as extra fields: {}; map one with --map \"COLUMN=field\"",
                unrecognised.join(", ")
            );
        }
        for (key, rows) in self.crowded_keys.iter().take(5) {
            eprintln!("not merged on {key}: {rows} rows share it (more than {MERGE_KEY_LIMIT})");
        }
        if self.crowded_keys.len() > 5 {
            eprintln!("… and {} more keys shared by too many rows to merge on", self.crowded_keys.len() - 5);
        }
        for n in &self.notes {
            eprintln!("{n}");
        }
        if let Some(f) = &self.errors_file {
            eprintln!("rejected rows with line numbers and reasons: {f}");
        }
        for w in &self.warnings {
            eprintln!("warning: {w}");
        }
    }
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
