//! Figure 4, middle: RBF kernel on MNIST, SimEc MSE vs the number of targets n (paper section
//! 4.2, PAPER_SETUP.md "Figure 4").
//!
//! For each n the SimEc is trained on the targets `K[:, :n]` with `S_ll = K[:n, :n]` (s_ll_reg 5
//! in the paper). Series (names as in `paper_mse.csv`, x = n):
//! - `simec_train`: `Y Y^T` vs `K`; `simec_test`: `Y_test Y_test^T` vs `K_test`;
//! - `kpca_train`, `kpca_test`: the kernel PCA reference with 10 components (training embedding vs
//!   `K`; out-of-sample embedding of the test points, scikit-learn's `KernelPCA.transform` of
//!   `rbf(X_test, X)`, vs `K_test`; see [`super::rbf::kpca_reference`]); it does not depend on n
//!   and is written for every x, as in the paper's numbers.
//!
//! Plot: log x (n spans 100..8000), linear y.

use std::time::Instant;

use anyhow::{bail, Context, Result};
use serde::Deserialize;

use super::rbf::{self, RbfData, RbfSetup, SeriesStyle};
use super::runner::{FigureRun, PointOutcome};
use crate::cli::FigureArgs;
use crate::config::{point_seed, SimecArch};
use crate::convert::{from_simec, to_simec_block};

/// Figure name: results file stem, `figure` column, config file stem.
pub const FIGURE: &str = "fig4_targets";
const X_NAME: &str = "n_targets";

/// The `[profiles.NAME]` table of `experiments/fig4_targets.toml`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fig4TargetsProfile {
    /// Training points (at most 8000, the paper's).
    pub m_train: usize,
    /// Test points (at most 2000, the paper's).
    pub m_test: usize,
    /// Base seed for SimEc initialization and shuffling.
    pub seed: u64,
    /// Embedding dimension d (also the number of kPCA components).
    pub embedding_dim: usize,
    /// The swept numbers of target columns n (each at most `m_train`).
    pub n_targets: Vec<usize>,
    /// The SimEc; its `n_targets` is replaced by each swept n.
    pub simec: SimecArch,
}

impl Fig4TargetsProfile {
    fn validate(&self) -> Result<()> {
        RbfData {
            m_train: self.m_train,
            m_test: self.m_test,
        }
        .validate()?;
        if self.n_targets.is_empty() {
            bail!("n_targets is empty");
        }
        if let Some(n) = self.n_targets.iter().find(|&&n| n == 0 || n > self.m_train) {
            bail!(
                "n_targets holds {n}; expected values in 1..=m_train = {}",
                self.m_train
            );
        }
        rbf::validate_arch(&self.simec, self.embedding_dim, self.m_train, false)
    }
}

/// Runs Figure 4 (middle) end to end: kernels, the kPCA reference, one SimEc per n (resuming
/// finished points), CSV, metadata, plot, and the comparison with the paper's numbers.
///
/// # Errors
/// Bad config, missing or corrupt MNIST, unwritable output directories, and model errors, each
/// with context naming what failed.
pub fn run(args: &FigureArgs) -> Result<()> {
    let mut run = FigureRun::<Fig4TargetsProfile>::start(FIGURE, args)?;
    let profile = run.profile.clone();
    profile
        .validate()
        .with_context(|| format!("invalid profile `{}` of {}", args.profile, FIGURE))?;
    let seed = args.seed.unwrap_or(profile.seed);
    let d = profile.embedding_dim;
    let xs: Vec<f64> = profile.n_targets.iter().map(|&n| n as f64).collect();
    let all = ["simec_train", "simec_test", "kpca_train", "kpca_test"];

    if !rbf::all_done(&run, &all, &xs) {
        let setup = RbfSetup::load(
            args.data_dir.as_deref(),
            RbfData {
                m_train: profile.m_train,
                m_test: profile.m_test,
            },
        )?;
        run.note(setup.describe());
        let kern = &setup.kernels;
        let m = kern.k.nrows();

        // --- kPCA reference (independent of n) -------------------------------------------------
        if !rbf::all_done(&run, &["kpca_train", "kpca_test"], &xs) {
            let t0 = Instant::now();
            let (train, test) = rbf::kpca_reference(kern, d)?;
            let mut rows = Vec::new();
            for &x in &xs {
                rows.push(run.row("kpca_train", X_NAME, x, train, 0, t0));
                rows.push(run.row("kpca_test", X_NAME, x, test, 0, t0));
            }
            run.save(&rows)?;
        }

        // --- SimEcs ------------------------------------------------------------------------------
        let device = args.backend.try_device()?;
        for &n in &profile.n_targets {
            let x = n as f64;
            if run.is_done("simec_train", x) && run.is_done("simec_test", x) {
                continue;
            }
            let t0 = Instant::now();
            let point_seed = point_seed(seed, "simec", x);
            let mut arch = profile.simec.clone();
            arch.n_targets = n;
            let params = arch
                .params(d, point_seed)
                .with_context(|| format!("SimEc hyperparameters at n_targets = {n}"))?;
            let targets = to_simec_block(&kern.k, 0..m, 0..n); // [m, n]
            let s_ll = to_simec_block(&kern.k, 0..n, 0..n); // [n, n]
            let label = format!("simec n={n}");
            let outcome = run.train_point(&label, arch.epochs, |progress| {
                let sll = (arch.s_ll_reg > 0.0).then(|| simec::SllTarget::single(&s_ll));
                let model =
                    params.fit_with_callback(&setup.x_train, &targets, sll, &device, progress)?;
                let y_tr = from_simec(&model.transform(&setup.x_train)?); // [m, d]
                let y_te = from_simec(&model.transform(&setup.x_test)?); // [m_test, d]
                Ok(PointOutcome {
                    train: baselines::mse_gram(&y_tr, &kern.k)?, // Y Y^T: [m, m]
                    test: baselines::mse_gram(&y_te, &kern.k_test)?, // [m_test, m_test]
                })
            })?;
            let rows = [
                run.row("simec_train", X_NAME, x, outcome.train, point_seed, t0),
                run.row("simec_test", X_NAME, x, outcome.test, point_seed, t0),
            ];
            run.save(&rows)?;
        }
    }

    run.finish_with(seed, |rows, svg, png| {
        crate::plot::draw_line_plot(&plot(rows), svg, png)?;
        Ok(())
    })
}

/// The panel: log x = n, SimEc and kPCA train solid / test dashed.
pub fn plot(rows: &[crate::results::ResultRow]) -> crate::plot::LinePlot {
    let styles = [
        SeriesStyle {
            series: "simec_train",
            color: 0,
            dashed: false,
        },
        SeriesStyle {
            series: "simec_test",
            color: 0,
            dashed: true,
        },
        SeriesStyle {
            series: "kpca_train",
            color: 1,
            dashed: false,
        },
        SeriesStyle {
            series: "kpca_test",
            color: 1,
            dashed: true,
        },
    ];
    let mut p = rbf::panel(
        rows,
        &styles,
        |x| x,
        "Figure 4 (middle): RBF kernel, MSE vs number of targets",
        "number of targets n",
    );
    p.log_x = true;
    p
}
