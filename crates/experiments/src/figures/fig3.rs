//! Figure 3: class-label similarities on MNIST, MSE of the reconstructed S vs embedding dim d
//! (paper section 3.1, PAPER_SETUP.md "Figure 3").
//!
//! Series (names as in `paper_mse.csv`): `eigendecomposition_train`, `ed_ridge_{train,test}`,
//! `simec_{0hl,2hl,5hl}_{train,test}`; every MSE is that of `Y Y^T` against the centered
//! class-label similarity of the same split.

use std::collections::BTreeMap;

use anyhow::{bail, Context, Result};
use serde::Deserialize;

use super::panel::{draw_by_method, Axes};
use super::scoring::{fit_yyt_train_test, ScoredSplit};
use super::sweep::{
    Computed, Figure, Method, MethodKind, Outputs, RunContext, SeriesId, Split, Step, Task,
};
use crate::config::SimecArch;
use crate::convert::{to_simec, to_simec_block};
use crate::results::ResultRow;
use crate::sll::SllInput;

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
    /// How S_ll enters the s_ll term (`"dense"` if absent; `"residual:1e-6"` keeps the exact
    /// rank 9 of the class-label S_ll).
    #[serde(default, deserialize_with = "crate::sll::deserialize_approx")]
    pub s_ll_approx: baselines::SllApprox,
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

/// A task of Figure 3.
pub enum Fig3Task {
    /// The eigendecomposition and ED + ridge rows at every d (ridge needs the eigen-embedding).
    Baselines,
    /// SimEc architecture `name` at embedding dim d.
    Simec {
        /// The architecture's name in the profile.
        name: String,
        /// Its checked hyperparameters at this d and seed.
        params: Box<simec::SimecValidParams>,
    },
}

/// The split, its targets and the SimEc inputs.
pub struct Fig3Setup {
    split: crate::data::PaperSplit,
    /// Centered class-label similarity of the training split, `[m, m]`.
    s_train: nalgebra::DMatrix<f64>,
    /// The same for the test split, `[m_test, m_test]`.
    s_test: nalgebra::DMatrix<f64>,
    x_train: simec::Matrix, // [m, 784]
    x_test: simec::Matrix,  // [m_test, 784]
    /// Per architecture: targets `S[:, :n]` `[m, n]`.
    targets: BTreeMap<String, simec::Matrix>,
    /// Per n: `S_ll = S[:n, :n]`, dense or factored.
    s_ll: BTreeMap<usize, SllInput>,
}

fn simec_method(name: &str) -> Method {
    Method::variant(MethodKind::Simec, name)
}

fn series(profile: &Fig3Profile) -> Vec<SeriesId> {
    let mut all = vec![
        SeriesId::split(Method::plain(MethodKind::Eigendecomposition), Split::Train),
        SeriesId::split(Method::plain(MethodKind::EdRidge), Split::Train),
        SeriesId::split(Method::plain(MethodKind::EdRidge), Split::Test),
    ];
    for name in profile.simec.keys() {
        all.push(SeriesId::split(simec_method(name), Split::Train));
        all.push(SeriesId::split(simec_method(name), Split::Test));
    }
    all
}

impl Figure for Fig3Profile {
    const NAME: &'static str = "fig3";
    const X_NAME: &'static str = "embedding_dim";
    const ABOUT: &'static str = "Figure 3: MSE of the reconstructed class-label similarity vs embedding dimension, for the eigendecomposition, ED + ridge regression and linear / 2- / 5-hidden-layer SimEcs (paper section 3.1).";
    type Setup = Fig3Setup;
    type Key = Fig3Task;

