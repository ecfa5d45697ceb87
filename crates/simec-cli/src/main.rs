//! `simec`: fit Similarity Encoders on your own CSV / NPY data and apply them to new points.
//! Run `simec --help` and `simec <command> --help`.

use std::path::{Path, PathBuf};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use anyhow::{bail, Context, Result};
use burn::prelude::Device;
use clap::{Args, Parser, Subcommand, ValueEnum};
use simec::{Activation, EpochReport, Loss, Matrix, OptimizerKind, SimecParams, SllTarget};
use simec_cli::model_dir::{self, CliConfig, DataInfo, Preprocessing, TrainingSummary};
use simec_cli::prep;
use simec_cli::table::{write_matrix, Missing, Table};

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

const MAIN_EXAMPLES: &str = "\
Examples:
  # Fit a SimEc with a 10-d embedding: the targets S hold the similarities of every row of X
  # to n target points (m x n); with --s-ll-reg the first n rows of S are S_ll.
  simec fit --features X.csv --targets S.csv --embedding-dim 10 --hidden 200:tanh,100:tanh \\
      --s-ll-reg 0.5 --validation-fraction 0.1 --out model/

  # Embed new points, predict their similarities to the n targets, inspect the model.
  simec transform --model model/ --features X_new.csv --out Y_new.csv
  simec predict   --model model/ --features X_new.npy --out S_hat.npy
  simec info      --model model/

  # Score an embedding: MSE of Y Y^T against a similarity matrix.
  simec evaluate --embedding Y_new.csv --similarity S_new.csv

Files: CSV/TSV/whitespace text (header auto-detected: a first row without any number) or
NumPy .npy (float32 or float64). Outputs: .npy -> float32 NPY, anything else -> CSV.";

/// Similarity Encoders (Horn & Müller 2018) on your own data.
///
/// A SimEc is a neural network that maps feature vectors x to an embedding y = f(x) such that
/// y W_l reproduces the similarities of x to n target points; y y'^T then approximates the
/// similarity of any two points, also of new ones.
#[derive(Debug, Parser)]
#[command(name = "simec", version, after_help = MAIN_EXAMPLES)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
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

const FIT_EXAMPLES: &str = "\
Examples:
  # Linear SimEc (no hidden layer), 2-d embedding of a square similarity matrix S (m x m):
  simec fit --features X.csv --targets S.csv --embedding-dim 2 --s-ll-reg 1 --out model/

  # Two tanh hidden layers, 10% of the rows held out (MSE printed per epoch), Adam:
  simec fit --features X.npy --targets S.npy --embedding-dim 10 --hidden 200:tanh,100:tanh \\
      --s-ll-reg 0.5 --validation-fraction 0.1 --optimizer adam --lr 0.001 --epochs 50 --out model/

  # Binary relations in {0, 1} (missing ones as empty cells), cross-entropy on a sigmoid output:
  simec fit --features X.csv --targets R.csv --embedding-dim 8 --loss bce --allow-missing --out m/

  # Rectangular relations R (m1 x m2) between two kinds of objects (paper section 2.2):
  simec fit --features X1.csv --targets R.csv --embedding-dim 5 --out m1/ --embed-out Y1.csv
  simec fit --features X2.csv --targets R.csv --transpose-targets --embedding-dim 5 \\
      --frozen-last-layer Y1.csv --out m2/
  # then f1(x1) . f2(x2) predicts R for new pairs (simec transform with m1/ and m2/).

The targets are m x n (k x n columns with --slices k): the similarities of each of the m rows of
the features to n target points. --s-ll-reg uses the first n rows of the targets as S_ll (the
targets' similarities among themselves), so list the target points first, or pass --s-ll.";

const TRANSFORM_EXAMPLES: &str = "\
Examples:
  simec transform --model model/ --features X_new.csv --out Y_new.csv
  simec transform --model model/ --features X_new.npy --out Y_new.npy

The features are centered with the training mean stored in the model (unless the model was fit
with --no-center-features) and must have the training's number of columns.";

const PREDICT_EXAMPLES: &str = "\
Examples:
  simec predict --model model/ --features X_new.csv --out S_hat.csv
  simec predict --model model/ --features X_new.npy --out S_hat.npy

Row i, column j of the output is the predicted similarity of point i to target point j
(k blocks of n columns with --slices k).";

const INFO_EXAMPLES: &str = "\
Examples:
  simec info --model model/
  simec info --model model/ --log     # every epoch of the training log";

const EVALUATE_EXAMPLES: &str = "\
Examples:
  # MSE of Y Y^T against S (S square, m x m; NaN / empty = missing):
  simec evaluate --embedding Y_test.csv --similarity S_test.csv
  # Two embeddings (rectangular relations): MSE of Y1 Y2^T against R (m1 x m2):
  simec evaluate --embedding Y1.csv --embedding-2 Y2.csv --similarity R.csv
  # A model's predictions against known targets:
  simec evaluate --model model/ --features X_test.csv --targets S_test_vs_targets.csv";

/// Compiled-in compute backends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Backend {
    /// burn's `flex` CPU backend (multi-threaded).
    #[value(alias = "flex")]
    Cpu,
}

