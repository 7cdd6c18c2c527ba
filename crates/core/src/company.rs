//! Company-name normalisation for matching: lower case, no punctuation, no legal suffixes.

/// Legal-form suffixes dropped when comparing company names ("Acme, Inc." and "ACME LLC" match).
const LEGAL_SUFFIXES: &[&str] = &[
    "inc",
    "incorporated",
    "llc",
    "l l c",
    "ltd",
    "limited",
    "corp",
    "corporation",
    "co",
    "company",
    "plc",
    "llp",
    "lp",
    "pc",
    "pllc",
    "gmbh",
    "ag",
    "sa",
    "sas",
    "sarl",
    "srl",
    "bv",
    "nv",
    "oy",
    "ab",
    "as",
    "pty",
    "pty ltd",
    "kg",
    "ug",
    "spa",
    "sl",
    "kk",
    "dds pc",
];

/// Normalises a company name for exact-match dedupe: `"The Acme Co., Inc."` → `"acme"`.
pub fn normalize_company_name(name: &str) -> String {
    let mut cleaned = String::with_capacity(name.len());
    for c in name.chars() {
        if c.is_alphanumeric() {
            cleaned.extend(c.to_lowercase());
        } else if c == '&' {
            cleaned.push_str(" and ");
        } else {
            cleaned.push(' ');
        }
    }
    let mut words: Vec<&str> = cleaned.split_whitespace().collect();
    if words.first() == Some(&"the") && words.len() > 1 {
        words.remove(0);
    }
    loop {
        let before = words.len();
        for suffix in LEGAL_SUFFIXES {
            let parts: Vec<&str> = suffix.split(' ').collect();
            if words.len() > parts.len() && words.ends_with(&parts) {
                words.truncate(words.len() - parts.len());
            }
        }
        if words.len() == before {
            break;
        }
    }
    words.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn legal_suffixes_and_punctuation_go() {
        assert_eq!(normalize_company_name("The Acme Co., Inc."), "acme");
        assert_eq!(normalize_company_name("ACME LLC"), "acme");
        assert_eq!(normalize_company_name("Smith & Sons Plumbing Ltd"), "smith and sons plumbing");
        assert_eq!(normalize_company_name("Müller GmbH"), "müller");
        // A name that is only a suffix keeps it rather than becoming empty.
        assert_eq!(normalize_company_name("Inc"), "inc");
    }
}
