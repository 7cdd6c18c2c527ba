//! Conditions: parsed and type-checked against the known features once at load (regexes compiled there),
//! then evaluated against a lead's [`Features`]. A feature of the wrong type at run time simply does not
//! match; a rules file that compares a feature with the wrong kind of value is a load error.

use std::collections::BTreeSet;
use std::fmt;

use regex::Regex;
use serde_json::{Map, Value};

use super::error::{Num, RulesError, did_you_mean};
use crate::features::{FeatureKind, Features, KNOWN_FEATURES, feature_info};

/// Where a condition sits, for error messages: the file and the gate or factor it belongs to.
pub(super) struct Place<'a> {
    pub origin: &'a str,
    /// `factor `has_email` in component `contactability``.
    pub owner: &'a str,
}

impl Place<'_> {
    fn at(&self, path: &str) -> String {
        if path == "when" { self.owner.to_string() } else { format!("{} ({path})", self.owner) }
    }

    fn invalid(&self, path: &str, message: impl Into<String>) -> RulesError {
        RulesError::InvalidCondition { origin: self.origin.into(), place: self.at(path), message: message.into() }
    }
}

/// A compiled condition.
#[derive(Debug, Clone)]
pub(super) enum Condition {
    /// Tests on one feature; all must hold.
    Feature {
        feature: String,
        tests: Vec<Test>,
    },
    /// A name in a list feature: `technology: WordPress`, `technology_category: Ecommerce`,
    /// `finding: no_https`.
    Member {
        key: &'static str,
        list: &'static str,
        /// As written, for messages; matched lower-cased.
        original: String,
        lower: String,
    },
    All(Vec<Condition>),
    Any(Vec<Condition>),
    Not(Box<Condition>),
}

/// The membership keys, the list feature each tests, and the words it is shown with.
const MEMBERSHIP: &[(&str, &str, &str)] = &[
    ("technology", "technologies", "uses"),
    ("technology_category", "technology_categories", "uses a technology of category"),
    ("finding", "findings", "has audit finding"),
];

#[derive(Debug, Clone)]
pub(super) enum Test {
    /// `exists: true` / `missing: false` (true) or `missing: true` / `exists: false` (false): the feature is
    /// present and not null.
    Present(bool),
    Equals(Scalar),
    NotEquals(Scalar),
    In(Vec<Scalar>),
    NotIn(Vec<Scalar>),
    Compare(CompareOp, f64),
    Regex(Regex),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum CompareOp {
    Gt,
    Gte,
    Lt,
    Lte,
}

impl CompareOp {
    fn symbol(self) -> &'static str {
        match self {
            Self::Gt => ">",
            Self::Gte => ">=",
            Self::Lt => "<",
            Self::Lte => "<=",
        }
    }
}

/// A literal from the rules file. Strings are kept lower-cased: string equality is case-insensitive,
/// because features such as `vertical` and `country` come from free-text imports.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Scalar {
    Bool(bool),
    Number(f64),
    String { original: String, lower: String },
}

impl Scalar {
    fn from_value(v: &Value) -> Option<Self> {
        match v {
            Value::Bool(b) => Some(Self::Bool(*b)),
            Value::Number(n) => n.as_f64().map(Self::Number),
            Value::String(s) => Some(Self::String { original: s.clone(), lower: s.to_lowercase() }),
            _ => None,
        }
    }

    fn kind(&self) -> FeatureKind {
        match self {
            Self::Bool(_) => FeatureKind::Bool,
            Self::Number(_) => FeatureKind::Number,
            Self::String { .. } => FeatureKind::String,
        }
    }

    fn same_type(&self, v: &Value) -> bool {
        matches!(
            (self, v),
            (Self::Bool(_), Value::Bool(_))
                | (Self::Number(_), Value::Number(_))
                | (Self::String { .. }, Value::String(_))
        )
    }

    fn matches(&self, v: &Value) -> bool {
        match (self, v) {
            (Self::Bool(a), Value::Bool(b)) => a == b,
            (Self::Number(a), Value::Number(b)) => b.as_f64().is_some_and(|b| (a - b).abs() < 1e-9),
            (Self::String { lower, .. }, Value::String(b)) => *lower == b.to_lowercase(),
            _ => false,
        }
    }
}

impl fmt::Display for Scalar {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Bool(b) => write!(f, "{b}"),
            Self::Number(n) => write!(f, "{}", Num(*n)),
            Self::String { original, .. } => write!(f, "{original:?}"),
        }
    }
}

