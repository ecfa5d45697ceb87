//! Downloading the four MNIST files when no directory holds them.
//!
//! The transfer is `curl` as a subprocess: it brings TLS, proxies, redirects, resuming
//! (`-C -`) and a progress bar without compiling an HTTP and TLS stack into every binary. Each
//! file goes to `<name>.gz.part`, is checked against its SHA-256 (over the uncompressed content,
//! with the diagnosis of [`super::diagnose_mismatch`] on a mismatch) and only then renamed to
//! `<name>.gz`, so a directory never holds a half-written file under the final name. An
//! interrupted transfer leaves the `.part`, which the next run resumes. A lock file in the
//! directory keeps concurrent runs (parallel tests, two figures) from writing the same `.part`.

use std::ffi::OsString;
use std::fs::File;
use std::io::IsTerminal as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use super::diagnose::diagnose_mismatch;
use super::idx::{read_uncompressed, sha256_hex};
use super::mnist::{locate, MnistFile};
use super::DataError;

/// Environment variable overriding the mirrors: one URL prefix (`https://...`, `file:///...`)
/// under which `<name>.gz` is fetched.
pub const MIRROR_ENV: &str = "SIMEC_MNIST_MIRROR";

/// The mirrors torchvision uses, tried in order: the PyTorch S3 copy, then the original site.
pub const DEFAULT_MIRRORS: [&str; 2] = [
    "https://ossci-datasets.s3.amazonaws.com/mnist",
    "http://yann.lecun.com/exdb/mnist",
];

/// Fetches MNIST files from a list of mirrors with `curl`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Downloader {
    /// URL prefixes, tried in order for each file.
    pub mirrors: Vec<String>,
    /// The `curl` program (a name looked up on `PATH`, or a path).
    pub curl: OsString,
}

impl Downloader {
    /// `curl` from `PATH` and the given mirrors.
    #[must_use]
    pub fn new(mirrors: Vec<String>) -> Self {
        Self {
            mirrors,
            curl: OsString::from("curl"),
        }
    }

    /// The mirror of `SIMEC_MNIST_MIRROR` if set and non-empty, else [`DEFAULT_MIRRORS`].
    #[must_use]
    pub fn from_env() -> Self {
        match std::env::var(MIRROR_ENV) {
            Ok(m) if !m.trim().is_empty() => Self::new(vec![m.trim().to_owned()]),
            _ => Self::new(DEFAULT_MIRRORS.iter().map(|m| (*m).to_owned()).collect()),
        }
    }

    /// Makes sure `dir` holds every file of `files` (plain or `.gz`): each missing one is
    /// downloaded as `<name>.gz`, verified, and renamed into place. Files already present are
    /// left alone (the loader verifies them).
    ///
    /// # Errors
    /// [`DataError::Io`] when `dir` cannot be created or written; [`DataError::CurlMissing`];
    /// [`DataError::DownloadFailed`] listing every URL tried and why it failed (curl's exit
    /// status, or the diagnosis of a wrong file).
    pub fn fetch(&self, dir: &Path, files: &[MnistFile]) -> Result<(), DataError> {
        let io = |path: &Path| {
            let path = path.to_path_buf();
            move |source| DataError::Io { path, source }
        };
        std::fs::create_dir_all(dir).map_err(io(dir))?;
        let lock_path = dir.join(".download.lock");
        let lock = File::create(&lock_path).map_err(io(&lock_path))?;
        // Blocks until another process or thread downloading into `dir` is done.
        lock.lock().map_err(io(&lock_path))?;
        for file in files {
            if locate(dir, file).is_none() {
                self.fetch_one(dir, file)?;
            }
        }
        Ok(())
    }

