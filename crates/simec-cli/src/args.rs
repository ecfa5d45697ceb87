//! The command line: clap definitions of every subcommand and its options.
//!
//! Hyperparameter values (`--loss`, `--output-activation`, `--optimizer`, the activations in
//! `--hidden`) are parsed by the `simec` enums' `FromStr`, so the tool accepts exactly the
//! names a figure config or `model.toml` uses; `--help` lists them.

use std::num::NonZeroUsize;
use std::path::PathBuf;
use std::str::FromStr;

use burn::prelude::Device;
use clap::builder::{PossibleValuesParser, TypedValueParser};
use clap::{Args, Parser, Subcommand, ValueEnum};
use simec::{Activation, Loss, OptimizerKind, Plateau, RestoreBest};

use crate::help::{
    EVALUATE_EXAMPLES, FIT_EXAMPLES, INFO_EXAMPLES, MAIN_EXAMPLES, PREDICT_EXAMPLES,
    TRANSFORM_EXAMPLES,
};
use crate::prep::HiddenLayers;
use crate::table::Header;

/// Similarity Encoders (Horn & Müller 2018) on your own data.
///
/// A SimEc is a neural network that maps feature vectors x to an embedding y = f(x) such that
/// y W_l reproduces the similarities of x to n target points; y y'^T then approximates the
/// similarity of any two points, also of new ones.
#[derive(Debug, Parser)]
#[command(name = "simec", version, after_help = MAIN_EXAMPLES)]
pub struct Cli {
    /// The subcommand.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Train a SimEc on features and target similarities; write a model directory.
    #[command(after_help = FIT_EXAMPLES)]
    Fit(Box<FitArgs>),
    /// Embed points with a fitted model: Y = f(X), one row of d values per point.
    #[command(after_help = TRANSFORM_EXAMPLES)]
    Transform(ApplyArgs),
    /// Predict the similarities of points to the model's n targets: act(f(X) W_l).
    #[command(after_help = PREDICT_EXAMPLES)]
    Predict(ApplyArgs),
    /// Print a model's configuration and training summary.
    #[command(after_help = INFO_EXAMPLES)]
    Info(InfoArgs),
    /// Score an embedding (MSE of Y Y2^T against a similarity matrix) or a model's predictions.
    #[command(after_help = EVALUATE_EXAMPLES)]
    Evaluate(EvaluateArgs),
}

/// Compute backends. `wgpu` exists in every build and is refused when the command line is
/// parsed unless the binary was built with the cargo feature `wgpu` (see [`backend_parser`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Backend {
    /// burn's `flex` CPU backend (multi-threaded).
    #[value(alias = "flex")]
    Cpu,
    /// burn's CubeCL wgpu backend on the default Vulkan adapter (a GPU, or Mesa's software
    /// lavapipe); cargo feature `wgpu`, see crates/experiments/BACKENDS.md.
    Wgpu,
}

/// Why `--backend wgpu` is refused by a build without the feature.
const HOW_WGPU: &str = "backend `wgpu` is not compiled into this binary: it needs the cargo \
    feature `wgpu`. Run `just build-wgpu` (every binary into target/wgpu/release/, `simec` \
    included) and use target/wgpu/release/simec. See crates/experiments/BACKENDS.md.";

impl Backend {
    /// Whether this binary was built with the backend's cargo feature.
    pub fn is_compiled(self) -> bool {
        match self {
            Backend::Cpu => true,
            Backend::Wgpu => cfg!(feature = "wgpu"),
        }
    }

    /// The burn device; for `wgpu`, after a tiny tensor round trip ([`simec::device::probe`]),
    /// so that a machine without a Vulkan device gets an error instead of a panic mid-training.
    ///
    /// # Errors
    /// Not compiled in, or the device failed the probe (the backend's message).
    pub fn device(self) -> anyhow::Result<Device> {
        match self {
            Backend::Cpu => Ok(Device::flex()),
            #[cfg(feature = "wgpu")]
            Backend::Wgpu => {
                let device = Device::wgpu(burn::tensor::DeviceKind::DefaultDevice);
                simec::device::probe(&device).map_err(|reason| {
                    anyhow::anyhow!(
                        "backend `wgpu` is compiled in but its device failed to start: {reason}"
                    )
                })?;
                Ok(device)
            }
            #[cfg(not(feature = "wgpu"))]
            Backend::Wgpu => anyhow::bail!(HOW_WGPU),
        }
    }

