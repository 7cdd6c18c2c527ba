//! The technologies a lead's site runs (CMS, shop, analytics, chat, booking, mail provider, …), detected in
//! the crawl job from the pages it fetched — HTML, response headers and cookies — and the domain's MX and
//! SPF records, with our default fingerprints and those `[assess] fingerprints` adds; stored as the `tech`
//! result ([`Detections`], each with its evidence).

use std::sync::Arc;

use anyhow::{Context, Result};
use leadsmith_crawl::site::Document;
use leadsmith_tech::{Detections, Detector, FingerprintSet, Page};

use super::email::EmailSignals;
use crate::config::AssessSettings;

/// The detector with the default fingerprints and the configured ones; what it skipped in them, in words.
pub fn detector(settings: &AssessSettings) -> Result<(Detector, Vec<String>)> {
    let mut set = FingerprintSet::builtin();
    let mut warnings = Vec::new();
    for path in &settings.fingerprints {
        let skipped = set.load_path(path).with_context(|| format!("[assess] fingerprints: {}", path.display()))?;
        warnings.extend(skipped.iter().map(ToString::to_string));
    }
    let detector = Detector::new(&set);
    warnings.extend(detector.warnings().iter().map(ToString::to_string));
    Ok((detector, warnings))
}

/// The detector a worker uses: on a fingerprint file that cannot be read, the defaults alone (the error
/// is logged; `leadsmith config check` reports it before a run).
pub fn worker_detector(settings: &AssessSettings) -> Arc<Detector> {
    match detector(settings) {
        Ok((detector, warnings)) => {
            for w in &warnings {
                tracing::warn!(warning = %w, "fingerprint skipped");
            }
            Arc::new(detector)
        }
        Err(e) => {
            tracing::error!(error = %format!("{e:#}"), "fingerprints not loaded; detecting with the defaults only");
            Arc::new(Detector::builtin())
        }
    }
}

/// The site's technologies from its fetched pages and, on the home page, the lead domain's MX and SPF.
pub fn detect(detector: &Detector, documents: &[Document], email: &EmailSignals) -> Detections {
    let mut scan = detector.site();
    for (i, doc) in documents.iter().enumerate() {
        let mut page =
            Page::from_response(doc.url.as_str(), doc.headers.iter().map(|(k, v)| (k, v)), doc.html.as_str());
        if i == 0
            && let Some(domain) = email.domains.first()
        {
            for mx in &domain.mx {
                page = page.dns("MX", &mx.host);
            }
            if let Some(spf) = &domain.spf {
                page = page.dns("TXT", &spf.record);
            }
        }
        scan.add(&page);
    }
    scan.finish()
}
