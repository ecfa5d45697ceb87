//! Atomic file replacement: write `<path>.tmp`, fsync it, rename it over `<path>`, fsync the
//! directory. A reader (or a later run after a kill) sees the old or the new content, never a mix.

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use super::ResultsError;

/// The temp path of an atomic write of `path`: its file name with `suffix` appended (`.tmp`
/// here; `.tmp.png` for a PNG, whose format plotters picks from the extension).
pub(crate) fn tmp_path(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path
        .file_name()
        .map(|n| n.to_os_string())
        .unwrap_or_default();
    name.push(suffix);
    path.with_file_name(name)
}

/// `read(path)`, or `None` when `path` does not exist (a first run).
///
/// # Errors
/// [`ResultsError::Io`] for any other read failure.
pub(crate) fn read_if_exists<T>(
    path: &Path,
    read: impl FnOnce(&Path) -> std::io::Result<T>,
) -> Result<Option<T>, ResultsError> {
    match read(path) {
        Ok(content) => Ok(Some(content)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(io_err("reading", path, source)),
    }
}

fn io_err(action: &'static str, path: &Path, source: std::io::Error) -> ResultsError {
    ResultsError::Io {
        action,
        path: path.to_path_buf(),
        source,
    }
}

/// Replaces `path` with `bytes` atomically (see the module docs). Any leftover
/// `<path>.tmp` from an interrupted earlier write is overwritten.
pub fn atomic_write(path: &Path, bytes: &[u8]) -> Result<(), ResultsError> {
    let tmp = tmp_path(path, ".tmp");
    {
        let mut f = OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .open(&tmp)
            .map_err(|e| io_err("creating", &tmp, e))?;
        f.write_all(bytes).map_err(|e| io_err("writing", &tmp, e))?;
        f.sync_all().map_err(|e| io_err("syncing", &tmp, e))?;
    }
    fs::rename(&tmp, path).map_err(|e| io_err("renaming temp file onto", path, e))?;
    fsync_dir(parent_dir(path));
    Ok(())
}

/// Best-effort fsync of a directory, so that a rename inside it is durable. Errors are ignored:
/// some file systems refuse to fsync directories, and atomicity does not depend on it.
pub fn fsync_dir(dir: &Path) {
    let dir = if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    };
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
}

/// Creates `dir` (and its parents) if missing and checks that a file can be created in it,
/// so that a run fails before any training when its output cannot be saved.
pub fn ensure_writable_dir(dir: &Path) -> Result<(), ResultsError> {
    let not_writable = |source| ResultsError::DirNotWritable {
        dir: dir.to_path_buf(),
        source,
    };
    fs::create_dir_all(dir).map_err(not_writable)?;
    static PROBES: AtomicUsize = AtomicUsize::new(0);
    let probe = dir.join(format!(
        ".write-probe-{}-{}",
        std::process::id(),
        PROBES.fetch_add(1, Ordering::Relaxed)
    ));
    OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .open(&probe)
        .map_err(not_writable)?;
    fs::remove_file(&probe).map_err(not_writable)?;
    Ok(())
}

/// `path` as an output file: its directory created if missing and checked for writability
/// ([`ensure_writable_dir`]), so that a run fails before any training.
///
/// # Errors
/// [`ResultsError::DirNotWritable`].
pub(crate) fn writable_path(path: impl AsRef<Path>) -> Result<PathBuf, ResultsError> {
    let path = path.as_ref().to_path_buf();
    ensure_writable_dir(parent_dir(&path))?;
    Ok(path)
}

/// The directory holding `path` (`.` for a bare file name).
pub(crate) fn parent_dir(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}