/// Every key a condition may use, for did-you-mean suggestions.
const CONDITION_KEYS: &[&str] = &[
    "feature",
    "technology",
    "technology_category",
    "finding",
    "all",
    "any",
    "not",
    "exists",
    "missing",
    "equals",
    "not_equals",
    "in",
    "not_in",
    "gt",
    ">",
    "gte",
    ">=",
    "lt",
    "<",
    "lte",
    "<=",
    "regex",
];

impl Condition {
    /// Compiles a condition written in a rules file. `path` is where it sits under its factor (`when`,
    /// `when.all[1]`).
    pub(super) fn compile(value: &Value, place: &Place<'_>, path: &str) -> Result<Self, RulesError> {
        let Value::Object(map) = value else {
            return Err(place.invalid(path, "a condition is a map such as { feature: has_email, equals: true }"));
        };
        let composite: Vec<&str> = ["all", "any", "not"].into_iter().filter(|k| map.contains_key(*k)).collect();
        if let Some(&key) = composite.first() {
            if map.len() > 1 {
                return Err(place
                    .invalid(path, format!("`{key}` must stand alone in its condition; nest other tests inside it")));
            }
            return Self::compile_composite(key, &map[key], place, &format!("{path}.{key}"));
        }
        if let Some(&(key, list, _)) = MEMBERSHIP.iter().find(|(k, _, _)| map.contains_key(*k)) {
            if map.len() > 1 {
                return Err(place.invalid(path, format!("`{key}` stands alone in its condition: {{ {key}: NAME }}")));
            }
            return Self::compile_member(key, list, &map[key], place, path);
        }
        Self::compile_feature(map, place, path)
    }

    fn compile_member(
        key: &'static str,
        list: &'static str,
        value: &Value,
        place: &Place<'_>,
        path: &str,
    ) -> Result<Self, RulesError> {
        let Value::String(name) = value else {
            return Err(place.invalid(path, format!("`{key}` takes a name, got {value}")));
        };
        let name = name.trim();
        if name.is_empty() {
            return Err(place.invalid(path, format!("`{key}` needs a name")));
        }
        // Findings are a closed set: a misspelt id would never match, so it is an error with a suggestion.
        if key == "finding" && leadsmith_core::audit::check(name).is_none() {
            let ids = leadsmith_core::audit::CHECKS.iter().map(|c| c.id);
            let hint = did_you_mean(name, ids).map_or_else(String::new, |s| format!(" (did you mean `{s}`?)"));
            return Err(place.invalid(
                path,
                format!("`{name}` is not an audit finding{hint}; `leadsmith rules features` lists them"),
            ));
        }
        Ok(Self::Member { key, list, original: name.to_string(), lower: name.to_lowercase() })
    }

    fn compile_composite(key: &str, value: &Value, place: &Place<'_>, path: &str) -> Result<Self, RulesError> {
        if key == "not" {
            return Ok(Self::Not(Box::new(Self::compile(value, place, path)?)));
        }
        let Value::Array(items) = value else {
            return Err(place.invalid(path, format!("`{key}` takes a list of conditions")));
        };
        if items.is_empty() {
            return Err(place.invalid(path, format!("`{key}` needs at least one condition")));
        }
        let parts = items
            .iter()
            .enumerate()
            .map(|(i, item)| Self::compile(item, place, &format!("{path}[{i}]")))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(if key == "all" { Self::All(parts) } else { Self::Any(parts) })
    }

