//! Helpers shared by the parity tests.

use std::path::Path;

/// A numeric CSV: the header, then rows where an empty cell is NaN.
pub fn read_csv(path: &Path) -> (Vec<String>, Vec<Vec<f64>>) {
    let mut reader = csv::Reader::from_path(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let header = reader.headers().expect("header").iter().map(str::to_string).collect();
    let rows = reader
        .records()
        .map(|record| {
            record
                .expect("record")
                .iter()
                .map(|cell| if cell.is_empty() { f64::NAN } else { cell.parse().expect("number") })
                .collect()
        })
        .collect();
    (header, rows)
}