    fn fetch_one(&self, dir: &Path, file: &MnistFile) -> Result<(), DataError> {
        let target = dir.join(format!("{}.gz", file.name));
        let part = dir.join(format!("{}.gz.part", file.name));
        let mut attempts = Vec::new();
        for mirror in &self.mirrors {
            let url = format!("{}/{}.gz", mirror.trim_end_matches('/'), file.name);
            // A `.part` completed by an earlier, interrupted run needs no transfer.
            let fetched = if verify(&part, file).is_ok() {
                Ok(())
            } else {
                eprintln!("downloading {url} -> {}", target.display());
                self.curl(&url, &part, dir)?
            };
            if let Err(why) = fetched {
                attempts.push(format!("{url}: {why}"));
                continue;
            }
            match verify(&part, file) {
                Ok(()) => {
                    let io = |source| DataError::Io {
                        path: target.clone(),
                        source,
                    };
                    std::fs::rename(&part, &target).map_err(io)?;
                    // Best effort: the rename is atomic either way; this makes it durable.
                    let _ = File::open(dir).and_then(|d| d.sync_all());
                    return Ok(());
                }
                Err(why) => {
                    // A wrong file cannot be resumed into a right one.
                    let _ = std::fs::remove_file(&part);
                    attempts.push(format!("{url}: downloaded, but {why}"));
                }
            }
        }
        Err(DataError::DownloadFailed {
            file: file.name,
            dir: dir.to_path_buf(),
            attempts,
        })
    }

    /// Runs curl, resuming a `.part` left by an earlier run; if that fails (server without byte
    /// ranges, a `.part` longer than the file, ...) once more from scratch. `Ok(Err(reason))`
    /// for a failed transfer, `Err` when curl cannot be started at all.
    fn curl(&self, url: &str, part: &Path, dir: &Path) -> Result<Result<(), String>, DataError> {
        let resuming = part.metadata().is_ok_and(|m| m.len() > 0);
        let mut status = self.run_curl(url, part, resuming, dir)?;
        if !status.success() && resuming {
            let _ = std::fs::remove_file(part);
            status = self.run_curl(url, part, false, dir)?;
        }
        Ok(if status.success() {
            Ok(())
        } else {
            Err(describe_curl_exit(status.code()))
        })
    }

    fn run_curl(
        &self,
        url: &str,
        part: &Path,
        resume: bool,
        dir: &Path,
    ) -> Result<std::process::ExitStatus, DataError> {
        let mut cmd = Command::new(&self.curl);
        cmd.args([
            "--fail",
            "--location",
            "--retry",
            "2",
            "--connect-timeout",
            "30",
        ]);
        if resume {
            cmd.args(["--continue-at", "-"]);
        }
        // A progress bar for a person watching; only errors in logs.
        if std::io::stderr().is_terminal() {
            cmd.arg("--progress-bar");
        } else {
            cmd.args(["--silent", "--show-error"]);
        }
        cmd.arg("--output").arg(part).arg(url);
        cmd.stdin(Stdio::null()).stdout(Stdio::null());
        cmd.status().map_err(|source| DataError::CurlMissing {
            dir: dir.to_path_buf(),
            source,
        })
    }
}

/// `Ok` when `path` holds `file`'s standard content; else why not (unreadable, not gzip, the
/// diagnosis of a hash mismatch).
fn verify(path: &Path, file: &MnistFile) -> Result<(), String> {
    let raw = std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let content = read_uncompressed(path).map_err(|e| e.to_string())?;
    if sha256_hex(&content) == file.sha256 {
        Ok(())
    } else {
        Err(diagnose_mismatch(
            &PathBuf::from(format!("{}.gz", file.name)),
            &raw,
            &content,
            file.name,
        ))
    }
}

/// A reason for curl's exit status (curl's own message went to stderr above it).
fn describe_curl_exit(code: Option<i32>) -> String {
    let what = match code {
        Some(6) => "could not resolve the host (no network or DNS?)",
        Some(7) => "could not connect to the server",
        Some(22) => "the server answered with an HTTP error (e.g. 404: no such file there)",
        Some(28) => "timed out",
        Some(35 | 60) => "TLS handshake or certificate problem",
        Some(37) => "could not read the file:// source (no such file?)",
        Some(56) => "the connection broke off during the transfer (rerun to resume)",
        _ => "transfer failed",
    };
    match code {
        Some(c) => format!("curl exit status {c}: {what}"),
        None => "curl was killed by a signal".to_owned(),
    }
}
