//! The project root: the checkout (or any directory) holding `experiments/` with the figure
//! configurations, beside which `results/`, `figures/` and `data/mnist` live. Below every other
//! module in the data flow: [`crate::data`] and [`crate::results`] both place files under it.
//!
//! Resolution order: an explicit `--root`, else `SIMEC_ROOT`, else the nearest directory at or
//! above the working directory that holds `experiments/`, else (announced on stderr) the checkout
//! the binary was built from. So configs, results and figures belong to the checkout the user
//! runs in, not to the one the binary happened to be compiled in.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// Environment variable naming the project root (a directory holding `experiments/`).
pub const ROOT_ENV: &str = "SIMEC_ROOT";

/// How the project root was found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RootOrigin {
    /// `--root DIR` on the command line.
    Flag,
    /// The `SIMEC_ROOT` environment variable.
    Env,
    /// The nearest directory at or above the working directory holding `experiments/`.
    WorkingDir,
    /// The checkout the binary was built from (compile-time path); a fallback, announced.
    BuildPath,
}

/// A resolved project root.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProjectRoot {
    /// The root directory (canonicalized when possible).
    pub path: PathBuf,
    /// Where it came from.
    pub origin: RootOrigin,
}

/// The project root could not be determined.
#[derive(Debug, thiserror::Error)]
pub enum RootError {
    /// A directory named by `--root` or `SIMEC_ROOT` does not hold `experiments/`.
    #[error(
        "{origin} {}: not a simec project root (expected a directory holding experiments/ with \
         the figure configurations, e.g. experiments/fig3.toml)",
        path.display()
    )]
    NotARoot {
        /// The directory named.
        path: PathBuf,
        /// `--root` or `SIMEC_ROOT`.
        origin: &'static str,
    },
    /// No directory at or above the working directory holds `experiments/`, and neither does
    /// the build-time checkout.
    #[error(
        "no simec project root: no directory at or above {} holds experiments/, and the \
         checkout this binary was built from ({}) is gone; run from inside a checkout, or pass \
         --root DIR / set SIMEC_ROOT=DIR",
        cwd.display(),
        build.display()
    )]
    NotFound {
        /// The working directory the search started from.
        cwd: PathBuf,
        /// The build-time checkout tried last.
        build: PathBuf,
    },
    /// [`init_repo_root`] was called again with a different root.
    #[error(
        "the project root is already {}; cannot switch to {}",
        current.display(),
        requested.display()
    )]
    AlreadySet {
        /// The root in use.
        current: PathBuf,
        /// The root asked for later.
        requested: PathBuf,
    },
}

/// Whether `dir` is a project root: it holds a directory `experiments/` that is not itself a
/// Cargo package (so `crates/`, which holds the `experiments` crate, does not count).
#[must_use]
pub fn is_project_root(dir: &Path) -> bool {
    let exp = dir.join("experiments");
    exp.is_dir() && !exp.join("Cargo.toml").exists()
}

/// The checkout this crate was compiled in (`crates/experiments/../..`).
#[must_use]
pub fn build_time_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn canonical(path: &Path) -> PathBuf {
    path.canonicalize().unwrap_or_else(|_| path.to_path_buf())
}

fn named(path: &Path, origin: RootOrigin, label: &'static str) -> Result<ProjectRoot, RootError> {
    if is_project_root(path) {
        Ok(ProjectRoot {
            path: canonical(path),
            origin,
        })
    } else {
        Err(RootError::NotARoot {
            path: path.to_path_buf(),
            origin: label,
        })
    }
}

/// Project-root resolution with every input explicit (what [`resolve_repo_root`] calls).
///
/// `explicit` (`--root`) wins, then a non-empty `env` (`SIMEC_ROOT`); a directory named either
/// way must be a root ([`is_project_root`]), never silently replaced. Otherwise the nearest
/// ancestor of `cwd` (itself included) that is a root, else `build` if it is one.
///
/// # Errors
/// [`RootError::NotARoot`] for a named directory without `experiments/`;
/// [`RootError::NotFound`] when neither `cwd`'s ancestors nor `build` hold `experiments/`.
pub fn resolve_repo_root_with(
    explicit: Option<&Path>,
    env: Option<&OsStr>,
    cwd: &Path,
    build: &Path,
) -> Result<ProjectRoot, RootError> {
    if let Some(dir) = explicit {
        return named(dir, RootOrigin::Flag, "--root");
    }
    if let Some(dir) = env.filter(|v| !v.is_empty()) {
        return named(Path::new(dir), RootOrigin::Env, ROOT_ENV);
    }
    if let Some(dir) = cwd.ancestors().find(|d| is_project_root(d)) {
        return Ok(ProjectRoot {
            path: canonical(dir),
            origin: RootOrigin::WorkingDir,
        });
    }
    if is_project_root(build) {
        return Ok(ProjectRoot {
            path: canonical(build),
            origin: RootOrigin::BuildPath,
        });
    }
    Err(RootError::NotFound {
        cwd: cwd.to_path_buf(),
        build: build.to_path_buf(),
    })
}

/// Resolves the project root from `explicit` (`--root`), `SIMEC_ROOT`, the working directory and
/// the build-time checkout, in that order (see [`resolve_repo_root_with`]).
///
/// # Errors
/// As [`resolve_repo_root_with`].
pub fn resolve_repo_root(explicit: Option<&Path>) -> Result<ProjectRoot, RootError> {
    let env = std::env::var_os(ROOT_ENV);
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    resolve_repo_root_with(explicit, env.as_deref(), &cwd, &build_time_root())
}

