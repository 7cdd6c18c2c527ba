//! Placeholder detection: values such as "not found", "n/a" or "null" are never stored as facts.

/// True when `value` is empty or a placeholder that means "we do not know" rather than a real value.
pub fn is_placeholder(value: &str) -> bool {
    let v = value.trim().trim_matches(|c: char| c == '.' || c == '-' || c == '"' || c == '\'');
    if v.is_empty() {
        return true;
    }
    const PLACEHOLDERS: &[&str] = &[
        "not found",
        "notfound",
        "n/a",
        "na",
        "none",
        "null",
        "nil",
        "unknown",
        "undefined",
        "not available",
        "not provided",
        "tbd",
        "-",
        "?",
    ];
    PLACEHOLDERS.iter().any(|p| v.eq_ignore_ascii_case(p))
}

/// Trims `value` and returns it unless it is a placeholder.
pub fn clean_value(value: &str) -> Option<String> {
    let trimmed = value.trim();
    if is_placeholder(trimmed) { None } else { Some(collapse_whitespace(trimmed)) }
}

fn collapse_whitespace(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for word in s.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_rejected() {
        for p in ["", "  ", "Not Found", "N/A", "n/a", "none", "NULL", "unknown", "\"null\""] {
            assert!(is_placeholder(p), "{p:?} should be a placeholder");
            assert_eq!(clean_value(p), None);
        }
    }

    #[test]
    fn real_values_are_kept_and_tidied() {
        assert!(!is_placeholder("Nadia Ng"));
        assert_eq!(clean_value("  Jane   Doe \n").as_deref(), Some("Jane Doe"));
    }
}
