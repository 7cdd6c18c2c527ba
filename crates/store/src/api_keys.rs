//! API keys for the HTTP API: the records the store keeps ([`ApiKey`], [`NewApiKey`], [`Scope`]), making and
//! hashing keys ([`generate_key`], [`hash_key`], [`prefix_of`]) and the one policy for a presented key
//! ([`authorize`], [`needs_touch`]; [`verify`] runs both against a store).
//! Only a key's SHA-256 is stored; the key itself is shown once, when it is made, and never kept or logged.

use std::fmt;

use rand::Rng;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::{ApiKeys, StoreError};

/// Every key starts with this, so a leaked one is recognisable (secret scanners, logs).
pub const KEY_MARKER: &str = "lsk_";
/// Random base62 characters after [`KEY_MARKER`]: about 238 bits.
const KEY_RANDOM_CHARS: usize = 40;
/// How many leading characters of a key are kept and shown as its prefix (the marker and 8 random ones).
pub const PREFIX_LEN: usize = 12;
/// A key's `last_used_at_ms` is written at most this often: a busy client costs one write a minute, not one
/// per request.
pub const TOUCH_INTERVAL_MS: i64 = 60_000;
/// Longest key name.
pub const MAX_NAME_LEN: usize = 64;
/// Presented keys longer than this are rejected without a lookup.
const MAX_PRESENTED_LEN: usize = 256;

/// What a key may do. Each scope includes the ones below it: admin ⊇ write ⊇ read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Scope {
    /// Read leads, runs and stats.
    Read,
    /// Read, and start runs and import leads.
    Write,
    /// Everything, including operations (dead letters, schedules).
    Admin,
}

impl Scope {
    /// Every scope, narrowest first.
    pub const ALL: [Scope; 3] = [Scope::Read, Scope::Write, Scope::Admin];

    /// Whether a key with this scope may do what `needed` guards.
    pub fn allows(self, needed: Scope) -> bool {
        self >= needed
    }

    /// The stored and printed name: `read`, `write` or `admin`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Read => "read",
            Self::Write => "write",
            Self::Admin => "admin",
        }
    }

    /// The scope named `s` (exactly as [`as_str`](Scope::as_str) writes it), or `None`.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "read" => Some(Self::Read),
            "write" => Some(Self::Write),
            "admin" => Some(Self::Admin),
            _ => None,
        }
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Scope {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s).ok_or_else(|| format!("unknown scope {s:?}: expected read, write or admin"))
    }
}

/// A stored API key, without its hash (the hash is only ever looked up by, never handed out).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ApiKey {
    pub id: i64,
    /// Unique among all keys, revoked ones included.
    pub name: String,
    pub scope: Scope,
    /// The key's first [`PREFIX_LEN`] characters, to tell keys apart in listings and revoke by.
    pub prefix: String,
    /// Unix ms.
    pub created_at_ms: i64,
    /// Unix ms, at most [`TOUCH_INTERVAL_MS`] stale; `None` when never used.
    pub last_used_at_ms: Option<i64>,
    /// Unix ms; `None` never expires.
    pub expires_at_ms: Option<i64>,
    /// Unix ms; `None` while not revoked.
    pub revoked_at_ms: Option<i64>,
}

/// Whether a key can be used at a given time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum KeyStatus {
    Active,
    Expired,
    Revoked,
}

impl KeyStatus {
    /// `active`, `expired` or `revoked`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Expired => "expired",
            Self::Revoked => "revoked",
        }
    }
}

impl ApiKey {
    /// The key's status at `now_ms`: revoked wins over expired (a revoked key stays revoked).
    pub fn status(&self, now_ms: i64) -> KeyStatus {
        if self.revoked_at_ms.is_some() {
            KeyStatus::Revoked
        } else if self.expires_at_ms.is_some_and(|at| at <= now_ms) {
            KeyStatus::Expired
        } else {
            KeyStatus::Active
        }
    }
}

/// A key to store: its hash and prefix, never the key itself. Build it with [`NewApiKey::for_key`].
#[derive(Clone, PartialEq, Eq)]
pub struct NewApiKey {
    /// 1–64 ASCII letters, digits, `-`, `_` or `.`, not starting with [`KEY_MARKER`].
    pub name: String,
    pub scope: Scope,
    /// [`hash_key`] of the key: 64 lower-case hex digits.
    pub hash: String,
    /// [`prefix_of`] the key.
    pub prefix: String,
    /// Unix ms; `None` never expires.
    pub expires_at_ms: Option<i64>,
}

