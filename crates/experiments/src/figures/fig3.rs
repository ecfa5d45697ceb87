//! Figure 3: class-label similarities on MNIST, MSE of the reconstructed S vs embedding dim d
//! (paper section 3.1, PAPER_SETUP.md "Figure 3").
//!
//! Series (names as in `paper_mse.csv`): `eigendecomposition_train`, `ed_ridge_{train,test}`,
//! `simec_{0hl,2hl,5hl}_{train,test}`; every MSE is that of `Y Y^T` against the centered
//! class-label similarity of the same split.

use std::collections::BTreeMap;
use std::time::Instant;

use anyhow::{bail, Context, Result};
use serde::Deserialize;

use super::runner::{FigureRun, PointOutcome};
use crate::cli::FigureArgs;
use crate::config::{point_seed, SimecArch};
use crate::convert::{from_simec, to_simec, to_simec_block};

/// Figure name: results file stem, `figure` column, config file stem.
pub const FIGURE: &str = "fig3";
const X_NAME: &str = "embedding_dim";

/// The `[profiles.NAME]` table of `experiments/fig3.toml`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fig3Profile {
    /// Training points (at most 8000, the paper's).
    pub m_train: usize,
    /// Test points (at most 2000, the paper's).
    pub m_test: usize,
    /// Base seed for SimEc initialization and shuffling.
    pub seed: u64,
    /// The swept embedding dimensions d.
    pub embedding_dims: Vec<usize>,
    /// Ridge regression from features to the eigen-embedding.
    pub ridge: RidgeConfig,
    /// SimEc architectures by name (`0hl`, `2hl`, `5hl`).
    pub simec: BTreeMap<String, SimecArch>,
}

/// Ridge settings of Figure 3.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RidgeConfig {
    /// Cross-validation folds (contiguous, like sklearn's KFold without shuffling).
    pub folds: usize,
    /// The eigen-embedding dimension the CV selects alpha on.
    pub cv_dim: usize,
    /// The alpha grid.
    pub alphas: Vec<f64>,
}

impl Fig3Profile {
    fn validate(&self) -> Result<()> {
        if self.m_train == 0 || self.m_train > 8000 || self.m_test == 0 || self.m_test > 2000 {
            bail!(
                "m_train must be in 1..=8000 and m_test in 1..=2000 (the paper subset), got {} and {}",
                self.m_train,
                self.m_test
            );
        }
        if self.embedding_dims.is_empty() {
            bail!("embedding_dims is empty");
        }
        for (name, arch) in &self.simec {
            if arch.n_targets > self.m_train {
                bail!(
                    "simec.{name}.n_targets = {} exceeds m_train = {}",
                    arch.n_targets,
                    self.m_train
                );
            }
        }
        Ok(())
    }
}

