//! JSON-LD script text → flattened JSON objects. Damage that CMSs commonly do (JS comments, trailing commas,
//! raw newlines in strings, entity-escaped quotes, `<!--`/CDATA wrappers) is repaired; anything else is
//! skipped with a warning.

use serde_json::Value;

use super::text::decode_entities;

const MAX_NODES: usize = 256;
const MAX_DEPTH: usize = 16;

/// Parses every script and flattens arrays and `@graph` into one list of objects.
pub(crate) fn parse_scripts(scripts: &[String], warnings: &mut Vec<String>) -> Vec<Value> {
    let mut nodes = Vec::new();
    for (i, script) in scripts.iter().enumerate() {
        match parse_script(script) {
            Ok(values) => {
                for v in values {
                    flatten(v, &mut nodes, 0);
                }
            }
            Err(e) => warnings.push(format!("malformed JSON-LD skipped (script {}): {e}", i + 1)),
        }
    }
    nodes.truncate(MAX_NODES);
    nodes
}

/// Parses one script's text, repairing it if it does not parse as written.
pub(crate) fn parse_script(src: &str) -> Result<Vec<Value>, String> {
    let trimmed = src.trim();
    if trimmed.is_empty() {
        return Ok(Vec::new());
    }
    if let Ok(values) = parse_stream(trimmed) {
        return Ok(values);
    }
    let repaired = repair(trimmed);
    parse_stream(&repaired).map_err(|e| e.to_string())
}

/// One or more concatenated JSON values (some sites put two objects in one script).
fn parse_stream(s: &str) -> Result<Vec<Value>, serde_json::Error> {
    let mut values = Vec::new();
    for v in serde_json::Deserializer::from_str(s).into_iter::<Value>() {
        values.push(v?);
    }
    Ok(values)
}

/// Applies the safe repairs; the result may still be invalid.
pub(crate) fn repair(src: &str) -> String {
    let s = strip_wrappers(src);
    // Entity-escaped JSON (`{&quot;@type&quot;: …}`) has no real quotes at all, so decoding it is safe.
    let has_quote_entity = s.contains("&quot;") || s.contains("&#34;") || s.contains("&#x22;");
    if !s.contains('"') && has_quote_entity { scrub(&decode_entities(s)) } else { scrub(s) }
}

/// Drops `<!-- … -->` and `<![CDATA[ … ]]>` wrappers (also behind `//`) and a trailing `;`.
fn strip_wrappers(src: &str) -> &str {
    let mut s = src.trim();
    loop {
        let before = s.len();
        for prefix in ["<!--", "//<![CDATA[", "/*<![CDATA[*/", "<![CDATA["] {
            if let Some(rest) = s.strip_prefix(prefix) {
                s = rest.trim_start();
            }
        }
        for suffix in ["-->", "//]]>", "/*]]>*/", "]]>", ";"] {
            if let Some(rest) = s.strip_suffix(suffix) {
                s = rest.trim_end();
            }
        }
        if let Some(rest) = s.strip_suffix("//") {
            s = rest.trim_end();
        }
        if s.len() == before {
            return s;
        }
    }
}

/// One pass that knows whether it is inside a string: removes `//` and `/* */` comments and trailing commas
/// outside strings, and escapes raw control characters inside them.
fn scrub(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = String::with_capacity(s.len() + 16);
    let mut in_string = false;
    let mut i = 0;
    let mut copied = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if in_string {
            match b {
                b'\\' => i += 2,
                b'"' => {
                    in_string = false;
                    i += 1;
                }
                0x00..=0x1f => {
                    out.push_str(&s[copied..i]);
                    match b {
                        b'\n' => out.push_str("\\n"),
                        b'\r' => out.push_str("\\r"),
                        b'\t' => out.push_str("\\t"),
                        _ => out.push_str(&format!("\\u{b:04x}")),
                    }
                    i += 1;
                    copied = i;
                }
                _ => i += 1,
            }
            continue;
        }
        match b {
            b'"' => {
                in_string = true;
                i += 1;
            }
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                out.push_str(&s[copied..i]);
                i = memchr::memchr(b'\n', &bytes[i..]).map_or(bytes.len(), |n| i + n);
                copied = i;
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                out.push_str(&s[copied..i]);
                i = memchr::memmem::find(&bytes[i + 2..], b"*/").map_or(bytes.len(), |n| i + 2 + n + 2);
                copied = i;
            }
            b',' => {
                let next = bytes[i + 1..].iter().position(|c| !c.is_ascii_whitespace()).map(|n| bytes[i + 1 + n]);
                if matches!(next, Some(b'}' | b']') | None) {
                    out.push_str(&s[copied..i]);
                    copied = i + 1;
                }
                i += 1;
            }
            _ => i += 1,
        }
    }
    out.push_str(&s[copied.min(s.len())..]);
    out
}

