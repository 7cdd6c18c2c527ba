//! A light look at lower-cased HTML for judging a response before extraction: visible text, tags by
//! name and their attributes. Not a parser: block and empty-page detection only need strong hints.

/// Text outside tags, skipping `<script>`, `<style>` and comments; whitespace collapsed.
pub(crate) fn visible_text(lower: &str) -> String {
    let mut out = String::new();
    let mut rest = lower;
    let push = |out: &mut String, s: &str| {
        for word in s.split_whitespace() {
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(word);
        }
    };
    while let Some(lt) = rest.find('<') {
        push(&mut out, &rest[..lt]);
        rest = &rest[lt..];
        let past_close = |close: &str| {
            let at = rest.find(close)?;
            rest[at..].find('>').map(|gt| at + gt + 1)
        };
        let skip_to = if rest.starts_with("<!--") {
            rest.find("-->").map(|i| i + 3)
        } else if rest.starts_with("<script") {
            past_close("</script")
        } else if rest.starts_with("<style") {
            past_close("</style")
        } else {
            rest.find('>').map(|i| i + 1)
        };
        match skip_to {
            Some(i) => rest = &rest[i..],
            None => return out,
        }
    }
    push(&mut out, rest);
    out
}

/// Words with a letter or digit in `text` (as [`visible_text`] gives it); a no-break-space entity is
/// no word.
pub(crate) fn word_count(text: &str) -> usize {
    text.split(' ')
        .map(|w| w.replace("&nbsp;", "").replace("&#160;", "").replace("&#xa0;", ""))
        .filter(|w| w.chars().any(char::is_alphanumeric))
        .count()
}

/// The text of the first `open … close` element, tags stripped.
pub(crate) fn inner_text(lower: &str, open: &str, close: &str) -> String {
    let Some(start) = lower.find(open) else {
        return String::new();
    };
    let after = &lower[start..];
    let Some(gt) = after.find('>') else {
        return String::new();
    };
    let body = &after[gt + 1..];
    // An unclosed element: look at a bounded prefix, cut on a character boundary.
    let end = body.find(close).unwrap_or_else(|| body.char_indices().nth(2048).map_or(body.len(), |(i, _)| i));
    visible_text(&body[..end])
}

/// The attribute text of every `<name …>` start tag (exactly that element: `<a` is not `<abbr`).
pub(crate) fn tags<'a>(lower: &'a str, name: &str) -> Vec<&'a str> {
    let open = format!("<{name}");
    lower
        .match_indices(&open)
        .map(|(at, _)| {
            let tag = &lower[at + open.len()..];
            &tag[..tag.find('>').unwrap_or(tag.len())]
        })
        .filter(|attrs| attrs.is_empty() || attrs.starts_with(|c: char| c.is_ascii_whitespace() || c == '/'))
        .collect()
}

/// True when some `open` tag (e.g. `<iframe`) in the lower-cased markup contains `needle` in its
/// attributes.
pub(crate) fn tag_contains(lower: &str, open: &str, needle: &str) -> bool {
    lower.match_indices(open).any(|(at, _)| {
        let tag = &lower[at..];
        let end = tag.find('>').unwrap_or(tag.len());
        tag[..end].contains(needle)
    })
}

/// The value of attribute `name` among a tag's lower-cased attributes (quoted or not).
pub(crate) fn attr<'a>(attrs: &'a str, name: &str) -> Option<&'a str> {
    let (at, _) = attrs.match_indices(name).find(|&(i, _)| {
        attrs[..i].ends_with(|c: char| c.is_ascii_whitespace()) && attrs[i + name.len()..].trim_start().starts_with('=')
    })?;
    let value = attrs[at + name.len()..].trim_start().strip_prefix('=')?.trim_start();
    if let Some(quote) = value.chars().next().filter(|&c| c == '"' || c == '\'') {
        let inner = &value[1..];
        return Some(&inner[..inner.find(quote).unwrap_or(inner.len())]);
    }
    Some(&value[..value.find(|c: char| c.is_ascii_whitespace() || c == '/').unwrap_or(value.len())])
}

/// Form fields a visitor fills in (text, email, tel, … inputs, textareas, selects); hidden inputs and
/// buttons do not count.
pub(crate) fn user_fields(lower: &str) -> usize {
    const NOT_FIELDS: &[&str] = &["hidden", "submit", "button", "image", "reset"];
    let inputs = tags(lower, "input");
    let filled = inputs.iter().filter(|attrs| attr(attrs, "type").is_none_or(|t| !NOT_FIELDS.contains(&t)));
    filled.count() + tags(lower, "textarea").len() + tags(lower, "select").len()
}

/// True when `text` has `first` followed by the word `second` (not a longer number or word).
pub(crate) fn has_word_pair(text: &str, first: &str, second: &str) -> bool {
    let pair = format!("{first} {second}");
    text.match_indices(&pair).any(|(at, _)| {
        let before = text[..at].chars().next_back().is_none_or(|c| !c.is_alphanumeric());
        let after = text[at + pair.len()..].chars().next().is_none_or(|c| !c.is_alphanumeric());
        before && after
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn visible_text_skips_markup() {
        assert_eq!(
            visible_text("<p>a <b>b</b></p><script>var x='<p>no</p>';</script><!-- c --><style>p{}</style> d"),
            "a b d"
        );
        assert_eq!(word_count("&nbsp; a1 - &#160; b"), 2);
    }

    #[test]
    fn tags_and_attributes() {
        let html = r#"<a href="/x"><abbr title=y><a name=top><meta name=description content='a "b"'>"#;
        assert_eq!(tags(html, "a"), [r#" href="/x""#, " name=top"]);
        assert_eq!(tags(html, "meta").iter().find_map(|t| attr(t, "content")), Some(r#"a "b""#));
        assert_eq!(attr(r#" name="x" data-type="a" type = "tel""#, "type"), Some("tel"));
        assert_eq!(attr(" type=email/", "type"), Some("email"));
        assert_eq!(attr(" data-type=a", "type"), None);
        assert!(tag_contains(r#"<p>_incapsula_resource</p><iframe src="/a">"#, "<iframe", "/a"));
        assert!(!tag_contains(r#"<iframe src="/a"></iframe>_incapsula_resource"#, "<iframe", "_incapsula_resource"));
    }

    #[test]
    fn fields_and_word_pairs() {
        assert_eq!(user_fields(r#"<input type="hidden" name=a><input type=submit><input name=q><textarea>"#), 2);
        assert_eq!(user_fields("<input type='email'/><select><inputs>"), 2);
        assert!(has_word_pair("x error 1020 access denied", "error", "1020"));
        assert!(!has_word_pair("error 10200", "error", "1020"));
    }
}
