//! Command-line arguments shared by every figure binary.

use std::path::PathBuf;

use clap::{Args, ValueEnum};

/// The compute backend for SimEc training, chosen at run time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum BackendArg {
    /// burn's `flex` CPU backend (always compiled in).
    Cpu,
}

impl BackendArg {
    /// The name recorded in results (`backend` column and metadata).
    pub fn name(self) -> &'static str {
        match self {
            BackendArg::Cpu => "flex-cpu",
        }
    }

    /// Human-readable device description for the metadata (backend, device, threads).
    pub fn device_description(self) -> String {
        match self {
            BackendArg::Cpu => format!(
                "cpu: burn flex, {} threads",
                std::thread::available_parallelism().map_or(1, |n| n.get())
            ),
        }
    }

    /// The burn device for this backend (the model enables autodiff itself).
    pub fn device(self) -> burn::tensor::Device {
        match self {
            BackendArg::Cpu => burn::tensor::Device::flex(),
        }
    }
}

/// Options every figure binary accepts (`--profile`, `--data-dir`, `--results-dir`,
/// `--figures-dir`, `--force`, `--seed`, `--backend`, `--config`).
#[derive(Debug, Clone, Args)]
pub struct FigureArgs {
    /// Profile of the figure's config: `paper` (the paper's exact setup) or `quick` (CI-sized).
    #[arg(long, default_value = "paper")]
    pub profile: String,
    /// Directory holding the four MNIST IDX files (gzipped or not). Default search: $SIMEC_DATA_DIR,
    /// <repo>/data/mnist, <repo>/../shared/data/mnist.
    #[arg(long)]
    pub data_dir: Option<PathBuf>,
    /// Where `<figure>.csv` and `<figure>.meta.toml` go [default: <repo>/results for the paper
    /// profile, <repo>/results/<profile> for any other].
    #[arg(long)]
    pub results_dir: Option<PathBuf>,
    /// Where `<figure>.svg` and `<figure>.png` go [default: <repo>/figures for the paper profile,
    /// <repo>/figures/<profile> for any other].
    #[arg(long)]
    pub figures_dir: Option<PathBuf>,
    /// Recompute every point instead of resuming from the points already in the CSV.
    #[arg(long)]
    pub force: bool,
    /// Override the profile's base seed (SimEc initialization and shuffling).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Compute backend for SimEc training.
    #[arg(long, value_enum, default_value = "cpu")]
    pub backend: BackendArg,
    /// Use this config file instead of `<repo>/experiments/<figure>.toml`.
    #[arg(long)]
    pub config: Option<PathBuf>,
}

impl FigureArgs {
    /// The results directory: `--results-dir`, else `<repo>/results` (paper profile) or
    /// `<repo>/results/<profile>`.
    pub fn results_dir(&self) -> PathBuf {
        self.results_dir
            .clone()
            .unwrap_or_else(|| profile_dir("results", &self.profile))
    }

    /// The figures directory: `--figures-dir`, else `<repo>/figures` (paper profile) or
    /// `<repo>/figures/<profile>`.
    pub fn figures_dir(&self) -> PathBuf {
        self.figures_dir
            .clone()
            .unwrap_or_else(|| profile_dir("figures", &self.profile))
    }
}

fn profile_dir(kind: &str, profile: &str) -> PathBuf {
    let base = crate::results::repo_root().join(kind);
    if profile == "paper" {
        base
    } else {
        base.join(profile)
    }
}