    /// The name stored in `config.toml` and given to `--backend`.
    pub fn name(self) -> &'static str {
        match self {
            Backend::Cpu => "cpu",
            Backend::Wgpu => "wgpu",
        }
    }
}

/// clap value parser for `--backend`: the enum's names, then a backend that is not compiled in is
/// a command-line error naming the cargo feature and the recipe.
fn backend_parser() -> impl TypedValueParser<Value = Backend> {
    clap::builder::EnumValueParser::<Backend>::new().try_map(|b: Backend| {
        if b.is_compiled() {
            Ok(b)
        } else {
            Err(HOW_WGPU)
        }
    })
}

/// A clap parser of one of the `simec` enums: `--help` lists `names`, `FromStr` parses.
fn by_name<T>(names: impl IntoIterator<Item = &'static str>) -> impl TypedValueParser<Value = T>
where
    T: FromStr + Clone + Send + Sync + 'static,
    T::Err: std::error::Error + Send + Sync + 'static,
{
    PossibleValuesParser::new(names).try_map(|s| s.parse::<T>())
}

fn loss_parser() -> impl TypedValueParser<Value = Loss> {
    by_name(Loss::ALL.map(Loss::name))
}

fn activation_parser() -> impl TypedValueParser<Value = Activation> {
    by_name(Activation::ALL.map(Activation::name))
}

fn optimizer_parser() -> impl TypedValueParser<Value = OptimizerKind> {
    by_name(OptimizerKind::ALL.map(OptimizerKind::name))
}

fn restore_parser() -> impl TypedValueParser<Value = RestoreBest> {
    by_name(RestoreBest::ALL.map(RestoreBest::name))
}

/// `--lr-schedule`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LrScheduleKind {
    /// The learning rate of --lr throughout.
    Constant,
    /// PyTorch's ReduceLROnPlateau on the training data loss (--lr-factor, --lr-patience, ...).
    Plateau,
}

/// The heading in `simec fit --help` of the PyTorch SimEc's options.
const TORCH: &str = "PyTorch SimEc options (from simec_torch.py; all off by default)";

/// How the first row of every text input is read.
#[derive(Debug, Clone, Copy, Args)]
pub struct HeaderArgs {
    /// The first row of every text input is a header (column names), whatever it holds.
    #[arg(long, conflicts_with = "no_header")]
    pub header: bool,
    /// Every row of every text input is data (a first row of names is then an error).
    /// Without either flag the first row is a header when none of its cells is a number,
    /// and that is reported on stderr.
    #[arg(long)]
    pub no_header: bool,
}

impl HeaderArgs {
    /// The rule for [`crate::table::Table::read_with`].
    pub fn rule(self) -> Header {
        match (self.header, self.no_header) {
            (true, _) => Header::Present,
            (_, true) => Header::Absent,
            _ => Header::Auto,
        }
    }
}