/// Runs Figure 3 end to end: baselines, SimEcs (resuming finished points), CSV, metadata, plot,
/// and the comparison table with the paper's numbers.
///
/// # Errors
/// Bad config, missing or corrupt MNIST, unwritable output directories, and model errors, each
/// with context naming what failed.
pub fn run(args: &FigureArgs) -> Result<()> {
    let mut run = FigureRun::<Fig3Profile>::start(FIGURE, args)?;
    let profile = run.profile.clone();
    profile
        .validate()
        .with_context(|| format!("invalid profile `{}` of {}", args.profile, FIGURE))?;
    let seed = args.seed.unwrap_or(profile.seed);
    let dims = &profile.embedding_dims;

    let mnist = crate::data::load_mnist(args.data_dir.as_deref()).context("loading MNIST")?;
    let split = crate::data::paper_main_split_sized(&mnist, profile.m_train, profile.m_test)
        .context("building the paper's train/test subset")?;
    drop(mnist);

    // Targets: centered class-label similarity of each split.
    let s_train = baselines::center_kernel(&crate::similarity::label_similarity(&split.y_train))?; // [m, m]
    let s_test = baselines::center_kernel(&crate::similarity::label_similarity(&split.y_test))?; // [m_test, m_test]

    // --- Deterministic baselines: eigendecomposition and ED + ridge ---------------------------
    let baseline_series = [
        "eigendecomposition_train",
        "ed_ridge_train",
        "ed_ridge_test",
    ];
    if !run.all_done(&baseline_series, dims) {
        let t0 = Instant::now();
        let max_d = *dims.iter().max().expect("validated non-empty");
        let eig = baselines::symmetric_eigen_top_k(&s_train, max_d.max(profile.ridge.cv_dim))?;
        let y_full = eig.embedding(eig.values.len())?; // [m, max_d]
        let mut rows = Vec::new();
        for &d in dims {
            let y = y_full.columns(0, d).into_owned(); // [m, d]
            let mse = baselines::mse_gram(&y, &s_train)?;
            rows.push(run.row("eigendecomposition_train", X_NAME, d as f64, mse, 0, t0));
        }
        run.save(&rows)?;

        let t0 = Instant::now();
        let cv = baselines::RidgeCvParams::new()
            .alphas(profile.ridge.alphas.clone())
            .folds(profile.ridge.folds)
            .check()?
            .fit(
                &split.x_train,
                &y_full.columns(0, profile.ridge.cv_dim).into_owned(),
            )
            .context("ridge cross-validation")?;
        let alpha = cv.model.alpha;
        run.note(format!(
            "ridge alpha chosen by {}-fold CV: {alpha}",
            profile.ridge.folds
        ));
        let mut rows = Vec::new();
        for &d in dims {
            let target = y_full.columns(0, d).into_owned(); // [m, d]
            let model = baselines::RidgeParams::new()
                .alpha(alpha)
                .check()?
                .fit(&split.x_train, &target)?;
            let y_tr = model.predict(&split.x_train)?; // [m, d]
            let y_te = model.predict(&split.x_test)?; // [m_test, d]
            rows.push(run.row(
                "ed_ridge_train",
                X_NAME,
                d as f64,
                baselines::mse_gram(&y_tr, &s_train)?,
                0,
                t0,
            ));
            rows.push(run.row(
                "ed_ridge_test",
                X_NAME,
                d as f64,
                baselines::mse_gram(&y_te, &s_test)?,
                0,
                t0,
            ));
        }
        run.save(&rows)?;
    }

    // --- SimEcs ---------------------------------------------------------------------------------
    // Every unfinished (architecture, d) point; independent, so `--jobs` of them train at once.
    let x_train = to_simec(&split.x_train); // [m, 784]
    let x_test = to_simec(&split.x_test); // [m_test, 784]
    let device = args.backend.try_device()?;
    let mut targets = BTreeMap::new(); // name -> ([m, n] targets, [n, n] S_ll)
    let mut points = Vec::new(); // (label, epochs, SimecPoint)
    for (name, arch) in &profile.simec {
        let series = [format!("simec_{name}_train"), format!("simec_{name}_test")];
        let pending: Vec<usize> = dims
            .iter()
            .copied()
            .filter(|&d| !series.iter().all(|s| run.is_done(s, d as f64)))
            .collect();
        if pending.is_empty() {
            continue;
        }
        let n = arch.n_targets;
        targets.insert(
            name.clone(),
            (
                to_simec_block(&s_train, 0..s_train.nrows(), 0..n), // [m, n]
                to_simec_block(&s_train, 0..n, 0..n),               // [n, n]
            ),
        );
        for d in pending {
            let point_seed = point_seed(seed, &format!("simec_{name}"), d as f64);
            let params = arch
                .params(d, point_seed)
                .with_context(|| format!("SimEc {name} hyperparameters at d = {d}"))?;
            let label = format!("simec {name} d={d}");
            let point = SimecPoint {
                name: name.clone(),
                series: series.clone(),
                d,
                seed: point_seed,
                params,
            };
            points.push((label, arch.epochs, point));
        }
    }
    let jobs = args.sweep_jobs();
    if points.len() > 1 && jobs > 1 {
        run.note(format!("{} SimEc points, {jobs} at a time", points.len()));
    }
    run.train_points(
        jobs,
        &points,
        |point, progress| {
            let t0 = Instant::now();
            let (targets, s_ll) = &targets[&point.name];
            let model = point.params.fit_with_callback(
                &x_train,
                targets,
                Some(simec::SllTarget::single(s_ll)),
                &device,
                progress,
            )?;
            let y_tr = from_simec(&model.transform(&x_train)?); // [m, d]
            let y_te = from_simec(&model.transform(&x_test)?); // [m_test, d]
            let outcome = PointOutcome {
                train: baselines::mse_gram(&y_tr, &s_train)?,
                test: baselines::mse_gram(&y_te, &s_test)?,
            };
            Ok((outcome, t0))
        },
        |run, point, (outcome, t0)| {
            let x = point.d as f64;
            let [train, test] = &point.series;
            let rows = [
                run.row(train, X_NAME, x, outcome.train, point.seed, t0),
                run.row(test, X_NAME, x, outcome.test, point.seed, t0),
            ];
            run.save(&rows)
        },
    )?;

    run.finish(&FIG3_PLOT, seed)
}

/// One SimEc sweep point of Figure 3: architecture `name` at embedding dim `d`.
struct SimecPoint {
    name: String,
    /// The `simec_{name}_train` and `simec_{name}_test` series its two MSEs go to.
    series: [String; 2],
    d: usize,
    seed: u64,
    params: simec::SimecValidParams,
}

/// How the figure is drawn: x = d, y = MSE, train solid, test dashed, one color per method.
const FIG3_PLOT: super::runner::PlotSpec = super::runner::PlotSpec {
    title: "Figure 3: MNIST class-label similarities",
    x_label: "embedding dimension d",
    y_label: "MSE of S_hat",
    x_range: Some((0.0, 16.0)),
};
