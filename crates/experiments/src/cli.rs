//! Command-line arguments shared by every figure binary.

use std::path::PathBuf;

use clap::{Args, ValueEnum};

/// The compute backend for SimEc training, chosen at run time.
///
/// Every variant exists in every build; the ones whose cargo feature is not compiled in are
/// rejected when the command line is parsed (see [`BackendArg::check_compiled`]) with an error
/// naming the feature and the `just` recipe, never a panic.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum BackendArg {
    /// burn's `flex` CPU backend (always compiled in).
    Cpu,
    /// libtorch on the CPU via burn-tch (cargo feature `tch`: `just setup-tch`, `just build-tch`).
    TchCpu,
    /// libtorch on CUDA GPU 0 via burn-tch (feature `tch`, a CUDA libtorch and an NVIDIA GPU;
    /// pick the GPU with CUDA_VISIBLE_DEVICES).
    TchCuda,
    /// burn's CubeCL CUDA backend on GPU 0 (cargo feature `cuda`, an NVIDIA driver at run time;
    /// pick the GPU with CUDA_VISIBLE_DEVICES).
    Cuda,
    /// burn's CubeCL wgpu backend on the default Vulkan adapter: a GPU, or Mesa's software
    /// lavapipe on a machine without one (cargo feature `wgpu`: `just build-wgpu`; pick the adapter
    /// with CUBECL_WGPU_DEFAULT_DEVICE, e.g. `DiscreteGpu(0)`).
    Wgpu,
}

/// A backend that this binary cannot use: not compiled in, or its device failed to start.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BackendError {
    /// The backend's cargo feature was not enabled when this binary was built.
    #[error(
        "backend `{backend}` is not compiled into this binary: it needs the cargo feature \
         `{feature}`. {how}"
    )]
    NotCompiled {
        /// The backend's command-line name.
        backend: &'static str,
        /// The cargo feature to enable.
        feature: &'static str,
        /// How to build with it.
        how: &'static str,
    },
    /// The backend is compiled in but its device could not be used (no GPU, no driver, a CPU-only
    /// libtorch, ...).
    #[error("backend `{backend}` is compiled in but its device failed to start: {reason}")]
    Unavailable {
        /// The backend's command-line name.
        backend: &'static str,
        /// What went wrong (the backend's own message).
        reason: String,
    },
}

const HOW_TCH: &str = "Run `just setup-tch` once (PyTorch 2.9.0 into .venv-tch), then e.g. \
    `just fig3 quick --backend tch-cpu` (builds target/tch/release/fig3 and runs it) or \
    `just build-tch` for every binary; by hand: `scripts/with-tch.sh cargo build --release \
    --features experiments/tch -p experiments`. See crates/experiments/BACKENDS.md.";
const HOW_CUDA: &str =
    "Run e.g. `just fig3 quick --backend cuda` (builds target/cuda/release/fig3 \
    and runs it) or `just build-cuda`; by hand: `cargo build --release --features experiments/cuda \
    -p experiments --target-dir target/cuda`. Running needs an NVIDIA GPU and driver. See \
    crates/experiments/BACKENDS.md.";
const HOW_WGPU: &str =
    "Run e.g. `just fig3 quick --backend wgpu` (builds target/wgpu/release/fig3 \
    and runs it) or `just build-wgpu` for every binary; by hand: `cargo build --release --workspace \
    --features experiments/wgpu,simec-cli/wgpu --target-dir target/wgpu`. Running needs a Vulkan \
    device: a GPU, or Mesa's software one (`apt-get install mesa-vulkan-drivers`). See \
    crates/experiments/BACKENDS.md.";

impl BackendArg {
    /// Every backend, compiled in or not.
    pub const ALL: [BackendArg; 5] = [
        BackendArg::Cpu,
        BackendArg::TchCpu,
        BackendArg::TchCuda,
        BackendArg::Cuda,
        BackendArg::Wgpu,
    ];

