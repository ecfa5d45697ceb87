//! `simec fit`: read the inputs, build the hyperparameters, train, write the model directory.

use std::path::Path;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use anyhow::{bail, Context, Result};
use simec::{
    Activation, EpochReport, Loss, LrSchedule, Matrix, Plateau, RestoreBest, Simec, SimecParams,
    SimecValidParams, ValidationSet,
};

use crate::args::{FitArgs, LrScheduleKind};
use crate::inputs::{read_features, read_table};
use crate::model_dir::{self, CliConfig, DataInfo, Preprocessing, TrainingSummary};
use crate::prep;
use crate::report::{architecture, command_line, sig};
use crate::sll_approx::{self, SllSlices};
use crate::table::{write_matrix, Missing, Table};

/// Everything read from the input files.
struct FitInputs {
    features: Table,
    /// The targets as trained on (transposed with `--transpose-targets`), `m x k n`.
    targets: Matrix,
    n_missing: usize,
    s_ll: Option<SllSlices>,
    /// Where S_ll came from and how the s_ll term sees it, for the record.
    s_ll_source: String,
    frozen_last_layer: Option<Matrix>,
}

/// The validation split and the feature mean of the training rows.
struct Split {
    train: Vec<usize>,
    val: Vec<usize>,
    mean: Option<Vec<f32>>,
}

/// Runs `simec fit`.
pub fn run(a: FitArgs) -> Result<()> {
    let start = Instant::now();
    check_out_dir(&a.out, a.force)?;
    check_torch_options(&a)?;
    let inputs = read_inputs(&a)?;
    let mut params = build_params(&a);
    if let Some(w) = &inputs.frozen_last_layer {
        params = params.fixed_last_layer(w.clone());
    }
    let params = params.check().context("invalid options")?;
    let split = split_rows(&a, &inputs.features.matrix)?;
    let model = train(&a, &params, &inputs, &split)?;
    let wall_s = start.elapsed().as_secs_f64();
    if let Some(path) = &a.embed_out {
        let x = crate::inputs::center(inputs.features.matrix.clone(), split.mean.as_deref());
        write_matrix(path, &model.transform(&x)?)?;
    }
    let config = cli_config(&a, &inputs, &split, &model, wall_s);
    model_dir::save(&a.out, &model, &config, split.mean.as_deref())?;
    print_summary(&a, &model, &config, inputs.features.rows());
    Ok(())
}

/// An existing, non-empty output directory needs `--force`.
fn check_out_dir(out: &Path, force: bool) -> Result<()> {
    if !out.exists() || force {
        return Ok(());
    }
    let non_empty = out
        .read_dir()
        .with_context(|| format!("{}: cannot read directory", out.display()))?
        .next()
        .is_some();
    if non_empty {
        bail!(
            "{}: exists and is not empty; pass --force to overwrite the model files in it",
            out.display()
        );
    }
    Ok(())
}

/// The plateau options need `--lr-schedule plateau`; restoring by validation MSE needs
/// validation rows.
fn check_torch_options(a: &FitArgs) -> Result<()> {
    let d = Plateau::default();
    if a.lr_schedule == LrScheduleKind::Constant {
        let set = [
            ("--lr-factor", a.lr_factor != d.factor),
            ("--lr-patience", a.lr_patience != d.patience),
            ("--lr-threshold", a.lr_threshold != d.threshold),
            ("--lr-warmup", a.lr_warmup != d.warmup),
            ("--min-lr", a.min_lr != d.min_lr),
        ];
        if let Some((name, _)) = set.iter().find(|(_, changed)| *changed) {
            bail!("{name} only applies with --lr-schedule plateau");
        }
    }
    if a.restore_best == RestoreBest::ValidationMse && a.validation_fraction <= 0.0 {
        bail!(
            "--restore-best validation_mse needs held-out rows: pass --validation-fraction F \
             with F > 0, or use --restore-best train_loss"
        );
    }
    Ok(())
}

