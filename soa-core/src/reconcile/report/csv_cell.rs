//! CSV cells that a spreadsheet cannot run: OWASP's neutralization of formula-leading cells (a
//! leading `'`), and its inverse for readers of the library's own CSV.

use std::borrow::Cow;

/// The characters that make a spreadsheet read a cell as a formula when they start it.
const FORMULA_LEADS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// Whether `cell` would need a leading `'`: it starts with a formula character, after any
/// number of `'` (so that a value that already starts with `'` keeps its own).
fn needs_prefix(cell: &str) -> bool {
    cell.trim_start_matches('\'').starts_with(FORMULA_LEADS)
}

/// The text written for `cell`: `'` before a formula-leading cell, the cell itself otherwise.
pub(crate) fn neutralize(cell: &str) -> Cow<'_, str> {
    if needs_prefix(cell) {
        Cow::Owned(format!("'{cell}"))
    } else {
        Cow::Borrowed(cell)
    }
}

/// The value of a cell of the library's CSV report as written: the `'` the writer puts
/// before a cell that would start a spreadsheet formula (`=`, `+`, `-`, `@`, tab, carriage
/// return) is taken off again, so reading the report gives back exactly what was written.
pub fn csv_cell_value(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest) if needs_prefix(rest) => rest,
        _ => cell,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_cells_get_a_quote_that_reading_takes_off() {
        for (value, written) in [
            ("=1+1", "'=1+1"),
            ("+49 30 1234", "'+49 30 1234"),
            ("-2", "'-2"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\tx", "'\tx"),
            ("\rx", "'\rx"),
            ("'=x", "''=x"),
            ("''+x", "'''+x"),
            ("'quoted'", "'quoted'"),
            ("plain", "plain"),
            ("a=b", "a=b"),
            ("", ""),
            ("'", "'"),
        ] {
            assert_eq!(neutralize(value), written, "{value:?}");
            assert_eq!(csv_cell_value(written), value, "{written:?}");
        }
    }
}
