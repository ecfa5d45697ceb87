//! [`RunLock`]: one run per results name at a time, via an exclusively created lock file that
//! names its holder by host and pid and is kept fresh by a heartbeat, so that a lock on a shared
//! file system (cluster shards) is judged correctly from any machine.

use std::fs::{self, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{mpsc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, SystemTime};

use super::atomic::{ensure_writable_dir, fsync_dir};
use super::machine::local_hostname;
use super::ResultsError;

/// Lock files held by this process (to tell our own live lock from a stale one whose pid was
/// reused by us).
static HELD: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

/// A lock file that has no readable pid yet is treated as being written for this long.
const UNREADABLE_GRACE: Duration = Duration::from_secs(10);

/// How often the holder refreshes its lock file's modification time.
const HEARTBEAT: Duration = Duration::from_secs(60);

/// A lock held on another host is stale when its heartbeat is older than this (five missed
/// beats: a killed task on another node cannot be checked through `/proc`).
const REMOTE_STALE: Duration = Duration::from_secs(300);

/// An exclusive lock on `<results_dir>/<name>.lock`, holding `<pid> <host>`. Removed on drop.
#[derive(Debug)]
pub struct RunLock {
    path: PathBuf,
    /// Dropping it stops the heartbeat thread.
    heartbeat: Option<(mpsc::Sender<()>, JoinHandle<()>)>,
}

/// Who holds a lock file, as written in it.
struct Holder {
    pid: Option<u32>,
    /// Absent in lock files written before hosts were recorded (judged as local).
    host: Option<String>,
}

impl RunLock {
    /// Creates `<results_dir>/<name>.lock` exclusively (creating the directory if needed).
    ///
    /// If the file exists and its holder is alive, returns [`ResultsError::LockHeld`] with the
    /// lock path, pid and host. A holder on this host is alive while `/proc/<pid>` exists (where
    /// `/proc` is unavailable, always); one on another host while its heartbeat (the file's
    /// modification time, refreshed every minute) is younger than five minutes. A stale lock
    /// is taken over.
    pub fn acquire(results_dir: &Path, name: &str) -> Result<Self, ResultsError> {
        ensure_writable_dir(results_dir)?;
        let path = results_dir.join(format!("{name}.lock"));
        let me = std::process::id();
        let host = local_hostname();
        for _attempt in 0..3 {
            match OpenOptions::new().write(true).create_new(true).open(&path) {
                Ok(mut f) => {
                    let written = f
                        .write_all(format!("{me} {host}\n").as_bytes())
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
                    let heartbeat = Some(start_heartbeat(path.clone()));
                    return Ok(Self { path, heartbeat });
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                    let holder = read_holder(&path);
                    if !is_stale(&path, &holder, &host) {
                        return Err(ResultsError::LockHeld {
                            path,
                            pid: holder.pid,
                            host: holder.host,
                        });
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
        let holder = read_holder(&path);
        Err(ResultsError::LockHeld {
            path,
            pid: holder.pid,
            host: holder.host,
        })
    }

    /// The lock file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for RunLock {
    fn drop(&mut self) {
        if let Some((stop, thread)) = self.heartbeat.take() {
            drop(stop);
            let _ = thread.join();
        }
        lock_registry().retain(|p| p != &self.path);
        let _ = fs::remove_file(&self.path);
    }
}

/// Touches `path` every [`HEARTBEAT`] until the returned sender is dropped.
fn start_heartbeat(path: PathBuf) -> (mpsc::Sender<()>, JoinHandle<()>) {
    let (stop, beats) = mpsc::channel::<()>();
    let thread = std::thread::spawn(move || {
        while let Err(mpsc::RecvTimeoutError::Timeout) = beats.recv_timeout(HEARTBEAT) {
            if let Ok(f) = OpenOptions::new().append(true).open(&path) {
                let _ = f.set_modified(SystemTime::now());
            }
        }
    });
    (stop, thread)
}

fn lock_registry() -> std::sync::MutexGuard<'static, Vec<PathBuf>> {
    HELD.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The holder named in a lock file: `<pid> <host>`, or `<pid>` alone (older files).
fn read_holder(path: &Path) -> Holder {
    let text = fs::read_to_string(path).unwrap_or_default();
    let mut words = text.split_whitespace();
    Holder {
        pid: words.next().and_then(|p| p.parse().ok()),
        host: words.next().map(str::to_string),
    }
}

/// Seconds since `path` was last modified, if known.
fn age(path: &Path) -> Option<Duration> {
    let modified = fs::metadata(path).and_then(|m| m.modified()).ok()?;
    SystemTime::now().duration_since(modified).ok()
}

/// Whether an existing lock file can be taken over by this process on `local_host`.
fn is_stale(path: &Path, holder: &Holder, local_host: &str) -> bool {
    let remote = holder.host.as_deref().is_some_and(|h| h != local_host);
    match holder.pid {
        Some(_) if remote => age(path).is_some_and(|a| a > REMOTE_STALE),
        Some(pid) if pid == std::process::id() => !lock_registry().iter().any(|p| p == path),
        Some(pid) => proc_available() && !Path::new(&format!("/proc/{pid}")).exists(),
        // No pid yet: a concurrent acquirer may be between create and write. Only an old
        // unreadable file is stale.
        None => age(path).is_some_and(|a| a > UNREADABLE_GRACE),
    }
}

fn proc_available() -> bool {
    Path::new("/proc/self").exists()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dir(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("simec-lock-{}-{name}", std::process::id()));
        let _ = fs::remove_dir_all(&d);
        fs::create_dir_all(&d).unwrap();
        d
    }

    /// A lock of a live-looking process on another host is held while its heartbeat is fresh
    /// (a pid there says nothing about this machine's /proc) and taken over once it is old.
    #[test]
    fn a_lock_from_another_host_is_judged_by_its_heartbeat() {
        let d = dir("remote");
        let path = d.join("fig.lock");
        // pid 1 exists here: only the host can make this lock foreign.
        fs::write(&path, "1 some-other-node\n").unwrap();
        let err = RunLock::acquire(&d, "fig").unwrap_err();
        assert!(
            matches!(&err, ResultsError::LockHeld { pid: Some(1), host: Some(h), .. } if h == "some-other-node"),
            "{err}"
        );
        assert!(err.to_string().contains("on host some-other-node"), "{err}");
        let old = SystemTime::now() - REMOTE_STALE - Duration::from_secs(5);
        fs::File::options()
            .append(true)
            .open(&path)
            .unwrap()
            .set_modified(old)
            .unwrap();
        let lock = RunLock::acquire(&d, "fig").expect("stale remote lock taken over");
        let text = fs::read_to_string(lock.path()).unwrap();
        assert_eq!(
            text,
            format!("{} {}\n", std::process::id(), local_hostname())
        );
        drop(lock);
        assert!(!path.exists());
        let _ = fs::remove_dir_all(&d);
    }

    /// A lock naming this host and a dead pid is stale at once, whatever its age.
    #[test]
    fn a_lock_of_a_dead_local_process_is_stale() {
        let d = dir("local");
        let path = d.join("fig.lock");
        let dead = u32::MAX - 7; // above pid_max on Linux
        fs::write(&path, format!("{dead} {}\n", local_hostname())).unwrap();
        let lock = RunLock::acquire(&d, "fig").expect("dead local holder");
        drop(lock);
        let _ = fs::remove_dir_all(&d);
    }
}
