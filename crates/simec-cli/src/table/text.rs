//! Reading CSV / TSV / `;`-separated text (the `csv` crate) and whitespace-separated text.

use std::path::Path;

use simec::Matrix;

use super::{io_err, Header, Origin, Table, TableError};

/// How the cells of a text line are separated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Delimiter {
    Byte(u8),
    Whitespace,
}

const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// The lines of `bytes`, each ended by `\n`, `\r\n` or a lone `\r` (old Mac files), without
/// the terminator; numbered from 1.
fn lines(bytes: &[u8]) -> impl Iterator<Item = (u64, &[u8])> {
    let mut rest = bytes;
    let mut line_no = 0u64;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        line_no += 1;
        let end = rest
            .iter()
            .position(|&b| b == b'\n' || b == b'\r')
            .unwrap_or(rest.len());
        let line = &rest[..end];
        let skip = match rest[end..] {
            [b'\r', b'\n', ..] => 2,
            [] => 0,
            _ => 1,
        };
        rest = &rest[end + skip..];
        Some((line_no, line))
    })
}

/// A line that holds no data: empty, only whitespace, or a `#` comment.
fn is_blank_or_comment(line: &[u8]) -> bool {
    let t = line.trim_ascii();
    t.is_empty() || t[0] == b'#'
}

/// Sniffs the delimiter from the first line that is neither blank nor a comment.
fn sniff_delimiter(bytes: &[u8]) -> Delimiter {
    let Some((_, line)) = lines(bytes).find(|(_, l)| !is_blank_or_comment(l)) else {
        return Delimiter::Byte(b',');
    };
    [b',', b'\t', b';']
        .into_iter()
        .find(|d| line.contains(d))
        .map_or(Delimiter::Whitespace, Delimiter::Byte)
}

fn parse_cell(cell: &str) -> Option<f32> {
    let t = cell.trim();
    if t.is_empty() {
        Some(f32::NAN)
    } else {
        t.parse::<f32>().ok()
    }
}

/// Accumulates rows: the header decision, the column count and the empty-column check.
struct Builder<'a> {
    path: &'a Path,
    rule: Header,
    data: Vec<f32>,
    cols: usize,
    first_line: u64,
    row_lines: Vec<u64>,
    header: Option<(u64, Vec<String>)>,
    seen_first: bool,
    /// Per column: every cell so far was empty text.
    all_empty: Vec<bool>,
}

impl Builder<'_> {
    /// Whether the first row `cells` is a header under the rule.
    fn is_header(&self, cells: &[&str]) -> bool {
        match self.rule {
            Header::Present => true,
            Header::Absent => false,
            Header::Auto => {
                let any_number = cells
                    .iter()
                    .any(|c| !c.trim().is_empty() && c.trim().parse::<f32>().is_ok());
                let any_text = cells.iter().any(|c| !c.trim().is_empty());
                any_text && !any_number
            }
        }
    }

    fn push(&mut self, line: u64, cells: &[&str]) -> Result<(), TableError> {
        if !self.seen_first {
            self.seen_first = true;
            if self.is_header(cells) {
                let names = cells.iter().map(|c| c.trim().to_string()).collect();
                self.header = Some((line, names));
                return Ok(());
            }
        }
        self.check_width(line, cells)?;
        for (i, c) in cells.iter().enumerate() {
            let v = parse_cell(c).ok_or_else(|| TableError::Parse {
                path: self.path.to_path_buf(),
                line,
                col: i + 1,
                cell: c.trim().to_string(),
            })?;
            self.all_empty[i] &= c.trim().is_empty();
            self.data.push(v);
        }
        self.row_lines.push(line);
        Ok(())
    }

    /// Every data row has as many cells as the header names, or as the first data row.
    fn check_width(&mut self, line: u64, cells: &[&str]) -> Result<(), TableError> {
        if let Some((header_line, names)) = &self.header {
            if cells.len() != names.len() {
                let trailing = cells.len() == names.len() + 1
                    && cells.last().is_some_and(|c| c.trim().is_empty());
                return Err(TableError::HeaderWidth {
                    path: self.path.to_path_buf(),
                    line,
                    found: cells.len(),
                    names: names.len(),
                    header_line: *header_line,
                    hint: if trailing {
                        "; the line ends with a delimiter (remove the trailing delimiters)"
                    } else {
                        ""
                    },
                });
            }
        }
        if self.row_lines.is_empty() {
            self.cols = cells.len();
            self.first_line = line;
            self.all_empty = vec![true; cells.len()];
        } else if cells.len() != self.cols {
            return Err(TableError::Ragged {
                path: self.path.to_path_buf(),
                line,
                found: cells.len(),
                expected: self.cols,
                first_line: self.first_line,
            });
        }
        Ok(())
    }

    fn finish(self) -> Result<Table, TableError> {
        if self.row_lines.is_empty() || self.cols == 0 {
            return Err(TableError::Empty {
                path: self.path.to_path_buf(),
                message: "no data rows (an empty file, or only a header / comments)".to_string(),
            });
        }
        if let Some(c) = self.all_empty.iter().position(|&e| e) {
            return Err(TableError::EmptyColumn {
                path: self.path.to_path_buf(),
                col: c + 1,
                hint: if c + 1 == self.cols {
                    "; every line ends with a delimiter? remove the trailing delimiters"
                } else {
                    "; remove the column (a doubled delimiter?)"
                },
            });
        }
        let rows = self.row_lines.len();
        let matrix = Matrix::new(rows, self.cols, self.data).map_err(|e| TableError::Empty {
            path: self.path.to_path_buf(),
            message: e.to_string(),
        })?;
        Ok(Table {
            path: self.path.to_path_buf(),
            matrix,
            header: self.header.map(|(_, names)| names),
            origin: Origin::Text {
                row_lines: self.row_lines,
            },
        })
    }
}

