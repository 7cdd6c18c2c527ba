//! Importing messy and malformed lead lists: every row is imported, merged or reported with its line
//! number and reason; nothing is lost.

use std::sync::Arc;

use leadsmith::config::Settings;
use leadsmith::pipeline::import_file;
use leadsmith_store::{RowDecision, SqliteStore, Store};

const MESSY: &str = "\
Id,Company,Website,Email,Phone,Street,City,State,PostalCode,Country,FirstName,LastName,Title,Industry
00Q1,Bright Smile Dental,www.bright-smile.test,,(415) 555-2671,1 Main St,Austin,TX,78701,USA,Maria,Lopez,DDS,Dentists
00Q2,\"Bright Smile Dental, LLC\",http://bright-smile.test/,info@bright-smile.test,,,,,,,,,,
00Q3,Bright Smile Austin,brightsmile-austin.test,,415.555.2671,,,,,,,,,Dentists
00Q4,,,,,,,,,,,,,
00Q5,,,,555-1234,,,,,,,,,
00Q6,Broken Url Co,http://exa mple..test,,,,,,,,,,,
00Q7,Too,Few,Columns
00Q8,\"Multi
Line Plumbing\",multiline.test,N/A,not found,,,,,,,,,Plumbers
00Q9,Mail Only,,owner@mail-only.test,,,,,,,,,,
00Q10,Freemail Bakery,,bakery@gmail.com,,,,,,,,,,
";

async fn setup(content: &str, name: &str) -> (tempfile::TempDir, std::path::PathBuf, Arc<dyn Store>) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, content).unwrap();
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(&dir.path().join("t.db")).unwrap());
    (dir, path, store)
}

#[tokio::test]
async fn messy_csv_is_imported_merged_and_rejected_with_line_numbers() {
    let (_dir, path, store) = setup(MESSY, "leads.csv").await;
    let report = import_file(store.as_ref(), &path, &Settings::default(), false).await.unwrap();
    assert_eq!(report.read, 10, "every data row is accounted for");
    assert_eq!(report.rejected, 3);
    assert_eq!(report.imported + report.merged + report.unchanged + report.rejected, report.read);
    assert_eq!(report.merged, 1, "same domain (line 3); the same phone at another domain (line 4) is not a merge");
    assert_eq!(report.merges_by_key.get("domain"), Some(&1));
    assert!(
        report.warnings.iter().any(|w| w.starts_with("line 7: unparseable website") && w.contains("not crawled")),
        "an unparseable website is a finding, not a rejection: {:?}",
        report.warnings
    );

    let errors = std::fs::read_to_string(leadsmith::pipeline::import::errors_path(&path)).unwrap();
    let mut rdr = csv::Reader::from_reader(errors.as_bytes());
    let rows: Vec<(u64, String)> =
        rdr.records().map(|r| r.unwrap()).map(|r| (r[0].parse().unwrap(), r[1].to_string())).collect();
    let lines: Vec<u64> = rows.iter().map(|r| r.0).collect();
    assert_eq!(lines, vec![5, 6, 8]);
    assert!(rows[0].1.contains("no company and no website or email"), "{rows:?}");
    assert!(rows[1].1.contains("no company and no website or email"));
    assert!(rows[2].1.contains("wrong number of columns: 4"), "{}", rows[2].1);

    // The multi-line quoted row starts on line 9 and its placeholders were not stored.
    let multi = store.lead_by_domain("multiline.test").await.unwrap().unwrap();
    assert_eq!(multi.input.company.as_deref(), Some("Multi Line Plumbing"), "whitespace is tidied");
    assert_eq!(multi.input.email, None, "\"N/A\" is not an email");
    assert_eq!(multi.input.phone, None, "\"not found\" is not a phone");
    assert_eq!(store.lead_sources(multi.id).await.unwrap()[0].line, 9);

    let smile = store.lead_by_domain("bright-smile.test").await.unwrap().unwrap();
    assert_eq!(smile.source_rows, 2, "line 3 on domain");
    assert_eq!(smile.input.email.as_ref().unwrap().as_str(), "info@bright-smile.test", "gap filled from the duplicate");
    assert_eq!(smile.input.external_id.as_deref(), Some("00Q1"));
    assert_eq!(smile.input.vertical.as_deref(), Some("dentists"));
    assert_eq!(smile.input.address.country.as_deref(), Some("US"), "\"USA\" is stored as its ISO 3166 code");

    // A business email gives a domain; a free-mail address does not.
    assert!(store.lead_by_domain("mail-only.test").await.unwrap().is_some());
    let broken = store.list_leads(&Default::default()).await.unwrap();
    let broken = broken.iter().find(|l| l.lead.input.company.as_deref() == Some("Broken Url Co")).unwrap();
    assert_eq!(broken.lead.input.domain, None, "nothing to crawl");
    assert_eq!(broken.lead.input.extra.get("invalid_website").map(String::as_str), Some("http://exa mple..test"));
    assert_eq!(store.count_leads().await.unwrap(), 6);
}

