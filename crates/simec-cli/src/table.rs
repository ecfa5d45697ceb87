//! Reading and writing matrices as CSV (or TSV / whitespace-separated text) and NumPy `.npy`.
//!
//! # Input
//!
//! The format is sniffed from the content, not the extension:
//!
//! - A file that starts with the NPY magic `\x93NUMPY` is read as `.npy`: a 2-d array (a 1-d
//!   array is one column) of `float32` or `float64`, C or Fortran order. Values are converted
//!   to f32.
//! - Anything else is text. The delimiter is sniffed from the first line that is neither empty
//!   nor a `#` comment: `,` if it has one, else tab, else `;`, else runs of whitespace (as
//!   `numpy.savetxt` writes by default). Quoted fields are understood for `,`/tab/`;`.
//!   The first row is a header when none of its cells is a number; otherwise every row is
//!   data. A missing value is an empty cell or `NaN` (any case); numbers are parsed with
//!   Rust's correctly rounded `f32` parser (`1e-3`, `-inf` and so on).
//!
//! Every error names the file and, for a cell, its line and column in a text file
//! (1-based, counting the header and comment lines) or its row and column in an `.npy` file
//! (1-based).
//!
//! # Output
//!
//! By extension: `.npy` writes a little-endian `float32` array; `.tsv` / `.tab` writes
//! tab-separated text; anything else comma-separated text without a header, each value in the
//! shortest form that reads back to the same f32.

use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

use ndarray::{Array1, Array2};
use ndarray_npy::{ReadNpyError, ReadNpyExt, WriteNpyExt};
use simec::Matrix;

/// What can go wrong reading, checking or writing a matrix file.
#[derive(Debug, thiserror::Error)]
pub enum TableError {
    /// The file cannot be opened, read or written.
    #[error("{}: {message}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// What failed, with the system's message.
        message: String,
    },
    /// A text cell that is not a number.
    #[error(
        "{}: line {line}, column {col}: cannot parse {cell:?} as a number \
         (missing values are empty cells or NaN)",
        path.display()
    )]
    Parse {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: u64,
        /// 1-based column.
        col: usize,
        /// The cell's text.
        cell: String,
    },
    /// A text row with another number of cells than the first data row.
    #[error(
        "{}: line {line} has {found} columns, expected {expected} (as line {first_line}); \
         ragged rows are not allowed",
        path.display()
    )]
    Ragged {
        /// The file.
        path: PathBuf,
        /// 1-based line of the offending row.
        line: u64,
        /// Its number of cells.
        found: usize,
        /// Cells of the first data row.
        expected: usize,
        /// Line of the first data row.
        first_line: u64,
    },
    /// No data rows (or no columns).
    #[error("{}: {message}", path.display())]
    Empty {
        /// The file.
        path: PathBuf,
        /// What is empty.
        message: String,
    },
    /// An `.npy` file that cannot be read as a 1-d or 2-d float32/float64 array.
    #[error("{}: {message}", path.display())]
    Npy {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// A value that is not allowed where it is (a missing feature, an infinite target...).
    #[error("{}: {location}: {problem}", path.display())]
    Value {
        /// The file.
        path: PathBuf,
        /// "line L, column C" or "row R, column C".
        location: String,
        /// What is wrong and how to fix it.
        problem: String,
    },
    /// The matrix has the wrong shape for its role.
    #[error("{}: {message}", path.display())]
    Shape {
        /// The file.
        path: PathBuf,
        /// Found and expected shapes.
        message: String,
    },
}

/// Where the rows of a [`Table`] came from, for error locations.
#[derive(Debug, Clone)]
enum Origin {
    /// Text: the 1-based line of each data row.
    Text { row_lines: Vec<u64> },
    /// `.npy`.
    Npy,
}

/// A matrix read from a file, with what is needed to point at its cells in errors.
#[derive(Debug, Clone)]
pub struct Table {
    /// The file it was read from.
    pub path: PathBuf,
    /// The values, row-major f32; NaN = missing.
    pub matrix: Matrix,
    /// The header row of a text file, if it had one.
    pub header: Option<Vec<String>>,
    origin: Origin,
}

/// How [`Table::check_values`] treats NaN (missing) entries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Missing {
    /// NaN is an error; the hint says how to allow it (e.g. `pass --allow-missing`).
    Error(&'static str),
    /// NaN is a missing entry.
    Allow,
}

