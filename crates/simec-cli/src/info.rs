//! `simec info`: a model's configuration, training summary and training log.

use anyhow::Result;
use burn::prelude::Device;

use simec::{LrSchedule, RestoreBest};

use crate::args::InfoArgs;
use crate::model_dir::{self, LoadedModel};
use crate::report::{architecture, sig, sig_opt, utc_time};

/// Prints the rows of `simec info` and the (thinned) training log.
pub fn run(a: InfoArgs) -> Result<()> {
    let model = model_dir::load(&a.model, &Device::flex())?;
    for (key, value) in rows(&model) {
        println!("{key:<16}{value}");
    }
    print_log(&model_dir::read_log(&a.model)?, a.log);
    Ok(())
}

/// The `key value` rows: where the model came from, its architecture and hyperparameters,
/// and the training summary.
fn rows(model: &LoadedModel) -> Vec<(&'static str, String)> {
    let (c, s) = (&model.config, &model.simec);
    let d = &c.data;
    let mut rows = vec![
        ("model", model.dir.display().to_string()),
        (
            "format",
            format!(
                "config.toml format_version {} ({} {}), model.toml format_version {}",
                c.format_version,
                c.tool,
                c.tool_version,
                simec::MODEL_FORMAT_VERSION
            ),
        ),
        ("created", utc_time(c.created_unix_s)),
        ("command", c.command.clone()),
        (
            "features",
            format!("{} ({} rows x {} columns)", d.features, d.rows, d.input_dim),
        ),
        (
            "targets",
            format!(
                "{}{} ({} columns, {} missing entries)",
                d.targets,
                if d.transpose_targets {
                    ", transposed"
                } else {
                    ""
                },
                d.target_cols,
                d.missing_targets
            ),
        ),
        (
            "split",
            format!(
                "{} training rows, {} validation rows (fraction {})",
                d.train_rows, d.validation_rows, d.validation_fraction
            ),
        ),
        (
            "preprocessing",
            if c.preprocessing.center_features {
                format!(
                    "features centered with the training mean ({})",
                    model_dir::FEATURE_MEAN_FILE
                )
            } else {
                "none".to_string()
            },
        ),
        ("architecture", architecture(s)),
    ];
    rows.extend(param_rows(model));
    rows.extend(torch_rows(s));
    rows.extend(training_rows(&c.training));
    rows
}

/// The PyTorch SimEc's options, one row listing those that are on (none when all are off),
/// and the learning rates of a schedule that changed the rate.
fn torch_rows(s: &simec::Simec) -> Vec<(&'static str, String)> {
    let p = s.params();
    let mut on = Vec::new();
    if p.restore_best() != RestoreBest::None {
        let kept = s
            .restored_epoch()
            .map_or(String::new(), |e| format!(", weights of epoch {e} kept"));
        on.push(format!("restore_best {}{kept}", p.restore_best()));
    }
    if let LrSchedule::Plateau(q) = p.lr_schedule() {
        on.push(format!(
            "lr_schedule plateau (factor {}, patience {}, threshold {}, warmup {}, min_lr {})",
            q.factor, q.patience, q.threshold, q.warmup, q.min_lr
        ));
    }
    if p.weight_decay() > 0.0 {
        on.push(format!("weight_decay {}", p.weight_decay()));
    }
    if p.orth_reg_start() > 0.0 {
        on.push(format!(
            "orth_reg_start {} (orth_reg from epoch {})",
            p.orth_reg_start(),
            simec::orth_free_epochs(p.orth_reg_start(), p.epochs()) + 1
        ));
    }
    let mut rows = Vec::new();
    if !on.is_empty() {
        rows.push(("pytorch options", on.join(", ")));
    }
    let mut changes: Vec<String> = Vec::new();
    let mut last = p.learning_rate();
    for r in s.history() {
        if r.learning_rate != last {
            changes.push(format!("{} from epoch {}", sig(r.learning_rate), r.epoch));
            last = r.learning_rate;
        }
    }
    if !changes.is_empty() {
        rows.push((
            "learning rate",
            format!("{} at first, {}", p.learning_rate(), changes.join(", ")),
        ));
    }
    rows
}

/// The rows of the hyperparameters beyond the architecture.
fn param_rows(model: &LoadedModel) -> Vec<(&'static str, String)> {
    let p = model.simec.params();
    let d = &model.config.data;
    let mut rows = Vec::new();
    if let Some(f) = &d.frozen_last_layer {
        rows.push(("frozen W_l", f.clone()));
    }
    let masked = if p.allow_missing() {
        ", missing targets masked"
    } else {
        ""
    };
    rows.push(("loss", format!("{}{masked}", p.loss())));
    rows.push((
        "optimizer",
        format!(
            "{}, learning rate {}, batch size {}, {} epochs, seed {}",
            p.optimizer(),
            p.learning_rate(),
            p.batch_size(),
            p.epochs(),
            p.seed()
        ),
    ));
    rows.push((
        "regularizers",
        format!(
            "s_ll_reg {} (S_ll: {}), orth_reg {}, l2_reg {}, l2_reg_emb {}, l2_reg_out {}",
            p.s_ll_reg(),
            d.s_ll,
            p.orth_reg(),
            p.l2_reg(),
            p.l2_reg_emb(),
            p.l2_reg_out()
        ),
    ));
    rows
}

fn training_rows(t: &model_dir::TrainingSummary) -> Vec<(&'static str, String)> {
    let mut rows = vec![(
        "training",
        format!(
            "{} epochs in {:.2} s on {}, final loss {}",
            t.epochs,
            t.wall_s,
            t.backend,
            sig(t.final_loss)
        ),
    )];
    if t.final_val_mse.is_some() {
        rows.push((
            "validation MSE",
            format!(
                "final {}, best {} at epoch {}",
                sig_opt(t.final_val_mse),
                sig_opt(t.best_val_mse),
                t.best_val_epoch.map_or("-".to_string(), |e| e.to_string())
            ),
        ));
    }
    rows
}

/// The per-epoch log: every epoch with `all`, else at most about 20 rows.
fn print_log(log: &[model_dir::LogRow], all: bool) {
    if log.is_empty() {
        return;
    }
    let every = if all { 1 } else { log.len().div_ceil(20) };
    println!();
    println!(
        "{:>6}  {:>12}  {:>9}  {:>12}{}",
        "epoch",
        "loss",
        "seconds",
        "val_mse",
        if every > 1 {
            format!("   (one epoch in {every}; --log for all)")
        } else {
            String::new()
        }
    );
    for (i, r) in log.iter().enumerate() {
        if i % every != 0 && i + 1 != log.len() {
            continue;
        }
        println!(
            "{:>6}  {:>12}  {:>9.3}  {:>12}",
            r.epoch,
            sig(r.loss),
            r.seconds,
            sig_opt(r.val_mse)
        );
    }
}
