//! Where a results CSV was made: the CPU model and backend recorded in the `<name>.meta.toml`
//! beside it (and the backend column of its rows), so that `compare` can show both sides and
//! refuse a same-backend tier across backends.

use std::collections::BTreeSet;
use std::fmt;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use serde::Deserialize;

use super::Tolerances;
use crate::results::ResultRow;

/// The machine and backend behind one results CSV.
#[derive(Debug, Clone, PartialEq)]
pub struct Provenance {
    /// The CSV.
    pub csv: PathBuf,
    /// `machine.cpu_model` of the last run in the metadata file; `None` without one.
    pub cpu_model: Option<String>,
    /// The distinct `backend` values of the rows (sorted); the metadata's backend when the CSV
    /// has no rows.
    pub backends: Vec<String>,
}

#[derive(Deserialize)]
struct MetaDoc {
    #[serde(default)]
    runs: Vec<MetaRun>,
}

#[derive(Deserialize)]
struct MetaRun {
    backend: String,
    machine: MetaMachine,
}

#[derive(Deserialize)]
struct MetaMachine {
    cpu_model: String,
}

impl Provenance {
    /// The provenance of `csv` (whose rows are `rows`), from `csv` with the extension
    /// `.meta.toml` when that file exists.
    ///
    /// # Errors
    /// The metadata file exists but cannot be read or parsed (named).
    pub fn of(csv: &Path, rows: &[ResultRow]) -> Result<Self> {
        let meta = csv.with_extension("meta.toml");
        let last = if meta.exists() {
            let text = std::fs::read_to_string(&meta)
                .with_context(|| format!("reading {}", meta.display()))?;
            let doc: MetaDoc =
                toml::from_str(&text).with_context(|| format!("parsing {}", meta.display()))?;
            doc.runs.into_iter().last()
        } else {
            None
        };
        let mut backends: BTreeSet<String> = rows.iter().map(|r| r.backend.clone()).collect();
        if backends.is_empty() {
            backends.extend(last.as_ref().map(|r| r.backend.clone()));
        }
        Ok(Self {
            csv: csv.to_path_buf(),
            cpu_model: last.map(|r| r.machine.cpu_model),
            backends: backends.into_iter().collect(),
        })
    }
}

impl fmt::Display for Provenance {
    /// `results/quick/fig3.csv: cpu AMD EPYC, backend flex-cpu`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: cpu {}, backend {}",
            self.csv.display(),
            self.cpu_model
                .as_deref()
                .unwrap_or("unknown (no .meta.toml)"),
            if self.backends.is_empty() {
                "unknown".to_string()
            } else {
                self.backends.join(" + ")
            }
        )
    }
}

/// Refuses a comparison under a same-backend tier ([`Tolerances::same_backend`]) when the two
/// sides were computed on different backends.
///
/// # Errors
/// The tier requires the same backend and the backends differ; the message names both and the
/// tier to use instead.
pub fn check_backends(
    tier: &str,
    tolerances: &Tolerances,
    reference: &Provenance,
    new: &Provenance,
) -> Result<()> {
    if tolerances.same_backend && reference.backends != new.backends {
        anyhow::bail!(
            "the '{tier}' tier compares the same seed on the same backend only, but the reference \
             {} was computed on backend {:?} and the new results {} on {:?}; use --tier spread \
             for a comparison across backends",
            reference.csv.display(),
            reference.backends,
            new.csv.display(),
            new.backends
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(backend: &str) -> ResultRow {
        ResultRow {
            figure: "fig3".into(),
            series: "a".into(),
            x_name: "d".into(),
            x: 2.0,
            mse: 0.5,
            seed: 1,
            replicate: 0,
            backend: backend.into(),
            wall_s: 0.0,
        }
    }

    fn scratch(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("simec-prov-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    fn prov(backend: &str) -> Provenance {
        Provenance {
            csv: PathBuf::from(format!("{backend}.csv")),
            cpu_model: None,
            backends: vec![backend.to_string()],
        }
    }

    #[test]
    fn the_metadata_gives_the_cpu_and_the_rows_the_backend() {
        let dir = scratch("meta");
        let csv = dir.join("fig3.csv");
        std::fs::write(
            dir.join("fig3.meta.toml"),
            "[[runs]]\nbackend = \"flex-cpu\"\nextra = 1\n[runs.machine]\ncpu_model = \"AMD EPYC\"\n\
             [[runs]]\nbackend = \"flex-cpu\"\n[runs.machine]\ncpu_model = \"Intel Xeon\"\n",
        )
        .unwrap();
        let p = Provenance::of(&csv, &[row("tch-cpu"), row("flex-cpu"), row("tch-cpu")]).unwrap();
        assert_eq!(p.cpu_model.as_deref(), Some("Intel Xeon"));
        assert_eq!(p.backends, ["flex-cpu", "tch-cpu"]);
        let p = Provenance::of(&csv, &[]).unwrap();
        assert_eq!(p.backends, ["flex-cpu"]);
        assert!(p.to_string().ends_with("cpu Intel Xeon, backend flex-cpu"));
    }

    #[test]
    fn without_metadata_the_cpu_is_unknown_and_a_malformed_one_is_named() {
        let dir = scratch("nometa");
        let csv = dir.join("fig3.csv");
        let p = Provenance::of(&csv, &[row("flex-cpu")]).unwrap();
        assert_eq!(p.cpu_model, None);
        assert!(p.to_string().contains("unknown (no .meta.toml)"));
        std::fs::write(dir.join("fig3.meta.toml"), "[[runs]]\nbackend = 3\n").unwrap();
        let e = Provenance::of(&csv, &[]).unwrap_err();
        assert!(format!("{e:#}").contains("fig3.meta.toml"), "{e:#}");
    }

    #[test]
    fn a_same_backend_tier_refuses_another_backend() {
        let tight = Tolerances {
            same_backend: true,
            ..Default::default()
        };
        let spread = Tolerances::default();
        assert!(check_backends("tight", &tight, &prov("flex-cpu"), &prov("flex-cpu")).is_ok());
        let e = check_backends("tight", &tight, &prov("flex-cpu"), &prov("tch-cpu")).unwrap_err();
        assert!(e.to_string().contains("--tier spread"), "{e}");
        assert!(e.to_string().contains("tch-cpu"), "{e}");
        assert!(check_backends("spread", &spread, &prov("flex-cpu"), &prov("tch-cpu")).is_ok());
    }
}
