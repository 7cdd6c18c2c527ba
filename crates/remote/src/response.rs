//! Reading a score out of a response body.

use serde_json::Value;

/// Where the score is in the response. With no pointer: a bare number (also as text, e.g. a CSV line),
/// `[x]`, `{"predictions": [...]}`, `{"score": x}` and nestings of those, first element first.
pub(crate) fn extract_score(body: &[u8], pointer: Option<&str>) -> Result<f64, String> {
    let text = std::str::from_utf8(body).map_err(|_| "response body is not UTF-8".to_owned())?.trim();
    if pointer.is_none()
        && let Some(v) = text.split([',', '\n']).next().and_then(|first| first.trim().parse::<f64>().ok())
        && !text.starts_with(['[', '{'])
    {
        return finite(v);
    }
    let json: Value = serde_json::from_str(text).map_err(|e| format!("response is not JSON or a number: {e}"))?;
    match pointer {
        Some(pointer) => {
            let found = json.pointer(pointer).ok_or_else(|| format!("response has nothing at {pointer:?}"))?;
            number(found).ok_or_else(|| format!("value at {pointer:?} is not a number"))
        }
        None => search(&json, 0).ok_or_else(|| "no score found in response".to_owned()),
    }
    .and_then(finite)
}

fn finite(v: f64) -> Result<f64, String> {
    if v.is_finite() { Ok(v) } else { Err(format!("score {v} is not finite")) }
}

fn number(value: &Value) -> Option<f64> {
    match value {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse().ok(),
        Value::Array(items) if items.len() == 1 => number(&items[0]),
        _ => None,
    }
}

fn search(value: &Value, depth: usize) -> Option<f64> {
    if depth > 8 {
        return None;
    }
    match value {
        Value::Number(n) => n.as_f64(),
        Value::Array(items) => items.first().and_then(|first| search(first, depth + 1)),
        Value::Object(map) => ["predictions", "score", "scores", "probability", "prediction", "output", "result"]
            .iter()
            .find_map(|key| map.get(*key))
            .and_then(|v| search(v, depth + 1)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::extract_score;

    #[test]
    fn default_shapes() {
        for (body, want) in [
            ("0.75", 0.75),
            ("0.5\n", 0.5),
            ("0.25,0.75", 0.25),
            ("[0.9]", 0.9),
            ("[[0.1, 0.9]]", 0.1),
            (r#"{"score": 0.3}"#, 0.3),
            (r#"{"predictions": [{"score": 0.42}]}"#, 0.42),
            (r#"{"predictions": [0.8]}"#, 0.8),
        ] {
            assert_eq!(extract_score(body.as_bytes(), None), Ok(want), "{body}");
        }
    }

    #[test]
    fn pointer_and_errors() {
        assert_eq!(extract_score(br#"{"result": {"p": "0.6"}}"#, Some("/result/p")), Ok(0.6));
        assert_eq!(extract_score(br#"{"result": {"p": [0.6]}}"#, Some("/result/p")), Ok(0.6));
        assert!(extract_score(br#"{"x": 1}"#, Some("/score")).unwrap_err().contains("/score"));
        assert!(extract_score(br#"{"x": 1}"#, None).is_err());
        assert!(extract_score(b"<html>", None).is_err());
        assert!(extract_score(b"NaN", None).is_err());
    }
}
