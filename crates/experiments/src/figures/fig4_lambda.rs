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

use anyhow::{bail, Context, Result};
use nalgebra::DMatrix;
use serde::Deserialize;

use super::panel::{line_panel, Axes, Style};
use super::rbf::{self, RbfData, RbfSetup};
use super::sweep::{
    Computed, Figure, Method, MethodKind, Outputs, Readout, RunContext, SeriesId, Split, Step, Task,
};
use crate::config::SimecArch;
use crate::convert::{from_simec, to_simec_block};
use crate::reference::RefRow;
use crate::results::ResultRow;

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

/// The kernels with the SimEc's targets and the scoring blocks of `Y W_l`.
pub struct LambdaSetup {
    rbf: RbfSetup,
    /// `K[:, :n]`, `[m, n]` f32.
    targets: simec::Matrix,
    /// `K[:n, :n]` when `n < m` (else the targets are S_ll), `[n, n]` f32.
    s_ll: Option<simec::Matrix>,
    /// `K[:, :n]` and `K_test_train[:, :n]` when `n < m` (else `K` and `K_test_train`).
    k_n: Option<(DMatrix<f64>, DMatrix<f64>)>,
}

/// The five series, in plotting order: `YYt_train`, `YYt_train_test`, `YYt_test`, `YWl_train`,
/// `YWl_train_test`.
pub fn series() -> Vec<SeriesId> {
    let id = |readout, split| SeriesId {
        against: None,
        method: None,
        readout: Some(readout),
        split: Some(split),
    };
    vec![
        id(Readout::YYt, Split::Train),
        id(Readout::YYt, Split::TrainTest),
        id(Readout::YYt, Split::Test),
        id(Readout::YWl, Split::Train),
        id(Readout::YWl, Split::TrainTest),
    ]
}

impl Figure for Fig4LambdaProfile {
    const NAME: &'static str = "fig4_lambda";
    const X_NAME: &'static str = "lambda";
    const ABOUT: &'static str = "Figure 4 (left): RBF kernel on MNIST, SimEc MSE vs the strength lambda of the S_ll regularizer (paper section 4.2).";
    /// 1: the dense S_ll closed form computes W S on the host for embedding_dim <= 32 (float
    /// summation order; issue 18).
    /// 2: the host's W S is one sequential FMA chain per entry (its own SIMD kernel instead of
    /// gemm's blocked sums; issue 18).
    const NUMERICS_REVISION: u32 = 2;
    type Setup = LambdaSetup;
    /// The point's checked hyperparameters (`s_ll_reg` = its lambda).
    type Key = simec::SimecValidParams;

    fn check(&self) -> Result<()> {
        RbfData::of(self.m_train, self.m_test).validate()?;
        if self.lambdas.is_empty() {
            bail!("lambdas is empty");
        }
        if let Some(l) = self.lambdas.iter().find(|l| !(l.is_finite() && **l >= 0.0)) {
            bail!("lambdas holds {l}; expected finite values >= 0");
        }
        rbf::validate_arch(&self.simec, self.embedding_dim, self.m_train, true)
    }

    fn base_seed(&self) -> u64 {
        self.seed
    }

    fn tasks(&self, base_seed: u64, _ctx: &RunContext) -> Result<Vec<Task<Self::Key>>> {
        let method = Method::plain(MethodKind::Simec);
        self.lambdas
            .iter()
            .map(|&lambda| {
                let point = method.at(base_seed, lambda);
                let params = self
                    .simec
                    .unchecked(self.embedding_dim, point.seed)
                    .s_ll_reg(lambda)
                    .check()
                    .with_context(|| format!("SimEc hyperparameters at lambda = {lambda}"))?;
                let epochs = params.epochs();
                let task = point.task(params, epochs, series());
                Ok(task.labelled(format!("simec lambda={lambda}")))
            })
            .collect()
    }

    fn setup(&self, ctx: &RunContext) -> Result<(Self::Setup, Vec<String>)> {
        let (rbf, notes) = RbfSetup::for_run(self.m_train, self.m_test, ctx)?;
        let kern = &rbf.kernels;
        let (m, n) = (kern.k.nrows(), self.simec.n_targets);
        let setup = LambdaSetup {
            targets: to_simec_block(&kern.k, 0..m, 0..n), // [m, n]
            s_ll: (n < m).then(|| to_simec_block(&kern.k, 0..n, 0..n)), // [n, n]
            k_n: (n < m).then(|| {
                (
                    kern.k.columns(0, n).into_owned(),            // [m, n]
                    kern.k_test_train.columns(0, n).into_owned(), // [m_test, n]
                )
            }),
            rbf,
        };
        Ok((setup, notes))
    }

    fn compute(&self, task: &Task<Self::Key>, step: Step<'_, Self::Setup>) -> Result<Computed> {
        let setup = step.setup;
        let params = &task.key;
        let (kern, x_train, x_test) = (&setup.rbf.kernels, &setup.rbf.x_train, &setup.rbf.x_test);
        let s_ll = setup.s_ll.as_ref().unwrap_or(&setup.targets); // [n, n]
        let sll = (params.s_ll_reg() > 0.0).then(|| simec::SllTarget::single(s_ll));
        let model = params.fit_with_callback(
            x_train,
            &setup.targets,
            sll,
            &step.ctx.device,
            step.progress,
        )?;
        let (k_n, k_tt_n) = match &setup.k_n {
            Some((a, b)) => (a, b),
            None => (&kern.k, &kern.k_test_train),
        };
        let y_tr = from_simec(&model.transform(x_train)?); // [m, d]
        let y_te = from_simec(&model.transform(x_test)?); // [m_test, d]
        let w_l_t = from_simec(&model.last_layer()).transpose(); // [n, d]
        Ok(vec![
            baselines::mse_gram(&y_tr, &kern.k)?, // Y Y^T: [m, m]
            baselines::mse_cross(&y_te, &y_tr, &kern.k_test_train)?, // [m_test, m]
            baselines::mse_gram(&y_te, &kern.k_test)?, // [m_test, m_test]
            baselines::mse_cross(&y_tr, &w_l_t, k_n)?, // Y W_l: [m, n]
            baselines::mse_cross(&y_te, &w_l_t, k_tt_n)?, // [m_test, n]
        ]
        .into())
    }

    fn draw(&self, _setup: Option<&Self::Setup>, rows: &[ResultRow], out: &Outputs) -> Result<()> {
        crate::plot::draw_line_plot(&plot(rows, &out.paper, &self.lambdas), &out.svg, &out.png)?;
        Ok(())
    }
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

/// The panel: x = [`plot_x`], log y; `Y Y^T` train and test one color, `Y_test Y^T` another,
/// `Y W_l` a third; test curves dashed.
pub fn plot(rows: &[ResultRow], paper: &[RefRow], lambdas: &[f64]) -> crate::plot::LinePlot {
    let zero_at = plot_x(0.0, lambdas);
    let mut axes = Axes::linear(
        "Figure 4 (left): RBF kernel, MSE vs lambda",
        format!("log10(lambda)  (lambda = 0 drawn at {zero_at})"),
        "MSE",
    );
    axes.log_y = true;
    let style = |id: &SeriesId| Style {
        label: id.to_string(),
        color: match (id.readout, id.split) {
            (Some(Readout::YWl), _) => 2,
            (_, Some(Split::TrainTest)) => 1,
            _ => 0,
        },
        dashed: id.split != Some(Split::Train),
    };
    line_panel(rows, paper, &series(), style, |l| plot_x(l, lambdas), axes)
}