    fn compile_feature(map: &Map<String, Value>, place: &Place<'_>, path: &str) -> Result<Self, RulesError> {
        // Report unknown keys first: `{ feature: x, equal: true }` should say `equal` is unknown, not that
        // the condition lacks an operator.
        for key in map.keys() {
            if !CONDITION_KEYS.contains(&key.as_str()) {
                return Err(RulesError::UnknownOperator {
                    origin: place.origin.into(),
                    place: place.at(path),
                    operator: key.clone(),
                    suggestion: did_you_mean(key, CONDITION_KEYS.iter().copied()),
                });
            }
        }
        let feature = match map.get("feature") {
            Some(Value::String(name)) => name.clone(),
            Some(_) => return Err(place.invalid(path, "`feature` must be a feature name")),
            None => {
                return Err(place.invalid(path, "a condition names a `feature` (or is an `all`, `any` or `not`)"));
            }
        };
        let Some(info) = feature_info(&feature) else {
            return Err(RulesError::UnknownFeature {
                origin: place.origin.into(),
                place: place.at(path),
                suggestion: did_you_mean(&feature, KNOWN_FEATURES.iter().map(|f| f.name)),
                feature,
            });
        };
        if info.kind == FeatureKind::List
            && let Some((key, ..)) = MEMBERSHIP.iter().find(|(_, list, _)| *list == feature)
            && map.keys().any(|k| !matches!(k.as_str(), "feature" | "exists" | "missing"))
        {
            return Err(place.invalid(path, format!("`{feature}` is a list: test it with {{ {key}: NAME }}")));
        }
        let tests = map
            .iter()
            .filter(|(k, _)| k.as_str() != "feature")
            .map(|(op, v)| compile_test(op, v, &feature, info.kind, place, path))
            .collect::<Result<Vec<_>, _>>()?;
        if tests.is_empty() {
            return Err(place.invalid(path, format!("condition on `{feature}` has no operator (equals, gt, regex, …)")));
        }
        Ok(Self::Feature { feature, tests })
    }

    pub(super) fn eval(&self, features: &Features) -> bool {
        match self {
            Self::Feature { feature, tests } => {
                let value = features.get(feature);
                tests.iter().all(|t| t.eval(value))
            }
            Self::Member { list, lower, .. } => crate::features::list_holds(features, list, lower),
            Self::All(parts) => parts.iter().all(|c| c.eval(features)),
            Self::Any(parts) => parts.iter().any(|c| c.eval(features)),
            Self::Not(inner) => !inner.eval(features),
        }
    }

    pub(super) fn collect_features(&self, into: &mut BTreeSet<String>) {
        match self {
            Self::Feature { feature, .. } => {
                into.insert(feature.clone());
            }
            Self::Member { list, .. } => {
                into.insert((*list).to_string());
            }
            Self::All(parts) | Self::Any(parts) => parts.iter().for_each(|c| c.collect_features(into)),
            Self::Not(inner) => inner.collect_features(into),
        }
    }
}

fn compile_test(
    op: &str,
    value: &Value,
    feature: &str,
    kind: FeatureKind,
    place: &Place<'_>,
    path: &str,
) -> Result<Test, RulesError> {
    let invalid = |message: String| place.invalid(path, message);
    let scalar_of_kind = |v: &Value| -> Result<Scalar, RulesError> {
        let scalar =
            Scalar::from_value(v).ok_or_else(|| invalid(format!("`{op}` takes a {}, got {v}", kind.as_str())))?;
        if scalar.kind() != kind {
            return Err(invalid(format!(
                "`{op}` on `{feature}` (a {} feature) needs a {}, got {v}",
                kind.as_str(),
                kind.as_str()
            )));
        }
        Ok(scalar)
    };
    match op {
        "exists" | "missing" => {
            let Value::Bool(b) = value else {
                return Err(invalid(format!("`{op}` takes true or false, got {value}")));
            };
            Ok(Test::Present(if op == "exists" { *b } else { !*b }))
        }
        "equals" => Ok(Test::Equals(scalar_of_kind(value)?)),
        "not_equals" => Ok(Test::NotEquals(scalar_of_kind(value)?)),
        "in" | "not_in" => {
            let Value::Array(items) = value else {
                return Err(invalid(format!("`{op}` takes a list of values, got {value}")));
            };
            if items.is_empty() {
                return Err(invalid(format!("`{op}` needs at least one value")));
            }
            let list = items.iter().map(scalar_of_kind).collect::<Result<Vec<_>, _>>()?;
            Ok(if op == "in" { Test::In(list) } else { Test::NotIn(list) })
        }
        "gt" | ">" | "gte" | ">=" | "lt" | "<" | "lte" | "<=" => {
            let cmp = match op {
                "gt" | ">" => CompareOp::Gt,
                "gte" | ">=" => CompareOp::Gte,
                "lt" | "<" => CompareOp::Lt,
                _ => CompareOp::Lte,
            };
            let Some(n) = value.as_f64() else {
                return Err(invalid(format!("`{op}` compares numbers, got {value}")));
            };
            if kind != FeatureKind::Number {
                return Err(invalid(format!(
                    "`{op}` compares numbers, but `{feature}` is a {} feature",
                    kind.as_str()
                )));
            }
            Ok(Test::Compare(cmp, n))
        }
        "regex" => {
            let Value::String(pattern) = value else {
                return Err(invalid(format!("`regex` takes a pattern string, got {value}")));
            };
            if kind != FeatureKind::String {
                return Err(invalid(format!("`regex` matches text, but `{feature}` is a {} feature", kind.as_str())));
            }
            let re = Regex::new(pattern).map_err(|e| RulesError::InvalidRegex {
                origin: place.origin.into(),
                place: place.at(path),
                pattern: pattern.clone(),
                message: regex_message(&e),
            })?;
            Ok(Test::Regex(re))
        }
        // `feature`, `all`, `any`, `not` are handled by the caller.
        other => Err(invalid(format!("`{other}` cannot be combined with `feature`"))),
    }
}