static ROOT: OnceLock<PathBuf> = OnceLock::new();

fn announce(root: &ProjectRoot) {
    if root.origin == RootOrigin::BuildPath {
        eprintln!(
            "note: no experiments/ at or above the working directory; using the checkout this \
             binary was built from, {} (run inside a checkout, or pass --root / set {ROOT_ENV})",
            root.path.display()
        );
    }
}

/// Fixes the project root for this process: call it once, first thing in `main`, with the
/// value of `--root` (or `None`). Later calls with `None` or the same directory return it.
///
/// # Errors
/// As [`resolve_repo_root`], plus [`RootError::AlreadySet`] when a different root was fixed
/// before (by an earlier call or by [`repo_root`]).
pub fn init_repo_root(explicit: Option<&Path>) -> Result<&'static Path, RootError> {
    if let Some(current) = ROOT.get() {
        return match explicit.map(canonical) {
            Some(requested) if requested != *current => Err(RootError::AlreadySet {
                current: current.clone(),
                requested,
            }),
            _ => Ok(current),
        };
    }
    let root = resolve_repo_root(explicit)?;
    announce(&root);
    Ok(ROOT.get_or_init(|| root.path))
}

/// The project root of this process (see the module docs): fixed by [`init_repo_root`], or on
/// first use resolved without `--root`. Should no root exist, the error is printed once and the
/// working directory is used, so that the file operations that follow name the paths they miss.
pub fn repo_root() -> PathBuf {
    if let Some(root) = ROOT.get() {
        return root.clone();
    }
    match init_repo_root(None) {
        Ok(root) => root.to_path_buf(),
        Err(e) => {
            eprintln!("warning: {e}");
            let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
            ROOT.get_or_init(|| cwd).clone()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("simec-root-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        d.canonicalize().unwrap()
    }

    /// A checkout shape: `<d>/experiments/` and `<d>/crates/experiments/Cargo.toml`.
    fn checkout(d: &Path) {
        std::fs::create_dir_all(d.join("experiments")).unwrap();
        std::fs::create_dir_all(d.join("crates/experiments/src")).unwrap();
        std::fs::write(d.join("crates/experiments/Cargo.toml"), "[package]\n").unwrap();
    }

    #[test]
    fn working_dir_walks_up_past_the_experiments_crate() {
        let d = scratch("walk");
        checkout(&d);
        let nowhere = scratch("walk-nowhere");
        let deep = d.join("crates/experiments/src");
        let r = resolve_repo_root_with(None, None, &deep, &nowhere).unwrap();
        assert_eq!(r.path, d);
        assert_eq!(r.origin, RootOrigin::WorkingDir);
    }

    #[test]
    fn working_dir_beats_the_build_path() {
        let (a, b) = (scratch("cwd-a"), scratch("cwd-b"));
        checkout(&a);
        checkout(&b);
        let r = resolve_repo_root_with(None, None, &a, &b).unwrap();
        assert_eq!((r.path, r.origin), (a, RootOrigin::WorkingDir));
    }

    #[test]
    fn flag_beats_env_beats_working_dir() {
        let (flag, env, cwd) = (scratch("flag"), scratch("env"), scratch("flag-cwd"));
        for d in [&flag, &env, &cwd] {
            checkout(d);
        }
        let r = resolve_repo_root_with(Some(&flag), Some(env.as_os_str()), &cwd, &cwd).unwrap();
        assert_eq!((r.path, r.origin), (flag, RootOrigin::Flag));
        let r = resolve_repo_root_with(None, Some(env.as_os_str()), &cwd, &cwd).unwrap();
        assert_eq!((r.path, r.origin), (env, RootOrigin::Env));
        let r = resolve_repo_root_with(None, Some(OsStr::new("")), &cwd, &cwd).unwrap();
        assert_eq!(
            r.origin,
            RootOrigin::WorkingDir,
            "empty SIMEC_ROOT is unset"
        );
    }

    #[test]
    fn named_directory_without_experiments_is_an_error_not_a_fallback() {
        let (bad, good) = (scratch("bad"), scratch("good"));
        checkout(&good);
        let err = resolve_repo_root_with(Some(&bad), None, &good, &good).unwrap_err();
        let msg = err.to_string();
        assert!(
            msg.starts_with("--root ") && msg.contains(&bad.display().to_string()),
            "{msg}"
        );
        assert!(msg.contains("experiments/"), "{msg}");
        let err = resolve_repo_root_with(None, Some(bad.as_os_str()), &good, &good).unwrap_err();
        assert!(err.to_string().starts_with("SIMEC_ROOT "), "{err}");
    }

    #[test]
    fn build_path_is_the_marked_fallback() {
        let (cwd, build) = (scratch("fb-cwd"), scratch("fb-build"));
        checkout(&build);
        let r = resolve_repo_root_with(None, None, &cwd, &build).unwrap();
        assert_eq!((r.path, r.origin), (build, RootOrigin::BuildPath));
        let gone = cwd.join("deleted-checkout");
        let err = resolve_repo_root_with(None, None, &cwd, &gone).unwrap_err();
        let msg = err.to_string();
        assert!(
            msg.contains(&cwd.display().to_string()) && msg.contains("SIMEC_ROOT"),
            "{msg}"
        );
    }

    #[test]
    fn this_checkout_is_a_root() {
        assert!(is_project_root(&build_time_root()));
        assert!(!is_project_root(&build_time_root().join("crates")));
    }
}
