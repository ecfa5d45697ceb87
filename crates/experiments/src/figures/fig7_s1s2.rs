//! Figure 7: several similarity matrices at once. The centered Simpson similarity of MNIST 0/7 is
//! split by eigenvalue sign into `S = S1 - S2`, both normalized (see [`super::simpson`]), and
//! SimEcs are trained on S1, on S2, on S1 + S2 and on the stack [S1, S2] (two slices of W_l).
//! Paper section 4.3, PAPER_SETUP.md "Figures 5-7".
//!
//! Series (figure id `fig7_s1s2`): `S1_eigendecomposition`, `S2_eigendecomposition` (top-d
//! eigen-embedding of the normalized part, vs itself) and `{S1,S2}_simec_{target}_{YWl,YYt}`:
//! the SimEc trained on `target` (`S1`, `S2`, `S1plusS2`, `stacked`) scored against S1 or S2,
//! by `Y W_l` (for the stack, the slice of that matrix) or by `Y Y^T`. The SimEc on S1 is
//! scored only against S1, the one on S2 only against S2.

use anyhow::{Context, Result};
use nalgebra::DMatrix;

use super::panel::{line_panel, Axes, Style};
use super::simpson::{
    simec_params, simec_s_ll, simec_targets, Fig7Profile, SimpsonSetup, TrainedSimec,
};
use super::sweep::{
    Computed, Figure, Method, MethodKind, Outputs, Readout, RunContext, SeriesId, Step, Task,
};
use crate::convert::to_simec;
use crate::plot::{LinePlot, PANEL_SIZE};
use crate::reference::RefRow;
use crate::results::ResultRow;
use crate::similarity::{normalized_parts, part_eigen, NormalizedParts, Part};
use crate::sll::SllInput;

/// What a SimEc of Figure 7 is trained on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// One matrix: S1, S2 or S1 + S2.
    Single(Part),
    /// The stack [S1, S2] (`n_slices = 2`).
    Stacked,
}

impl Target {
    /// Every SimEc of the figure, in training order.
    pub const ALL: [Target; 4] = [
        Target::Single(Part::S1),
        Target::Single(Part::S2),
        Target::Single(Part::Sum),
        Target::Stacked,
    ];

    /// The name in series ids: `S1`, `S2`, `S1plusS2`, `stacked`.
    pub fn name(self) -> &'static str {
        match self {
            Target::Single(p) => p.name(),
            Target::Stacked => "stacked",
        }
    }

    /// The matrices it is scored against: S1 for the SimEc on S1, S2 for the one on S2, both
    /// for the others.
    pub fn scored_against(self) -> &'static [Part] {
        match self {
            Target::Single(Part::S1) => &[Part::S1],
            Target::Single(Part::S2) => &[Part::S2],
            _ => &[Part::S1, Part::S2],
        }
    }

    fn method(self) -> Method {
        Method::variant(MethodKind::Simec, self.name())
    }

    /// The series it writes, per matrix scored against: `Y W_l`, then `Y Y^T`.
    pub fn series(self) -> Vec<SeriesId> {
        self.scored_against()
            .iter()
            .flat_map(|a| {
                [Readout::YWl, Readout::YYt].map(|readout| SeriesId {
                    against: Some(a.name()),
                    method: Some(self.method()),
                    readout: Some(readout),
                    split: None,
                })
            })
            .collect()
    }
}

/// A task of Figure 7.
pub enum Fig7Task {
    /// The top-d eigen-embedding of the normalized S1 or S2 at every d.
    Eigen(Part),
    /// A SimEc at one d.
    Simec {
        /// What it is trained on.
        target: Target,
        /// Its checked hyperparameters (`n_slices` 2 for the stack).
        params: Box<simec::SimecValidParams>,
    },
}

/// MNIST 0/7, the eigendecomposition of S and the normalized parts.
pub struct Fig7Setup {
    /// The SimEc inputs, `[m, 784]` f32 (converted once for every SimEc task).
    x: simec::Matrix,
    eig: baselines::Eigen,
    parts: NormalizedParts,
    /// S1's S_ll factored as the profile's `s1_s_ll_approx` asks (`None`: dense).
    s1_factors: Option<SllInput>,
}

fn eigen_series(part: Part) -> SeriesId {
    SeriesId {
        against: Some(part.name()),
        method: Some(Method::plain(MethodKind::Eigendecomposition)),
        readout: None,
        split: None,
    }
}

/// Every series, in plotting order.
pub fn series() -> Vec<SeriesId> {
    let mut all = vec![eigen_series(Part::S1), eigen_series(Part::S2)];
    for t in Target::ALL {
        all.extend(t.series());
    }
    all
}