/// The learning-rate schedule of the options.
fn lr_schedule(a: &FitArgs) -> LrSchedule {
    match a.lr_schedule {
        LrScheduleKind::Constant => LrSchedule::Constant,
        LrScheduleKind::Plateau => LrSchedule::Plateau(Plateau {
            factor: a.lr_factor,
            patience: a.lr_patience,
            threshold: a.lr_threshold,
            warmup: a.lr_warmup,
            min_lr: a.min_lr,
        }),
    }
}

/// The hyperparameters of the options, unchecked (a frozen last layer is added once read).
fn build_params(a: &FitArgs) -> SimecParams {
    let output_activation = a.output_activation.unwrap_or(match a.loss {
        Loss::BinaryCrossEntropy => Activation::Sigmoid,
        _ => Activation::Linear,
    });
    SimecParams::new(a.embedding_dim)
        .hidden_layers(a.hidden.0.clone())
        .output_activation(output_activation)
        .loss(a.loss)
        .n_slices(a.slices.get())
        .epochs(a.epochs)
        .batch_size(a.batch_size)
        .learning_rate(a.lr)
        .optimizer(a.optimizer)
        .l2_reg(a.l2_reg)
        .l2_reg_emb(a.l2_reg_emb)
        .l2_reg_out(a.l2_reg_out)
        .s_ll_reg(a.s_ll_reg)
        .orth_reg(a.orth_reg)
        .seed(a.seed)
        .allow_missing(a.allow_missing)
        .restore_best(a.restore_best)
        .lr_schedule(lr_schedule(a))
        .weight_decay(a.weight_decay)
        .orth_reg_start(a.orth_reg_start)
}

/// How missing target / S_ll entries are treated under `--allow-missing`.
fn missing_rule(a: &FitArgs) -> Missing {
    if a.allow_missing {
        Missing::Allow
    } else {
        Missing::Error("pass --allow-missing to leave missing targets out of the loss")
    }
}

/// Reads features, targets, S_ll and the frozen last layer; every error names its file.
fn read_inputs(a: &FitArgs) -> Result<FitInputs> {
    if a.s_ll.is_some() && a.s_ll_reg == 0.0 {
        bail!("--s-ll is only used by the S_ll regularizer; also pass --s-ll-reg L with L > 0");
    }
    let features = read_features(&a.features, a.header.rule())?;
    let (targets, n_missing) = read_targets(a, features.rows())?;
    let approx = sll_approx::approx(a)?;
    let (s_ll, mut s_ll_source) = read_s_ll(a, &targets)?;
    let s_ll = match s_ll {
        Some(slices) => {
            let s = sll_approx::factor(slices, approx, &s_ll_source)?;
            s_ll_source = format!("{s_ll_source}, {}", s.describe());
            Some(s)
        }
        None => None,
    };
    let frozen_last_layer = match &a.frozen_last_layer {
        Some(path) => Some(read_frozen_last_layer(a, path, targets.cols())?),
        None => None,
    };
    Ok(FitInputs {
        features,
        targets,
        n_missing,
        s_ll,
        s_ll_source,
        frozen_last_layer,
    })
}

/// The targets as trained on and the number of missing entries. The checks here add the
/// file and cell to what `simec::fit` would report.
fn read_targets(a: &FitArgs, feature_rows: usize) -> Result<(Matrix, usize)> {
    let t = read_table(&a.targets, a.header.rule())?;
    let n_missing = t.check_values("targets", missing_rule(a))?;
    if a.loss == Loss::BinaryCrossEntropy {
        let data = t.matrix.data();
        if let Some(i) = data
            .iter()
            .position(|v| !v.is_nan() && !(0.0..=1.0).contains(v))
        {
            let problem = format!(
                "{} is outside [0, 1]; --loss bce needs targets in [0, 1]",
                data[i]
            );
            return Err(t.value_error(i / t.cols(), i % t.cols(), problem).into());
        }
    }
    let targets = if a.transpose_targets {
        prep::transpose(&t.matrix)
    } else {
        t.matrix.clone()
    };
    if targets.rows() != feature_rows {
        let shown = if a.transpose_targets {
            format!("{} (transposed: {} x {})", t.shape(), t.cols(), t.rows())
        } else {
            t.shape()
        };
        bail!(
            "{}: {shown} targets for {feature_rows} rows of features in {}; expected one target \
             row per feature row{}",
            a.targets.display(),
            a.features.display(),
            if a.transpose_targets {
                ""
            } else {
                " (or pass --transpose-targets)"
            }
        );
    }
    let k = a.slices.get();
    if !targets.cols().is_multiple_of(k) {
        bail!(
            "{}: {} target columns do not split into --slices {k} equal blocks",
            a.targets.display(),
            targets.cols()
        );
    }
    Ok((targets, n_missing))
}