impl fmt::Debug for NewApiKey {
    // The hash stays out of logs: it is what an attacker would look for in a stolen database dump.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NewApiKey")
            .field("name", &self.name)
            .field("scope", &self.scope)
            .field("hash", &"<redacted>")
            .field("prefix", &self.prefix)
            .field("expires_at_ms", &self.expires_at_ms)
            .finish()
    }
}

impl NewApiKey {
    /// The record for `key` (from [`generate_key`]) under `name`: hashes it and takes its prefix.
    pub fn for_key(name: impl Into<String>, scope: Scope, key: &str, expires_at_ms: Option<i64>) -> Self {
        Self { name: name.into(), scope, hash: hash_key(key), prefix: prefix_of(key).to_string(), expires_at_ms }
    }

    /// Checks what the backends rely on: a valid name (see [`check_name`]), a 64-hex-digit hash and a prefix
    /// of 1–[`PREFIX_LEN`] characters.
    pub fn validate(&self) -> Result<(), StoreError> {
        check_name(&self.name)?;
        if self.hash.len() != 64 || !self.hash.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
            return Err(StoreError::InvalidApiKey(
                "an API key's hash must be 64 lower-case hex digits (its SHA-256)".into(),
            ));
        }
        if self.prefix.is_empty() || self.prefix.chars().count() > PREFIX_LEN {
            return Err(StoreError::InvalidApiKey(format!("an API key's prefix must be 1-{PREFIX_LEN} characters")));
        }
        Ok(())
    }
}

/// Checks a key name: 1–64 ASCII letters, digits, `-`, `_` or `.`, not starting with [`KEY_MARKER`] (so a
/// name can never be mistaken for a key's prefix).
pub fn check_name(name: &str) -> Result<(), StoreError> {
    if name.is_empty() || name.len() > MAX_NAME_LEN {
        return Err(StoreError::InvalidApiKey(format!("API key name must be 1-{MAX_NAME_LEN} characters")));
    }
    if let Some(bad) = name.chars().find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))) {
        return Err(StoreError::InvalidApiKey(format!(
            "API key name {name:?} contains {bad:?}: use letters, digits, '-', '_' or '.'"
        )));
    }
    if name.starts_with(KEY_MARKER) {
        return Err(StoreError::InvalidApiKey(format!(
            "API key name {name:?} must not start with {KEY_MARKER:?}, which marks the keys themselves"
        )));
    }
    Ok(())
}

/// A new random key: `lsk_` and 40 base62 characters from the operating system's CSPRNG.
pub fn generate_key() -> String {
    let random: String = rand::rngs::OsRng
        .sample_iter(&rand::distributions::Alphanumeric)
        .take(KEY_RANDOM_CHARS)
        .map(char::from)
        .collect();
    format!("{KEY_MARKER}{random}")
}

/// The hex SHA-256 of `key`, as stored and looked up. A plain fast hash is enough (no salt, no stretching):
/// generated keys carry ~238 random bits, so there is no dictionary to try.
pub fn hash_key(key: &str) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let digest = Sha256::digest(key.as_bytes());
    let mut hex = String::with_capacity(64);
    for b in digest.iter() {
        hex.push(char::from(DIGITS[usize::from(b >> 4)]));
        hex.push(char::from(DIGITS[usize::from(b & 0xf)]));
    }
    hex
}

/// The first [`PREFIX_LEN`] characters of `key` (all of it when shorter).
pub fn prefix_of(key: &str) -> &str {
    match key.char_indices().nth(PREFIX_LEN) {
        Some((end, _)) => &key[..end],
        None => key,
    }
}