    /// The command-line spelling (`cpu`, `tch-cpu`, `tch-cuda`, `cuda`, `wgpu`).
    pub fn cli_name(self) -> &'static str {
        match self {
            BackendArg::Cpu => "cpu",
            BackendArg::TchCpu => "tch-cpu",
            BackendArg::TchCuda => "tch-cuda",
            BackendArg::Cuda => "cuda",
            BackendArg::Wgpu => "wgpu",
        }
    }

    /// The name recorded in results (`backend` column and metadata).
    pub fn name(self) -> &'static str {
        match self {
            BackendArg::Cpu => "flex-cpu",
            BackendArg::TchCpu => "tch-cpu",
            BackendArg::TchCuda => "tch-cuda",
            BackendArg::Cuda => "cuda",
            BackendArg::Wgpu => "wgpu",
        }
    }

    /// The cargo feature (of `experiments`, forwarded to burn) that compiles this backend in;
    /// `None` for the always-present CPU backend.
    pub fn cargo_feature(self) -> Option<&'static str> {
        match self {
            BackendArg::Cpu => None,
            BackendArg::TchCpu | BackendArg::TchCuda => Some("tch"),
            BackendArg::Cuda => Some("cuda"),
            BackendArg::Wgpu => Some("wgpu"),
        }
    }

    /// Whether this binary was built with the backend's cargo feature.
    pub fn is_compiled(self) -> bool {
        match self {
            BackendArg::Cpu => true,
            BackendArg::TchCpu | BackendArg::TchCuda => cfg!(feature = "tch"),
            BackendArg::Cuda => cfg!(feature = "cuda"),
            BackendArg::Wgpu => cfg!(feature = "wgpu"),
        }
    }

    /// `Ok(self)` when compiled in, else the error naming the feature and the recipe to build it.
    ///
    /// # Errors
    /// [`BackendError::NotCompiled`].
    pub fn check_compiled(self) -> Result<Self, BackendError> {
        if self.is_compiled() {
            return Ok(self);
        }
        let (feature, how) = match self {
            BackendArg::Cuda => ("cuda", HOW_CUDA),
            BackendArg::Wgpu => ("wgpu", HOW_WGPU),
            _ => ("tch", HOW_TCH),
        };
        Err(BackendError::NotCompiled {
            backend: self.cli_name(),
            feature,
            how,
        })
    }

    /// Human-readable device description for the metadata (backend, device, threads). For
    /// `wgpu` it names the adapter the runtime picked (`NVIDIA H200`, `llvmpipe (LLVM 15.0.6, 256
    /// bits)`), which opens the device: call it after [`try_device`](Self::try_device) succeeded.
    pub fn device_description(self) -> String {
        let gpu_env = || match std::env::var("CUDA_VISIBLE_DEVICES") {
            Ok(v) => format!(", CUDA_VISIBLE_DEVICES={v}"),
            Err(_) => String::new(),
        };
        match self {
            BackendArg::Cpu => format!(
                "cpu: burn flex, {} threads",
                std::thread::available_parallelism().map_or(1, |n| n.get())
            ),
            BackendArg::TchCpu => format!(
                "tch-cpu: libtorch (burn-tch) CPU, OMP_NUM_THREADS={}, {} cores",
                std::env::var("OMP_NUM_THREADS").unwrap_or_else(|_| "unset".into()),
                std::thread::available_parallelism().map_or(1, |n| n.get())
            ),
            BackendArg::TchCuda => {
                format!("tch-cuda: libtorch (burn-tch) CUDA device 0{}", gpu_env())
            }
            BackendArg::Cuda => format!("cuda: burn CubeCL CUDA device 0{}", gpu_env()),
            BackendArg::Wgpu => wgpu_description(),
        }
    }

    /// The burn device for this backend (the model enables autodiff itself).
    ///
    /// # Panics
    /// When the backend is not compiled in. Command-line parsing ([`FigureArgs`]) and
    /// [`FigureRun::start`](crate::figures::runner::FigureRun::start) reject such a backend
    /// first; code that builds a `BackendArg` itself should call [`try_device`](Self::try_device).
    pub fn device(self) -> burn::tensor::Device {
        match self.make_device() {
            Ok(device) => device,
            Err(e) => panic!("{e}"),
        }
    }

    /// The burn device, after checking that the backend is compiled in and, for every backend
    /// but flex, that a tiny tensor round-trips through the device (a missing GPU, driver or
    /// CUDA libtorch becomes an error here instead of a panic in the middle of training).
    ///
    /// # Errors
    /// [`BackendError::NotCompiled`] or [`BackendError::Unavailable`].
    pub fn try_device(self) -> Result<burn::tensor::Device, BackendError> {
        let device = self.make_device()?;
        if self != BackendArg::Cpu {
            probe(self.cli_name(), &device)?;
        }
        Ok(device)
    }

    #[allow(deprecated)] // burn 0.22 deprecates the libtorch devices; they still work.
    fn make_device(self) -> Result<burn::tensor::Device, BackendError> {
        self.check_compiled()?;
        Ok(match self {
            BackendArg::Cpu => burn::tensor::Device::flex(),
            #[cfg(feature = "tch")]
            BackendArg::TchCpu => burn::tensor::Device::libtorch(),
            #[cfg(feature = "tch")]
            BackendArg::TchCuda => burn::tensor::Device::libtorch_cuda(0),
            #[cfg(feature = "cuda")]
            BackendArg::Cuda => burn::tensor::Device::cuda(0),
            #[cfg(feature = "wgpu")]
            BackendArg::Wgpu => burn::tensor::Device::wgpu(burn::tensor::DeviceKind::DefaultDevice),
            #[allow(unreachable_patterns)]
            _ => unreachable!("check_compiled rejected {self:?}"),
        })
    }
}