/// S_ll per slice (from `--s-ll` or the first n rows of the targets) when `--s-ll-reg > 0`,
/// and where it came from.
fn read_s_ll(a: &FitArgs, targets: &Matrix) -> Result<(Option<Vec<Matrix>>, String)> {
    if a.s_ll_reg <= 0.0 {
        return Ok((None, "none".to_string()));
    }
    let k = a.slices.get();
    let n = targets.cols() / k;
    if let Some(path) = &a.s_ll {
        let t = read_table(path, a.header.rule())?;
        t.check_values("S_ll", missing_rule(a))?;
        if t.rows() != n || t.cols() != k * n {
            return Err(t
                .shape_error(format!(
                    "S_ll is {}, expected {n} x {} (n x k*n, n = {n} targets, k = {k})",
                    t.shape(),
                    k * n
                ))
                .into());
        }
        return Ok((
            Some(prep::s_ll_blocks(&t.matrix, k)),
            path.display().to_string(),
        ));
    }
    match prep::s_ll_from_targets(targets, k) {
        Some(s) => Ok((
            Some(s),
            format!("first {n} rows of the targets ({})", a.targets.display()),
        )),
        None => bail!(
            "{}: --s-ll-reg takes S_ll from the first n = {n} rows of the targets, but there are \
             only {} rows; pass --s-ll FILE",
            a.targets.display(),
            targets.rows()
        ),
    }
}

/// `--frozen-last-layer`: `d x cols`, or its transpose (e.g. an embedding).
fn read_frozen_last_layer(a: &FitArgs, path: &Path, cols: usize) -> Result<Matrix> {
    let t = read_table(path, a.header.rule())?;
    t.check_values(
        "frozen last layer",
        Missing::Error("the last layer must be complete"),
    )?;
    let d = a.embedding_dim;
    match prep::orient_last_layer(t.rows(), t.cols(), d, cols) {
        Some(prep::Orientation::AsIs) => Ok(t.matrix),
        Some(prep::Orientation::Transposed) => Ok(prep::transpose(&t.matrix)),
        None => Err(t
            .shape_error(format!(
                "the frozen last layer is {}, expected {d} x {cols} (embedding-dim x target \
                 columns) or its transpose {cols} x {d}",
                t.shape()
            ))
            .into()),
    }
}

/// The seeded validation split and, unless `--no-center-features`, the training mean.
fn split_rows(a: &FitArgs, features: &Matrix) -> Result<Split> {
    let (train, val) = prep::split_rows(features.rows(), a.validation_fraction, a.seed)?;
    let mean =
        (!a.no_center_features).then(|| prep::column_means(&prep::select_rows(features, &train)));
    Ok(Split { train, val, mean })
}

/// Progress on stderr: the first and last epoch and about 20 in between.
fn progress(epochs: usize, lr: f64, quiet: bool) -> impl FnMut(EpochReport) {
    let every = (epochs / 20).max(1);
    move |r: EpochReport| {
        if quiet || !(r.epoch.is_multiple_of(every) || r.epoch == r.epochs || r.epoch == 1) {
            return;
        }
        let mut val = r
            .val_mse
            .map(|v| format!("  val_mse {}", sig(v)))
            .unwrap_or_default();
        if r.learning_rate != lr {
            val.push_str(&format!("  lr {}", sig(r.learning_rate)));
        }
        eprintln!(
            "epoch {:>width$}/{}  loss {}{val}  ({:.2} s)",
            r.epoch,
            r.epochs,
            sig(r.loss),
            r.seconds,
            width = r.epochs.to_string().len()
        );
    }
}

