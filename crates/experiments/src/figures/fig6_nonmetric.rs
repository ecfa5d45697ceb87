//! Figure 6: the non-metric Simpson similarity on MNIST 0/7, MSE of the reconstructed S vs
//! embedding dimension d (paper section 4.3, PAPER_SETUP.md "Figures 5-7").
//!
//! Series (names as in `paper_mse.csv`, figure id `fig6_nonmetric`):
//! - `largest_positive_ev`: the top-d eigen-embedding `Y` (largest eigenvalues), `Y Y^T` vs S;
//! - `absolute_largest_ev`: the d eigenpairs of largest `|lambda|`, `S_hat = sum lambda v v^T`
//!   (negative eigenvalues as "imaginary" dimensions), vs S;
//! - `simec_YWl`: a SimEc (one hidden layer of 200 tanh, no s_ll term) trained on all m columns
//!   of S, `Y W_l` vs S. Without an s_ll term `Y Y^T` means nothing, so it is not scored.

use anyhow::Result;
use nalgebra::DMatrix;

use super::panel::{draw_by_method, Axes};
use super::simpson::{simec_s_ll, simec_targets, Fig6Profile, SimpsonSetup, TrainedSimec};
use super::sweep::{
    Computed, Figure, Method, MethodKind, Outputs, Readout, RunContext, SeriesId, Step, Task,
};
use crate::convert::to_simec;
use crate::results::ResultRow;

/// A task of Figure 6.
pub enum Fig6Task {
    /// Both eigen baselines at every d.
    Eigen,
    /// The SimEc at one d, with its checked hyperparameters.
    Simec(Box<simec::SimecValidParams>),
}

/// The Simpson setup with the SimEc's inputs.
pub struct Fig6Setup {
    simpson: SimpsonSetup,
    x: simec::Matrix,            // [m, 784]
    targets: simec::Matrix,      // [m, n]
    s_ll: Option<simec::Matrix>, // [n, n]
}

fn series() -> Vec<SeriesId> {
    let plain = |kind| SeriesId {
        against: None,
        method: Some(Method::plain(kind)),
        readout: None,
        split: None,
    };
    vec![
        plain(MethodKind::LargestPositiveEv),
        plain(MethodKind::AbsoluteLargestEv),
        SeriesId {
            readout: Some(Readout::YWl),
            ..plain(MethodKind::Simec)
        },
    ]
}

impl Figure for Fig6Profile {
    const NAME: &'static str = "fig6_nonmetric";
    const X_NAME: &'static str = "embedding_dim";
    const ABOUT: &'static str = "Figure 6: MSE of the reconstructed non-metric Simpson similarity vs embedding dimension (eigen baselines and a SimEc; paper section 4.3).";
    type Setup = Fig6Setup;
    type Key = Fig6Task;

    fn check(&self) -> Result<()> {
        self.validate()
    }

    fn base_seed(&self) -> u64 {
        self.seed
    }

    fn tasks(&self, base_seed: u64, _ctx: &RunContext) -> Result<Vec<Task<Self::Key>>> {
        let all = series();
        let mut points = Vec::new();
        for &d in &self.embedding_dims {
            points.push((all[0].clone(), d as f64));
            points.push((all[1].clone(), d as f64));
        }
        let mut tasks = vec![Task::deterministic(
            Fig6Task::Eigen,
            "eigen baselines",
            points,
        )];
        let method = Method::plain(MethodKind::Simec);
        for &d in &self.embedding_dims {
            let point = method.at(base_seed, d as f64);
            let params = super::simpson::simec_params(&self.simec, d, 1, point.seed)?;
            let epochs = params.epochs();
            let task = point.task(
                Fig6Task::Simec(Box::new(params)),
                epochs,
                vec![all[2].clone()],
            );
            tasks.push(task.labelled(format!("simec d={d}")));
        }
        Ok(tasks)
    }

    fn setup(&self, ctx: &RunContext) -> Result<(Self::Setup, Vec<String>)> {
        let simpson = SimpsonSetup::load(ctx.data_dir.as_deref(), self.m)?;
        let note = simpson.spectrum_summary();
        simpson.check_paper_spectrum()?;
        let n = self.simec.n_targets;
        let s: &DMatrix<f64> = &simpson.s;
        let setup = Fig6Setup {
            x: to_simec(&simpson.data.x),
            targets: simec_targets(&[s], n)?,
            s_ll: if self.simec.model().s_ll_reg() > 0.0 {
                Some(simec_s_ll(s, n)?)
            } else {
                None
            },
            simpson,
        };
        Ok((setup, vec![note]))
    }

    fn compute(&self, task: &Task<Self::Key>, step: Step<'_, Self::Setup>) -> Result<Computed> {
        let setup = step.setup;
        let (s, eig) = (&setup.simpson.s, &setup.simpson.eig);
        match &task.key {
            Fig6Task::Eigen => {
                let mut mses = Vec::new();
                for &d in &self.embedding_dims {
                    let y = eig.embedding(d)?; // [m, d]
                    mses.push(baselines::mse_gram(&y, s)?);
                    mses.push(baselines::mse_absolute_largest(eig, s, d)?);
                }
                Ok(mses.into())
            }
            Fig6Task::Simec(params) => {
                let sll = setup.s_ll.as_ref().map(simec::SllTarget::single);
                let model = TrainedSimec::fit(
                    params,
                    &setup.x,
                    &setup.targets,
                    sll,
                    &step.ctx.device,
                    step.progress,
                )?;
                Ok(vec![model.mse_ywl(0, s)?].into())
            }
        }
    }

    fn draw(&self, _setup: Option<&Self::Setup>, rows: &[ResultRow], out: &Outputs) -> Result<()> {
        let axes = Axes::linear(
            "Figure 6: non-metric Simpson similarity (MNIST 0/7)",
            "embedding dimension d",
            "MSE of S_hat",
        );
        draw_by_method(rows, &series(), axes, out)
    }
}
