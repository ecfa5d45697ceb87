//! Figure 4, left: RBF kernel on MNIST, SimEc MSE vs the strength lambda of the `S_ll`
//! regularizer (paper section 4.2, PAPER_SETUP.md "Figure 4").
//!
//! Targets are the first `n_targets` columns of `K` (all 8,000 in the paper) and `S_ll =
//! K[:n, :n]`. Series (names as in `paper_mse.csv`, x = lambda):
//! - `YYt_train`: `Y Y^T` vs `K`;
//! - `YYt_train_test`: `Y_test Y^T` vs `K_test_train`;
//! - `YYt_test`: `Y_test Y_test^T` vs `K_test`;
//! - `YWl_train`: `Y W_l` vs `K[:, :n]`;
//! - `YWl_train_test`: `Y_test W_l` vs `K_test_train[:, :n]`.
//!
//! The paper's claim: `Y W_l` approximates `K` equally well for every lambda, while `Y Y^T` does
//! only once lambda is large enough (>= 0.5) to tie `W_l` to `Y`.
//!
//! Plot: lambda = 0 has no place on a log axis, so x is drawn as `log10(lambda)` with lambda = 0
//! placed one decade left of the smallest positive lambda (at -5 for the paper's sweep: the
//! ticks -4..0 are the decades 1e-4..1, the point at -5 is lambda = 0); the y axis is
//! logarithmic (the errors span 4e-4..4.5).

use std::time::Instant;

use anyhow::{bail, Context, Result};
use serde::Deserialize;

use super::rbf::{self, RbfData, RbfSetup, SeriesStyle};
use super::runner::FigureRun;
use crate::cli::FigureArgs;
use crate::config::{point_seed, SimecArch};
use crate::convert::{from_simec, to_simec_block};

/// Figure name: results file stem, `figure` column, config file stem.
pub const FIGURE: &str = "fig4_lambda";
const X_NAME: &str = "lambda";
/// The five series, in plotting order.
pub const SERIES: [&str; 5] = [
    "YYt_train",
    "YYt_train_test",
    "YYt_test",
    "YWl_train",
    "YWl_train_test",
];

/// The `[profiles.NAME]` table of `experiments/fig4_lambda.toml`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fig4LambdaProfile {
    /// Training points (at most 8000, the paper's).
    pub m_train: usize,
    /// Test points (at most 2000, the paper's).
    pub m_test: usize,
    /// Base seed for SimEc initialization and shuffling.
    pub seed: u64,
    /// Embedding dimension d.
    pub embedding_dim: usize,
    /// The swept values of `s_ll_reg` (lambda).
    pub lambdas: Vec<f64>,
    /// The SimEc; its `s_ll_reg` is replaced by each swept lambda.
    pub simec: SimecArch,
}

impl Fig4LambdaProfile {
    fn validate(&self) -> Result<()> {
        RbfData {
            m_train: self.m_train,
            m_test: self.m_test,
        }
        .validate()?;
        if self.lambdas.is_empty() {
            bail!("lambdas is empty");
        }
        if let Some(l) = self.lambdas.iter().find(|l| !(l.is_finite() && **l >= 0.0)) {
            bail!("lambdas holds {l}; expected finite values >= 0");
        }
        rbf::validate_arch(&self.simec, self.embedding_dim, self.m_train, true)
    }
}

/// The five MSEs of one trained point, in [`SERIES`] order.
struct LambdaOutcome([f64; 5]);

