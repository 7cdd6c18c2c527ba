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
    assert_eq!(report.rejected, 4);
    assert_eq!(report.imported + report.merged + report.unchanged + report.rejected, report.read);
    assert_eq!(report.merged, 2, "same domain (line 3) and same phone in another format (line 4)");

    let errors = std::fs::read_to_string(leadsmith::pipeline::import::errors_path(&path)).unwrap();
    let mut rdr = csv::Reader::from_reader(errors.as_bytes());
    let rows: Vec<(u64, String)> =
        rdr.records().map(|r| r.unwrap()).map(|r| (r[0].parse().unwrap(), r[1].to_string())).collect();
    let lines: Vec<u64> = rows.iter().map(|r| r.0).collect();
    assert_eq!(lines, vec![5, 6, 7, 8]);
    assert!(rows[0].1.contains("no company and no website or email"), "{rows:?}");
    assert!(rows[1].1.contains("no company and no website or email"));
    assert!(rows[2].1.contains("unparseable website"), "{}", rows[2].1);
    assert!(rows[3].1.contains("wrong number of columns: 4"), "{}", rows[3].1);

    // The multi-line quoted row starts on line 9 and its placeholders were not stored.
    let multi = store.lead_by_domain("multiline.test").await.unwrap().unwrap();
    assert_eq!(multi.input.company.as_deref(), Some("Multi Line Plumbing"), "whitespace is tidied");
    assert_eq!(multi.input.email, None, "\"N/A\" is not an email");
    assert_eq!(multi.input.phone, None, "\"not found\" is not a phone");
    assert_eq!(store.lead_sources(multi.id).await.unwrap()[0].line, 9);

    let smile = store.lead_by_domain("bright-smile.test").await.unwrap().unwrap();
    assert_eq!(smile.source_rows, 3, "line 3 on domain, line 4 on phone");
    assert_eq!(smile.input.email.as_ref().unwrap().as_str(), "info@bright-smile.test", "gap filled from the duplicate");
    assert_eq!(smile.input.external_id.as_deref(), Some("00Q1"));
    assert_eq!(smile.input.vertical.as_deref(), Some("dentists"));
    assert_eq!(smile.input.address.country.as_deref(), Some("USA"));

    // A business email gives a domain; a free-mail address does not.
    assert!(store.lead_by_domain("mail-only.test").await.unwrap().is_some());
    assert_eq!(store.count_leads().await.unwrap(), 4);
}

#[tokio::test]
async fn reimport_changes_nothing_and_dry_run_writes_nothing() {
    let (_dir, path, store) = setup(MESSY, "leads.csv").await;
    let dry = import_file(store.as_ref(), &path, &Settings::default(), true).await.unwrap();
    assert_eq!((dry.imported, dry.merged, dry.rejected), (4, 2, 4));
    assert_eq!(store.count_leads().await.unwrap(), 0, "dry run wrote nothing");
    assert!(!leadsmith::pipeline::import::errors_path(&path).exists(), "dry run wrote no error file");
    assert!(dry.decisions.iter().any(|d| matches!(d, RowDecision::Merged { line: 3, .. })));

    import_file(store.as_ref(), &path, &Settings::default(), false).await.unwrap();
    let again = import_file(store.as_ref(), &path, &Settings::default(), false).await.unwrap();
    assert_eq!((again.imported, again.merged, again.unchanged), (0, 0, 6));
    assert_eq!(store.count_leads().await.unwrap(), 4);
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