#[tokio::test]
async fn reimport_changes_nothing_and_dry_run_writes_nothing() {
    let (_dir, path, store) = setup(MESSY, "leads.csv").await;
    let dry = import_file(store.as_ref(), &path, &Settings::default(), true).await.unwrap();
    assert_eq!((dry.imported, dry.merged, dry.rejected), (6, 1, 3));
    assert_eq!(store.count_leads().await.unwrap(), 0, "dry run wrote nothing");
    assert!(!leadsmith::pipeline::import::errors_path(&path).exists(), "dry run wrote no error file");
    assert!(dry.merges.iter().any(|d| matches!(d, RowDecision::Merged { line: 3, .. })));

    import_file(store.as_ref(), &path, &Settings::default(), false).await.unwrap();
    let again = import_file(store.as_ref(), &path, &Settings::default(), false).await.unwrap();
    assert_eq!((again.imported, again.merged, again.unchanged), (0, 0, 7));
    assert_eq!(store.count_leads().await.unwrap(), 6);
}

#[tokio::test]
async fn jsonl_and_hubspot_columns() {
    let content = r#"{"Record ID": "901", "Company name": "Acme Plumbing", "Website URL": "https://www.acme-plumbing.test/home", "Phone Number": "+44 20 7946 0958"}
not json at all
{"name": "Beta Law", "domain": "beta-law.test", "email": "x@beta-law.test", "employees": 12}
[1, 2]
{"company": "", "website": "   "}
"#;
    let (_dir, path, store) = setup(content, "leads.jsonl").await;
    let report = import_file(store.as_ref(), &path, &Settings::default(), false).await.unwrap();
    assert_eq!((report.read, report.imported, report.rejected), (5, 2, 3));
    let errors = std::fs::read_to_string(leadsmith::pipeline::import::errors_path(&path)).unwrap();
    assert!(errors.contains("2,invalid JSON"), "{errors}");
    assert!(errors.contains("4,not a JSON object"), "{errors}");
    assert!(errors.contains("5,no company"), "{errors}");
    let acme = store.lead_by_domain("acme-plumbing.test").await.unwrap().unwrap();
    assert_eq!(acme.input.phone.unwrap().as_str(), "+442079460958");
    assert_eq!(acme.input.external_id.as_deref(), Some("901"));
    let beta = store.lead_by_domain("beta-law.test").await.unwrap().unwrap();
    assert_eq!(beta.input.extra.get("employees").map(String::as_str), Some("12"), "unmapped fields are kept");
}

/// The settings with `[import]` columns mapped by hand.
fn mapped(pairs: &[(&str, &str)]) -> Settings {
    let mut s = Settings::default();
    s.import.columns = pairs.iter().map(|(c, f)| (c.to_string(), f.to_string())).collect();
    s
}

#[tokio::test]
async fn a_stray_quote_costs_its_own_line_only() {
    let mut text = String::from("company,website\n");
    for i in 2..=10 {
        if i == 7 {
            text.push_str("\"Broken Co,broken.test\n");
        } else if i == 5 {
            text.push('\n');
        } else {
            text.push_str(&format!("Co {i},co{i}.test\n"));
        }
    }
    let (_dir, path, store) = setup(&text, "leads.csv").await;
    let report = import_file(store.as_ref(), &path, &Settings::default(), false).await.unwrap();
    assert_eq!((report.read, report.imported, report.rejected, report.blank_rows), (8, 7, 1, 1), "{report:?}");
    let errors = std::fs::read_to_string(leadsmith::pipeline::import::errors_path(&path)).unwrap();
    assert!(errors.contains("7,unterminated quote"), "{errors}");
    for i in [8, 9, 10] {
        assert!(store.lead_by_domain(&format!("co{i}.test")).await.unwrap().is_some(), "line {i} after the quote");
    }
}

