//! The one reading of a spreadsheet cell shared by import, rules, scoring and training, so that a column
//! means the same everywhere: empty (also `nan`, `null`), a yes/no (`true`/`yes`, `false`/`no`, any case),
//! a finite number, or text.

use serde_json::Value;

/// A cell's typed value.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Empty,
    Bool(bool),
    Number(f64),
    Text(String),
}

impl Cell {
    /// Reads a cell (surrounding whitespace ignored).
    pub fn parse(text: &str) -> Self {
        let t = text.trim();
        match t.to_ascii_lowercase().as_str() {
            "" | "nan" | "null" => return Self::Empty,
            "true" | "yes" => return Self::Bool(true),
            "false" | "no" => return Self::Bool(false),
            _ => {}
        }
        match t.parse::<f64>() {
            Ok(x) if x.is_finite() => Self::Number(x),
            _ => Self::Text(t.to_string()),
        }
    }

    /// As JSON: empty is `null`.
    pub fn to_json(&self) -> Value {
        match self {
            Self::Empty => Value::Null,
            Self::Bool(b) => Value::Bool(*b),
            Self::Number(x) => serde_json::Number::from_f64(*x).map_or(Value::Null, Value::Number),
            Self::Text(t) => Value::String(t.clone()),
        }
    }

    /// As a number: yes/no is 1/0, empty is NaN (a missing value); text is not a number.
    pub fn as_number(&self) -> Option<f64> {
        match self {
            Self::Empty => Some(f64::NAN),
            Self::Bool(b) => Some(f64::from(u8::from(*b))),
            Self::Number(x) => Some(*x),
            Self::Text(_) => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_reading_of_a_cell() {
        for (text, cell) in [
            ("", Cell::Empty),
            ("  NaN ", Cell::Empty),
            ("null", Cell::Empty),
            ("Yes", Cell::Bool(true)),
            ("TRUE", Cell::Bool(true)),
            ("no", Cell::Bool(false)),
            (" 42 ", Cell::Number(42.0)),
            ("-1.5e3", Cell::Number(-1500.0)),
            ("inf", Cell::Text("inf".into())),
            ("Closed Won", Cell::Text("Closed Won".into())),
        ] {
            assert_eq!(Cell::parse(text), cell, "{text:?}");
        }
        assert_eq!(Cell::parse("yes").as_number(), Some(1.0));
        assert!(Cell::parse("").as_number().unwrap().is_nan());
        assert_eq!(Cell::parse("acme").as_number(), None);
        assert_eq!(Cell::parse("no").to_json(), Value::Bool(false));
        assert_eq!(Cell::parse("").to_json(), Value::Null);
    }
}