/// `wgpu: burn CubeCL wgpu, adapter <name>`, with `CUBECL_WGPU_DEFAULT_DEVICE` when it is set.
fn wgpu_description() -> String {
    #[cfg(feature = "wgpu")]
    let adapter = burn::tensor::Device::wgpu(burn::tensor::DeviceKind::DefaultDevice)
        .identity()
        .map_or_else(|| "unknown".to_string(), |id| id.name);
    #[cfg(not(feature = "wgpu"))]
    let adapter = "none (not compiled in)";
    let selector = match std::env::var("CUBECL_WGPU_DEFAULT_DEVICE") {
        Ok(v) => format!(", CUBECL_WGPU_DEFAULT_DEVICE={v}"),
        Err(_) => String::new(),
    };
    format!("wgpu: burn CubeCL wgpu, adapter {adapter}{selector}")
}

/// [`simec::device::probe`] (a tiny tensor round trip, a backend panic caught) as a
/// [`BackendError::Unavailable`] naming the backend.
fn probe(backend: &'static str, device: &burn::tensor::Device) -> Result<(), BackendError> {
    simec::device::probe(device).map_err(|reason| BackendError::Unavailable { backend, reason })
}

/// clap value parser for `--backend`: the enum's names, then [`BackendArg::check_compiled`], so
/// a backend that is not compiled in is a clean command-line error. Use it for every `--backend`
/// flag: `#[arg(long, value_parser = experiments::cli::backend_parser(), default_value = "cpu")]`.
pub fn backend_parser() -> impl clap::builder::TypedValueParser<Value = BackendArg> {
    use clap::builder::TypedValueParser;
    clap::builder::EnumValueParser::<BackendArg>::new().try_map(BackendArg::check_compiled)
}

/// Options every figure binary accepts (`--profile`, `--data-dir`, `--results-dir`,
/// `--figures-dir`, `--force`, `--seed`, `--replicates`, `--replicate`, `--backend`, `--config`,
/// `--jobs`, `--shard`, `--merge`).
#[derive(Debug, Clone, Args)]
pub struct FigureArgs {
    /// Profile of the figure's config: `paper` (the paper's exact setup) or `quick` (CI-sized).
    #[arg(long, default_value = "paper")]
    pub profile: String,
    /// Directory holding the four MNIST IDX files (gzipped or not). Default search: $SIMEC_DATA_DIR,
    /// <root>/data/mnist, <root>/../shared/data/mnist; when none holds them, they are downloaded
    /// into <root>/data/mnist (SHA-256 checked).
    #[arg(long)]
    pub data_dir: Option<PathBuf>,
    /// The project checkout whose `experiments/`, `results/` and `figures/` the run uses
    /// [default: $SIMEC_ROOT, else the nearest directory at or above the working directory that
    /// holds `experiments/`].
    #[arg(long)]
    pub root: Option<PathBuf>,
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
    /// Train every SimEc point N times: replicates 0..N, replicate i with base seed `seed + i`
    /// (per-point seeds derived from it as for replicate 0). Only initialization and shuffling
    /// vary; data subsets and missing-value masks are the paper's protocol and stay fixed, and
    /// the deterministic baselines are computed once. Points already in the CSV are kept.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..), conflicts_with = "replicate")]
    pub replicates: Option<u32>,
    /// Compute only these replicates (comma-separated ids, e.g. `--replicate 3,4`), e.g. to add
    /// replicates to a run or to split them over machines.
    #[arg(long, value_name = "I,J,...", value_delimiter = ',')]
    pub replicate: Vec<u32>,
    /// Compute backend for SimEc training: `cpu` (burn flex, always), `tch-cpu` / `tch-cuda`
    /// (libtorch; cargo feature `tch`), `cuda` (CubeCL; cargo feature `cuda`), `wgpu` (CubeCL on
    /// Vulkan; cargo feature `wgpu`).
    #[arg(long, value_parser = backend_parser(), default_value = "cpu")]
    pub backend: BackendArg,
    /// Use this config file instead of `<repo>/experiments/<figure>.toml`.
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// SimEc sweep points trained at once, each on `threads / jobs` threads (Figure 3, whose small
    /// networks leave cores idle; the other figures train one point at a time). 0 = auto: one per
    /// core on `cpu`, 1 on the other backends. Results do not depend on it.
    #[arg(long, default_value_t = 0)]
    pub jobs: usize,
    /// Compute only shard I of N of the sweep (its points and replicates, split by a static cost
    /// model, the same in every shard) into `<results-dir>/<figure>.shards/<I>-of-<N>.csv`, for
    /// an array job (Slurm: `--shard $SLURM_ARRAY_TASK_ID/N`; Kubernetes Indexed Jobs:
    /// `$JOB_COMPLETION_INDEX/N`). Give N explicitly: resubmitting one index must keep the split.
    /// Resumes like a whole run; `--merge` then writes the figure.
    #[arg(long, value_name = "I/N", conflicts_with = "merge")]
    pub shard: Option<crate::figures::shard::Shard>,
    /// Merge the fragments of a sharded run (every shard done, one run identity, every point
    /// once) into `<results-dir>/<figure>.csv`, its metadata, summary and drawing, as a single
    /// run would write them. Give the profile, seed, replicates and backend the shards ran with.
    #[arg(long)]
    pub merge: bool,
}