/// The regex crate's syntax errors span several lines (pattern, caret, `error: …`); keep the last.
fn regex_message(e: &regex::Error) -> String {
    let text = e.to_string();
    let last = text.lines().map(str::trim).rfind(|l| !l.is_empty()).unwrap_or_default();
    last.strip_prefix("error: ").unwrap_or(last).to_string()
}

impl Test {
    fn eval(&self, value: Option<&Value>) -> bool {
        let value = value.filter(|v| !v.is_null());
        match (self, value) {
            (Self::Present(want), value) => value.is_some() == *want,
            (_, None) => false,
            (Self::Equals(s), Some(value)) => s.matches(value),
            (Self::NotEquals(s), Some(value)) => s.same_type(value) && !s.matches(value),
            (Self::In(list), Some(value)) => list.iter().any(|s| s.matches(value)),
            (Self::NotIn(list), Some(value)) => list[0].same_type(value) && !list.iter().any(|s| s.matches(value)),
            (Self::Compare(op, n), Some(value)) => {
                let Some(x) = value.as_f64().filter(|_| value.is_number()) else {
                    return false;
                };
                match op {
                    CompareOp::Gt => x > *n,
                    CompareOp::Gte => x >= *n,
                    CompareOp::Lt => x < *n,
                    CompareOp::Lte => x <= *n,
                }
            }
            (Self::Regex(re), Some(value)) => value.as_str().is_some_and(|s| re.is_match(s)),
        }
    }
}

fn list(items: &[Scalar]) -> String {
    items.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")
}

impl fmt::Display for Test {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Present(true) => f.write_str("is present"),
            Self::Present(false) => f.write_str("is missing"),
            Self::Equals(s) => write!(f, "equals {s}"),
            Self::NotEquals(s) => write!(f, "does not equal {s}"),
            Self::In(items) => write!(f, "is one of [{}]", list(items)),
            Self::NotIn(items) => write!(f, "is none of [{}]", list(items)),
            Self::Compare(op, n) => write!(f, "{} {}", op.symbol(), Num(*n)),
            Self::Regex(re) => write!(f, "matches /{}/", re.as_str()),
        }
    }
}

impl fmt::Display for Condition {
    /// In words: `has_email equals true`, `pages_ok >= 3 and < 10`, `(a or b)`, `not (x)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let join = |f: &mut fmt::Formatter<'_>, parts: &[Condition], word: &str| -> fmt::Result {
            f.write_str("(")?;
            for (i, part) in parts.iter().enumerate() {
                if i > 0 {
                    write!(f, " {word} ")?;
                }
                write!(f, "{part}")?;
            }
            f.write_str(")")
        };
        match self {
            Self::Feature { feature, tests } => {
                write!(f, "{feature}")?;
                for (i, test) in tests.iter().enumerate() {
                    if i > 0 {
                        f.write_str(" and")?;
                    }
                    write!(f, " {test}")?;
                }
                Ok(())
            }
            Self::Member { key, original, .. } => {
                let words = MEMBERSHIP.iter().find(|(k, ..)| k == key).map_or("has", |(_, _, w)| *w);
                write!(f, "{words} {original}")
            }
            Self::All(parts) if parts.len() == 1 => write!(f, "{}", parts[0]),
            Self::Any(parts) if parts.len() == 1 => write!(f, "{}", parts[0]),
            Self::All(parts) => join(f, parts, "and"),
            Self::Any(parts) => join(f, parts, "or"),
            Self::Not(inner) => write!(f, "not ({inner})"),
        }
    }
}