/// `simec fit`.
#[derive(Debug, Args)]
pub struct FitArgs {
    /// Features, m x D (CSV or NPY). Must be complete.
    #[arg(long, value_name = "FILE")]
    pub features: PathBuf,
    /// Target similarities, m x n (k*n with --slices k); empty / NaN = missing (--allow-missing).
    #[arg(long, value_name = "FILE")]
    pub targets: PathBuf,
    /// Use the transpose of the targets file (e.g. R^T for the second SimEc of a rectangular R).
    #[arg(long)]
    pub transpose_targets: bool,
    /// Embedding dimension d (<= n).
    #[arg(long, value_name = "D")]
    pub embedding_dim: usize,
    /// Output model directory (created; an existing non-empty one needs --force).
    #[arg(long, value_name = "MODEL_DIR")]
    pub out: PathBuf,
    /// Overwrite the model files in an existing --out directory.
    #[arg(long)]
    pub force: bool,
    /// Hidden layers, input side first: UNITS[:ACTIVATION],... with ACTIVATION one of tanh
    /// (default), relu, sigmoid, linear; or none.
    #[arg(long, value_name = "SPEC", default_value = "none")]
    pub hidden: HiddenLayers,
    /// Number k of similarity matrices predicted at once (column blocks of the targets).
    #[arg(long, value_name = "K", default_value = "1")]
    pub slices: NonZeroUsize,
    /// Strength of mean((S_ll - W_l^T W_l)^2); S_ll = first n rows of the targets or --s-ll.
    #[arg(
        long,
        allow_negative_numbers = true,
        value_name = "L",
        default_value_t = 0.0
    )]
    pub s_ll_reg: f64,
    /// S_ll file (n x n, or n x k*n with --slices k) instead of the first n rows of the targets.
    #[arg(long, value_name = "FILE")]
    pub s_ll: Option<PathBuf>,
    /// Give the S_ll term only the R eigenpairs of largest |lambda| of each S_ll slice: O(n R d)
    /// per step instead of O(n^2 d); exact when S_ll has rank <= R [default: dense].
    #[arg(long, value_name = "R", conflicts_with = "s_ll_residual")]
    pub s_ll_rank: Option<usize>,
    /// Like --s-ll-rank, with the fewest eigenpairs whose relative Frobenius residual
    /// ||S - S_r||_F / ||S||_F is at most EPS (e.g. 1e-6: the exact numerical rank).
    #[arg(long, value_name = "EPS")]
    pub s_ll_residual: Option<f64>,
    /// Strength of the orthogonality penalty on W_l.
    #[arg(
        long,
        allow_negative_numbers = true,
        value_name = "L",
        default_value_t = 0.0
    )]
    pub orth_reg: f64,
    /// L2 penalty of the hidden layers' kernels (simec.py's default: 1e-8).
    #[arg(
        long,
        allow_negative_numbers = true,
        value_name = "L",
        default_value_t = 0.0
    )]
    pub l2_reg: f64,
    /// L2 penalty of the embedding layer's kernel (simec.py's default: 1e-5).
    #[arg(
        long,
        allow_negative_numbers = true,
        value_name = "L",
        default_value_t = 0.0
    )]
    pub l2_reg_emb: f64,
    /// L2 penalty of W_l.
    #[arg(
        long,
        allow_negative_numbers = true,
        value_name = "L",
        default_value_t = 0.0
    )]
    pub l2_reg_out: f64,
    /// Data loss: mse (the paper's), mae, or bce (binary cross-entropy: targets in [0, 1],
    /// sigmoid output).
    #[arg(long, value_parser = loss_parser(), default_value = "mse")]
    pub loss: Loss,
    /// Activation of the output y W_l [default: linear; sigmoid with --loss bce].
    #[arg(long, value_parser = activation_parser())]
    pub output_activation: Option<Activation>,
    /// Fix W_l to this d x n matrix (or its transpose, e.g. an embedding from `simec transform`
    /// / --embed-out) instead of training it.
    #[arg(long, value_name = "FILE")]
    pub frozen_last_layer: Option<PathBuf>,
    /// Optimizer: adamax (keras' defaults, the paper's) or adam (beta 0.9 / 0.999, eps 1e-7).
    #[arg(long, value_parser = optimizer_parser(), default_value = "adamax")]
    pub optimizer: OptimizerKind,
    /// Learning rate (keras' Adamax default; simec.py's default: 0.0005).
    #[arg(
        long,
        allow_negative_numbers = true,
        value_name = "LR",
        default_value_t = 0.002
    )]
    pub lr: f64,
    /// Passes over the training rows.
    #[arg(long, value_name = "N", default_value_t = 25)]
    pub epochs: usize,
    /// Mini-batch size.
    #[arg(long, value_name = "B", default_value_t = 32)]
    pub batch_size: usize,
    /// Seed of the initialization, the shuffling and the validation split.
    #[arg(long, value_name = "SEED", default_value_t = 42)]
    pub seed: u64,
    /// Compute backend: `cpu` (burn flex), `wgpu` (Vulkan; only in a build with the cargo
    /// feature `wgpu`).
    #[arg(long, value_parser = backend_parser(), default_value = "cpu")]
    pub backend: Backend,
    /// Fraction of the rows held out; their MSE is reported after every epoch.
    #[arg(
        long,
        allow_negative_numbers = true,
        value_name = "F",
        default_value_t = 0.0
    )]
    pub validation_fraction: f64,
    /// Subtract the training feature mean (stored in the model, applied by transform/predict);
    /// on by default.
    #[arg(long, overrides_with = "no_center_features")]
    pub center_features: bool,
    /// Do not center the features.
    #[arg(long, overrides_with = "center_features")]
    pub no_center_features: bool,
    /// Treat empty / NaN target (and S_ll) entries as missing and leave them out of the loss.
    #[arg(long)]
    pub allow_missing: bool,
    /// Keep the weights of the best epoch instead of the last: train_loss (lowest mean
    /// training data loss, penalties left out) or validation_mse (lowest MSE on the
    /// --validation-fraction rows).
    #[arg(long, value_parser = restore_parser(), default_value = "none", help_heading = TORCH)]
    pub restore_best: RestoreBest,
    /// Learning-rate schedule: plateau multiplies the rate by --lr-factor after more than
    /// --lr-patience epochs without a relative improvement of --lr-threshold of the training
    /// data loss (torch's ReduceLROnPlateau).
    #[arg(long, value_enum, default_value_t = LrScheduleKind::Constant, help_heading = TORCH)]
    pub lr_schedule: LrScheduleKind,
    /// Plateau: factor of each reduction, in (0, 1).
    #[arg(long, allow_negative_numbers = true, value_name = "F", default_value_t = Plateau::default().factor, help_heading = TORCH)]
    pub lr_factor: f64,
    /// Plateau: epochs without improvement before a reduction.
    #[arg(long, value_name = "N", default_value_t = Plateau::default().patience, help_heading = TORCH)]
    pub lr_patience: usize,
    /// Plateau: relative improvement that counts, in [0, 1).
    #[arg(long, allow_negative_numbers = true, value_name = "T", default_value_t = Plateau::default().threshold, help_heading = TORCH)]
    pub lr_threshold: f64,
    /// Plateau: first epochs not watched.
    #[arg(long, value_name = "N", default_value_t = Plateau::default().warmup, help_heading = TORCH)]
    pub lr_warmup: usize,
    /// Plateau: lowest learning rate.
    #[arg(long, allow_negative_numbers = true, value_name = "LR", default_value_t = Plateau::default().min_lr, help_heading = TORCH)]
    pub min_lr: f64,
    /// Coupled weight decay: every step uses the gradient g + WD * w of every trained weight
    /// and bias (torch's Adam / Adamax weight_decay, not AdamW).
    #[arg(long, allow_negative_numbers = true, value_name = "WD", default_value_t = 0.0, help_heading = TORCH)]
    pub weight_decay: f64,
    /// Fraction of the epochs trained before --orth-reg starts, in [0, 1): the first
    /// ceil(F * epochs) epochs go without it (simec_torch.py: about 1/3).
    #[arg(long, allow_negative_numbers = true, value_name = "F", default_value_t = 0.0, help_heading = TORCH)]
    pub orth_reg_start: f64,
    /// Also write the embedding of every row of --features (in-memory model) to this file.
    #[arg(long, value_name = "FILE")]
    pub embed_out: Option<PathBuf>,
    /// No per-epoch progress on stderr.
    #[arg(long, short)]
    pub quiet: bool,
    /// Header rule of the text inputs.
    #[command(flatten)]
    pub header: HeaderArgs,
}