impl FigureArgs {
    /// The replicates to compute, ascending: `--replicate` ids, else `0..--replicates`, else
    /// replicate 0 alone.
    ///
    /// # Errors
    /// A replicate id given twice.
    pub fn replicate_ids(&self) -> anyhow::Result<Vec<u32>> {
        if self.replicate.is_empty() {
            return Ok((0..self.replicates.unwrap_or(1)).collect());
        }
        let mut ids = self.replicate.clone();
        ids.sort_unstable();
        if let Some(w) = ids.windows(2).find(|w| w[0] == w[1]) {
            anyhow::bail!("--replicate {} is given twice", w[0]);
        }
        Ok(ids)
    }

    /// The number of sweep points to train at once (`--jobs`, with 0 resolved as documented there).
    pub fn sweep_jobs(&self) -> usize {
        match (self.jobs, self.backend) {
            (0, BackendArg::Cpu) => rayon::current_num_threads(),
            (0, _) => 1,
            (jobs, _) => jobs,
        }
    }

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

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        figure: FigureArgs,
    }

    #[test]
    fn cli_names_match_clap() {
        for b in BackendArg::ALL {
            let pv = b.to_possible_value().expect("no skipped variants");
            assert_eq!(pv.get_name(), b.cli_name());
        }
    }

    #[test]
    fn cpu_is_default_and_always_available() {
        let cli = Cli::try_parse_from(["fig"]).expect("parses");
        assert_eq!(cli.figure.backend, BackendArg::Cpu);
        assert!(BackendArg::Cpu.is_compiled());
        assert!(BackendArg::Cpu.try_device().is_ok());
        assert_eq!(BackendArg::Cpu.name(), "flex-cpu");
    }

    #[test]
    fn backends_not_compiled_in_are_a_parse_error_naming_the_feature() {
        for b in BackendArg::ALL {
            let parsed = Cli::try_parse_from(["fig", "--backend", b.cli_name()]);
            if b.is_compiled() {
                assert_eq!(parsed.expect("compiled in").figure.backend, b);
                continue;
            }
            let feature = b.cargo_feature().expect("cpu is always compiled");
            let msg = parsed.err().expect("rejected").to_string();
            assert!(msg.contains(&format!("`{feature}`")), "{msg}");
            assert!(msg.contains("just "), "{msg}");
            let e = b.try_device().expect_err("not compiled");
            assert!(
                matches!(e, BackendError::NotCompiled { feature: f, .. } if f == feature),
                "{e}"
            );
        }
    }

    /// `--replicates N` is 0..N, `--replicate` an explicit list; N = 0, both at once, or an id
    /// given twice are errors.
    #[test]
    fn replicates_resolve_to_ids() {
        let ids = |args: &[&str]| {
            let mut all = vec!["fig"];
            all.extend_from_slice(args);
            Cli::try_parse_from(all).map(|c| c.figure.replicate_ids())
        };
        assert_eq!(ids(&[]).unwrap().unwrap(), [0]);
        assert_eq!(ids(&["--replicates", "3"]).unwrap().unwrap(), [0, 1, 2]);
        assert_eq!(ids(&["--replicate", "4,2"]).unwrap().unwrap(), [2, 4]);
        assert!(ids(&["--replicates", "0"]).is_err());
        assert!(ids(&["--replicates", "2", "--replicate", "1"]).is_err());
        let twice = ids(&["--replicate", "1,1"]).unwrap().unwrap_err();
        assert!(
            twice.to_string().contains("--replicate 1 is given twice"),
            "{twice}"
        );
    }

    #[test]
    fn unknown_backend_lists_the_choices() {
        let msg = Cli::try_parse_from(["fig", "--backend", "tpu"])
            .err()
            .expect("rejected")
            .to_string();
        for b in BackendArg::ALL {
            assert!(msg.contains(b.cli_name()), "{msg}");
        }
    }
}
