//! The lead list: documented counts, CSV structure, and that a careful import recovers one lead per site.

use std::collections::{HashMap, HashSet};

use leadsmith_core::{Domain, Email, normalize_company_name, website_url};
use leadsmith_testkit::{LeadListStats, SampleWeb, SiteTrait};

#[test]
fn standard_counts_match_the_docs() {
    let web = SampleWeb::standard();
    assert_eq!(web.lead_list_stats(), LeadListStats { rows: 342, duplicates: 16, bad_rows: 4, broken_websites: 2 });
    let stats = web.lead_list_stats();
    assert_eq!(stats.rows, web.sites().len() + stats.duplicates + stats.bad_rows + stats.broken_websites);
}

#[test]
fn csv_is_messy_but_recoverable() {
    let web = SampleWeb::generate(42, 320);
    let csv = web.leads_csv();
    let stats = web.lead_list_stats();
    assert!(csv.starts_with(
        "Id,Company,Website,Email,Phone,Street,City,State,PostalCode,Country,FirstName,LastName,Title,Industry\n"
    ));
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(csv.as_bytes());
    let records: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(records.len(), stats.rows);
    assert_eq!(records.iter().filter(|r| r.len() != 14).count(), 1, "one row with the wrong column count");
    assert!(
        csv.lines().any(|l| l.contains("\",") && l.split('"').nth(1).is_some_and(|q| q.contains(','))),
        "a quoted field with a comma"
    );
    assert!(records.iter().any(|r| !r[1].is_ascii()), "a UTF-8 company name with accents");
    assert!(!csv.contains("https://"), "the sample server is plain HTTP");

    let by_domain: HashMap<&str, usize> = web.sites().iter().enumerate().map(|(i, s)| (s.domain.as_str(), i)).collect();
    let by_company: HashMap<String, usize> =
        web.sites().iter().enumerate().map(|(i, s)| (normalize_company_name(&s.company), i)).collect();
    let mut rejected = 0;
    let mut broken = 0;
    let mut found = vec![0usize; web.sites().len()];
    for r in records.iter() {
        if r.len() != 14 {
            rejected += 1;
            continue;
        }
        let (company, website, email) = (r[1].trim(), r[2].trim(), r[3].trim());
        let from_web = (!website.is_empty()).then(|| Domain::from_website(website));
        if matches!(from_web, Some(Err(_))) {
            assert!(website_url(website).is_err() || Domain::from_website(website).is_err());
            broken += 1;
            continue;
        }
        let from_email = Email::parse(email).ok().and_then(|e| e.business_domain());
        let domain = from_web.and_then(Result::ok).or(from_email);
        if company.is_empty() && domain.is_none() {
            rejected += 1;
            continue;
        }
        let site = match &domain {
            Some(d) => by_domain[d.as_str()],
            None => *by_company.get(&normalize_company_name(company)).expect("company of a known site"),
        };
        found[site] += 1;
    }
    assert_eq!((rejected, broken), (stats.bad_rows, stats.broken_websites));
    assert!(found.iter().all(|n| *n >= 1), "every site has a row");
    assert_eq!(found.iter().map(|n| n - 1).sum::<usize>(), stats.duplicates);

    let no_website: Vec<_> = web.sites().iter().filter(|s| s.has(SiteTrait::NoWebsiteInLeads)).collect();
    assert!(no_website.len() >= 3);
    for s in no_website {
        assert_eq!(s.home_url, format!("http://{}/", s.domain));
    }
}

#[test]
fn jsonl_has_one_clean_object_per_site() {
    let web = SampleWeb::generate(5, 60);
    let jsonl = web.leads_jsonl();
    let mut ids = HashSet::new();
    for (line, site) in jsonl.lines().zip(web.sites()) {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        assert_eq!(v["company"], site.company.as_str());
        assert_eq!(v["industry"], site.vertical.as_str());
        assert!(ids.insert(v["id"].as_str().unwrap().to_string()));
        assert!(v.get("website").is_some() || v.get("email").is_some());
    }
    assert_eq!(jsonl.lines().count(), 60);
}
