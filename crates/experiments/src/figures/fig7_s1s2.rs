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
    /// The S_ll of S1, S2 and S1 + S2 (in [`Part`] order) factored as the profile asks for that
    /// part (`None`: dense).
    factors: [Option<SllInput>; 3],
}

impl Fig7Setup {
    /// `part`'s factored S_ll, or `None` (dense).
    fn factors(&self, part: Part) -> Option<&SllInput> {
        self.factors[part_index(part)].as_ref()
    }
}

/// The parts whose S_ll a profile can factor, in the order of [`Fig7Setup::factors`].
const SLL_PARTS: [Part; 3] = [Part::S1, Part::S2, Part::Sum];

fn part_index(part: Part) -> usize {
    match part {
        Part::S1 => 0,
        Part::S2 => 1,
        Part::Sum => 2,
    }
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
        let mut factors = [None, None, None];
        for part in SLL_PARTS {
            let f = part_s_ll(self, &eig, &parts, part)?;
            if let Some(f) = &f {
                notes.push(format!("S_ll of {}: {}", part.name(), f.describe()));
            }
            factors[part_index(part)] = f;
        }
        let setup = Fig7Setup {
            x,
            eig,
            parts,
            factors,
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

/// `part`'s S_ll (the leading `n x n` block of S1, S2 or S1 + S2) factored as the profile asks
/// for it, or `None` (dense, or no s_ll term). With `n = m` the factors are the part's own
/// eigenpairs, taken from S's eigenpairs scaled as in [`normalized_parts`] (no second
/// eigendecomposition), kept by largest `|lambda|`; otherwise the block is factored.
fn part_s_ll(
    p: &Fig7Profile,
    eig: &baselines::Eigen,
    parts: &NormalizedParts,
    part: Part,
) -> Result<Option<SllInput>> {
    let approx = p.s_ll_approx(part);
    if approx == baselines::SllApprox::Dense || p.simec.model().s_ll_reg() <= 0.0 {
        return Ok(None);
    }
    let (m, n) = (parts.s1.nrows(), p.simec.n_targets);
    if n < m {
        let sum;
        let s = match part {
            Part::Sum => {
                sum = parts.sum(); // [m, m]
                &sum
            }
            _ => part_matrix(parts, part),
        };
        return Ok(Some(SllInput::of_block(s, n, approx)?));
    }
    // The part's nonzero eigenpairs: every eigenvalue of S of the part's sign (both for S1 + S2).
    let nonzero = eig
        .values
        .iter()
        .filter(|&&l| parts.norm.part_eigenvalue(part, l) > 0.0)
        .count();
    let pairs = part_eigen(eig, &parts.norm, part, nonzero)?; // [m, nonzero]
    let sum_sq: f64 = match part {
        Part::Sum => parts
            .s1
            .iter()
            .zip(&parts.s2)
            .map(|(a, b)| (a + b).powi(2))
            .sum(),
        _ => part_matrix(parts, part).iter().map(|v| v * v).sum(),
    };
    let mean_s2 = sum_sq / (m as f64 * m as f64);
    let key = match part {
        Part::S1 => "s1",
        Part::S2 => "s2",
        Part::Sum => "sum",
    };
    let low_rank = baselines::low_rank_from_eigen(&pairs, approx, mean_s2)
        .with_context(|| {
            format!(
                "the S_ll of {} as `{key}_s_ll_approx = \"{approx}\"`: it has {nonzero} nonzero \
                 eigenpairs (m = {m})",
                part.name()
            )
        })?
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
    let factored = |kind: Part| step.setup.factors(kind).map(SllInput::part);
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

#[cfg(test)]
mod tests {
    use super::*;

    /// A profile with all `n = m` columns as targets and an s_ll term, each part's S_ll as given.
    fn profile(m: usize, s1: &str, s2: &str, sum: &str) -> Fig7Profile {
        toml::from_str(&format!(
            "m = {m}\nseed = 1\nembedding_dims = [2]\ns1_s_ll_approx = \"{s1}\"\n\
             s2_s_ll_approx = \"{s2}\"\nsum_s_ll_approx = \"{sum}\"\n\
             [simec]\nhidden = []\nlearning_rate = 0.001\nepochs = 1\nbatch_size = 4\n\
             n_targets = {m}\ns_ll_reg = 1.0\nl2_reg = 0.0\nl2_reg_emb = 0.0\nl2_reg_out = 0.0\n"
        ))
        .unwrap()
    }

    /// An indefinite symmetric `[m, m]` matrix's full decomposition and its normalized parts.
    fn parts(m: usize) -> (baselines::Eigen, NormalizedParts) {
        let a = DMatrix::from_fn(m, m, |i, j| ((i * 7 + j * 3) % 11) as f64 - 5.0);
        let s = &a + a.transpose(); // [m, m]
        let eig = baselines::symmetric_eigen_full(&s).unwrap();
        let parts = normalized_parts(&eig).unwrap();
        (eig, parts)
    }

    /// `U diag(lambda) U^T` of factored input, `[n, n]`.
    fn rebuilt(input: &SllInput) -> (DMatrix<f64>, f64) {
        let SllInput::Factored { factors, .. } = input else {
            panic!("expected factors, got {}", input.describe());
        };
        let u = factors.u();
        let (n, r) = (u.rows(), u.cols());
        let u = DMatrix::from_fn(n, r, |i, j| f64::from(u.get(i, j)));
        let lambda = DMatrix::from_diagonal(&nalgebra::DVector::from_iterator(
            r,
            factors.lambda().iter().map(|&l| f64::from(l)),
        ));
        (&u * lambda * u.transpose(), factors.mean_s2())
    }

    #[test]
    fn each_part_is_factored_from_its_own_eigenpairs() {
        let m = 12;
        let (eig, parts) = parts(m);
        let p = profile(m, "residual:1e-9", "residual:1e-9", "residual:1e-9");
        for (part, truth) in [
            (Part::S1, parts.s1.clone()),
            (Part::S2, parts.s2.clone()),
            (Part::Sum, parts.sum()),
        ] {
            let input = part_s_ll(&p, &eig, &parts, part).unwrap().unwrap();
            let (s, mean_s2) = rebuilt(&input);
            let scale = truth.amax();
            assert!(
                (&s - &truth).amax() <= 1e-5 * scale,
                "{}: factors rebuild it to {:e} (max |entry| {scale:e})",
                part.name(),
                (&s - &truth).amax()
            );
            let want = truth.iter().map(|v| v * v).sum::<f64>() / (m * m) as f64;
            assert!((mean_s2 - want).abs() <= 1e-12 * want, "{}", part.name());
        }
    }

    #[test]
    fn a_rank_keeps_the_pairs_of_largest_magnitude_and_dense_gives_none() {
        let m = 12;
        let (eig, parts) = parts(m);
        let p = profile(m, "dense", "rank:2", "rank:3");
        assert!(part_s_ll(&p, &eig, &parts, Part::S1).unwrap().is_none());
        for (part, r) in [(Part::S2, 2), (Part::Sum, 3)] {
            let input = part_s_ll(&p, &eig, &parts, part).unwrap().unwrap();
            let SllInput::Factored { factors, residual } = &input else {
                panic!("expected factors");
            };
            assert_eq!(factors.rank(), r, "{}", part.name());
            let mut want: Vec<f64> = eig
                .values
                .iter()
                .map(|&l| parts.norm.part_eigenvalue(part, l))
                .filter(|&l| l > 0.0)
                .collect();
            want.sort_by(|a, b| b.total_cmp(a));
            for (got, want) in factors.lambda().iter().zip(&want) {
                assert!(
                    (f64::from(*got) - want).abs() <= 1e-6 * want,
                    "{}",
                    part.name()
                );
            }
            assert!(*residual > 0.0 && *residual < 1.0, "{}", part.name());
        }
    }

    #[test]
    fn a_rank_beyond_the_parts_pairs_names_the_key_and_the_count() {
        let m = 12;
        let (eig, parts) = parts(m);
        let p = profile(m, "dense", "rank:500", "dense");
        let nonzero = eig.values.iter().filter(|&&l| l < 0.0).count();
        let e = part_s_ll(&p, &eig, &parts, Part::S2).unwrap_err();
        let msg = format!("{e:#}");
        for needle in [
            "s2_s_ll_approx = \"rank:500\"",
            &format!("{nonzero} nonzero eigenpairs"),
            "1..=",
        ] {
            assert!(msg.contains(needle), "no `{needle}` in: {msg}");
        }
    }
}
