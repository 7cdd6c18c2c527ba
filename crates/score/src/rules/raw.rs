//! The rules file as written (YAML or TOML, same shape), before validation. Unknown keys are parse errors
//! so that a typo such as `wieght` is reported with its line instead of being silently ignored.

use std::fmt;
use std::marker::PhantomData;

use serde::Deserialize;
use serde::de::{self, MapAccess, Visitor};
use serde_json::Value;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawRules {
    pub version: u64,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub tiers: Option<RawTiers>,
    #[serde(default)]
    pub gates: Vec<RawGate>,
    pub components: OrderedMap<RawComponent>,
    #[serde(default)]
    pub verticals: OrderedMap<RawVertical>,
}

/// Lowest score of each tier; below `C` is `D`.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawTiers {
    #[serde(rename = "A", alias = "a")]
    pub a: f64,
    #[serde(rename = "B", alias = "b")]
    pub b: f64,
    #[serde(rename = "C", alias = "c")]
    pub c: f64,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawGate {
    pub name: String,
    /// For readers of the file; not used in scoring.
    #[serde(default)]
    #[allow(dead_code)]
    pub description: Option<String>,
    /// When this condition holds, the gate fails the lead.
    pub when: Value,
    /// Only `FAILED` is meaningful today; accepted so files can say so explicitly.
    #[serde(default)]
    pub tier: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawComponent {
    pub weight: f64,
    /// For readers of the file; not used in scoring.
    #[serde(default)]
    #[allow(dead_code)]
    pub description: Option<String>,
    #[serde(default)]
    pub factors: Vec<RawFactor>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawFactor {
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
    pub when: Value,
    pub points: f64,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawVertical {
    /// Lead verticals this override applies to, besides its own name.
    #[serde(rename = "match", default)]
    pub matches: Vec<String>,
    /// For readers of the file; not used in scoring.
    #[serde(default)]
    #[allow(dead_code)]
    pub description: Option<String>,
    /// Replaces the named components' weights; the merged set must still sum to 1.
    #[serde(default)]
    pub weights: OrderedMap<f64>,
    /// Extra factors appended to the named components.
    #[serde(default)]
    pub factors: OrderedMap<Vec<RawFactor>>,
    #[serde(default)]
    pub tiers: Option<RawTiers>,
    /// Extra gates checked after the base gates.
    #[serde(default)]
    pub gates: Vec<RawGate>,
}

/// A string-keyed map that keeps the file's order (components are reported in the order they are written)
/// and refuses duplicate keys.
#[derive(Debug)]
pub(super) struct OrderedMap<V>(pub Vec<(String, V)>);

impl<V> Default for OrderedMap<V> {
    fn default() -> Self {
        Self(Vec::new())
    }
}

impl<'de, V: Deserialize<'de>> Deserialize<'de> for OrderedMap<V> {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct OrderedVisitor<V>(PhantomData<V>);

        impl<'de, V: Deserialize<'de>> Visitor<'de> for OrderedVisitor<V> {
            type Value = OrderedMap<V>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a map")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut entries: Vec<(String, V)> = Vec::new();
                while let Some(key) = map.next_key::<String>()? {
                    if entries.iter().any(|(k, _)| *k == key) {
                        return Err(de::Error::custom(format!("duplicate key `{key}`")));
                    }
                    let value = map.next_value()?;
                    entries.push((key, value));
                }
                Ok(OrderedMap(entries))
            }
        }

        deserializer.deserialize_map(OrderedVisitor(PhantomData))
    }
}
