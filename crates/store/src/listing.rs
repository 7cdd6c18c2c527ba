//! The lead listing's conditions and order, written once for both backends: each backend wraps its own
//! select (columns `id`, `data`, `company`, `domain`, `deleted_at`, `score`, `tier`, `crawl`, `listing_rank`)
//! and supplies placeholders and JSON access through [`Dialect`].

use crate::{LeadCursor, LeadFilter};

/// A value bound to a placeholder.
pub(crate) enum Arg {
    Text(String),
    Real(f64),
    Int(i64),
}

/// What differs between the backends' SQL.
pub(crate) trait Dialect {
    /// Binds `arg` and returns its placeholder (typed where the backend cannot infer it).
    fn bind(&mut self, arg: Arg) -> String;
    /// The text at `path` (constant field names) in the `data` column's JSON, NULL when absent.
    fn json_text(&self, path: &[&str]) -> String;
}

/// The listing rank over the inner select's `score` and `tier`, as [`LeadCursor::rank_of`] computes it.
pub(crate) const RANK_SQL: &str = "CASE WHEN score IS NULL THEN 2 WHEN tier = 'FAILED' THEN 1 ELSE 0 END";

/// The listing order; `id` makes it total, so keyset pages neither skip nor repeat. Within one rank the
/// scores are all present or all absent, so where NULLs sort does not matter.
pub(crate) const ORDER_SQL: &str = " ORDER BY listing_rank, score DESC, id";

/// ` WHERE …` for `filter` (empty when nothing is filtered), binding its values through `d`.
pub(crate) fn where_sql(filter: &LeadFilter, d: &mut impl Dialect) -> String {
    let mut conditions: Vec<String> = Vec::new();
    if !filter.include_deleted {
        conditions.push("deleted_at IS NULL".into());
    }
    if let Some(tier) = &filter.tier {
        conditions.push(format!("tier = {}", d.bind(Arg::Text(tier.to_ascii_uppercase()))));
    }
    if let Some(min) = filter.min_score {
        conditions.push(format!("score >= {}", d.bind(Arg::Real(min))));
    }
    if let Some(max) = filter.max_score {
        conditions.push(format!("score <= {}", d.bind(Arg::Real(max))));
    }
    if let Some(vertical) = &filter.vertical {
        let value = d.bind(Arg::Text(vertical.clone()));
        conditions.push(format!("lower({}) = lower({value})", d.json_text(&["vertical"])));
    }
    match filter.crawl_status.as_deref() {
        None => {}
        Some("none") => conditions.push("crawl IS NULL".into()),
        Some(status) => conditions.push(format!("crawl = {}", d.bind(Arg::Text(status.to_string())))),
    }
    if let Some(text) = &filter.text {
        let pattern = d.bind(Arg::Text(format!("%{}%", escape_like(text))));
        // Both sides through the backend's own lower(), so they fold alike whatever it does beyond ASCII.
        let fields = [
            "company".to_string(),
            "domain".to_string(),
            d.json_text(&["website"]),
            d.json_text(&["email"]),
            d.json_text(&["external_id"]),
            d.json_text(&["address", "city"]),
        ];
        let any: Vec<String> = fields.iter().map(|f| format!("lower({f}) LIKE lower({pattern}) ESCAPE '\\'")).collect();
        conditions.push(format!("({})", any.join(" OR ")));
    }
    if let Some(cursor) = &filter.after {
        conditions.push(after_sql(cursor, d));
    }
    if conditions.is_empty() { String::new() } else { format!(" WHERE {}", conditions.join(" AND ")) }
}

/// Rows strictly after `cursor` in [`ORDER_SQL`].
fn after_sql(cursor: &LeadCursor, d: &mut impl Dialect) -> String {
    let rank = d.bind(Arg::Int(i64::from(cursor.rank)));
    let id = d.bind(Arg::Int(cursor.id));
    match cursor.score {
        // Unscored leads (rank 2) are ordered by id alone.
        Some(score) if cursor.rank < 2 => {
            let score = d.bind(Arg::Real(score));
            format!(
                "(listing_rank > {rank} OR (listing_rank = {rank} AND (score < {score} OR (score = {score} AND id > {id}))))"
            )
        }
        _ => format!("(listing_rank > {rank} OR (listing_rank = {rank} AND id > {id}))"),
    }
}

/// `text` with LIKE's wildcards and the escape character escaped, so it matches literally.
fn escape_like(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_wildcards_are_escaped() {
        assert_eq!(escape_like(r"50%_off\now"), r"50\%\_off\\now");
        assert_eq!(escape_like("plain"), "plain");
    }
}
