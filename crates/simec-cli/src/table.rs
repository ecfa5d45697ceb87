//! Reading and writing matrices as CSV (or TSV / whitespace-separated text) and NumPy `.npy`.
//!
//! # Input
//!
//! The format is sniffed from the content, not the extension:
//!
//! - A file that starts with the NPY magic `\x93NUMPY` is read as `.npy`: a 2-d array (a 1-d
//!   array is one column) of `float32` or `float64`, C or Fortran order. Values are converted
//!   to f32.
//! - A zip archive (a NumPy `.npz`) or a gzip file is refused with a message saying how to
//!   convert it.
//! - Anything else is UTF-8 text (a leading byte-order mark is skipped). Lines end with `\n`,
//!   `\r\n` or a lone `\r`. The delimiter is sniffed from the first line that is neither
//!   empty nor a `#` comment: `,` if it has one, else tab, else `;`, else runs of whitespace
//!   (as `numpy.savetxt` writes by default). Quoted fields are understood for `,`/tab/`;`
//!   (the `csv` crate). The first row is a header per [`Header`]: given, or detected when
//!   none of its cells is a number. Every data row has as many cells as the header names
//!   (or as the first data row); a column that is empty in every row is refused (a trailing
//!   delimiter). A missing value is an empty cell or `NaN` (any case); numbers are parsed
//!   with Rust's correctly rounded `f32` parser (`1e-3`, `-inf` and so on).
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

mod text;

use std::fs::File;
use std::io::{BufReader, BufWriter, Read, Write};
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
    /// A text cell that is not valid UTF-8 (a binary file read as text).
    #[error(
        "{}: line {line}, column {col}: not valid UTF-8 text; simec reads UTF-8 CSV / TSV / \
         whitespace-separated text and NumPy .npy files",
        path.display()
    )]
    NotUtf8 {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: u64,
        /// 1-based column.
        col: usize,
    },
    /// A data row with another number of cells than the header has names.
    #[error(
        "{}: line {line} has {found} columns, but the header (line {header_line}) names \
         {names}{hint}",
        path.display()
    )]
    HeaderWidth {
        /// The file.
        path: PathBuf,
        /// 1-based line of the offending row.
        line: u64,
        /// Its number of cells.
        found: usize,
        /// Names in the header.
        names: usize,
        /// Line of the header.
        header_line: u64,
        /// How to fix it, when the cause is clear.
        hint: &'static str,
    },
    /// A text column without a value in any row.
    #[error("{}: column {col} is empty in every data row{hint}", path.display())]
    EmptyColumn {
        /// The file.
        path: PathBuf,
        /// 1-based column.
        col: usize,
        /// The likely cause and fix.
        hint: &'static str,
    },
    /// A file of a format simec does not read (a zip / `.npz` archive, a gzip file).
    #[error("{}: {message}", path.display())]
    Format {
        /// The file.
        path: PathBuf,
        /// What it is and how to convert it.
        message: String,
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

/// Whether the first row of a text file is a header (column names).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Header {
    /// Detect: the first row is a header when none of its cells is a number (a data row
    /// holds at least one number or is refused anyway). Callers report the decision.
    #[default]
    Auto,
    /// The first row is a header, whatever it holds.
    Present,
    /// Every row is data; a first row of names fails to parse.
    Absent,
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
    /// Reads a matrix from `path` (format sniffed; see the module docs), detecting a header
    /// ([`Header::Auto`]).
    pub fn read(path: impl AsRef<Path>) -> Result<Table, TableError> {
        Table::read_with(path, Header::Auto)
    }

    /// Reads a matrix from `path`; `header` says whether the first row of a text file is a
    /// header (ignored for `.npy`).
    pub fn read_with(path: impl AsRef<Path>, header: Header) -> Result<Table, TableError> {
        let path = path.as_ref();
        let mut file = File::open(path).map_err(|e| io_err(path, "cannot open", e))?;
        let mut magic = [0u8; 6];
        let n = read_prefix(&mut file, &mut magic).map_err(|e| io_err(path, "cannot read", e))?;
        drop(file);
        let magic = &magic[..n];
        let format = |message: &str| TableError::Format {
            path: path.to_path_buf(),
            message: message.to_string(),
        };
        if magic == b"\x93NUMPY" {
            read_npy(path)
        } else if magic.starts_with(b"PK\x03\x04") || magic.starts_with(b"PK\x05\x06") {
            Err(format(
                "a zip archive (a NumPy .npz?), not a .npy or text file; simec reads one array \
                 per file: save it with numpy.save('X.npy', array), e.g. \
                 numpy.save('X.npy', numpy.load('X.npz')['arr_0'])",
            ))
        } else if magic.starts_with(b"\x1f\x8b") {
            Err(format(
                "gzip-compressed; decompress it first (gunzip), simec reads plain text or .npy",
            ))
        } else {
            text::read_text(path, header)
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