/// `simec transform` and `simec predict`.
#[derive(Debug, Args)]
pub struct ApplyArgs {
    /// Model directory written by `simec fit`.
    #[arg(long, value_name = "MODEL_DIR")]
    pub model: PathBuf,
    /// Features of the points, rows x D (CSV or NPY).
    #[arg(long, value_name = "FILE")]
    pub features: PathBuf,
    /// Output file (.npy -> float32 NPY, otherwise CSV).
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
    /// Compute backend.
    #[arg(long, value_parser = backend_parser(), default_value = "cpu")]
    pub backend: Backend,
    /// Header rule of the text inputs.
    #[command(flatten)]
    pub header: HeaderArgs,
}

/// `simec info`.
#[derive(Debug, Args)]
pub struct InfoArgs {
    /// Model directory written by `simec fit`.
    #[arg(long, value_name = "MODEL_DIR")]
    pub model: PathBuf,
    /// Print every epoch of the training log (by default at most about 20 rows).
    #[arg(long)]
    pub log: bool,
}

/// `simec evaluate`.
#[derive(Debug, Args)]
pub struct EvaluateArgs {
    /// An embedding Y (m x d).
    #[arg(long, value_name = "FILE", conflicts_with_all = ["model", "features", "targets"])]
    pub embedding: Option<PathBuf>,
    /// A second embedding Y2 (m2 x d); the default is Y itself.
    #[arg(long, value_name = "FILE", requires = "embedding")]
    pub embedding_2: Option<PathBuf>,
    /// The similarities Y Y2^T should match (m x m2; empty / NaN = missing).
    #[arg(long, value_name = "FILE", requires = "embedding")]
    pub similarity: Option<PathBuf>,
    /// A model directory: score its predictions on --features against --targets.
    #[arg(long, value_name = "MODEL_DIR", requires_all = ["features", "targets"])]
    pub model: Option<PathBuf>,
    /// Features for --model.
    #[arg(long, value_name = "FILE", requires = "model")]
    pub features: Option<PathBuf>,
    /// Targets for --model (rows x k*n; empty / NaN = missing).
    #[arg(long, value_name = "FILE", requires = "model")]
    pub targets: Option<PathBuf>,
    /// Compute backend for --model.
    #[arg(long, value_parser = backend_parser(), default_value = "cpu")]
    pub backend: Backend,
    /// Header rule of the text inputs.
    #[command(flatten)]
    pub header: HeaderArgs,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn transform(backend: &str) -> Result<Cli, clap::Error> {
        Cli::try_parse_from([
            "simec",
            "transform",
            "--model",
            "m",
            "--features",
            "x.csv",
            "--out",
            "y.csv",
            "--backend",
            backend,
        ])
    }