/// Reads a text table (see the module docs of [`super`]).
pub(super) fn read_text(path: &Path, rule: Header) -> Result<Table, TableError> {
    let bytes = std::fs::read(path).map_err(|e| io_err(path, "cannot read", e))?;
    // A UTF-8 byte-order mark (Excel, Notepad) is not part of the first cell.
    let bytes = bytes.strip_prefix(UTF8_BOM).unwrap_or(&bytes);
    let mut b = Builder {
        path,
        rule,
        data: Vec::new(),
        cols: 0,
        first_line: 0,
        row_lines: Vec::new(),
        header: None,
        seen_first: false,
        all_empty: Vec::new(),
    };
    match sniff_delimiter(bytes) {
        Delimiter::Whitespace => read_whitespace(bytes, &mut b)?,
        Delimiter::Byte(d) => read_delimited(bytes, d, &mut b)?,
    }
    b.finish()
}

fn not_utf8(path: &Path, line: u64, col: usize) -> TableError {
    TableError::NotUtf8 {
        path: path.to_path_buf(),
        line,
        col,
    }
}

/// Runs of spaces / tabs separate the cells (as `numpy.savetxt` writes).
fn read_whitespace(bytes: &[u8], b: &mut Builder<'_>) -> Result<(), TableError> {
    let mut cells: Vec<&str> = Vec::new();
    for (line_no, line) in lines(bytes) {
        if is_blank_or_comment(line) {
            continue;
        }
        cells.clear();
        for (i, cell) in line
            .split(u8::is_ascii_whitespace)
            .filter(|c| !c.is_empty())
            .enumerate()
        {
            cells.push(std::str::from_utf8(cell).map_err(|_| not_utf8(b.path, line_no, i + 1))?);
        }
        b.push(line_no, &cells)?;
    }
    Ok(())
}

/// `,` / tab / `;`: the `csv` crate (quoted fields, `\n`, `\r\n` and `\r` line ends).
fn read_delimited(bytes: &[u8], delimiter: u8, b: &mut Builder<'_>) -> Result<(), TableError> {
    let mut rdr = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        .flexible(true)
        .comment(Some(b'#'))
        .from_reader(bytes);
    let mut record = csv::ByteRecord::new();
    loop {
        match rdr.read_byte_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line());
                return Err(io_err(b.path, &format!("line {line}: cannot read"), e));
            }
        }
        let line_no = record.position().map_or(0, |p| p.line());
        let cells = record
            .iter()
            .enumerate()
            .map(|(i, c)| std::str::from_utf8(c).map_err(|_| not_utf8(b.path, line_no, i + 1)))
            .collect::<Result<Vec<&str>, _>>()?;
        // A line holding only whitespace is skipped like an empty one.
        if cells.len() == 1 && cells[0].trim().is_empty() {
            continue;
        }
        b.push(line_no, &cells)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_end_at_lf_crlf_and_lone_cr() {
        let got: Vec<(u64, &[u8])> = lines(b"a\r\nb\rc\n\nd").collect();
        let want: Vec<(u64, &[u8])> = vec![(1, b"a"), (2, b"b"), (3, b"c"), (4, b""), (5, b"d")];
        assert_eq!(got, want);
        assert_eq!(lines(b"").count(), 0);
        assert_eq!(lines(b"1 0\r0 1\r1 1\r").count(), 3);
    }

    #[test]
    fn the_delimiter_comes_from_the_first_data_line() {
        assert_eq!(sniff_delimiter(b"# a,b\n1;2\n"), Delimiter::Byte(b';'));
        assert_eq!(sniff_delimiter(b"\r1\t2\r"), Delimiter::Byte(b'\t'));
        assert_eq!(sniff_delimiter(b"1 2\r3 4\r"), Delimiter::Whitespace);
    }
}
