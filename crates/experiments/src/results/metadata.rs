//! Run metadata, `results/<name>.meta.toml`: one `[[runs]]` table per run (a resumed figure
//! keeps the history of every run that contributed points), rewritten atomically.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use serde::{Deserialize, Serialize};

use super::atomic::{atomic_write, read_if_exists, writable_path};
use super::machine::{format_rfc3339_utc, git_commit, MachineInfo};
use super::{repo_root, ResultsError};

/// What one run of a figure was, where and when it ran, and how far it got.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct RunMetadata {
    /// The figure (results name), e.g. `fig3`.
    pub figure: String,
    /// The profile (e.g. `paper`, `quick`).
    pub profile: String,
    /// The base random seed. Stored as a TOML integer, or as a string above `i64::MAX`.
    #[serde(with = "u64_compat")]
    pub seed: u64,
    /// The compute backend, e.g. `flex`.
    pub backend: String,
    /// The device, e.g. `cpu` or `cuda:0`.
    pub device: String,
    /// `git rev-parse HEAD` (+ `-dirty`), or `unknown`.
    pub git_commit: String,
    /// Start time, RFC 3339 UTC.
    pub started_at: String,
    /// Wall-clock seconds this run has spent so far.
    pub total_wall_s: f64,
    /// Points this run computed (not counting points resumed from earlier runs).
    pub points_computed: usize,
    /// Whether the run reached its end (false while running or after a kill); set by the caller.
    #[serde(default)]
    pub completed: bool,
    /// Free-form notes the run wants to keep (warnings, fallbacks taken, ...).
    #[serde(default)]
    pub notes: Vec<String>,
    /// The replicates this run was asked to compute (replicate `i` trains with base seed
    /// `seed + i`); empty in records written before replicates existed, which computed
    /// replicate 0 only.
    #[serde(default)]
    pub replicates: Vec<u32>,
    /// What determines the run's numbers (absent in records written before it existed).
    #[serde(default)]
    pub identity: Option<super::RunIdentity>,
    /// `I/N` for the run of one shard (`--shard`), written to its fragment's metadata.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shard: Option<String>,
    /// For a merge (`--merge`): every run of every shard that contributed rows, in shard order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub shards: Vec<ShardRun>,
    /// The process's command line.
    pub command_line: Vec<String>,
    /// This crate's version.
    pub crate_version: String,
    /// The machine it ran on.
    pub machine: MachineInfo,
}

/// One run of one shard, as a merged run records it: where, when, at which commit and how long.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct ShardRun {
    /// `I/N`.
    pub shard: String,
    /// The machine's host name.
    pub hostname: String,
    /// The machine's CPU model.
    pub cpu_model: String,
    /// The commit the shard ran.
    pub git_commit: String,
    /// Start time, RFC 3339 UTC.
    pub started_at: String,
    /// Wall-clock seconds of this run of the shard.
    pub total_wall_s: f64,
    /// Points this run of the shard computed.
    pub points_computed: usize,
    /// Whether this run of the shard reached its end (an earlier, killed run is false).
    pub completed: bool,
}

impl ShardRun {
    /// The record of `run`, a run of shard `shard`.
    pub fn of(shard: &str, run: &RunMetadata) -> Self {
        Self {
            shard: shard.to_string(),
            hostname: run.machine.hostname.clone(),
            cpu_model: run.machine.cpu_model.clone(),
            git_commit: run.git_commit.clone(),
            started_at: run.started_at.clone(),
            total_wall_s: run.total_wall_s,
            points_computed: run.points_computed,
            completed: run.completed,
        }
    }
}

impl RunMetadata {
    /// Describes a run starting now: probes git (in the repository this crate was built from),
    /// the machine, the clock and the command line. Wall time and points start at zero.
    pub fn new(figure: &str, profile: &str, seed: u64, backend: &str, device: &str) -> Self {
        Self {
            figure: figure.to_string(),
            profile: profile.to_string(),
            seed,
            backend: backend.to_string(),
            device: device.to_string(),
            git_commit: git_commit(&repo_root()),
            started_at: format_rfc3339_utc(SystemTime::now()),
            total_wall_s: 0.0,
            points_computed: 0,
            completed: false,
            notes: Vec::new(),
            replicates: Vec::new(),
            identity: None,
            shard: None,
            shards: Vec::new(),
            command_line: std::env::args().collect(),
            crate_version: env!("CARGO_PKG_VERSION").to_string(),
            machine: MachineInfo::probe(),
        }
    }
}