impl Figure for Fig7Profile {
    const NAME: &'static str = "fig7_s1s2";
    const X_NAME: &'static str = "embedding_dim";
    const ABOUT: &'static str = "Figure 7: SimEcs on S1, S2, S1 + S2 and the stack [S1, S2] of the Simpson similarity's parts (paper section 4.3).";
    type Setup = Fig7Setup;
    type Key = Fig7Task;

    fn check(&self) -> Result<()> {
        self.validate()
    }

    fn base_seed(&self) -> u64 {
        self.seed
    }

    fn tasks(&self, base_seed: u64, _ctx: &RunContext) -> Result<Vec<Task<Self::Key>>> {
        let dims = &self.embedding_dims;
        let mut tasks: Vec<Task<Fig7Task>> = [Part::S1, Part::S2]
            .into_iter()
            .map(|part| {
                let id = eigen_series(part);
                let points = dims.iter().map(|&d| (id.clone(), d as f64)).collect();
                Task::deterministic(Fig7Task::Eigen(part), id.to_string(), points)
            })
            .collect();
        for target in Target::ALL {
            let method = target.method();
            let n_slices = if target == Target::Stacked { 2 } else { 1 };
            for &d in dims {
                let point = method.at(base_seed, d as f64);
                let params = simec_params(&self.simec, d, n_slices, point.seed)?;
                let epochs = params.epochs();
                let task = point.task(
                    Fig7Task::Simec {
                        target,
                        params: Box::new(params),
                    },
                    epochs,
                    target.series(),
                );
                tasks.push(task.labelled(format!("simec {} d={d}", target.name())));
            }
        }
        Ok(tasks)
    }

    fn setup(&self, ctx: &RunContext) -> Result<(Self::Setup, Vec<String>)> {
        let setup = SimpsonSetup::load(ctx.data_dir.as_deref(), self.m)?;
        let mut notes = vec![setup.spectrum_summary()];
        setup.check_paper_spectrum()?;
        let SimpsonSetup { data, s, eig } = setup;
        drop(s);
        let parts = normalized_parts(&eig).context("normalizing S1 and S2")?;
        notes.push(parts.summary());
        let x = to_simec(&data.x); // [m, 784]
        let s1_factors = s1_s_ll(self, &eig, &parts)?;
        if let Some(f) = &s1_factors {
            notes.push(format!("S_ll of S1: {}", f.describe()));
        }
        let setup = Fig7Setup {
            x,
            eig,
            parts,
            s1_factors,
        };
        Ok((setup, notes))
    }

    fn compute(&self, task: &Task<Self::Key>, step: Step<'_, Self::Setup>) -> Result<Computed> {
        let setup = step.setup;
        let parts = &setup.parts;
        let (target, params) = match &task.key {
            Fig7Task::Eigen(part) => {
                let max_d = *self
                    .embedding_dims
                    .iter()
                    .max()
                    .context("embedding_dims is empty")?;
                let pe = part_eigen(&setup.eig, &parts.norm, *part, max_d)?; // vectors [m, max_d]
                let truth = part_matrix(parts, *part);
                let mses = self
                    .embedding_dims
                    .iter()
                    .map(|&d| Ok(baselines::mse_gram(&pe.embedding(d)?, truth)?))
                    .collect::<Result<Vec<f64>>>()?;
                return Ok(mses.into());
            }
            Fig7Task::Simec { target, params } => (*target, params),
        };
        let model = train(self, target, params, step)?;
        let mut mses = Vec::new();
        for &against in target.scored_against() {
            let truth = part_matrix(parts, against);
            let slice = usize::from(target == Target::Stacked && against == Part::S2);
            mses.push(model.mse_ywl(slice, truth)?);
            mses.push(model.mse_yyt(truth)?);
        }
        Ok(mses.into())
    }

    fn draw(&self, _setup: Option<&Self::Setup>, rows: &[ResultRow], out: &Outputs) -> Result<()> {
        crate::plot::draw_panels(
            &fig7_panels(rows, &out.paper),
            PANEL_SIZE,
            &out.svg,
            &out.png,
        )?;
        Ok(())
    }
}

/// S1's S_ll (its leading `n x n` block) factored as `p.s1_s_ll_approx` asks, or `None` (dense, or
/// no s_ll term). With `n = m` the factors are S1's own eigenpairs, the positive pairs of S scaled
/// as in [`normalized_parts`] (no second eigendecomposition); otherwise the block is factored.
fn s1_s_ll(
    p: &Fig7Profile,
    eig: &baselines::Eigen,
    parts: &NormalizedParts,
) -> Result<Option<SllInput>> {
    let approx = p.s1_s_ll_approx;
    if approx == baselines::SllApprox::Dense || p.simec.model().s_ll_reg() <= 0.0 {
        return Ok(None);
    }
    let (m, n) = (parts.s1.nrows(), p.simec.n_targets);
    if n < m {
        return Ok(Some(SllInput::of_block(&parts.s1, n, approx)?));
    }
    let positive = eig.values.iter().filter(|&&l| l > 0.0).count();
    let pairs = part_eigen(eig, &parts.norm, Part::S1, positive)?; // [m, positive]
    let mean_s2 = parts.s1.iter().map(|v| v * v).sum::<f64>() / (m as f64 * m as f64);
    let low_rank = baselines::low_rank_from_eigen(&pairs, approx, mean_s2)?
        .context("a non-dense S_ll choice gave no factors")?;
    SllInput::from_low_rank(&low_rank).map(Some)
}