/// Trains on the training rows (centered), reporting the held-out MSE when there are any.
fn train(
    a: &FitArgs,
    params: &SimecValidParams,
    inputs: &FitInputs,
    split: &Split,
) -> Result<Simec> {
    let features = &inputs.features.matrix;
    let center = |rows: &[usize]| {
        let x = prep::select_rows(features, rows);
        crate::inputs::center(x, split.mean.as_deref())
    };
    let (x_train, t_train) = (
        center(&split.train),
        prep::select_rows(&inputs.targets, &split.train),
    );
    let device = a.backend.device()?;
    let mut progress = progress(a.epochs, a.lr, a.quiet);
    let s_ll = inputs.s_ll.as_ref().map(SllSlices::target);
    let fitted = if split.val.is_empty() {
        params.fit_with_callback(&x_train, &t_train, s_ll, &device, &mut progress)
    } else {
        let (x_val, t_val) = (
            center(&split.val),
            prep::select_rows(&inputs.targets, &split.val),
        );
        let validation = ValidationSet::new(&x_val, &t_val);
        params.fit_with_validation(&x_train, &t_train, s_ll, validation, &device, &mut progress)
    };
    fitted.with_context(|| {
        format!(
            "fitting failed (features {}, targets {}, S_ll: {})",
            a.features.display(),
            a.targets.display(),
            inputs.s_ll_source
        )
    })
}

/// `config.toml`: the inputs, the preprocessing and the training summary.
fn cli_config(
    a: &FitArgs,
    inputs: &FitInputs,
    split: &Split,
    model: &Simec,
    wall_s: f64,
) -> CliConfig {
    let history = model.history();
    let last = history.last().copied();
    let best = history
        .iter()
        .filter_map(|r| r.val_mse.map(|v| (v, r.epoch)))
        .min_by(|x, y| x.0.total_cmp(&y.0));
    CliConfig {
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
            s_ll: inputs.s_ll_source.clone(),
            frozen_last_layer: a
                .frozen_last_layer
                .as_ref()
                .map(|p| p.display().to_string()),
            rows: inputs.features.rows(),
            input_dim: inputs.features.cols(),
            target_cols: inputs.targets.cols(),
            train_rows: split.train.len(),
            validation_rows: split.val.len(),
            validation_fraction: a.validation_fraction,
            missing_targets: inputs.n_missing,
        },
        preprocessing: Preprocessing {
            center_features: split.mean.is_some(),
        },
        training: TrainingSummary {
            backend: a.backend.name().to_string(),
            epochs: history.len(),
            final_loss: last.map_or(f64::NAN, |r| r.loss),
            final_val_mse: last.and_then(|r| r.val_mse),
            best_val_mse: best.map(|b| b.0),
            best_val_epoch: best.map(|b| b.1),
            restored_epoch: model.restored_epoch(),
            wall_s,
        },
    }
}

fn print_summary(a: &FitArgs, model: &Simec, config: &CliConfig, rows: usize) {
    let t = &config.training;
    println!("fitted SimEc: {}", architecture(model));
    print!(
        "{} epochs in {:.1} s, final loss {}",
        t.epochs,
        t.wall_s,
        sig(t.final_loss)
    );
    if let (Some(v), Some(bv), Some(be)) = (t.final_val_mse, t.best_val_mse, t.best_val_epoch) {
        print!(
            ", validation MSE {} (best {} at epoch {be})",
            sig(v),
            sig(bv)
        );
    }
    println!();
    if config.data.s_ll != "none" {
        println!("S_ll: {}", config.data.s_ll);
    }
    if let Some(e) = t.restored_epoch {
        // "final loss" above is the last epoch's; say what the kept weights had.
        let kept = e
            .checked_sub(1)
            .and_then(|i| model.history().get(i))
            .map_or(String::new(), |r| format!(", loss {}", sig(r.loss)));
        println!(
            "weights of epoch {e} restored{kept} (--restore-best {})",
            a.restore_best
        );
    }
    println!("model written to {}", a.out.display());
    if let Some(p) = &a.embed_out {
        println!("embedding of all {rows} rows written to {}", p.display());
    }
}