    fn check(&self) -> Result<()> {
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

    fn base_seed(&self) -> u64 {
        self.seed
    }

    fn tasks(&self, base_seed: u64, _ctx: &RunContext) -> Result<Vec<Task<Self::Key>>> {
        let all = series(self);
        let mut points = Vec::new();
        for id in &all[..3] {
            points.extend(self.embedding_dims.iter().map(|&d| (id.clone(), d as f64)));
        }
        let mut tasks = vec![Task::deterministic(
            Fig3Task::Baselines,
            "eigendecomposition and ED + ridge",
            points,
        )];
        for (name, arch) in &self.simec {
            let method = simec_method(name);
            for &d in &self.embedding_dims {
                let point = method.at(base_seed, d as f64);
                let params = arch
                    .params(d, point.seed)
                    .with_context(|| format!("SimEc {name} hyperparameters at d = {d}"))?;
                let points = vec![
                    SeriesId::split(method.clone(), Split::Train),
                    SeriesId::split(method.clone(), Split::Test),
                ];
                let epochs = params.epochs();
                let name = name.clone();
                tasks.push(point.task(
                    Fig3Task::Simec {
                        name,
                        params: Box::new(params),
                    },
                    epochs,
                    points,
                ));
            }
        }
        Ok(tasks)
    }

    fn setup(&self, ctx: &RunContext) -> Result<(Self::Setup, Vec<String>)> {
        let mnist = crate::data::load_mnist(ctx.data_dir.as_deref()).context("loading MNIST")?;
        let split = crate::data::paper_main_split_sized(&mnist, self.m_train, self.m_test)
            .context("building the paper's train/test subset")?;
        drop(mnist);
        let s_train =
            baselines::center_kernel(&crate::similarity::label_similarity(&split.y_train))?; // [m, m]
        let s_test = baselines::center_kernel(&crate::similarity::label_similarity(&split.y_test))?; // [m_test, m_test]
        let m = s_train.nrows();
        let targets = self
            .simec
            .iter()
            .map(|(name, arch)| {
                (
                    name.clone(),
                    to_simec_block(&s_train, 0..m, 0..arch.n_targets),
                )
            }) // [m, n]
            .collect();
        let mut s_ll = BTreeMap::new();
        let mut notes = Vec::new();
        for arch in self.simec.values() {
            let n = arch.n_targets;
            if arch.model().s_ll_reg() > 0.0 && !s_ll.contains_key(&n) {
                let input = SllInput::of_block(&s_train, n, self.s_ll_approx)?; // [n, n]
                notes.push(format!("S_ll (n = {n}): {}", input.describe()));
                s_ll.insert(n, input);
            }
        }
        let setup = Fig3Setup {
            x_train: to_simec(&split.x_train),
            x_test: to_simec(&split.x_test),
            split,
            s_train,
            s_test,
            targets,
            s_ll,
        };
        Ok((setup, notes))
    }

    fn compute(&self, task: &Task<Self::Key>, step: Step<'_, Self::Setup>) -> Result<Computed> {
        let setup = step.setup;
        match &task.key {
            Fig3Task::Baselines => baselines_rows(self, setup),
            Fig3Task::Simec { name, params } => {
                let targets = &setup.targets[name];
                let split = ScoredSplit {
                    x_train: &setup.x_train,
                    x_test: &setup.x_test,
                    s_train: &setup.s_train,
                    s_test: &setup.s_test,
                };
                let n = self.simec[name].n_targets;
                let s_ll = setup
                    .s_ll
                    .get(&n)
                    .map(|s| simec::SllTarget::parts(vec![s.part()]));
                fit_yyt_train_test(params, &split, targets, s_ll, step)
            }
        }
    }

    fn draw(&self, _setup: Option<&Self::Setup>, rows: &[ResultRow], out: &Outputs) -> Result<()> {
        let mut axes = Axes::linear(
            "Figure 3: MNIST class-label similarities",
            "embedding dimension d",
            "MSE of S_hat",
        );
        axes.x_range = Some((0.0, 16.0));
        draw_by_method(rows, &series(self), axes, out)
    }
}

/// The deterministic rows, in the order of the baselines task's points: eigendecomposition at
/// every d, then ED + ridge train and test at every d.
fn baselines_rows(p: &Fig3Profile, setup: &Fig3Setup) -> Result<Computed> {
    let dims = &p.embedding_dims;
    let max_d = *dims.iter().max().context("embedding_dims is empty")?;
    let eig = baselines::symmetric_eigen_top_k(&setup.s_train, max_d.max(p.ridge.cv_dim))?;
    let y_full = eig.embedding(eig.values.len())?; // [m, max_d]
    let mut eigen = Vec::new();
    for &d in dims {
        let y = y_full.columns(0, d).into_owned(); // [m, d]
        eigen.push(baselines::mse_gram(&y, &setup.s_train)?);
    }
    let (x_train, x_test) = (&setup.split.x_train, &setup.split.x_test);
    let cv = baselines::RidgeCvParams::new()
        .alphas(p.ridge.alphas.clone())
        .folds(p.ridge.folds)
        .check()?
        .fit(x_train, &y_full.columns(0, p.ridge.cv_dim).into_owned())
        .context("ridge cross-validation")?;
    let alpha = cv.model.alpha;
    let (mut train, mut test) = (Vec::new(), Vec::new());
    for &d in dims {
        let target = y_full.columns(0, d).into_owned(); // [m, d]
        let model = baselines::RidgeParams::new()
            .alpha(alpha)
            .check()?
            .fit(x_train, &target)?;
        let y_tr = model.predict(x_train)?; // [m, d]
        let y_te = model.predict(x_test)?; // [m_test, d]
        train.push(baselines::mse_gram(&y_tr, &setup.s_train)?);
        test.push(baselines::mse_gram(&y_te, &setup.s_test)?);
    }
    Ok(Computed {
        mses: [eigen, train, test].concat(),
        notes: vec![format!(
            "ridge alpha chosen by {}-fold CV: {alpha}",
            p.ridge.folds
        )],
    })
}