/// Arrays and `@graph` containers become their members; everything else that is an object is kept.
fn flatten(value: Value, out: &mut Vec<Value>, depth: usize) {
    if depth > MAX_DEPTH || out.len() >= MAX_NODES {
        return;
    }
    match value {
        Value::Array(items) => {
            for item in items {
                flatten(item, out, depth + 1);
            }
        }
        Value::Object(mut obj) => match obj.remove("@graph") {
            Some(graph) => {
                let has_more = obj.keys().any(|k| k != "@context");
                flatten(graph, out, depth + 1);
                if has_more {
                    out.push(Value::Object(obj));
                }
            }
            None => out.push(Value::Object(obj)),
        },
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn one(src: &str) -> Value {
        let mut v = parse_script(src).unwrap_or_else(|e| panic!("{src:?}: {e}"));
        assert_eq!(v.len(), 1, "{src:?}");
        v.remove(0)
    }

    #[test]
    fn valid_json_is_untouched() {
        assert_eq!(one(r#"{"name": "A // B, /* c */", "x": [1,2]}"#), json!({"name": "A // B, /* c */", "x": [1, 2]}));
    }

    #[test]
    fn each_repair() {
        let want = json!({"@type": "Dentist", "name": "Acme"});
        for src in [
            "{\"@type\": \"Dentist\", // the type\n \"name\": \"Acme\"}",
            "{\"@type\": \"Dentist\", /* block\n comment */ \"name\": \"Acme\"}",
            "{\"@type\": \"Dentist\", \"name\": \"Acme\",}",
            "{&quot;@type&quot;: &quot;Dentist&quot;, &quot;name&quot;: &quot;Acme&quot;}",
            "<!-- {\"@type\": \"Dentist\", \"name\": \"Acme\"} -->",
            "//<![CDATA[\n{\"@type\": \"Dentist\", \"name\": \"Acme\"}\n//]]>",
            "<![CDATA[{\"@type\": \"Dentist\", \"name\": \"Acme\"}]]>",
            "{\"@type\": \"Dentist\", \"name\": \"Acme\"};",
        ] {
            assert_eq!(one(src), want, "{src:?}");
        }
        assert_eq!(one("{\"d\": \"line one\nline\ttwo\u{1}\",\n}"), json!({"d": "line one\nline\ttwo\u{1}"}));
        assert_eq!(one("{\"a\": [1, 2, ], }"), json!({"a": [1, 2]}));
        assert_eq!(one("{&quot;n&quot;: &quot;AT&amp;T&quot;}"), json!({"n": "AT&T"}));
    }

    #[test]
    fn unrepairable_is_an_error_and_a_warning() {
        assert!(parse_script("{\"a\": }").is_err());
        assert!(parse_script("var x = {a: 1}").is_err());
        let mut warnings = Vec::new();
        let nodes = parse_scripts(&["{oops".into(), "{\"@type\": \"Thing\"}".into(), "  ".into()], &mut warnings);
        assert_eq!(nodes.len(), 1);
        assert_eq!(warnings.len(), 1);
        assert!(warnings[0].contains("script 1"), "{warnings:?}");
    }

    #[test]
    fn graph_and_arrays_flatten() {
        let mut w = Vec::new();
        let src = r#"{"@context": "https://schema.org", "@graph": [{"@type": "WebSite"}, [{"@type": "Dentist"}]]}
                     [{"@type": "Person"}]"#;
        let nodes = parse_scripts(&[src.into()], &mut w);
        let types: Vec<_> = nodes.iter().map(|n| n["@type"].as_str().unwrap()).collect();
        assert_eq!(types, ["WebSite", "Dentist", "Person"]);
        assert!(w.is_empty());
    }

    #[test]
    fn scrub_never_panics_on_odd_endings() {
        for s in ["\"abc\\", "/", "/*", ",", "\"\u{1}", "{\"a\":1,"] {
            let _ = repair(s);
        }
    }
}