/// The key a request presents: the `X-API-Key` header's value, else the token of an
/// `Authorization: Bearer <key>` header (scheme case-insensitive). `None` when neither gives a non-empty key.
pub fn presented_key<'a>(x_api_key: Option<&'a str>, authorization: Option<&'a str>) -> Option<&'a str> {
    if let Some(key) = x_api_key.map(str::trim).filter(|k| !k.is_empty()) {
        return Some(key);
    }
    let auth = authorization?.trim();
    let (scheme, token) = auth.split_once(|c: char| c.is_ascii_whitespace())?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

/// Why a request's key was refused. [`status`](KeyRejection::status) gives the HTTP status and `Display` a
/// message fit for the client: neither ever contains the key.
#[derive(Debug, thiserror::Error)]
pub enum KeyRejection {
    /// No key was sent.
    #[error("missing API key: send it in an X-API-Key header or as Authorization: Bearer <key>")]
    Missing,
    /// No key with that hash exists.
    #[error("invalid API key")]
    Unknown,
    #[error("this API key has been revoked")]
    Revoked,
    #[error("this API key has expired")]
    Expired,
    /// A valid key whose scope does not cover the request.
    #[error("this API key has scope {has}; this request needs {needs}")]
    InsufficientScope { has: Scope, needs: Scope },
    /// The store could not be asked. The source is for the server's log, not the client.
    #[error("API keys cannot be checked right now; try again later")]
    Store(#[source] StoreError),
}

impl KeyRejection {
    /// The HTTP status: 401 for a missing or unusable key, 403 for a valid key without the scope, 503 when
    /// the store failed.
    pub fn status(&self) -> u16 {
        match self {
            Self::Missing | Self::Unknown | Self::Revoked | Self::Expired => 401,
            Self::InsufficientScope { .. } => 403,
            Self::Store(_) => 503,
        }
    }

    /// A stable machine-readable reason, for response bodies and metric labels.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Missing => "missing_api_key",
            Self::Unknown => "invalid_api_key",
            Self::Revoked => "revoked_api_key",
            Self::Expired => "expired_api_key",
            Self::InsufficientScope { .. } => "insufficient_scope",
            Self::Store(_) => "unavailable",
        }
    }
}

/// A presented key that [`authorize`] accepted: the stored key and the hash it was found by (the server
/// caches keys by hash).
#[derive(Debug, Clone)]
pub struct Authorized {
    pub key: ApiKey,
    pub hash: String,
}

/// The API-key policy, the one path every check takes (the server's extractors and [`verify`]): the key a
/// request presents (see [`presented_key`]), trimmed, is refused as `Missing` when empty and as `Unknown`
/// when too long to be a key, without a lookup; otherwise only its hash is looked up with `lookup` (the
/// store, or a cache in front of it), never the key. A key found must be neither revoked nor expired at
/// `now_ms` and have a scope that covers `needed`. Recording the use is the caller's, see [`needs_touch`].
pub async fn authorize<F, Fut>(
    presented: Option<&str>,
    needed: Scope,
    now_ms: i64,
    lookup: F,
) -> Result<Authorized, KeyRejection>
where
    F: FnOnce(String) -> Fut,
    Fut: Future<Output = Result<Option<ApiKey>, StoreError>>,
{
    let presented = usable_presented(presented)?;
    let hash = hash_key(presented);
    let key = lookup(hash.clone()).await.map_err(KeyRejection::Store)?.ok_or(KeyRejection::Unknown)?;
    check(&key, needed, now_ms)?;
    Ok(Authorized { key, hash })
}

/// Whether a use of `key` at `now_ms` should be written to the store: unless its `last_used_at_ms` was
/// written less than [`TOUCH_INTERVAL_MS`] ago, so a busy client costs one write a minute.
pub fn needs_touch(key: &ApiKey, now_ms: i64) -> bool {
    key.last_used_at_ms.is_none_or(|at| now_ms - at >= TOUCH_INTERVAL_MS)
}

/// [`authorize`] against the store, then the use recorded when [`needs_touch`] says so: `last_used_at_ms`
/// is brought up to `now_ms`; a failure to write it is logged and does not refuse the request.
pub async fn verify<S: ApiKeys + ?Sized>(
    store: &S,
    presented: Option<&str>,
    needed: Scope,
    now_ms: i64,
) -> Result<ApiKey, KeyRejection> {
    let Authorized { mut key, .. } =
        authorize(presented, needed, now_ms, |hash| async move { store.api_key_by_hash(&hash).await }).await?;
    if needs_touch(&key, now_ms) {
        match store.touch_api_key(key.id, now_ms).await {
            Ok(()) => key.last_used_at_ms = Some(now_ms),
            Err(e) => tracing::warn!(key = key.name, error = %e, "could not record an API key's last use"),
        }
    }
    Ok(key)
}