/// Trains the SimEc on `target`: f32 targets `[m, k * n]` and, with the s_ll term, its S_ll per
/// slice (S1's factors when the profile asks for them, else the targets themselves when one slice
/// has all m columns, else the leading `n x n` block).
fn train(
    p: &Fig7Profile,
    target: Target,
    params: &simec::SimecValidParams,
    step: Step<'_, Fig7Setup>,
) -> Result<TrainedSimec> {
    let parts = &step.setup.parts;
    let x = &step.setup.x; // [m, 784]
    let n = p.simec.n_targets;
    let sum;
    let (kinds, slices): (Vec<Part>, Vec<&DMatrix<f64>>) = match target {
        Target::Single(Part::S1) => (vec![Part::S1], vec![&parts.s1]),
        Target::Single(Part::S2) => (vec![Part::S2], vec![&parts.s2]),
        Target::Single(Part::Sum) => {
            sum = parts.sum(); // [m, m]
            (vec![Part::Sum], vec![&sum])
        }
        Target::Stacked => (vec![Part::S1, Part::S2], vec![&parts.s1, &parts.s2]),
    };
    let targets = simec_targets(&slices, n)?; // [m, n_slices * n]
    if p.simec.model().s_ll_reg() <= 0.0 {
        return TrainedSimec::fit(params, x, &targets, None, &step.ctx.device, step.progress);
    }
    let factored = |kind: Part| match &step.setup.s1_factors {
        Some(f) if kind == Part::S1 => Some(f.part()),
        _ => None,
    };
    let targets_are_s_ll = slices.len() == 1 && n == x.rows();
    let dense: Vec<Option<simec::Matrix>> = kinds
        .iter()
        .zip(&slices)
        .map(|(&kind, s)| match factored(kind) {
            None if !targets_are_s_ll => simec_s_ll(s, n).map(Some), // [n, n]
            _ => Ok(None),
        })
        .collect::<Result<_>>()?;
    let s_ll_parts = kinds
        .iter()
        .zip(&dense)
        .map(|(&kind, d)| match (d, factored(kind)) {
            (Some(d), _) => simec::SllPart::Dense(d),
            (None, Some(f)) => f,
            (None, None) => simec::SllPart::Dense(&targets), // [n, n] = the targets themselves
        })
        .collect();
    let s_ll = Some(simec::SllTarget::parts(s_ll_parts));
    TrainedSimec::fit(params, x, &targets, s_ll, &step.ctx.device, step.progress)
}

/// The normalized S1 or S2 (`Sum` never is a scoring target).
fn part_matrix(parts: &NormalizedParts, part: Part) -> &DMatrix<f64> {
    match part {
        Part::S2 => &parts.s2,
        _ => &parts.s1,
    }
}

/// Two panels, scored against S1 (left) and against S2 (right). Per panel one color per model
/// (eigendecomposition, SimEc on that matrix, on S1 + S2, on the stack), `Y W_l` solid and
/// `Y Y^T` dashed; the y axis is logarithmic, as the MSEs span three decades.
pub fn fig7_panels(rows: &[ResultRow], paper: &[RefRow]) -> Vec<LinePlot> {
    let all = series();
    [Part::S1, Part::S2]
        .into_iter()
        .map(|against| {
            let models = [
                "eigendecomposition".to_string(),
                format!("simec_{}", against.name()),
                "simec_S1plusS2".to_string(),
                "simec_stacked".to_string(),
            ];
            let mut ids: Vec<SeriesId> = all
                .iter()
                .filter(|s| s.against == Some(against.name()))
                .cloned()
                .collect();
            let color = |id: &SeriesId| {
                let key = id.method.as_ref().map(Method::key).unwrap_or_default();
                models.iter().position(|m| *m == key).unwrap_or(4)
            };
            ids.sort_by_key(|id| (color(id), id.readout == Some(Readout::YYt)));
            let style = |id: &SeriesId| Style {
                label: SeriesId {
                    against: None,
                    ..id.clone()
                }
                .to_string(),
                color: color(id),
                dashed: id.readout == Some(Readout::YYt),
            };
            let mut axes = Axes::linear(
                format!("Figure 7: scored against {}", against.name()),
                "embedding dimension d",
                &format!("MSE vs normalized {}", against.name()),
            );
            axes.log_y = true;
            line_panel(rows, paper, &ids, style, |x| x, axes)
        })
        .collect()
}