impl Table {
    /// Reads a matrix from `path` (format sniffed; see the module docs).
    pub fn read(path: impl AsRef<Path>) -> Result<Table, TableError> {
        let path = path.as_ref();
        let mut file = File::open(path).map_err(|e| io_err(path, "cannot open", e))?;
        let mut magic = [0u8; 6];
        let n = read_prefix(&mut file, &mut magic).map_err(|e| io_err(path, "cannot read", e))?;
        drop(file);
        if n == magic.len() && &magic == b"\x93NUMPY" {
            read_npy(path)
        } else {
            read_text(path)
        }
    }

    /// Rows.
    pub fn rows(&self) -> usize {
        self.matrix.rows()
    }

    /// Columns.
    pub fn cols(&self) -> usize {
        self.matrix.cols()
    }

    /// Human location of cell `(row, col)` (0-based data indices): `line L, column C` for text,
    /// `row R, column C` (1-based) for `.npy`.
    pub fn location(&self, row: usize, col: usize) -> String {
        match &self.origin {
            Origin::Text { row_lines } => match row_lines.get(row) {
                Some(line) => format!("line {line}, column {}", col + 1),
                None => format!("data row {}, column {}", row + 1, col + 1),
            },
            Origin::Npy => format!("row {}, column {}", row + 1, col + 1),
        }
    }

    /// Checks every value: infinities are always an error, NaN (missing) per `missing`.
    /// Returns the number of missing entries.
    pub fn check_values(&self, what: &str, missing: Missing) -> Result<usize, TableError> {
        let cols = self.cols().max(1);
        let mut n_missing = 0;
        for (i, v) in self.matrix.data().iter().enumerate() {
            if v.is_finite() {
                continue;
            }
            let (row, col) = (i / cols, i % cols);
            if v.is_nan() {
                match missing {
                    Missing::Allow => {
                        n_missing += 1;
                        continue;
                    }
                    Missing::Error(hint) => {
                        return Err(self.value_error(
                            row,
                            col,
                            format!("missing value (empty cell or NaN) in the {what}; {hint}"),
                        ))
                    }
                }
            }
            return Err(self.value_error(
                row,
                col,
                format!("{v} in the {what}; values must be finite"),
            ));
        }
        if n_missing > 0 && n_missing == self.matrix.data().len() {
            return Err(TableError::Empty {
                path: self.path.clone(),
                message: format!("every value of the {what} is missing"),
            });
        }
        Ok(n_missing)
    }

    /// A [`TableError::Value`] at cell `(row, col)`.
    pub fn value_error(&self, row: usize, col: usize, problem: String) -> TableError {
        TableError::Value {
            path: self.path.clone(),
            location: self.location(row, col),
            problem,
        }
    }

    /// A [`TableError::Shape`] for this file.
    pub fn shape_error(&self, message: String) -> TableError {
        TableError::Shape {
            path: self.path.clone(),
            message,
        }
    }

    /// `rows x cols` as text.
    pub fn shape(&self) -> String {
        format!("{} x {}", self.rows(), self.cols())
    }
}

fn io_err(path: &Path, what: &str, e: impl std::fmt::Display) -> TableError {
    TableError::Io {
        path: path.to_path_buf(),
        message: format!("{what}: {e}"),
    }
}

fn read_prefix(r: &mut impl Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..])? {
            0 => break,
            k => n += k,
        }
    }
    Ok(n)
}

// ---------------------------------------------------------------------------------------------
// NPY

fn npy_attempt<T: ReadNpyExt>(path: &Path) -> Result<T, ReadNpyError> {
    let file = File::open(path).map_err(ReadNpyError::Io)?;
    T::read_npy(BufReader::new(file))
}

fn npy_error(path: &Path, e: ReadNpyError) -> TableError {
    TableError::Npy {
        path: path.to_path_buf(),
        message: match e {
            ReadNpyError::Io(e) => format!("cannot read: {e}"),
            ReadNpyError::WrongNdim(_, found) => format!(
                "the .npy array has {found} dimensions; expected a 2-d matrix (or a 1-d column)"
            ),
            ReadNpyError::WrongDescriptor(d) => format!(
                "the .npy dtype {d} is not supported; expected float32 ('<f4') or float64 ('<f8')"
            ),
            ReadNpyError::MissingData => "the .npy file is truncated (missing data)".to_string(),
            other => format!("not a valid .npy file: {other}"),
        },
    }
}

