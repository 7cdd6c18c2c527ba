//! Phone numbers normalised to E.164 (`+14155550123`), parsed with a default region for national formats.

use std::fmt;
use std::str::FromStr;
use std::sync::Once;

use phonenumber::{Mode, country};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PhoneError {
    #[error("unknown default region {0:?} (use an ISO 3166 code such as US or GB)")]
    Region(String),
    #[error("{0:?} is not a phone number")]
    Syntax(String),
    #[error("{0:?} is not a valid number for its region")]
    Invalid(String),
}

/// A valid phone number in E.164 form.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Phone(String);

impl Phone {
    /// Parses `raw` (national or international format, with or without punctuation); `default_region` is
    /// an ISO 3166 code used when the number has no `+country` prefix.
    pub fn parse(raw: &str, default_region: &str) -> Result<Self, PhoneError> {
        widen_regex_cache();
        let cleaned = raw.trim().trim_start_matches("tel:").trim_start_matches("callto:");
        let cleaned = cleaned.replace("%20", " ");
        let digits = cleaned.bytes().filter(u8::is_ascii_digit).count();
        if !(7..=15).contains(&digits) {
            return Err(PhoneError::Syntax(raw.to_string()));
        }
        // A number written with +country must be read without a default region: given one, the parser
        // strips that region's national prefix (the "1" of US) from the digits after the country code.
        let region = if cleaned.trim_start().starts_with('+') {
            None
        } else {
            let id = country::Id::from_str(&default_region.to_ascii_uppercase())
                .map_err(|_| PhoneError::Region(default_region.to_string()))?;
            Some(id)
        };
        let number = phonenumber::parse(region, &cleaned).map_err(|_| PhoneError::Syntax(raw.to_string()))?;
        if !phonenumber::is_valid(&number) {
            return Err(PhoneError::Invalid(raw.to_string()));
        }
        Ok(Self(number.format().mode(Mode::E164).to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// True for ISO 3166 region codes the phone metadata knows (`US`, `gb`), usable as a default region.
    pub fn is_known_region(region: &str) -> bool {
        country::Id::from_str(&region.to_ascii_uppercase()).is_ok()
    }
}

/// Regexes of the phone metadata kept compiled. The metadata's regexes are compiled on first use into an
/// LRU cache of 100, fewer than one check of a `+1` number visits (the 25 regions sharing the code, several
/// number types each): with the default, extraction recompiled regexes on every page with a phone and ran at
/// half speed. This covers the whole metadata's working set for any mix of countries.
const PHONE_REGEXES: usize = 4096;

fn widen_regex_cache() {
    static WIDENED: Once = Once::new();
    WIDENED.call_once(|| {
        let cache = phonenumber::metadata::DATABASE.cache();
        let mut cache = cache.lock().unwrap_or_else(|e| e.into_inner());
        if cache.capacity() < PHONE_REGEXES {
            cache.set_capacity(PHONE_REGEXES);
        }
    });
}

impl TryFrom<String> for Phone {
    type Error = PhoneError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        if value.starts_with('+') { Self::parse(&value, "US") } else { Err(PhoneError::Syntax(value)) }
    }
}

impl From<Phone> for String {
    fn from(p: Phone) -> Self {
        p.0
    }
}

impl fmt::Display for Phone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn national_and_international_formats_normalise() {
        assert_eq!(Phone::parse("(415) 555-2671", "US").unwrap().as_str(), "+14155552671");
        assert_eq!(Phone::parse("tel:+44 20 7946 0958", "US").unwrap().as_str(), "+442079460958");
        assert_eq!(Phone::parse("020 7946 0958", "gb").unwrap().as_str(), "+442079460958");
        assert_eq!(Phone::parse("+49 30 901820", "US").unwrap().as_str(), "+4930901820");
        assert_eq!(Phone::parse("+33 1 42 68 53 00", "US").unwrap().as_str(), "+33142685300");
        assert_eq!(Phone::parse("+353 1 234 5678", "US").unwrap().as_str(), "+35312345678");
        assert_eq!(Phone::parse("+44 161 496 0000", "GB").unwrap().as_str(), "+441614960000");
    }

    #[test]
    fn junk_is_rejected() {
        assert!(Phone::parse("12", "US").is_err());
        assert!(Phone::parse("2024-01-15", "US").is_err());
        assert!(matches!(Phone::parse("415 555 2671", "XX"), Err(PhoneError::Region(_))));
        assert_eq!(Phone::parse("+44 20 7946 0958", "XX").unwrap().as_str(), "+442079460958");
        assert!(Phone::is_known_region("gb") && !Phone::is_known_region("XX"));
    }
}
