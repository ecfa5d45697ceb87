//! Facts about the machine, the source tree and the clock, recorded in run metadata.
//! Every probe degrades to `"unknown"` (or 0) instead of failing.

use std::fs;
use std::path::Path;
use std::process::Command;
use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

/// The machine a run executed on.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct MachineInfo {
    /// Host name (`/proc/sys/kernel/hostname`, `/etc/hostname` or `$HOSTNAME`).
    pub hostname: String,
    /// `std::env::consts::OS`, e.g. `linux`.
    pub os: String,
    /// `PRETTY_NAME` from `/etc/os-release`.
    pub os_release: String,
    /// Kernel release (`/proc/sys/kernel/osrelease`).
    pub kernel: String,
    /// `std::env::consts::ARCH`, e.g. `x86_64`.
    pub arch: String,
    /// Available parallelism as reported by the standard library.
    pub cpus: usize,
    /// `model name` from `/proc/cpuinfo`.
    pub cpu_model: String,
    /// `MemTotal` from `/proc/meminfo`, in bytes (0 when unknown).
    pub total_memory_bytes: u64,
}

/// This machine's host name (`/proc/sys/kernel/hostname`, `/etc/hostname` or `$HOSTNAME`), or
/// `unknown`.
pub fn local_hostname() -> String {
    read_trimmed("/proc/sys/kernel/hostname")
        .or_else(|| read_trimmed("/etc/hostname"))
        .or_else(|| std::env::var("HOSTNAME").ok().filter(|h| !h.is_empty()))
        .unwrap_or_else(|| "unknown".to_string())
}

impl MachineInfo {
    /// Probes the current machine.
    pub fn probe() -> Self {
        let unknown = || "unknown".to_string();
        let hostname = local_hostname();
        let os_release = first_line_value("/etc/os-release", |l| {
            l.strip_prefix("PRETTY_NAME=")
                .map(|v| v.trim().trim_matches('"').to_string())
        })
        .unwrap_or_else(unknown);
        let cpu_model = first_line_value("/proc/cpuinfo", |l| {
            l.strip_prefix("model name")?
                .split_once(':')
                .map(|(_, v)| v.trim().to_string())
        })
        .unwrap_or_else(unknown);
        let total_memory_bytes = fs::read_to_string("/proc/meminfo")
            .ok()
            .and_then(|s| parse_meminfo_total(&s))
            .unwrap_or(0);
        Self {
            hostname,
            os: std::env::consts::OS.to_string(),
            os_release,
            kernel: read_trimmed("/proc/sys/kernel/osrelease").unwrap_or_else(unknown),
            arch: std::env::consts::ARCH.to_string(),
            cpus: std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(1),
            cpu_model,
            total_memory_bytes,
        }
    }
}

/// The first value `pick` finds among the lines of the file at `path` (`None` when it cannot be
/// read).
fn first_line_value(path: &str, pick: impl Fn(&str) -> Option<String>) -> Option<String> {
    fs::read_to_string(path).ok()?.lines().find_map(pick)
}

fn read_trimmed(path: &str) -> Option<String> {
    let s = fs::read_to_string(path).ok()?;
    let s = s.trim();
    (!s.is_empty()).then(|| s.to_string())
}

/// `MemTotal:  16318412 kB` -> bytes.
fn parse_meminfo_total(meminfo: &str) -> Option<u64> {
    let line = meminfo.lines().find(|l| l.starts_with("MemTotal:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    kb.checked_mul(1024)
}

/// The commit checked out in `repo`: `git rev-parse HEAD`, with `-dirty` appended when
/// `git status --porcelain --untracked-files=no` reports changes to tracked files (the run's own
/// outputs under `results/` and `figures/` do not count, nor do untracked files such as a log
/// redirected into the checkout); `"unknown"` when git or the repository is missing.
pub fn git_commit(repo: &Path) -> String {
    let run = |args: &[&str]| -> Option<String> {
        let out = Command::new("git")
            .arg("-C")
            .arg(repo)
            .args(args)
            .output()
            .ok()?;
        out.status
            .success()
            .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
    };
    match run(&["rev-parse", "HEAD"]) {
        Some(head) if !head.is_empty() => match run(&[
            "status",
            "--porcelain",
            "--untracked-files=no",
            "--",
            ".",
            ":(exclude)results",
            ":(exclude)figures",
        ]) {
            Some(status) if !status.is_empty() => format!("{head}-dirty"),
            _ => head,
        },
        _ => "unknown".to_string(),
    }
}

/// Formats a time as RFC 3339 UTC with second resolution, e.g. `2018-03-01T12:00:00Z`.
/// Times before 1970 are clamped to the epoch.
pub fn format_rfc3339_utc(t: SystemTime) -> String {
    let t = t.max(UNIX_EPOCH);
    chrono::DateTime::<chrono::Utc>::from(t)
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn dirty_means_changed_tracked_files_not_untracked_logs_or_outputs() {
        let dir = std::env::temp_dir().join(format!("simec-git-commit-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("results")).unwrap();
        let git = |args: &[&str]| {
            let ok = Command::new("git")
                .arg("-C")
                .arg(&dir)
                .args(["-c", "user.name=t", "-c", "user.email=t@t"])
                .args(args)
                .output()
                .map(|o| o.status.success())
                .unwrap_or(false);
            assert!(ok, "git {args:?}");
        };
        git(&["init", "-q"]);
        std::fs::write(dir.join("src.rs"), "fn main() {}\n").unwrap();
        git(&["add", "src.rs"]);
        git(&["commit", "-q", "-m", "init"]);
        let clean = git_commit(&dir);
        assert_eq!(clean.len(), 40, "{clean}");
        std::fs::write(dir.join("run.log"), "log").unwrap();
        std::fs::write(dir.join("results/fig.csv"), "x").unwrap();
        assert_eq!(
            git_commit(&dir),
            clean,
            "untracked files are not source changes"
        );
        std::fs::write(dir.join("src.rs"), "fn main() { }\n").unwrap();
        assert_eq!(git_commit(&dir), format!("{clean}-dirty"));
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn rfc3339_known_instants() {
        let at = |s| format_rfc3339_utc(UNIX_EPOCH + Duration::from_secs(s));
        assert_eq!(at(0), "1970-01-01T00:00:00Z");
        assert_eq!(at(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(at(1_709_251_199), "2024-02-29T23:59:59Z");
        assert_eq!(at(4_102_444_800), "2100-01-01T00:00:00Z");
    }

    #[test]
    fn meminfo_total_parses_kib() {
        let s = "MemTotal:       16318412 kB\nMemFree: 1 kB\n";
        assert_eq!(parse_meminfo_total(s), Some(16_318_412 * 1024));
        assert_eq!(parse_meminfo_total("garbage"), None);
    }
}