#[tokio::test]
async fn windows_1252_utf16_and_semicolon_files_are_read_and_say_how() {
    // Windows-1252 (what Excel writes on Western Windows): é and ü are single bytes.
    let mut latin = b"company,website,city\n".to_vec();
    latin.extend_from_slice(b"Caf\xe9 M\xfcller,cafe-mueller.test,K\xf6ln\n");
    let (_dir, path, store) = setup("", "latin.csv").await;
    std::fs::write(&path, &latin).unwrap();
    let report = import_file(store.as_ref(), &path, &Settings::default(), false).await.unwrap();
    assert_eq!(report.imported, 1, "{report:?}");
    assert!(report.reading.starts_with("windows-1252 (detected)"), "{}", report.reading);
    let lead = store.lead_by_domain("cafe-mueller.test").await.unwrap().unwrap();
    assert_eq!(lead.input.company.as_deref(), Some("Café Müller"));
    assert_eq!(lead.input.address.city.as_deref(), Some("Köln"));

    // Excel's "Unicode text": UTF-16LE with a byte-order mark, tab-delimited.
    let text = "Company\tWebsite\r\nNaïve Bäckerei\tbaeckerei.test\r\nZweite GmbH\tzweite.test\r\n";
    let mut utf16 = vec![0xFF, 0xFE];
    utf16.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
    std::fs::write(&path, &utf16).unwrap();
    let report = import_file(store.as_ref(), &path, &Settings::default(), false).await.unwrap();
    assert_eq!((report.imported, report.rejected), (2, 0), "{report:?}");
    assert_eq!(report.reading, "UTF-16LE (detected), tab-delimited (detected)");
    let lead = store.lead_by_domain("baeckerei.test").await.unwrap().unwrap();
    assert_eq!(lead.input.company.as_deref(), Some("Naïve Bäckerei"));

    // European Excel: `;` between fields, `,` inside numbers.
    std::fs::write(&path, "Firma;Website;Umsatz\nDrei AG;drei.test;1,5\n").unwrap();
    let report = import_file(store.as_ref(), &path, &mapped(&[("Firma", "company")]), false).await.unwrap();
    assert_eq!((report.imported, report.rejected), (1, 0), "{report:?}");
    assert!(report.reading.contains("';'-delimited (detected)"), "{}", report.reading);
    let lead = store.lead_by_domain("drei.test").await.unwrap().unwrap();
    assert_eq!(lead.input.extra.get("Umsatz").map(String::as_str), Some("1,5"));

    // Both can be given; a wrong guess is then the user's to make.
    let mut given = Settings::default();
    given.import.encoding = Some("latin1".into());
    given.import.delimiter = Some("|".into());
    std::fs::write(&path, b"company|website\nGro\xdf|gross.test\n").unwrap();
    let report = import_file(store.as_ref(), &path, &given, false).await.unwrap();
    assert_eq!(report.reading, "windows-1252 (given), '|'-delimited (given)");
    let lead = store.lead_by_domain("gross.test").await.unwrap().unwrap();
    assert_eq!(lead.input.company.as_deref(), Some("Groß"));
}

