//! [`ResultRow`] and [`ResultsFile`]: one CSV of result points per figure run, saved atomically
//! after every computed point so an interrupted run can resume.

use std::fs;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::atomic::{atomic_write, read_if_exists, writable_path};
use super::ResultsError;

/// The schema's leading columns, in order; the remaining columns are extras.
pub const SCHEMA_COLUMNS: [&str; 5] = ["figure", "series", "x_name", "x", "mse"];

/// One computed point of a figure: the schema columns `figure,series,x_name,x,mse` followed by
/// the extras `seed,replicate,backend,wall_s`. A CSV without the `replicate` column (written
/// before replicates existed) reads as replicate 0. Floats are written by the csv crate with `ryu`'s shortest
/// round-trip formatting, so they read back bit-identically (NaN and infinities included).
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct ResultRow {
    /// Figure (or sub-figure) id, e.g. `fig3` or `fig4_lambda`.
    pub figure: String,
    /// Curve id, e.g. `simec_2hl_test`.
    pub series: String,
    /// Name of the x variable, e.g. `embedding_dim`.
    pub x_name: String,
    /// The x value of the point.
    pub x: f64,
    /// The mean squared error at this point.
    pub mse: f64,
    /// The random seed the point was computed with (derived from the replicate's base seed;
    /// 0 for deterministic points).
    pub seed: u64,
    /// Which replicate of the run the point belongs to: replicate `i` trains with base seed
    /// `base + i` (see `FigureArgs::replicate_ids`); deterministic points are replicate 0.
    #[serde(default)]
    pub replicate: u32,
    /// The compute backend (e.g. `flex`, `tch-cpu`, `cuda`).
    pub backend: String,
    /// Wall-clock seconds spent computing the point.
    pub wall_s: f64,
}

#[cfg(test)]
impl ResultRow {
    /// A row of `figure` for unit tests: seed 0, `flex-cpu`, x named `x`, no wall time.
    pub(crate) fn for_test(figure: &str, series: &str, x: f64, mse: f64) -> Self {
        Self {
            figure: figure.into(),
            series: series.into(),
            x_name: "x".into(),
            x,
            mse,
            seed: 0,
            replicate: 0,
            backend: "flex-cpu".into(),
            wall_s: 0.0,
        }
    }

    /// The same row as replicate `replicate` with seed `seed`.
    pub(crate) fn replicate_for_test(mut self, replicate: u32, seed: u64) -> Self {
        self.replicate = replicate;
        self.seed = seed;
        self
    }
}

/// Whether two x values denote the same point: equal, or within a relative 1e-9
/// (so `0.1 * 3.0` matches `0.3`, but `1e-12` does not match `2e-12`).
pub fn same_x(a: f64, b: f64) -> bool {
    a == b || (a - b).abs() <= 1e-9 * a.abs().max(b.abs())
}

/// The rows of one results CSV, kept in memory and written back atomically on every change.
///
/// Rows are keyed by `(figure, series, x, replicate)` (x compared with [`same_x`]) and kept
/// sorted by figure, series, x, then replicate. The caller should hold a [`super::RunLock`] while writing.
#[derive(Debug)]
pub struct ResultsFile {
    path: PathBuf,
    rows: Vec<ResultRow>,
}

impl ResultsFile {
    /// Opens `path`, loading its rows if it exists. The parent directory is created if missing
    /// and checked for writability, so that a run fails before any training.
    ///
    /// Errors: [`ResultsError::DirNotWritable`], [`ResultsError::MalformedCsv`] /
    /// [`ResultsError::InvalidRow`] naming the file and line.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, ResultsError> {
        let path = writable_path(path)?;
        let rows = match read_if_exists(&path, |p| fs::read(p))? {
            Some(bytes) => parse_rows(&path, &bytes)?,
            None => Vec::new(),
        };
        Ok(Self { path, rows })
    }

    /// Starts from no rows, ignoring whatever `path` holds (the `--force` mode). The old file
    /// is left untouched until the first [`ResultsFile::push_and_save`] replaces it.
    pub fn create_fresh(path: impl AsRef<Path>) -> Result<Self, ResultsError> {
        let path = writable_path(path)?;
        Ok(Self {
            path,
            rows: Vec::new(),
        })
    }

    /// The CSV path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// All rows, sorted by figure, series, then x.
    pub fn rows(&self) -> &[ResultRow] {
        &self.rows
    }

    /// Whether a point for `(series, x)` of `replicate` is stored under any figure id (enough
    /// when the file holds one figure).
    pub fn contains(&self, series: &str, x: f64, replicate: u32) -> bool {
        self.get(series, x, replicate).is_some()
    }

    /// The stored point for `(series, x)` of `replicate` under any figure id, if any.
    pub fn get(&self, series: &str, x: f64, replicate: u32) -> Option<&ResultRow> {
        self.rows
            .iter()
            .find(|r| r.series == series && same_x(r.x, x) && r.replicate == replicate)
    }

    /// Adds `rows` (each replacing any stored row with the same key; within `rows`, later
    /// entries win), re-sorts, and rewrites the whole CSV atomically.
    ///
    /// A row with a non-finite x or an empty figure/series is rejected before anything changes.
    pub fn push_and_save(&mut self, rows: &[ResultRow]) -> Result<(), ResultsError> {
        for row in rows {
            validate_row(&self.path, None, row)?;
        }
        for row in rows {
            self.rows.retain(|r| !same_key(r, row));
            self.rows.push(row.clone());
        }
        sort_rows(&mut self.rows);
        self.save()
    }

    /// Rewrites the CSV atomically from the rows in memory (a header only when there are none).
    pub fn save(&self) -> Result<(), ResultsError> {
        let bytes = serialize_rows(&self.path, &self.rows)?;
        atomic_write(&self.path, &bytes)
    }
}