/// Reads a 2-d (or 1-d) f32 / f64 array: tries each element type and rank in turn.
fn read_npy(path: &Path) -> Result<Table, TableError> {
    use ReadNpyError::{WrongDescriptor, WrongNdim};
    let two_d = |a: Array2<f32>| {
        let (r, c) = a.dim();
        (r, c, a.iter().copied().collect::<Vec<f32>>())
    };
    let one_d = |a: Array1<f32>| (a.len(), 1, a.to_vec());
    let narrow = |v: f64| v as f32;
    let attempt = match npy_attempt::<Array2<f32>>(path) {
        Err(WrongDescriptor(_)) => match npy_attempt::<Array2<f64>>(path) {
            Err(WrongNdim(..)) => npy_attempt::<Array1<f64>>(path).map(|a| one_d(a.mapv(narrow))),
            other => other.map(|a| two_d(a.mapv(narrow))),
        },
        Err(WrongNdim(..)) => match npy_attempt::<Array1<f32>>(path) {
            Err(WrongDescriptor(_)) => {
                npy_attempt::<Array1<f64>>(path).map(|a| one_d(a.mapv(narrow)))
            }
            other => other.map(one_d),
        },
        other => other.map(two_d),
    };
    let (rows, cols, data) = attempt.map_err(|e| npy_error(path, e))?;
    if rows == 0 || cols == 0 {
        return Err(TableError::Empty {
            path: path.to_path_buf(),
            message: format!("the .npy array is {rows} x {cols}; expected at least one value"),
        });
    }
    let matrix = Matrix::new(rows, cols, data).map_err(|e| TableError::Npy {
        path: path.to_path_buf(),
        message: e.to_string(),
    })?;
    Ok(Table {
        path: path.to_path_buf(),
        matrix,
        header: None,
        origin: Origin::Npy,
    })
}

// ---------------------------------------------------------------------------------------------
// Text

/// How the cells of a text line are separated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Delimiter {
    Byte(u8),
    Whitespace,
}

/// Sniffs the delimiter from the first non-empty, non-comment line.
fn sniff_delimiter(path: &Path) -> Result<Delimiter, TableError> {
    let file = File::open(path).map_err(|e| io_err(path, "cannot open", e))?;
    for line in BufReader::new(file).split(b'\n') {
        let line = line.map_err(|e| io_err(path, "cannot read", e))?;
        let t = line.trim_ascii();
        if t.is_empty() || t[0] == b'#' {
            continue;
        }
        for d in [b',', b'\t', b';'] {
            if t.contains(&d) {
                return Ok(Delimiter::Byte(d));
            }
        }
        return Ok(Delimiter::Whitespace);
    }
    Ok(Delimiter::Byte(b','))
}

/// Accumulates rows, detecting the header and ragged rows.
struct Builder<'a> {
    path: &'a Path,
    data: Vec<f32>,
    cols: usize,
    first_line: u64,
    row_lines: Vec<u64>,
    header: Option<Vec<String>>,
    seen_first: bool,
}

fn parse_cell(cell: &str) -> Option<f32> {
    let t = cell.trim();
    if t.is_empty() {
        Some(f32::NAN)
    } else {
        t.parse::<f32>().ok()
    }
}

impl Builder<'_> {
    fn push(&mut self, line: u64, cells: &[&str]) -> Result<(), TableError> {
        if !self.seen_first {
            self.seen_first = true;
            let any_number = cells
                .iter()
                .any(|c| !c.trim().is_empty() && c.trim().parse::<f32>().is_ok());
            let any_text = cells.iter().any(|c| !c.trim().is_empty());
            if any_text && !any_number {
                self.header = Some(cells.iter().map(|c| c.trim().to_string()).collect());
                return Ok(());
            }
        }
        if self.row_lines.is_empty() {
            self.cols = cells.len();
            self.first_line = line;
        } else if cells.len() != self.cols {
            return Err(TableError::Ragged {
                path: self.path.to_path_buf(),
                line,
                found: cells.len(),
                expected: self.cols,
                first_line: self.first_line,
            });
        }
        for (i, c) in cells.iter().enumerate() {
            match parse_cell(c) {
                Some(v) => self.data.push(v),
                None => {
                    return Err(TableError::Parse {
                        path: self.path.to_path_buf(),
                        line,
                        col: i + 1,
                        cell: c.trim().to_string(),
                    })
                }
            }
        }
        self.row_lines.push(line);
        Ok(())
    }
}