#[tokio::test]
async fn a_salesforce_report_maps_its_labels_and_skips_its_footer() {
    let text = "\"Lead ID\",\"First Name\",\"Last Name\",\"Company / Account\",\"Street\",\"City\",\"State/Province\",\"Zip/Postal Code\",\"Country\",\"Lead Owner\"\r\n\
\"00Q5e01\",\"Ana\",\"Diaz\",\"Diaz Roofing\",\"1 Elm St\",\"Austin\",\"TX\",\"78701\",\"United States\",\"Sam Rep\"\r\n\
\"00Q5e02\",\"Bo\",\"Li\",\"Li Dental\",\"\",\"Boston\",\"MA\",\"02110\",\"United States\",\"Sam Rep\"\r\n\
\r\n\
\"Leads by Owner\"\r\n\
\"Copyright (c) 2000-2026 salesforce.com, inc. All rights reserved.\"\r\n\
\"Confidential Information - Do Not Distribute\"\r\n\
\"Generated By:  Sam Rep  12/4/2026 10:15 AM\"\r\n\
\"Acme Inc\"\r\n";
    let (_dir, path, store) = setup(text, "report.csv").await;
    let report = import_file(store.as_ref(), &path, &Settings::default(), false).await.unwrap();
    assert_eq!((report.read, report.imported, report.rejected), (2, 2, 0), "{report:?}");
    assert!(report.notes.iter().any(|n| n.contains("Salesforce report footer (lines 5–9)")), "{:?}", report.notes);
    let described = report.mapping.describe();
    for pair in ["Company / Account → company", "Zip/Postal Code → postal_code", "State/Province → region"] {
        assert!(described.contains(pair), "{described}");
    }
    assert_eq!(report.mapping.unrecognised(), ["Lead Owner"]);
    let leads = store.list_leads(&Default::default()).await.unwrap();
    let diaz = leads.iter().find(|l| l.lead.input.external_id.as_deref() == Some("00Q5e01")).unwrap();
    assert_eq!(diaz.lead.input.company.as_deref(), Some("Diaz Roofing"));
    assert_eq!(diaz.lead.input.address.postal_code.as_deref(), Some("78701"));
}

#[tokio::test]
async fn a_mapping_given_by_hand_is_used_and_a_changed_mapping_updates_the_leads() {
    let text = "Kunde,Netz\nDiaz Roofing,diaz-roofing.test\nNo Site Co,\n";
    let (_dir, path, store) = setup(text, "leads.csv").await;
    let first = import_file(store.as_ref(), &path, &mapped(&[("Netz", "website")]), false).await.unwrap();
    assert!(first.warnings.iter().all(|w| !w.contains("no company, website or email column")), "{:?}", first.warnings);
    assert_eq!((first.imported, first.rejected), (1, 1), "{first:?}");
    assert_eq!(first.mapping.unrecognised(), ["Kunde"]);

    // The same file with its company column named: the lead is filled, the rejected row comes in.
    let settings = mapped(&[("Netz", "website"), ("kunde", "company")]);
    let again = import_file(store.as_ref(), &path, &settings, false).await.unwrap();
    assert_eq!((again.updated, again.imported, again.unchanged), (1, 1, 0), "{again:?}");
    let lead = store.lead_by_domain("diaz-roofing.test").await.unwrap().unwrap();
    assert_eq!(lead.input.company.as_deref(), Some("Diaz Roofing"));

    // No column to build a lead from: said up front.
    let none = import_file(store.as_ref(), &path, &Settings::default(), true).await.unwrap();
    assert!(none.warnings[0].contains("no company, website or email column"), "{:?}", none.warnings);
    let mut bad = Settings::default();
    bad.import.columns.insert("Kunde".into(), "firm".into());
    let err = import_file(store.as_ref(), &path, &bad, true).await.unwrap_err();
    assert!(format!("{err:#}").contains("unknown lead field \"firm\""), "{err:#}");
}

#[tokio::test]
async fn social_and_directory_pages_are_profiles_not_domains() {
    let text = "company,website\n\
Joe's Diner,https://www.facebook.com/joesdiner\n\
Ann's Salon,facebook.com/annssalon\n\
Bo's Bikes,https://linktr.ee/bosbikes\n\
Cy's Cafe,https://www.yelp.com/biz/cys-cafe-austin\n\
Di's Deli,https://maps.google.com/?cid=123\n";
    let (_dir, path, store) = setup(text, "leads.csv").await;
    let report = import_file(store.as_ref(), &path, &Settings::default(), false).await.unwrap();
    assert_eq!((report.imported, report.merged), (5, 0), "{report:?}");
    assert!(store.lead_by_domain("facebook.com").await.unwrap().is_none());
    let leads = store.list_leads(&Default::default()).await.unwrap();
    let joe = leads.iter().find(|l| l.lead.input.company.as_deref() == Some("Joe's Diner")).unwrap();
    assert_eq!((&joe.lead.input.website, &joe.lead.input.domain), (&None, &None), "nothing to crawl");
    assert_eq!(joe.lead.input.profiles.get("facebook").map(String::as_str), Some("https://www.facebook.com/joesdiner"));
}