impl RunMetadata {
    /// [`RunMetadata::new`] with the device recorded as `unspecified` (set `device` afterwards
    /// when known).
    pub fn collect(figure: &str, profile: &str, seed: u64, backend: &str) -> Self {
        Self::new(figure, profile, seed, backend, "unspecified")
    }

    /// Appends this run as a new `[[runs]]` table to the metadata file at `path` (created if
    /// missing, earlier runs kept), atomically.
    pub fn append_to(&self, path: &Path) -> Result<(), ResultsError> {
        let mut file = MetadataFile::open(path)?;
        file.begin_run(self.clone())
    }
}

/// The on-disk document.
#[derive(Serialize, Deserialize, Default)]
struct MetaDoc {
    #[serde(default)]
    runs: Vec<RunMetadata>,
}

/// The metadata file of one results name, with every run recorded so far.
#[derive(Debug)]
pub struct MetadataFile {
    path: PathBuf,
    runs: Vec<RunMetadata>,
    /// Whether this process has begun a run (so `update_current` may touch the last one).
    begun: bool,
}

impl MetadataFile {
    /// Opens `path`, loading earlier runs if the file exists (creating the directory if needed).
    /// A malformed file is an error naming it rather than silently losing history.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, ResultsError> {
        let path = writable_path(path)?;
        let runs = match read_if_exists(&path, |p| fs::read_to_string(p))? {
            Some(text) => {
                toml::from_str::<MetaDoc>(&text)
                    .map_err(|e| ResultsError::MalformedMetadata {
                        path: path.clone(),
                        message: e.to_string(),
                    })?
                    .runs
            }
            None => Vec::new(),
        };
        Ok(Self {
            path,
            runs,
            begun: false,
        })
    }

    /// Starts with no history (the `--force` mode); the old file is replaced by the first save.
    pub fn create_fresh(path: impl AsRef<Path>) -> Result<Self, ResultsError> {
        let path = writable_path(path)?;
        Ok(Self {
            path,
            runs: Vec::new(),
            begun: false,
        })
    }

    /// The metadata path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// All recorded runs, oldest first.
    pub fn runs(&self) -> &[RunMetadata] {
        &self.runs
    }

    /// Appends `run` as the current run and saves.
    pub fn begin_run(&mut self, run: RunMetadata) -> Result<(), ResultsError> {
        self.runs.push(run);
        self.begun = true;
        self.save()
    }

    /// Modifies the current run (e.g. its `total_wall_s`, `points_computed`, `completed`) and
    /// saves. Errors if [`MetadataFile::begin_run`] has not been called.
    pub fn update_current(
        &mut self,
        update: impl FnOnce(&mut RunMetadata),
    ) -> Result<(), ResultsError> {
        match self.runs.last_mut() {
            Some(run) if self.begun => update(run),
            _ => {
                return Err(ResultsError::NoCurrentRun {
                    path: self.path.clone(),
                })
            }
        }
        self.save()
    }

    /// Writes the file atomically.
    pub fn save(&self) -> Result<(), ResultsError> {
        let doc = MetaDoc {
            runs: self.runs.clone(),
        };
        let text = toml::to_string(&doc).map_err(|e| ResultsError::Serialize {
            path: self.path.clone(),
            message: e.to_string(),
        })?;
        atomic_write(&self.path, text.as_bytes())
    }
}

/// TOML integers are i64: store a u64 as an integer when it fits, else as a decimal string.
mod u64_compat {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(v: &u64, s: S) -> Result<S::Ok, S::Error> {
        match i64::try_from(*v) {
            Ok(i) => s.serialize_i64(i),
            Err(_) => s.serialize_str(&v.to_string()),
        }
    }

    #[derive(Deserialize)]
    #[serde(untagged)]
    enum IntOrString {
        Int(i64),
        Str(String),
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
        match IntOrString::deserialize(d)? {
            IntOrString::Int(i) => u64::try_from(i).map_err(serde::de::Error::custom),
            IntOrString::Str(s) => s.parse().map_err(serde::de::Error::custom),
        }
    }
}
