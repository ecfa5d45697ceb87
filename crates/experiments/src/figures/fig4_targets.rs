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

use anyhow::{bail, Context, Result};
use serde::Deserialize;

use super::panel::{draw_by_method, Axes};
use super::rbf::{self, RbfData, RbfSetup};
use super::sweep::{
    Computed, Figure, Method, MethodKind, Outputs, RunContext, SeriesId, Step, Task, TaskKind,
};
use crate::config::SimecArch;
use crate::convert::to_simec_block;
use crate::results::ResultRow;

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

/// A task of Figure 4 (middle).
pub enum TargetsTask {
    /// kPCA on `K` (independent of n).
    Kpca,
    /// The SimEc trained on `K[:, :n]`.
    Simec {
        /// Target columns.
        n: usize,
        /// Checked hyperparameters at this point's seed.
        params: Box<simec::SimecValidParams>,
    },
}

fn xs(p: &Fig4TargetsProfile) -> Vec<f64> {
    p.n_targets.iter().map(|&n| n as f64).collect()
}

/// `simec_train`, `simec_test`, `kpca_train`, `kpca_test`.
fn series() -> Vec<SeriesId> {
    let simec = rbf::train_test(Method::plain(MethodKind::Simec));
    [simec, rbf::train_test(Method::plain(MethodKind::Kpca))].concat()
}

impl Figure for Fig4TargetsProfile {
    const NAME: &'static str = "fig4_targets";
    const X_NAME: &'static str = "n_targets";
    const ABOUT: &'static str = "Figure 4 (middle): RBF kernel on MNIST, SimEc and kPCA MSE vs the number of targets n (paper section 4.2).";
    /// 1: the dense S_ll closed form computes W S on the host for embedding_dim <= 32 (float
    /// summation order; issue 18).
    /// 2: the host's W S is one sequential FMA chain per entry (its own SIMD kernel instead of
    /// gemm's blocked sums; issue 18).
    const NUMERICS_REVISION: u32 = 2;
    type Setup = RbfSetup;
    type Key = TargetsTask;

    fn check(&self) -> Result<()> {
        RbfData::of(self.m_train, self.m_test).validate()?;
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

    fn base_seed(&self) -> u64 {
        self.seed
    }

    fn tasks(&self, base_seed: u64, _ctx: &RunContext) -> Result<Vec<Task<Self::Key>>> {
        let mut tasks = vec![rbf::kpca_task(TargetsTask::Kpca, None, &xs(self))];
        let method = Method::plain(MethodKind::Simec);
        let all = series();
        for &n in &self.n_targets {
            let point = method.at(base_seed, n as f64);
            let params = self
                .simec
                .params(self.embedding_dim, point.seed)
                .with_context(|| format!("SimEc hyperparameters at n_targets = {n}"))?;
            let epochs = params.epochs();
            let task = point.task(
                TargetsTask::Simec {
                    n,
                    params: Box::new(params),
                },
                epochs,
                all[..2].to_vec(),
            );
            tasks.push(task.labelled(format!("simec n={n}")));
        }
        Ok(tasks)
    }

    /// An epoch's network part does not depend on the number of targets n; its output layer
    /// (m n d) and s_ll term grow with n. Modelled as `epochs (1 + n / 2500)`: the two parts
    /// are equal near n = 2500 at the paper profile's sizes (its run: about 55 s per point up to
    /// n = 1000, 227 s at n = 8000).
    fn task_cost(&self, task: &Task<Self::Key>) -> f64 {
        match (&task.key, task.kind) {
            (TargetsTask::Simec { n, .. }, TaskKind::Trained { epochs, .. }) => {
                epochs as f64 * (1.0 + *n as f64 / 2500.0)
            }
            _ => 1.0,
        }
    }

    fn setup(&self, ctx: &RunContext) -> Result<(Self::Setup, Vec<String>)> {
        RbfSetup::for_run(self.m_train, self.m_test, ctx)
    }

    fn compute(&self, task: &Task<Self::Key>, step: Step<'_, Self::Setup>) -> Result<Computed> {
        let setup = step.setup;
        let kern = &setup.kernels;
        let (n, params) = match &task.key {
            TargetsTask::Kpca => {
                return Ok(rbf::kpca_rows(kern, self.embedding_dim, self.n_targets.len())?.into())
            }
            TargetsTask::Simec { n, params } => (*n, params),
        };
        let m = kern.k.nrows();
        let targets = to_simec_block(&kern.k, 0..m, 0..n); // [m, n]
        let s_ll = to_simec_block(&kern.k, 0..n, 0..n); // [n, n]
        setup.fit_simec(params, &targets, &s_ll, step)
    }

    fn draw(&self, _setup: Option<&Self::Setup>, rows: &[ResultRow], out: &Outputs) -> Result<()> {
        let mut axes = Axes::linear(
            "Figure 4 (middle): RBF kernel, MSE vs number of targets",
            "number of targets n",
            "MSE",
        );
        axes.log_x = true;
        draw_by_method(rows, &series(), axes, out)
    }
}
