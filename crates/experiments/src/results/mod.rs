//! Result rows, atomic CSV files with resume, run locks and run metadata.
//!
//! A figure run writes `results/<name>.csv` (schema `figure,series,x_name,x,mse` followed by
//! the extras `seed,replicate,backend,wall_s`), `results/<name>.meta.toml` (one `[[runs]]` table per run)
//! and holds `results/<name>.lock` while it runs. Every file is replaced atomically
//! (temp file, fsync, rename, fsync of the directory), so a kill at any moment leaves either the
//! old or the new version, never a torn one.

mod atomic;
mod csv_file;
mod error;
mod identity;
mod lock;
mod machine;
mod metadata;
mod summary;

use std::path::PathBuf;

pub use crate::root::{
    build_time_root, init_repo_root, is_project_root, repo_root, resolve_repo_root,
    resolve_repo_root_with, ProjectRoot, RootError, RootOrigin, ROOT_ENV,
};
pub(crate) use atomic::tmp_path;
pub use atomic::{atomic_write, ensure_writable_dir, fsync_dir};
pub use csv_file::{same_x, ResultRow, ResultsFile, SCHEMA_COLUMNS};
pub use error::ResultsError;
pub use identity::{RunIdentity, NUMERICS_VERSION};
pub use lock::RunLock;
pub use machine::{format_rfc3339_utc, git_commit, local_hostname, MachineInfo};
pub use metadata::{MetadataFile, RunMetadata, ShardRun};
pub use summary::{summarize, summary_path, write_summary, PointStats, SummaryRow};

/// The default results directory, `<root>/results` (see [`repo_root`]).
pub fn default_results_dir() -> PathBuf {
    repo_root().join("results")
}