fn read_text(path: &Path) -> Result<Table, TableError> {
    let delimiter = sniff_delimiter(path)?;
    let mut b = Builder {
        path,
        data: Vec::new(),
        cols: 0,
        first_line: 0,
        row_lines: Vec::new(),
        header: None,
        seen_first: false,
    };
    let file = File::open(path).map_err(|e| io_err(path, "cannot open", e))?;
    let not_utf8 = |line: u64| TableError::Parse {
        path: path.to_path_buf(),
        line,
        col: 0,
        cell: "<not valid UTF-8>".to_string(),
    };
    match delimiter {
        Delimiter::Whitespace => {
            for (i, line) in BufReader::new(file).split(b'\n').enumerate() {
                let line_no = i as u64 + 1;
                let line = line.map_err(|e| io_err(path, "cannot read", e))?;
                let text = std::str::from_utf8(&line).map_err(|_| not_utf8(line_no))?;
                let t = text.trim();
                if t.is_empty() || t.starts_with('#') {
                    continue;
                }
                let cells: Vec<&str> = t.split_whitespace().collect();
                b.push(line_no, &cells)?;
            }
        }
        Delimiter::Byte(d) => {
            let mut rdr = csv::ReaderBuilder::new()
                .delimiter(d)
                .has_headers(false)
                .flexible(true)
                .comment(Some(b'#'))
                .from_reader(BufReader::new(file));
            let mut record = csv::ByteRecord::new();
            loop {
                match rdr.read_byte_record(&mut record) {
                    Ok(false) => break,
                    Ok(true) => {}
                    Err(e) => {
                        let line = e.position().map_or(0, |p| p.line());
                        return Err(io_err(path, &format!("line {line}: cannot read"), e));
                    }
                }
                let line_no = record.position().map_or(0, |p| p.line());
                let cells = record
                    .iter()
                    .map(|c| std::str::from_utf8(c).map_err(|_| not_utf8(line_no)))
                    .collect::<Result<Vec<&str>, _>>()?;
                // A line holding only whitespace is skipped like an empty one.
                if cells.len() == 1 && cells[0].trim().is_empty() {
                    continue;
                }
                b.push(line_no, &cells)?;
            }
        }
    }
    if b.row_lines.is_empty() || b.cols == 0 {
        return Err(TableError::Empty {
            path: path.to_path_buf(),
            message: "no data rows (an empty file, or only a header / comments)".to_string(),
        });
    }
    let rows = b.row_lines.len();
    let matrix = Matrix::new(rows, b.cols, b.data).map_err(|e| TableError::Empty {
        path: path.to_path_buf(),
        message: e.to_string(),
    })?;
    Ok(Table {
        path: path.to_path_buf(),
        matrix,
        header: b.header,
        origin: Origin::Text {
            row_lines: b.row_lines,
        },
    })
}

// ---------------------------------------------------------------------------------------------
// Output

/// Writes `m` to `path`: `.npy` as float32, `.tsv`/`.tab` tab-separated, otherwise
/// comma-separated without a header. Parent directories must exist.
pub fn write_matrix(path: impl AsRef<Path>, m: &Matrix) -> Result<(), TableError> {
    let path = path.as_ref();
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    let file = File::create(path).map_err(|e| io_err(path, "cannot create", e))?;
    let mut w = BufWriter::new(file);
    let result = match ext.as_deref() {
        Some("npy") => {
            let arr = Array2::from_shape_vec((m.rows(), m.cols()), m.data().to_vec())
                .map_err(|e| io_err(path, "cannot shape the array", e))?;
            arr.write_npy(&mut w)
                .map_err(|e| io_err(path, "cannot write .npy", e))
        }
        Some("tsv") | Some("tab") => write_text(&mut w, m, b'\t', path),
        _ => write_text(&mut w, m, b',', path),
    };
    result?;
    w.flush().map_err(|e| io_err(path, "cannot write", e))
}

fn write_text(
    w: &mut impl Write,
    m: &Matrix,
    delimiter: u8,
    path: &Path,
) -> Result<(), TableError> {
    let mut line = String::new();
    let cols = m.cols();
    for r in 0..m.rows() {
        line.clear();
        for (c, v) in m.data()[r * cols..(r + 1) * cols].iter().enumerate() {
            if c > 0 {
                line.push(delimiter as char);
            }
            if v.is_nan() {
                line.push_str("NaN");
            } else {
                // `{}` is the shortest representation that parses back to the same f32.
                use std::fmt::Write as _;
                let _ = write!(line, "{v}");
            }
        }
        line.push('\n');
        w.write_all(line.as_bytes())
            .map_err(|e| io_err(path, "cannot write", e))?;
    }
    Ok(())
}