#[tokio::test]
async fn a_phone_shared_by_many_rows_is_reported_not_merged_on() {
    let mut text = String::from("company,phone\n");
    for i in 0..20 {
        text.push_str(&format!("Franchise {i},(415) 555-2671\n"));
    }
    let (_dir, path, store) = setup(&text, "leads.csv").await;
    let report = import_file(store.as_ref(), &path, &Settings::default(), false).await.unwrap();
    assert_eq!((report.imported, report.merged), (20, 0), "{report:?}");
    assert_eq!(report.crowded_keys, [("phone:+14155552671".to_string(), 20)]);
}

#[tokio::test]
async fn a_workbook_is_told_to_be_saved_as_csv() {
    let (_dir, path, store) = setup("", "leads.xlsx").await;
    std::fs::write(&path, b"PK\x03\x04\x14\x00\x06\x00rest of a zip").unwrap();
    let err = import_file(store.as_ref(), &path, &Settings::default(), false).await.unwrap_err();
    assert!(format!("{err:#}").contains("save it as CSV"), "{err:#}");
}

/// A file whose rows interact across any batch boundary: merges by domain, phone and id far apart, a phone
/// too many rows share, the same text twice, rejected and unreadable rows, a stray quote.
fn batched_file() -> String {
    let mut text = String::from("Id,Company,Website,Email,Phone\n");
    for i in 0..40 {
        let row = match i % 8 {
            0 => format!("A{i},Alpha {i},alpha{}.test,,\n", i / 16),
            1 => format!("B{i},Beta {i},,,(415) 555-{:04}\n", 2600 + i / 10),
            6 if i == 14 => format!("Q{i},\"Stray {i},stray.test,,\n"),
            2 | 6 => format!("C{i},Franchise {i},,,(212) 555-2699\n"),
            3 => format!("X{},Extern {i},,,\n", i / 20),
            4 => "D1,Twice Co,twice.test,,\n".to_string(),
            5 if i % 16 == 5 => format!("E{i},,,,\n"),
            5 => format!("F{i},Too,Few\n"),
            _ => format!("G{i},Gamma {i},gamma{i}.test,,not a phone\n"),
        };
        text.push_str(&row);
    }
    text
}

#[tokio::test]
async fn an_import_in_many_batches_gives_the_same_leads_report_and_errors_as_one() {
    use leadsmith::pipeline::import::{ImportProgress, import_file_with};
    let text = batched_file();
    let mut seen = Vec::new();
    for batch in [1_000_000, 3, 1] {
        let (_dir, path, store) = setup(&text, "leads.csv").await;
        let report =
            import_file_with(store.as_ref(), &path, &Settings::default(), false, &ImportProgress::default(), batch)
                .await
                .unwrap();
        let errors = std::fs::read_to_string(leadsmith::pipeline::import::errors_path(&path)).unwrap();
        let leads: Vec<String> = store
            .list_leads(&Default::default())
            .await
            .unwrap()
            .iter()
            .map(|l| format!("{} {:?} {}", l.lead.id, l.lead.input, l.lead.source_rows))
            .collect();
        let totals = (
            report.read,
            report.imported,
            report.merged,
            report.unchanged,
            report.rejected,
            report.leads,
            report.merges_by_key.clone(),
            report.crowded_keys.clone(),
            report.warnings.clone(),
        );
        // Again in the same batches: every row is recognised.
        let again =
            import_file_with(store.as_ref(), &path, &Settings::default(), false, &ImportProgress::default(), batch)
                .await
                .unwrap();
        assert_eq!((again.unchanged, again.imported, again.merged), (report.read - report.rejected, 0, 0));
        seen.push((batch, totals, errors, leads));
    }
    let (_, totals, errors, leads) = &seen[0];
    assert_eq!(totals.7, [("phone:+12125552699".to_string(), 9)], "the franchise phone, counted over the whole file");
    assert!(totals.2 > 0 && totals.6.len() >= 2, "merges on more than one key: {totals:?}");
    let lines: Vec<u64> = errors.lines().skip(1).map(|l| l.split(',').next().unwrap().parse().unwrap()).collect();
    assert_eq!(lines, [7, 15, 16, 23, 31, 39], "{errors}");
    for (batch, other_totals, other_errors, other_leads) in &seen[1..] {
        assert_eq!(other_totals, totals, "batches of {batch}");
        assert_eq!(other_errors, errors, "batches of {batch}");
        assert_eq!(other_leads, leads, "batches of {batch}");
    }
}
