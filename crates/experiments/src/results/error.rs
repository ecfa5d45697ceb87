//! The error type of the [`crate::results`] module.

use std::path::PathBuf;

/// Everything that can go wrong while reading or writing results, locks and metadata.
/// Every variant names the file or directory involved.
#[derive(Debug, thiserror::Error)]
pub enum ResultsError {
    /// An I/O operation on `path` failed.
    #[error("{action} {path}: {source}")]
    Io {
        /// What was being done ("reading", "writing", ...).
        action: &'static str,
        /// The file or directory involved.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// The results directory cannot be created or written to.
    #[error("results directory {dir} is not writable: {source}")]
    DirNotWritable {
        /// The directory.
        dir: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// A CSV file could not be parsed.
    #[error("malformed results file {path}{}: {message}", line_suffix(*.line))]
    MalformedCsv {
        /// The file.
        path: PathBuf,
        /// The 1-based line of the offending record, when known.
        line: Option<u64>,
        /// What was wrong.
        message: String,
    },
    /// A row holds a value the results file cannot store (non-finite x, empty key, duplicate).
    #[error("invalid result row for {path}{}: {message}", line_suffix(*.line))]
    InvalidRow {
        /// The results file the row belongs to.
        path: PathBuf,
        /// The 1-based line, when the row was read from the file.
        line: Option<u64>,
        /// What was wrong.
        message: String,
    },
    /// Serializing rows or metadata failed.
    #[error("cannot serialize {path}: {message}")]
    Serialize {
        /// The file being written.
        path: PathBuf,
        /// The serializer's message.
        message: String,
    },
    /// A metadata file could not be parsed.
    #[error("malformed metadata file {path}: {message}")]
    MalformedMetadata {
        /// The file.
        path: PathBuf,
        /// The parser's message.
        message: String,
    },
    /// [`super::MetadataFile::update_current`] was called before any run was begun.
    #[error("metadata file {path}: no run has been begun in this process")]
    NoCurrentRun {
        /// The metadata file.
        path: PathBuf,
    },
    /// Another live process holds the run lock.
    #[error(
        "{path} is held by {}{} (another run of this figure or shard is in progress; \
         if it is not, delete the lock file)",
        holder(*.pid),
        host.as_deref().map(|h| format!(" on host {h}")).unwrap_or_default()
    )]
    LockHeld {
        /// The lock file.
        path: PathBuf,
        /// The holder's process id, when the lock file could be read.
        pid: Option<u32>,
        /// The holder's host, when the lock file names one.
        host: Option<String>,
    },
}

fn line_suffix(line: Option<u64>) -> String {
    match line {
        Some(l) => format!(" line {l}"),
        None => String::new(),
    }
}

fn holder(pid: Option<u32>) -> String {
    match pid {
        Some(p) => format!("process {p}"),
        None => "a process that is still writing its pid".to_string(),
    }
}