/// The presented key, trimmed; `Missing` when there is none, `Unknown` when it is too long to be a key.
fn usable_presented(presented: Option<&str>) -> Result<&str, KeyRejection> {
    let presented = presented.map(str::trim).filter(|k| !k.is_empty()).ok_or(KeyRejection::Missing)?;
    if presented.len() > MAX_PRESENTED_LEN {
        return Err(KeyRejection::Unknown);
    }
    Ok(presented)
}

/// Whether a stored key may do something that needs `needed` at `now_ms`: not revoked, not expired, enough
/// scope.
fn check(key: &ApiKey, needed: Scope, now_ms: i64) -> Result<(), KeyRejection> {
    match key.status(now_ms) {
        KeyStatus::Revoked => Err(KeyRejection::Revoked),
        KeyStatus::Expired => Err(KeyRejection::Expired),
        KeyStatus::Active if !key.scope.allows(needed) => {
            Err(KeyRejection::InsufficientScope { has: key.scope, needs: needed })
        }
        KeyStatus::Active => Ok(()),
    }
}

/// Which key `revoke_api_key(given)` revokes among the keys whose name or prefix is `given` (`found`, in
/// name order): none, the only one, or an [`StoreError::AmbiguousApiKey`] naming them all. Revoking keeps
/// the first revocation time (a revoked key stays revoked as it was).
pub(crate) fn revoke_target(given: &str, found: &[ApiKey]) -> Result<Option<i64>, StoreError> {
    match found {
        [] => Ok(None),
        [one] => Ok(Some(one.id)),
        many => Err(StoreError::AmbiguousApiKey {
            given: given.to_string(),
            matches: many.iter().map(|k| k.name.clone()).collect(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_keys_are_distinct_and_well_formed() {
        let a = generate_key();
        let b = generate_key();
        assert_ne!(a, b);
        for k in [&a, &b] {
            assert_eq!(k.len(), KEY_MARKER.len() + KEY_RANDOM_CHARS);
            assert!(k.starts_with(KEY_MARKER));
            assert!(k[KEY_MARKER.len()..].chars().all(|c| c.is_ascii_alphanumeric()), "{k}");
        }
        assert_ne!(prefix_of(&a), a);
    }

    #[test]
    fn hash_is_hex_sha256() {
        // Well-known SHA-256 test vectors.
        assert_eq!(hash_key(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
        assert_eq!(hash_key("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        let h = hash_key(&generate_key());
        assert_eq!(h.len(), 64);
        assert!(h.bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()), "{h}");
    }

    #[test]
    fn prefix_is_the_first_twelve_characters() {
        assert_eq!(prefix_of("lsk_ABCDEFGHijklmnop"), "lsk_ABCDEFGH");
        assert_eq!(prefix_of("short"), "short");
        assert_eq!(prefix_of("ééééééééééééé"), "éééééééééééé", "cut on a character boundary");
        let key = generate_key();
        assert_eq!(prefix_of(&key).len(), PREFIX_LEN);
        assert!(key.starts_with(prefix_of(&key)));
    }

    #[test]
    fn scopes_nest_and_round_trip() {
        use Scope::*;
        assert!(Admin.allows(Write) && Admin.allows(Read) && Admin.allows(Admin));
        assert!(Write.allows(Read) && Write.allows(Write) && !Write.allows(Admin));
        assert!(Read.allows(Read) && !Read.allows(Write) && !Read.allows(Admin));
        for s in Scope::ALL {
            assert_eq!(Scope::parse(s.as_str()), Some(s));
            assert_eq!(s.as_str().parse::<Scope>(), Ok(s));
        }
        assert_eq!(Scope::parse("Admin"), None);
        assert!("superuser".parse::<Scope>().unwrap_err().contains("read, write or admin"));
    }

    #[test]
    fn names_are_checked() {
        for ok in ["crm", "crm-2025.01", "a_b", &"x".repeat(MAX_NAME_LEN)] {
            check_name(ok).unwrap();
        }
        for bad in ["", "has space", "semi;colon", "lsk_abcdefgh", "ü", &"x".repeat(MAX_NAME_LEN + 1)] {
            assert!(matches!(check_name(bad), Err(StoreError::InvalidApiKey(_))), "{bad:?}");
        }
    }

    #[test]
    fn new_key_records_hash_and_prefix_but_debug_hides_the_hash() {
        let key = generate_key();
        let new = NewApiKey::for_key("crm", Scope::Write, &key, None);
        assert_eq!(new.hash, hash_key(&key));
        assert_eq!(new.prefix, prefix_of(&key));
        new.validate().unwrap();
        let debug = format!("{new:?}");
        assert!(!debug.contains(&new.hash) && !debug.contains(&key), "{debug}");
        let bad = NewApiKey { hash: key.clone(), ..new };
        assert!(matches!(bad.validate(), Err(StoreError::InvalidApiKey(_))));
    }

    #[test]
    fn presented_key_comes_from_either_header() {
        assert_eq!(presented_key(Some(" k1 "), Some("Bearer k2")), Some("k1"));
        assert_eq!(presented_key(None, Some("Bearer k2")), Some("k2"));
        assert_eq!(presented_key(Some(""), Some("bearer   k2 ")), Some("k2"));
        assert_eq!(presented_key(None, Some("Basic dXNlcjpwYXNz")), None);
        assert_eq!(presented_key(None, Some("Bearer")), None);
        assert_eq!(presented_key(None, Some("Bearer   ")), None);
        assert_eq!(presented_key(None, None), None);
    }

    #[test]
    fn rejections_map_to_statuses_and_never_echo_the_key() {
        let cases = [
            (KeyRejection::Missing, 401),
            (KeyRejection::Unknown, 401),
            (KeyRejection::Revoked, 401),
            (KeyRejection::Expired, 401),
            (KeyRejection::InsufficientScope { has: Scope::Read, needs: Scope::Write }, 403),
            (KeyRejection::Store(StoreError::Pool("down".into())), 503),
        ];
        for (r, status) in cases {
            assert_eq!(r.status(), status, "{r:?}");
            assert!(!r.to_string().contains("down"), "store details stay in the log: {r}");
        }
        assert_eq!(
            KeyRejection::InsufficientScope { has: Scope::Read, needs: Scope::Write }.to_string(),
            "this API key has scope read; this request needs write"
        );
    }

    #[test]
    fn status_prefers_revoked_over_expired() {
        let key = ApiKey {
            id: 1,
            name: "k".into(),
            scope: Scope::Read,
            prefix: "lsk_12345678".into(),
            created_at_ms: 0,
            last_used_at_ms: None,
            expires_at_ms: Some(100),
            revoked_at_ms: None,
        };
        assert_eq!(key.status(99), KeyStatus::Active);
        assert_eq!(key.status(100), KeyStatus::Expired);
        assert_eq!(ApiKey { revoked_at_ms: Some(50), ..key.clone() }.status(200), KeyStatus::Revoked);
        assert_eq!(ApiKey { expires_at_ms: None, ..key }.status(i64::MAX), KeyStatus::Active);
    }

    #[tokio::test]
    async fn authorize_looks_up_only_usable_keys_by_hash() {
        let stored = ApiKey {
            id: 7,
            name: "k".into(),
            scope: Scope::Write,
            prefix: "lsk_12345678".into(),
            created_at_ms: 0,
            last_used_at_ms: Some(1_000),
            expires_at_ms: None,
            revoked_at_ms: None,
        };
        let asked = std::sync::Mutex::new(Vec::new());
        let lookup = |hash: String| {
            asked.lock().unwrap().push(hash);
            let found = Some(stored.clone());
            async move { Ok(found) }
        };
        let ok = authorize(Some(" lsk_secret "), Scope::Read, 2_000, lookup).await.unwrap();
        assert_eq!((ok.key.id, ok.hash.as_str()), (7, hash_key("lsk_secret").as_str()));
        assert!(matches!(
            authorize(Some("lsk_secret"), Scope::Admin, 2_000, lookup).await,
            Err(KeyRejection::InsufficientScope { .. })
        ));
        assert!(matches!(authorize(None, Scope::Read, 2_000, lookup).await, Err(KeyRejection::Missing)));
        assert!(matches!(
            authorize(Some(&"x".repeat(300)), Scope::Read, 2_000, lookup).await,
            Err(KeyRejection::Unknown)
        ));
        assert_eq!(asked.lock().unwrap().len(), 2, "missing and oversized keys are refused without a lookup");
        assert!(!needs_touch(&ok.key, 1_000 + TOUCH_INTERVAL_MS - 1));
        assert!(needs_touch(&ok.key, 1_000 + TOUCH_INTERVAL_MS));
        assert!(needs_touch(&ApiKey { last_used_at_ms: None, ..ok.key }, 0));
    }
}