fn same_key(a: &ResultRow, b: &ResultRow) -> bool {
    a.figure == b.figure && a.series == b.series && same_x(a.x, b.x) && a.replicate == b.replicate
}

fn sort_rows(rows: &mut [ResultRow]) {
    rows.sort_by(|a, b| {
        a.figure
            .cmp(&b.figure)
            .then_with(|| a.series.cmp(&b.series))
            .then_with(|| a.x.total_cmp(&b.x))
            .then_with(|| a.replicate.cmp(&b.replicate))
    });
}

fn validate_row(path: &Path, line: Option<u64>, row: &ResultRow) -> Result<(), ResultsError> {
    let invalid = |message: String| ResultsError::InvalidRow {
        path: path.to_path_buf(),
        line,
        message,
    };
    if row.figure.is_empty() || row.series.is_empty() {
        return Err(invalid(format!(
            "empty figure or series (figure {:?}, series {:?})",
            row.figure, row.series
        )));
    }
    if !row.x.is_finite() {
        return Err(invalid(format!(
            "x must be finite, got {} ({} {})",
            row.x, row.figure, row.series
        )));
    }
    Ok(())
}

/// Serializes rows to CSV bytes: the header, then one record per row.
fn serialize_rows(path: &Path, rows: &[ResultRow]) -> Result<Vec<u8>, ResultsError> {
    let ser_err = |e: csv::Error| ResultsError::Serialize {
        path: path.to_path_buf(),
        message: e.to_string(),
    };
    let mut w = csv::WriterBuilder::new()
        .has_headers(false)
        .from_writer(Vec::new());
    w.write_record(SCHEMA_COLUMNS.iter().copied().chain([
        "seed",
        "replicate",
        "backend",
        "wall_s",
    ]))
    .map_err(ser_err)?;
    for row in rows {
        w.serialize(row).map_err(ser_err)?;
    }
    w.into_inner().map_err(|e| ResultsError::Serialize {
        path: path.to_path_buf(),
        message: e.to_string(),
    })
}

/// Parses and validates a results CSV; errors name `path` and the offending line.
fn parse_rows(path: &Path, bytes: &[u8]) -> Result<Vec<ResultRow>, ResultsError> {
    let malformed = |line: Option<u64>, message: String| ResultsError::MalformedCsv {
        path: path.to_path_buf(),
        line,
        message,
    };
    let mut rdr = csv::ReaderBuilder::new().from_reader(bytes);
    let headers = rdr
        .headers()
        .map_err(|e| malformed(e.position().map(|p| p.line()), e.to_string()))?
        .clone();
    let leading: Vec<&str> = headers.iter().take(SCHEMA_COLUMNS.len()).collect();
    if leading != SCHEMA_COLUMNS {
        return Err(malformed(
            Some(1),
            format!(
                "header must start with {}, got {}",
                SCHEMA_COLUMNS.join(","),
                headers.iter().collect::<Vec<_>>().join(",")
            ),
        ));
    }
    let mut rows: Vec<ResultRow> = Vec::new();
    for record in rdr.records() {
        let record =
            record.map_err(|e| malformed(e.position().map(|p| p.line()), e.to_string()))?;
        let line = record.position().map(|p| p.line());
        let row: ResultRow = record
            .deserialize(Some(&headers))
            .map_err(|e| malformed(line, e.to_string()))?;
        validate_row(path, line, &row)?;
        if rows.iter().any(|r| same_key(r, &row)) {
            return Err(ResultsError::InvalidRow {
                path: path.to_path_buf(),
                line,
                message: format!(
                    "duplicate point ({}, {}, x = {}, replicate {})",
                    row.figure, row.series, row.x, row.replicate
                ),
            });
        }
        rows.push(row);
    }
    sort_rows(&mut rows);
    Ok(rows)
}
