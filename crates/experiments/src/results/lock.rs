//! [`RunLock`]: one run per results name at a time, via an exclusively created lock file.

use std::fs::{self, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, SystemTime};

use super::atomic::{ensure_writable_dir, fsync_dir};
use super::ResultsError;

/// Lock files held by this process (to tell our own live lock from a stale one whose pid was
/// reused by us).
static HELD: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

/// A lock file that has no readable pid yet is treated as being written for this long.
const UNREADABLE_GRACE: Duration = Duration::from_secs(10);

/// An exclusive lock on `<results_dir>/<name>.lock`, holding this process's pid. Removed on drop.
#[derive(Debug)]
pub struct RunLock {
    path: PathBuf,
}

impl RunLock {
    /// Creates `<results_dir>/<name>.lock` exclusively (creating the directory if needed).
    ///
    /// If the file exists and names a live process, returns [`ResultsError::LockHeld`] with the
    /// lock path and pid. A stale lock (its pid is not running: no `/proc/<pid>`) is taken over.
    /// Where `/proc` is unavailable every existing lock counts as live.
    pub fn acquire(results_dir: &Path, name: &str) -> Result<Self, ResultsError> {
        ensure_writable_dir(results_dir)?;
        let path = results_dir.join(format!("{name}.lock"));
        let me = std::process::id();
        for _attempt in 0..3 {
            match OpenOptions::new().write(true).create_new(true).open(&path) {
                Ok(mut f) => {
                    let written = f
                        .write_all(format!("{me}\n").as_bytes())
                        .and_then(|_| f.sync_all());
                    if let Err(source) = written {
                        let _ = fs::remove_file(&path);
                        return Err(ResultsError::Io {
                            action: "writing lock file",
                            path,
                            source,
                        });
                    }
                    fsync_dir(results_dir);
                    lock_registry().push(path.clone());
                    return Ok(Self { path });
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                    let pid = read_pid(&path);
                    if !is_stale(&path, pid) {
                        return Err(ResultsError::LockHeld { path, pid });
                    }
                    match fs::remove_file(&path) {
                        Ok(()) => {}
                        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                        Err(source) => {
                            return Err(ResultsError::Io {
                                action: "removing stale lock file",
                                path,
                                source,
                            })
                        }
                    }
                }
                Err(source) => {
                    return Err(ResultsError::Io {
                        action: "creating lock file",
                        path,
                        source,
                    })
                }
            }
        }
        let pid = read_pid(&path);
        Err(ResultsError::LockHeld { path, pid })
    }

    /// The lock file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for RunLock {
    fn drop(&mut self) {
        lock_registry().retain(|p| p != &self.path);
        let _ = fs::remove_file(&self.path);
    }
}

fn lock_registry() -> std::sync::MutexGuard<'static, Vec<PathBuf>> {
    HELD.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The pid in a lock file, if it can be read and parsed.
fn read_pid(path: &Path) -> Option<u32> {
    fs::read_to_string(path).ok()?.trim().parse().ok()
}

/// Whether an existing lock file can be taken over.
fn is_stale(path: &Path, pid: Option<u32>) -> bool {
    match pid {
        Some(pid) if pid == std::process::id() => !lock_registry().iter().any(|p| p == path),
        Some(pid) => proc_available() && !Path::new(&format!("/proc/{pid}")).exists(),
        // No pid yet: a concurrent acquirer may be between create and write. Only an old
        // unreadable file is stale.
        None => fs::metadata(path)
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| SystemTime::now().duration_since(t).ok())
            .is_some_and(|age| age > UNREADABLE_GRACE),
    }
}

fn proc_available() -> bool {
    Path::new("/proc/self").exists()
}