/// Runs Figure 4 (left) end to end: kernels, one SimEc per lambda (resuming finished points),
/// CSV, metadata, plot, and the comparison with the paper's numbers.
///
/// # Errors
/// Bad config, missing or corrupt MNIST, unwritable output directories, and model errors, each
/// with context naming what failed.
pub fn run(args: &FigureArgs) -> Result<()> {
    let mut run = FigureRun::<Fig4LambdaProfile>::start(FIGURE, args)?;
    let profile = run.profile.clone();
    profile
        .validate()
        .with_context(|| format!("invalid profile `{}` of {}", args.profile, FIGURE))?;
    let seed = args.seed.unwrap_or(profile.seed);
    let d = profile.embedding_dim;
    let lambdas = profile.lambdas.clone();

    if !rbf::all_done(&run, &SERIES, &lambdas) {
        let setup = RbfSetup::load(
            args.data_dir.as_deref(),
            RbfData {
                m_train: profile.m_train,
                m_test: profile.m_test,
            },
        )?;
        run.note(setup.describe());
        let kern = &setup.kernels;
        let (m, n) = (kern.k.nrows(), profile.simec.n_targets);
        // Targets K[:, :n] and S_ll = K[:n, :n] (the same matrix when n = m).
        let targets = to_simec_block(&kern.k, 0..m, 0..n); // [m, n]
        let s_ll_block = (n < m).then(|| to_simec_block(&kern.k, 0..n, 0..n)); // [n, n]
        let s_ll = s_ll_block.as_ref().unwrap_or(&targets); // [n, n]
                                                            // Scoring targets of Y W_l: the first n columns of K and K_test_train.
        let k_n = (n < m).then(|| kern.k.columns(0, n).into_owned()); // [m, n]
        let k_tt_n = (n < m).then(|| kern.k_test_train.columns(0, n).into_owned()); // [m_test, n]
        let k_n = k_n.as_ref().unwrap_or(&kern.k);
        let k_tt_n = k_tt_n.as_ref().unwrap_or(&kern.k_test_train);
        let device = args.backend.try_device()?;

        for &lambda in &lambdas {
            if SERIES.iter().all(|s| run.is_done(s, lambda)) {
                continue;
            }
            let t0 = Instant::now();
            let point_seed = point_seed(seed, "simec", lambda);
            let mut arch = profile.simec.clone();
            arch.s_ll_reg = lambda;
            let params = arch
                .params(d, point_seed)
                .with_context(|| format!("SimEc hyperparameters at lambda = {lambda}"))?;
            let label = format!("simec lambda={lambda}");
            let outcome = run.train_point(&label, arch.epochs, |progress| {
                let sll = (lambda > 0.0).then(|| simec::SllTarget::single(s_ll));
                let model =
                    params.fit_with_callback(&setup.x_train, &targets, sll, &device, progress)?;
                let y_tr = from_simec(&model.transform(&setup.x_train)?); // [m, d]
                let y_te = from_simec(&model.transform(&setup.x_test)?); // [m_test, d]
                let w_l_t = from_simec(&model.last_layer()).transpose(); // [n, d]
                Ok(LambdaOutcome([
                    baselines::mse_gram(&y_tr, &kern.k)?, // Y Y^T: [m, m]
                    baselines::mse_cross(&y_te, &y_tr, &kern.k_test_train)?, // [m_test, m]
                    baselines::mse_gram(&y_te, &kern.k_test)?, // [m_test, m_test]
                    baselines::mse_cross(&y_tr, &w_l_t, k_n)?, // Y W_l: [m, n]
                    baselines::mse_cross(&y_te, &w_l_t, k_tt_n)?, // [m_test, n]
                ]))
            })?;
            let rows: Vec<_> = SERIES
                .iter()
                .zip(outcome.0)
                .map(|(s, mse)| run.row(s, X_NAME, lambda, mse, point_seed, t0))
                .collect();
            run.save(&rows)?;
        }
    }

    run.finish_with(seed, |rows, svg, png| {
        crate::plot::draw_line_plot(&plot(rows, &lambdas), svg, png)?;
        Ok(())
    })
}

/// The plotted x of lambda: `log10(lambda)`, and lambda = 0 one decade left of the smallest
/// positive swept lambda (see the module docs).
pub fn plot_x(lambda: f64, lambdas: &[f64]) -> f64 {
    if lambda > 0.0 {
        lambda.log10()
    } else {
        let min_pos = lambdas
            .iter()
            .copied()
            .filter(|&l| l > 0.0)
            .fold(f64::INFINITY, f64::min);
        if min_pos.is_finite() {
            min_pos.log10().floor() - 1.0
        } else {
            0.0
        }
    }
}

/// The panel: x = [`plot_x`], log y; `Y Y^T` curves blue-ish, `Y W_l` curves another color.
pub fn plot(rows: &[crate::results::ResultRow], lambdas: &[f64]) -> crate::plot::LinePlot {
    let styles = [
        SeriesStyle {
            series: "YYt_train",
            color: 0,
            dashed: false,
        },
        SeriesStyle {
            series: "YYt_train_test",
            color: 1,
            dashed: true,
        },
        SeriesStyle {
            series: "YYt_test",
            color: 0,
            dashed: true,
        },
        SeriesStyle {
            series: "YWl_train",
            color: 2,
            dashed: false,
        },
        SeriesStyle {
            series: "YWl_train_test",
            color: 2,
            dashed: true,
        },
    ];
    let zero_at = plot_x(0.0, lambdas);
    let mut p = rbf::panel(
        rows,
        &styles,
        |l| plot_x(l, lambdas),
        "Figure 4 (left): RBF kernel, MSE vs lambda",
        &format!("log10(lambda)  (lambda = 0 drawn at {zero_at})"),
    );
    p.log_y = true;
    p
}