    fn backend_of(cli: Cli) -> Backend {
        match cli.command {
            Command::Transform(a) => a.backend,
            other => panic!("parsed as {other:?}"),
        }
    }

    #[test]
    fn cpu_and_its_alias_flex_parse_and_give_the_flex_device() {
        for name in ["cpu", "flex"] {
            let b = backend_of(transform(name).expect("parses"));
            assert_eq!(b, Backend::Cpu);
            assert!(b.device().is_ok());
        }
    }

    #[test]
    fn wgpu_parses_only_when_compiled_in_else_the_error_names_feature_and_recipe() {
        assert_eq!(Backend::Wgpu.is_compiled(), cfg!(feature = "wgpu"));
        match transform("wgpu") {
            Ok(cli) => {
                assert!(Backend::Wgpu.is_compiled());
                assert_eq!(backend_of(cli), Backend::Wgpu);
            }
            Err(e) => {
                assert!(!Backend::Wgpu.is_compiled());
                let msg = e.to_string();
                assert!(msg.contains("feature `wgpu`"), "{msg}");
                assert!(msg.contains("just build-wgpu"), "{msg}");
                let err = Backend::Wgpu.device().expect_err("not compiled in");
                assert!(err.to_string().contains("feature `wgpu`"), "{err}");
            }
        }
    }
}