impl Backend {
    fn device(self) -> Device {
        match self {
            Backend::Cpu => Device::flex(),
        }
    }
    fn name(self) -> &'static str {
        match self {
            Backend::Cpu => "cpu",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum LossArg {
    /// Mean squared error (the paper's).
    Mse,
    /// Mean absolute error.
    Mae,
    /// Binary cross-entropy: targets in [0, 1], sigmoid output.
    Bce,
}

impl From<LossArg> for Loss {
    fn from(l: LossArg) -> Loss {
        match l {
            LossArg::Mse => Loss::Mse,
            LossArg::Mae => Loss::Mae,
            LossArg::Bce => Loss::BinaryCrossEntropy,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum ActivationArg {
    Linear,
    Tanh,
    Relu,
    Sigmoid,
}

impl From<ActivationArg> for Activation {
    fn from(a: ActivationArg) -> Activation {
        match a {
            ActivationArg::Linear => Activation::Linear,
            ActivationArg::Tanh => Activation::Tanh,
            ActivationArg::Relu => Activation::Relu,
            ActivationArg::Sigmoid => Activation::Sigmoid,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum OptimizerArg {
    /// Adamax with keras' defaults (the paper's).
    Adamax,
    /// Adam (beta 0.9 / 0.999, eps 1e-7).
    Adam,
}

impl From<OptimizerArg> for OptimizerKind {
    fn from(o: OptimizerArg) -> OptimizerKind {
        match o {
            OptimizerArg::Adamax => OptimizerKind::Adamax,
            OptimizerArg::Adam => OptimizerKind::Adam,
        }
    }
}

#[derive(Debug, Args)]
struct FitArgs {
    /// Features, m x D (CSV or NPY). Must be complete.
    #[arg(long, value_name = "FILE")]
    features: PathBuf,
    /// Target similarities, m x n (k*n with --slices k); empty / NaN = missing (--allow-missing).
    #[arg(long, value_name = "FILE")]
    targets: PathBuf,
    /// Use the transpose of the targets file (e.g. R^T for the second SimEc of a rectangular R).
    #[arg(long)]
    transpose_targets: bool,
    /// Embedding dimension d (<= n).
    #[arg(long, value_name = "D")]
    embedding_dim: usize,
    /// Output model directory (created; an existing non-empty one needs --force).
    #[arg(long, value_name = "MODEL_DIR")]
    out: PathBuf,
    /// Overwrite the model files in an existing --out directory.
    #[arg(long)]
    force: bool,
    /// Hidden layers, input side first: UNITS[:ACTIVATION],... (tanh default), or none.
    #[arg(long, value_name = "SPEC", default_value = "none")]
    hidden: String,
    /// Number k of similarity matrices predicted at once (column blocks of the targets).
    #[arg(long, value_name = "K", default_value_t = 1)]
    slices: usize,
    /// Strength of mean((S_ll - W_l^T W_l)^2); S_ll = first n rows of the targets or --s-ll.
    #[arg(long, value_name = "L", default_value_t = 0.0)]
    s_ll_reg: f64,
    /// S_ll file (n x n, or n x k*n with --slices k) instead of the first n rows of the targets.
    #[arg(long, value_name = "FILE")]
    s_ll: Option<PathBuf>,
    /// Strength of the orthogonality penalty on W_l.
    #[arg(long, value_name = "L", default_value_t = 0.0)]
    orth_reg: f64,
    /// L2 penalty of the hidden layers' kernels.
    #[arg(long, value_name = "L", default_value_t = 0.0)]
    l2_reg: f64,
    /// L2 penalty of the embedding layer's kernel.
    #[arg(long, value_name = "L", default_value_t = 0.0)]
    l2_reg_emb: f64,
    /// L2 penalty of W_l.
    #[arg(long, value_name = "L", default_value_t = 0.0)]
    l2_reg_out: f64,
    /// Data loss.
    #[arg(long, value_enum, default_value_t = LossArg::Mse)]
    loss: LossArg,
    /// Activation of the output y W_l [default: linear; sigmoid with --loss bce].
    #[arg(long, value_enum)]
    output_activation: Option<ActivationArg>,
    /// Fix W_l to this d x n matrix (or its transpose, e.g. an embedding from `simec transform`
    /// / --embed-out) instead of training it.
    #[arg(long, value_name = "FILE")]
    frozen_last_layer: Option<PathBuf>,
    /// Optimizer.
    #[arg(long, value_enum, default_value_t = OptimizerArg::Adamax)]
    optimizer: OptimizerArg,
    /// Learning rate.
    #[arg(long, value_name = "LR", default_value_t = 0.002)]
    lr: f64,
    /// Passes over the training rows.
    #[arg(long, value_name = "N", default_value_t = 25)]
    epochs: usize,
    /// Mini-batch size.
    #[arg(long, value_name = "B", default_value_t = 32)]
    batch_size: usize,
    /// Seed of the initialization, the shuffling and the validation split.
    #[arg(long, value_name = "SEED", default_value_t = 42)]
    seed: u64,
    /// Compute backend (only the compiled-in ones are listed).
    #[arg(long, value_enum, default_value_t = Backend::Cpu)]
    backend: Backend,
    /// Fraction of the rows held out; their MSE is reported after every epoch.
    #[arg(long, value_name = "F", default_value_t = 0.0)]
    validation_fraction: f64,
    /// Subtract the training feature mean (stored in the model, applied by transform/predict);
    /// on by default.
    #[arg(long, overrides_with = "no_center_features")]
    center_features: bool,
    /// Do not center the features.
    #[arg(long, overrides_with = "center_features")]
    no_center_features: bool,
    /// Treat empty / NaN target (and S_ll) entries as missing and leave them out of the loss.
    #[arg(long)]
    allow_missing: bool,
    /// Also write the embedding of every row of --features (in-memory model) to this file.
    #[arg(long, value_name = "FILE")]
    embed_out: Option<PathBuf>,
    /// No per-epoch progress on stderr.
    #[arg(long, short)]
    quiet: bool,
}

#[derive(Debug, Args)]
struct ApplyArgs {
    /// Model directory written by `simec fit`.
    #[arg(long, value_name = "MODEL_DIR")]
    model: PathBuf,
    /// Features of the points, rows x D (CSV or NPY).
    #[arg(long, value_name = "FILE")]
    features: PathBuf,
    /// Output file (.npy -> float32 NPY, otherwise CSV).
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
    /// Compute backend.
    #[arg(long, value_enum, default_value_t = Backend::Cpu)]
    backend: Backend,
}

#[derive(Debug, Args)]
struct InfoArgs {
    /// Model directory written by `simec fit`.
    #[arg(long, value_name = "MODEL_DIR")]
    model: PathBuf,
    /// Print every epoch of the training log (by default at most about 20 rows).
    #[arg(long)]
    log: bool,
}

#[derive(Debug, Args)]
struct EvaluateArgs {
    /// An embedding Y (m x d).
    #[arg(long, value_name = "FILE", conflicts_with_all = ["model", "features", "targets"])]
    embedding: Option<PathBuf>,
    /// A second embedding Y2 (m2 x d); the default is Y itself.
    #[arg(long, value_name = "FILE", requires = "embedding")]
    embedding_2: Option<PathBuf>,
    /// The similarities Y Y2^T should match (m x m2; empty / NaN = missing).
    #[arg(long, value_name = "FILE", requires = "embedding")]
    similarity: Option<PathBuf>,
    /// A model directory: score its predictions on --features against --targets.
    #[arg(long, value_name = "MODEL_DIR", requires_all = ["features", "targets"])]
    model: Option<PathBuf>,
    /// Features for --model.
    #[arg(long, value_name = "FILE", requires = "model")]
    features: Option<PathBuf>,
    /// Targets for --model (rows x k*n; empty / NaN = missing).
    #[arg(long, value_name = "FILE", requires = "model")]
    targets: Option<PathBuf>,
    /// Compute backend for --model.
    #[arg(long, value_enum, default_value_t = Backend::Cpu)]
    backend: Backend,
}

fn main() -> std::process::ExitCode {
    // Rust ignores SIGPIPE, so printing into a closed pipe (`simec info ... | head -1`) would panic;
    // restore the default: the process ends quietly like other command-line tools.
    #[cfg(unix)]
    // SAFETY: called once at start-up, before any other thread exists.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Fit(args) => fit(*args),
        Command::Transform(args) => apply(args, false),
        Command::Predict(args) => apply(args, true),
        Command::Info(args) => info(args),
        Command::Evaluate(args) => evaluate(args),
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// Reads a features file and checks that it is complete and finite.
fn read_features(path: &Path) -> Result<Table> {
    let t = Table::read(path)?;
    t.check_values(
        "features",
        Missing::Error("features must be complete (impute or drop the row)"),
    )?;
    Ok(t)
}

/// The command line, for the record in config.toml.
fn command_line() -> String {
    std::env::args()
        .map(|a| {
            if a.is_empty() || a.contains(|c: char| c.is_whitespace() || "'\"\\$`".contains(c)) {
                format!("'{}'", a.replace('\'', "'\\''"))
            } else {
                a
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn architecture(s: &simec::Simec) -> String {
    let p = s.params();
    let mut parts = vec![format!("{} features", s.input_dim())];
    for l in p.hidden_layers() {
        parts.push(format!("{} {}", l.units, l.activation));
    }
    parts.push(format!("{} (embedding)", s.embedding_dim()));
    let k = s.n_slices();
    let outputs = if k == 1 {
        format!("{} targets", s.n_targets())
    } else {
        format!("{k} x {} targets", s.n_targets())
    };
    parts.push(format!(
        "{outputs}, {} output, W_l {}",
        p.output_activation(),
        if p.fixed_last_layer().is_some() {
            "fixed"
        } else {
            "trained"
        }
    ));
    parts.join(" -> ")
}

fn fit(a: FitArgs) -> Result<()> {
    let start = Instant::now();
    if a.out.exists() {
        let non_empty = a
            .out
            .read_dir()
            .with_context(|| format!("{}: cannot read directory", a.out.display()))?
            .next()
            .is_some();
        if non_empty && !a.force {
            bail!(
                "{}: exists and is not empty; pass --force to overwrite the model files in it",
                a.out.display()
            );
        }
    }
    let center = !a.no_center_features;
    let hidden = prep::parse_hidden(&a.hidden)?;
    let loss: Loss = a.loss.into();
    let output_activation: Activation = match (a.output_activation, loss) {
        (Some(act), _) => act.into(),
        (None, Loss::BinaryCrossEntropy) => Activation::Sigmoid,
        (None, _) => Activation::Linear,
    };
    if a.s_ll.is_some() && a.s_ll_reg == 0.0 {
        bail!("--s-ll is only used by the S_ll regularizer; also pass --s-ll-reg L with L > 0");
    }
    let k = a.slices;
    if k == 0 {
        bail!("--slices must be >= 1");
    }

    // Inputs.
    let features = read_features(&a.features)?;
    let targets_t = Table::read(&a.targets)?;
    let missing_hint = "pass --allow-missing to leave missing targets out of the loss";
    let missing = if a.allow_missing {
        Missing::Allow
    } else {
        Missing::Error(missing_hint)
    };
    let n_missing = targets_t.check_values("targets", missing)?;
    if loss == Loss::BinaryCrossEntropy {
        let cols = targets_t.cols();
        if let Some(i) = targets_t
            .matrix
            .data()
            .iter()
            .position(|v| !v.is_nan() && !(0.0..=1.0).contains(v))
        {
            return Err(targets_t
                .value_error(
                    i / cols,
                    i % cols,
                    format!(
                        "{} is outside [0, 1]; --loss bce needs targets in [0, 1]",
                        targets_t.matrix.data()[i]
                    ),
                )
                .into());
        }
    }
    let targets = if a.transpose_targets {
        prep::transpose(&targets_t.matrix)
    } else {
        targets_t.matrix.clone()
    };
    let shown = |t: &Table, transposed: bool| {
        if transposed {
            format!("{} (transposed: {} x {})", t.shape(), t.cols(), t.rows())
        } else {
            t.shape()
        }
    };
    if targets.rows() != features.rows() {
        bail!(
            "{}: {} targets for {} rows of features in {}; expected one target row per feature row{}",
            a.targets.display(),
            shown(&targets_t, a.transpose_targets),
            features.rows(),
            a.features.display(),
            if a.transpose_targets { "" } else { " (or pass --transpose-targets)" }
        );
    }
    if !targets.cols().is_multiple_of(k) {
        bail!(
            "{}: {} target columns do not split into --slices {k} equal blocks",
            a.targets.display(),
            targets.cols()
        );
    }
    let n = targets.cols() / k;
    if a.embedding_dim == 0 || a.embedding_dim > n {
        bail!(
            "--embedding-dim {} must be between 1 and the number of targets per slice, n = {n} \
             (columns of {})",
            a.embedding_dim,
            a.targets.display()
        );
    }

    // S_ll.
    let (s_ll, s_ll_source): (Option<Vec<Matrix>>, String) = if a.s_ll_reg > 0.0 {
        match &a.s_ll {
            Some(path) => {
                let t = Table::read(path)?;
                t.check_values("S_ll", missing)?;
                if t.rows() != n || t.cols() != k * n {
                    return Err(t
                        .shape_error(format!(
                            "S_ll is {}, expected {n} x {} (n x k*n, n = {n} targets, k = {k})",
                            t.shape(),
                            k * n
                        ))
                        .into());
                }
                (
                    Some(prep::s_ll_blocks(&t.matrix, k)),
                    path.display().to_string(),
                )
            }
            None => match prep::s_ll_from_targets(&targets, k) {
                Some(s) => (
                    Some(s),
                    format!("first {n} rows of the targets ({})", a.targets.display()),
                ),
                None => bail!(
                    "{}: --s-ll-reg takes S_ll from the first n = {n} rows of the targets, but \
                     there are only {} rows; pass --s-ll FILE",
                    a.targets.display(),
                    targets.rows()
                ),
            },
        }
    } else {
        (None, "none".to_string())
    };

    // Frozen last layer.
    let frozen = match &a.frozen_last_layer {
        None => None,
        Some(path) => {
            let t = Table::read(path)?;
            t.check_values(
                "frozen last layer",
                Missing::Error("the last layer must be complete"),
            )?;
            let (d, cols) = (a.embedding_dim, targets.cols());
            match prep::orient_last_layer(t.rows(), t.cols(), d, cols) {
                Some(prep::Orientation::AsIs) => Some(t.matrix),
                Some(prep::Orientation::Transposed) => Some(prep::transpose(&t.matrix)),
                None => {
                    return Err(t
                        .shape_error(format!(
                            "the frozen last layer is {}, expected {d} x {cols} \
                             (embedding-dim x target columns) or its transpose {cols} x {d}",
                            t.shape()
                        ))
                        .into())
                }
            }
        }
    };

    // Split and centering.
    let m = features.rows();
    let (train_idx, val_idx) = prep::split_rows(m, a.validation_fraction, a.seed)?;
    let x_train_raw = prep::select_rows(&features.matrix, &train_idx);
    let mean = center.then(|| prep::column_means(&x_train_raw));
    let center_x = |x: &Matrix| match &mean {
        Some(mu) => prep::subtract(x, mu),
        None => x.clone(),
    };
    let x_train = center_x(&x_train_raw);
    let t_train = prep::select_rows(&targets, &train_idx);
    let x_val = center_x(&prep::select_rows(&features.matrix, &val_idx));
    let t_val = prep::select_rows(&targets, &val_idx);

    // Hyperparameters.
    let mut params = SimecParams::new(a.embedding_dim)
        .hidden_layers(hidden)
        .output_activation(output_activation)
        .loss(loss)
        .n_slices(k)
        .epochs(a.epochs)
        .batch_size(a.batch_size)
        .learning_rate(a.lr)
        .optimizer(a.optimizer.into())
        .l2_reg(a.l2_reg)
        .l2_reg_emb(a.l2_reg_emb)
        .l2_reg_out(a.l2_reg_out)
        .s_ll_reg(a.s_ll_reg)
        .orth_reg(a.orth_reg)
        .seed(a.seed)
        .allow_missing(a.allow_missing);
    if let Some(w) = frozen {
        params = params.fixed_last_layer(w);
    }
    let params = params.check().context("invalid options")?;

    // Training.
    let device = a.backend.device();
    let every = (a.epochs / 20).max(1);
    let quiet = a.quiet;
    let mut progress = |r: EpochReport| {
        if quiet || !(r.epoch.is_multiple_of(every) || r.epoch == r.epochs || r.epoch == 1) {
            return;
        }
        let val = r
            .val_mse
            .map(|v| format!("  val_mse {v:.6}"))
            .unwrap_or_default();
        eprintln!(
            "epoch {:>width$}/{}  loss {:.6}{val}  ({:.2} s)",
            r.epoch,
            r.epochs,
            r.loss,
            r.seconds,
            width = r.epochs.to_string().len()
        );
    };
    let s_ll_refs: Option<Vec<&Matrix>> = s_ll.as_ref().map(|v| v.iter().collect());
    let s_ll_target = s_ll_refs.map(SllTarget::slices);
    let fitted = if val_idx.is_empty() {
        params.fit_with_callback(&x_train, &t_train, s_ll_target, &device, &mut progress)
    } else {
        params.fit_with_validation(
            &x_train,
            &t_train,
            s_ll_target,
            simec::ValidationSet::new(&x_val, &t_val),
            &device,
            &mut progress,
        )
    };
    let model = fitted.with_context(|| {
        format!(
            "fitting failed (features {}, targets {}, S_ll: {s_ll_source})",
            a.features.display(),
            a.targets.display()
        )
    })?;
    let wall_s = start.elapsed().as_secs_f64();

    if let Some(path) = &a.embed_out {
        let y = model.transform(&center_x(&features.matrix))?;
        write_matrix(path, &y)?;
    }

    // Model directory.
    let history = model.history();
    let last = history.last().copied();
    let best = history
        .iter()
        .filter_map(|r| r.val_mse.map(|v| (v, r.epoch)))
        .min_by(|x, y| x.0.total_cmp(&y.0));
    let config = CliConfig {
        format_version: model_dir::CLI_FORMAT_VERSION,
        tool: "simec-cli".to_string(),
        tool_version: env!("CARGO_PKG_VERSION").to_string(),
        created_unix_s: SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0),
        command: command_line(),
        data: DataInfo {
            features: a.features.display().to_string(),
            targets: a.targets.display().to_string(),
            transpose_targets: a.transpose_targets,
            s_ll: s_ll_source,
            frozen_last_layer: a
                .frozen_last_layer
                .as_ref()
                .map(|p| p.display().to_string()),
            rows: m,
            input_dim: features.cols(),
            target_cols: targets.cols(),
            train_rows: train_idx.len(),
            validation_rows: val_idx.len(),
            validation_fraction: a.validation_fraction,
            missing_targets: n_missing,
        },
        preprocessing: Preprocessing {
            center_features: center,
        },
        training: TrainingSummary {
            backend: a.backend.name().to_string(),
            epochs: history.len(),
            final_loss: last.map_or(f64::NAN, |r| r.loss),
            final_val_mse: last.and_then(|r| r.val_mse),
            best_val_mse: best.map(|b| b.0),
            best_val_epoch: best.map(|b| b.1),
            wall_s,
        },
    };
    model_dir::save(&a.out, &model, &config, mean.as_deref())?;

    println!("fitted SimEc: {}", architecture(&model));
    print!(
        "{} epochs in {:.1} s, final loss {:.6}",
        config.training.epochs, wall_s, config.training.final_loss
    );
    if let (Some(v), Some((bv, be))) = (config.training.final_val_mse, best) {
        print!(", validation MSE {v:.6} (best {bv:.6} at epoch {be})");
    }
    println!();
    println!("model written to {}", a.out.display());
    if let Some(p) = &a.embed_out {
        println!("embedding of all {m} rows written to {}", p.display());
    }
    Ok(())
}

fn apply(a: ApplyArgs, predict: bool) -> Result<()> {
    let model = model_dir::load(&a.model, &a.backend.device())?;
    let features = read_features(&a.features)?;
    let d = model.simec.input_dim();
    if features.cols() != d {
        return Err(features
            .shape_error(format!(
                "has {} feature columns, but the model in {} was fitted on {d}",
                features.cols(),
                a.model.display()
            ))
            .into());
    }
    let x = match &model.feature_mean {
        Some(mu) => prep::subtract(&features.matrix, mu),
        None => features.matrix,
    };
    let out = if predict {
        model.simec.predict(&x)?
    } else {
        model.simec.transform(&x)?
    };
    write_matrix(&a.out, &out)?;
    eprintln!(
        "{} {} x {} written to {}",
        if predict { "predictions" } else { "embedding" },
        out.rows(),
        out.cols(),
        a.out.display()
    );
    Ok(())
}

fn fmt_opt(v: Option<f64>) -> String {
    v.map_or("-".to_string(), |v| format!("{v:.6}"))
}

fn info(a: InfoArgs) -> Result<()> {
    let model = model_dir::load(&a.model, &Device::flex())?;
    let c = &model.config;
    let s = &model.simec;
    let p = s.params();
    let row = |k: &str, v: String| println!("{k:<16}{v}");
    row("model", a.model.display().to_string());
    row(
        "format",
        format!(
            "config.toml format_version {} ({} {}), model.toml format_version {}",
            c.format_version,
            c.tool,
            c.tool_version,
            simec::MODEL_FORMAT_VERSION
        ),
    );
    row("created", utc_time(c.created_unix_s));
    row("command", c.command.clone());
    row(
        "features",
        format!(
            "{} ({} rows x {} columns)",
            c.data.features, c.data.rows, c.data.input_dim
        ),
    );
    row(
        "targets",
        format!(
            "{}{} ({} columns, {} missing entries)",
            c.data.targets,
            if c.data.transpose_targets {
                ", transposed"
            } else {
                ""
            },
            c.data.target_cols,
            c.data.missing_targets
        ),
    );
    row(
        "split",
        format!(
            "{} training rows, {} validation rows (fraction {})",
            c.data.train_rows, c.data.validation_rows, c.data.validation_fraction
        ),
    );
    row(
        "preprocessing",
        if c.preprocessing.center_features {
            format!(
                "features centered with the training mean ({})",
                model_dir::FEATURE_MEAN_FILE
            )
        } else {
            "none".to_string()
        },
    );
    row("architecture", architecture(s));
    if let Some(f) = &c.data.frozen_last_layer {
        row("frozen W_l", f.clone());
    }
    row(
        "loss",
        format!(
            "{}{}",
            p.loss(),
            if p.allow_missing() {
                ", missing targets masked"
            } else {
                ""
            }
        ),
    );
    row(
        "optimizer",
        format!(
            "{}, learning rate {}, batch size {}, {} epochs, seed {}",
            p.optimizer(),
            p.learning_rate(),
            p.batch_size(),
            p.epochs(),
            p.seed()
        ),
    );
    row(
        "regularizers",
        format!(
            "s_ll_reg {} (S_ll: {}), orth_reg {}, l2_reg {}, l2_reg_emb {}, l2_reg_out {}",
            p.s_ll_reg(),
            c.data.s_ll,
            p.orth_reg(),
            p.l2_reg(),
            p.l2_reg_emb(),
            p.l2_reg_out()
        ),
    );
    let t = &c.training;
    row(
        "training",
        format!(
            "{} epochs in {:.2} s on {}, final loss {:.6}",
            t.epochs, t.wall_s, t.backend, t.final_loss
        ),
    );
    if t.final_val_mse.is_some() {
        row(
            "validation MSE",
            format!(
                "final {}, best {} at epoch {}",
                fmt_opt(t.final_val_mse),
                fmt_opt(t.best_val_mse),
                t.best_val_epoch.map_or("-".to_string(), |e| e.to_string())
            ),
        );
    }
    // The per-epoch log: every epoch with --log, else at most about 20 rows.
    let log = model_dir::read_log(&a.model)?;
    if !log.is_empty() {
        let every = if a.log { 1 } else { log.len().div_ceil(20) };
        println!();
        println!(
            "{:>6}  {:>12}  {:>9}  {:>12}{}",
            "epoch",
            "loss",
            "seconds",
            "val_mse",
            if every > 1 {
                format!("   (every {every}th epoch; --log for all)")
            } else {
                String::new()
            }
        );
        for (i, r) in log.iter().enumerate() {
            if i % every != 0 && i + 1 != log.len() {
                continue;
            }
            println!(
                "{:>6}  {:>12.6}  {:>9.3}  {:>12}",
                r.epoch,
                r.loss,
                r.seconds,
                fmt_opt(r.val_mse)
            );
        }
    }
    Ok(())
}

/// `YYYY-MM-DD HH:MM:SS UTC` of Unix seconds.
fn utc_time(unix_s: u64) -> String {
    let t = std::time::UNIX_EPOCH + std::time::Duration::from_secs(unix_s);
    chrono::DateTime::<chrono::Utc>::from(t)
        .format("%Y-%m-%d %H:%M:%S UTC")
        .to_string()
}

fn evaluate(a: EvaluateArgs) -> Result<()> {
    if let Some(model_path) = &a.model {
        let (Some(fp), Some(tp)) = (&a.features, &a.targets) else {
            bail!("--model needs --features and --targets");
        };
        let model = model_dir::load(model_path, &a.backend.device())?;
        let features = read_features(fp)?;
        let targets = Table::read(tp)?;
        targets.check_values("targets", Missing::Allow)?;
        let d = model.simec.input_dim();
        if features.cols() != d {
            return Err(features
                .shape_error(format!(
                    "has {} feature columns, but the model in {} was fitted on {d}",
                    features.cols(),
                    model_path.display()
                ))
                .into());
        }
        let out = model.simec.n_targets() * model.simec.n_slices();
        if targets.rows() != features.rows() || targets.cols() != out {
            return Err(targets
                .shape_error(format!(
                    "targets are {}, expected {} x {out} (rows of {} x the model's target columns)",
                    targets.shape(),
                    features.rows(),
                    fp.display()
                ))
                .into());
        }
        let x = match &model.feature_mean {
            Some(mu) => prep::subtract(&features.matrix, mu),
            None => features.matrix,
        };
        let pred = model.simec.predict(&x)?;
        let (mse, count, mean_sq) = masked_mse(pred.data(), targets.matrix.data());
        print_score("MSE(predictions, targets)", mse, count, mean_sq);
        return Ok(());
    }
    let (Some(yp), Some(sp)) = (&a.embedding, &a.similarity) else {
        bail!("pass --embedding Y --similarity S (or --model DIR --features X --targets T)");
    };
    let y = read_features(yp)?;
    let y2 = match &a.embedding_2 {
        Some(p) => Some(read_features(p)?),
        None => None,
    };
    let y2m = y2.as_ref().unwrap_or(&y);
    if y2m.cols() != y.cols() {
        return Err(y2m
            .shape_error(format!(
                "has {} columns but {} has {}; the two embeddings need the same dimension",
                y2m.cols(),
                yp.display(),
                y.cols()
            ))
            .into());
    }
    let s = Table::read(sp)?;
    s.check_values("similarities", Missing::Allow)?;
    if s.rows() != y.rows() || s.cols() != y2m.rows() {
        return Err(s
            .shape_error(format!(
                "similarities are {}, expected {} x {} (rows of the embedding(s))",
                s.shape(),
                y.rows(),
                y2m.rows()
            ))
            .into());
    }
    let (m, m2, d) = (y.rows(), y2m.rows(), y.cols());
    let (yd, y2d) = (y.matrix.data(), y2m.matrix.data());
    let mut gram = Vec::with_capacity(m * m2);
    for i in 0..m {
        let yi = &yd[i * d..(i + 1) * d];
        for j in 0..m2 {
            let yj = &y2d[j * d..(j + 1) * d];
            let dot: f64 = yi
                .iter()
                .zip(yj)
                .map(|(a, b)| f64::from(*a) * f64::from(*b))
                .sum();
            gram.push(dot);
        }
    }
    let (mse, count, mean_sq) = masked_mse_f64(&gram, s.matrix.data());
    let label = if a.embedding_2.is_some() {
        "MSE(Y Y2^T, S)"
    } else {
        "MSE(Y Y^T, S)"
    };
    print_score(label, mse, count, mean_sq);
    Ok(())
}

fn masked_mse(pred: &[f32], targets: &[f32]) -> (f64, usize, f64) {
    let pred: Vec<f64> = pred.iter().map(|v| f64::from(*v)).collect();
    masked_mse_f64(&pred, targets)
}

/// MSE over the present targets, their count and mean(t^2) (the MSE of predicting 0).
fn masked_mse_f64(pred: &[f64], targets: &[f32]) -> (f64, usize, f64) {
    let (mut se, mut sq, mut n) = (0.0, 0.0, 0usize);
    for (p, t) in pred.iter().zip(targets) {
        if t.is_nan() {
            continue;
        }
        let t = f64::from(*t);
        se += (p - t).powi(2);
        sq += t * t;
        n += 1;
    }
    let n_f = n.max(1) as f64;
    (se / n_f, n, sq / n_f)
}

fn print_score(label: &str, mse: f64, count: usize, mean_sq: f64) {
    println!("{label} = {mse:.6}");
    println!("entries: {count}; mean square of the targets (MSE of predicting 0): {mean_sq:.6}");
}

#[cfg(test)]
mod tests {
    #[test]
    fn utc_time_matches_known_dates() {
        assert_eq!(super::utc_time(0), "1970-01-01 00:00:00 UTC");
        assert_eq!(super::utc_time(951_782_400), "2000-02-29 00:00:00 UTC");
        assert_eq!(super::utc_time(1_700_000_000), "2023-11-14 22:13:20 UTC");
    }
}
