//! CSV files people open in spreadsheets. A cell from a CRM export or a crawled page that starts with `=`,
//! `+`, `-`, `@`, a tab or a carriage return is a formula to Excel, Sheets and LibreOffice (CSV injection);
//! every CSV leadsmith writes goes through [`CsvOut`], which neutralises such cells the way OWASP
//! recommends (a leading `'`) unless told to keep them (`--keep-formulas`, `[export] keep_formulas`).

use std::borrow::Cow;
use std::io::Write;

/// The characters a spreadsheet reads as the start of a formula.
const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// `cell` made safe to open in a spreadsheet: prefixed with `'` when it would start a formula. Plain
/// numbers (`-3.5`, `+1`) are left alone: they are values, not formulas.
pub fn neutralise(cell: &str) -> Cow<'_, str> {
    let starts_formula = cell.starts_with(FORMULA_STARTS);
    if !starts_formula || is_plain_number(cell) {
        return Cow::Borrowed(cell);
    }
    Cow::Owned(format!("'{cell}"))
}

fn is_plain_number(cell: &str) -> bool {
    cell.len() > 1
        && cell.bytes().all(|b| b.is_ascii_digit() || matches!(b, b'+' | b'-' | b'.'))
        && cell.parse::<f64>().is_ok_and(f64::is_finite)
}

/// A CSV writer whose cells are neutralised unless `keep_formulas`.
pub struct CsvOut<W: Write> {
    writer: csv::Writer<W>,
    keep_formulas: bool,
}

impl<W: Write> CsvOut<W> {
    pub fn new(out: W, keep_formulas: bool) -> Self {
        Self { writer: csv::Writer::from_writer(out), keep_formulas }
    }

    /// Writes one record.
    pub fn write<I, S>(&mut self, record: I) -> csv::Result<()>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        for cell in record {
            let cell = cell.as_ref();
            let cell = if self.keep_formulas { Cow::Borrowed(cell) } else { neutralise(cell) };
            self.writer.write_field(cell.as_bytes())?;
        }
        self.writer.write_record(None::<&[u8]>)
    }

    pub fn flush(&mut self) -> std::io::Result<()> {
        self.writer.flush()
    }

    /// The underlying writer, flushed.
    pub fn into_inner(self) -> anyhow::Result<W> {
        Ok(self.writer.into_inner().map_err(|e| e.into_error())?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_neutralised_and_values_kept() {
        for (cell, safe) in [
            ("=HYPERLINK(\"http://evil.test\",\"x\")", "'=HYPERLINK(\"http://evil.test\",\"x\")"),
            ("+1 (415) 555-0100", "'+1 (415) 555-0100"),
            ("-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0"),
            ("@SUM(1+1)*cmd|' /C calc'!A0", "'@SUM(1+1)*cmd|' /C calc'!A0"),
            ("\t=1+1", "'\t=1+1"),
            ("\r=1+1", "'\r=1+1"),
            ("-", "'-"),
            ("-3.5", "-3.5"),
            ("+14155550100", "+14155550100"),
            ("Acme = best", "Acme = best"),
            ("", ""),
        ] {
            assert_eq!(neutralise(cell), safe, "{cell:?}");
        }
    }

    #[test]
    fn the_writer_neutralises_unless_told_to_keep() {
        let mut safe = CsvOut::new(Vec::new(), false);
        safe.write(["=1+1", "ok"]).unwrap();
        assert_eq!(String::from_utf8(safe.into_inner().unwrap()).unwrap(), "'=1+1,ok\n");
        let mut raw = CsvOut::new(Vec::new(), true);
        raw.write(["=1+1", "ok"]).unwrap();
        assert_eq!(String::from_utf8(raw.into_inner().unwrap()).unwrap(), "=1+1,ok\n");
    }
}
