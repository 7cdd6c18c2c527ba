//! Dedupe keys, shared by every backend so they all merge the same rows.

use leadsmith_core::LeadInput;

/// The exact-match keys a lead is known by. Two rows sharing any key are the same business. Fuzzy entity
/// resolution can add blocking keys here and a verifier in each backend's `merge_target`.
pub(crate) fn lead_keys(input: &LeadInput) -> Vec<String> {
    let mut keys = Vec::new();
    if let Some(d) = &input.domain {
        keys.push(format!("domain:{d}"));
    }
    if let Some(p) = &input.phone {
        keys.push(format!("phone:{p}"));
    }
    if let Some(x) = &input.external_id {
        keys.push(format!("external:{}", x.trim()));
    }
    keys
}
