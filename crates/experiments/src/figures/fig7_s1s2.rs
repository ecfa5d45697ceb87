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

use std::time::Instant;

use anyhow::{Context, Result};
use nalgebra::DMatrix;

use super::runner::FigureRun;
use super::simpson::{
    normalized_parts, part_eigen, simec_params, simec_s_ll, simec_targets, NonmetricProfile, Part,
    SimpsonSetup, TrainedSimec,
};
use crate::cli::FigureArgs;
use crate::config::point_seed;
use crate::convert::to_simec;
use crate::plot::{LinePlot, LineSeries, PANEL_SIZE};
use crate::results::ResultRow;

/// Figure name: results file stem, `figure` column, config file stem.
pub const FIGURE: &str = "fig7_s1s2";
const X_NAME: &str = "embedding_dim";

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

    /// The series ids it writes: `(against, YWl series, YYt series)`.
    pub fn series(self) -> Vec<(Part, String, String)> {
        self.scored_against()
            .iter()
            .map(|&a| {
                let base = format!("{}_simec_{}", a.name(), self.name());
                (a, format!("{base}_YWl"), format!("{base}_YYt"))
            })
            .collect()
    }
}

/// Runs Figure 7 end to end: eigen baselines, the four SimEcs (resuming finished points), CSV,
/// metadata, the two-panel plot, and the comparison table with the paper's numbers.
///
/// # Errors
/// Bad config, missing or corrupt MNIST, unwritable output directories, a spectrum that does
/// not match the paper's at m = 5000, and model errors, each with context naming what failed.
pub fn run(args: &FigureArgs) -> Result<()> {
    let mut run = FigureRun::<NonmetricProfile>::start(FIGURE, args)?;
    let profile = run.profile.clone();
    profile
        .validate()
        .with_context(|| format!("invalid profile `{}` of {FIGURE}", args.profile))?;
    let seed = args.seed.unwrap_or(profile.seed);
    let dims = &profile.embedding_dims;
    let arch = &profile.simec;
    // Fail on an unusable backend before the minute of data setup.
    let device = args
        .backend
        .try_device()
        .context("starting the compute backend")?;
    let max_d = *dims.iter().max().context("embedding_dims is empty")?;

    let t0 = Instant::now();
    let setup = SimpsonSetup::load(args.data_dir.as_deref(), profile.m)?;
    run.note(format!(
        "{} [{:.1} s]",
        setup.spectrum_summary(),
        t0.elapsed().as_secs_f64()
    ));
    setup.check_paper_spectrum()?;
    let SimpsonSetup { data, s, eig } = setup;
    drop(s);
    let parts = normalized_parts(&eig).context("normalizing S1 and S2")?;
    run.note(parts.summary());

    // --- Eigendecompositions of the normalized S1 and S2 -----------------------------------------
    for part in [Part::S1, Part::S2] {
        let series = format!("{}_eigendecomposition", part.name());
        if run.all_done(&[series.as_str()], dims) {
            continue;
        }
        let t0 = Instant::now();
        let pe = part_eigen(&eig, &parts.norm, part, max_d)?; // vectors [m, max_d]
        let target = part_matrix(&parts.s1, &parts.s2, part);
        let mut rows = Vec::new();
        for &d in dims {
            let y = pe.embedding(d)?; // [m, d]
            let mse = baselines::mse_gram(&y, target)?;
            rows.push(run.row(&series, X_NAME, d as f64, mse, 0, t0));
        }
        run.save(&rows)?;
    }
    drop(eig);

    // --- SimEcs ---------------------------------------------------------------------------------
    let x = to_simec(&data.x); // [m, 784]
    let n = arch.n_targets;
    for target in Target::ALL {
        let series = target.series();
        let names: Vec<&str> = series
            .iter()
            .flat_map(|(_, a, b)| [a.as_str(), b.as_str()])
            .collect();
        if run.all_done(&names, dims) {
            continue;
        }
        // f32 targets and S_ll of this SimEc; S_ll is the target itself when n = m.
        let sum;
        let (slices, n_slices): (Vec<&DMatrix<f64>>, usize) = match target {
            Target::Single(Part::S1) => (vec![&parts.s1], 1),
            Target::Single(Part::S2) => (vec![&parts.s2], 1),
            Target::Single(Part::Sum) => {
                sum = parts.sum(); // [m, m]
                (vec![&sum], 1)
            }
            Target::Stacked => (vec![&parts.s1, &parts.s2], 2),
        };
        let targets = simec_targets(&slices, n)?; // [m, n_slices * n]
        let s_ll_owned: Vec<simec::Matrix> =
            if arch.s_ll_reg > 0.0 && (n_slices > 1 || n < x.rows()) {
                slices
                    .iter()
                    .map(|s| simec_s_ll(s, n))
                    .collect::<Result<_>>()? // n_slices x [n, n]
            } else {
                Vec::new()
            };
        let s_ll = if arch.s_ll_reg <= 0.0 {
            None
        } else if s_ll_owned.is_empty() {
            Some(simec::SllTarget::single(&targets)) // [n, n] = the targets themselves
        } else {
            Some(simec::SllTarget::slices(s_ll_owned.iter().collect()))
        };

        for &d in dims {
            let xv = d as f64;
            if names.iter().all(|s| run.is_done(s, xv)) {
                continue;
            }
            let t0 = Instant::now();
            let point_seed = point_seed(seed, &format!("simec_{}", target.name()), xv);
            let params = simec_params(arch, d, n_slices, point_seed)?;
            let model = TrainedSimec::fit(
                &run,
                &format!("simec {} d={d}", target.name()),
                &params,
                &x,
                &targets,
                s_ll.clone(),
                &device,
            )?;
            let mut rows = Vec::new();
            for (against, ywl, yyt) in &series {
                let truth = part_matrix(&parts.s1, &parts.s2, *against);
                let slice = match (target, against) {
                    (Target::Stacked, Part::S2) => 1,
                    _ => 0,
                };
                let mse = model
                    .mse_ywl(slice, truth)
                    .with_context(|| format!("scoring {ywl} at d = {d}"))?;
                rows.push(run.row(ywl, X_NAME, xv, mse, point_seed, t0));
                let mse = model
                    .mse_yyt(truth)
                    .with_context(|| format!("scoring {yyt} at d = {d}"))?;
                rows.push(run.row(yyt, X_NAME, xv, mse, point_seed, t0));
            }
            run.save(&rows)?;
        }
    }

    run.finish_with(seed, |rows, svg, png| {
        crate::plot::draw_panels(&fig7_panels(rows), PANEL_SIZE, svg, png)?;
        Ok(())
    })
}

/// The normalized S1 or S2 (`Sum` never is a scoring target).
fn part_matrix<'a>(s1: &'a DMatrix<f64>, s2: &'a DMatrix<f64>, part: Part) -> &'a DMatrix<f64> {
    match part {
        Part::S2 => s2,
        _ => s1,
    }
}

/// Two panels, scored against S1 (left) and against S2 (right). Per panel one color per model
/// (eigendecomposition, SimEc on that matrix, on S1 + S2, on the stack), `Y W_l` solid and
/// `Y Y^T` dashed; the y axis is logarithmic, as the MSEs span three decades.
pub fn fig7_panels(rows: &[ResultRow]) -> Vec<LinePlot> {
    [Part::S1, Part::S2]
        .into_iter()
        .map(|against| {
            let prefix = format!("{}_", against.name());
            let mut names: Vec<&str> = Vec::new();
            for r in rows {
                if r.series.starts_with(&prefix) && !names.contains(&r.series.as_str()) {
                    names.push(&r.series);
                }
            }
            let models = [
                "eigendecomposition".to_string(),
                format!("simec_{}", against.name()),
                "simec_S1plusS2".to_string(),
                "simec_stacked".to_string(),
            ];
            let mut series: Vec<LineSeries> = names
                .into_iter()
                .map(|name| {
                    let label = &name[prefix.len()..];
                    let (model, dashed) = match label.strip_suffix("_YYt") {
                        Some(m) => (m, true),
                        None => (label.strip_suffix("_YWl").unwrap_or(label), false),
                    };
                    let color = models.iter().position(|m| m == model).unwrap_or(4);
                    let mut points: Vec<(f64, f64)> = rows
                        .iter()
                        .filter(|r| r.series == name)
                        .map(|r| (r.x, r.mse))
                        .collect();
                    points.sort_by(|a, b| a.0.total_cmp(&b.0));
                    LineSeries {
                        label: label.to_string(),
                        points,
                        color,
                        dashed,
                    }
                })
                .collect();
            series.sort_by_key(|s| (s.color, s.dashed));
            LinePlot {
                title: format!("Figure 7: scored against {}", against.name()),
                x_label: "embedding dimension d".to_string(),
                y_label: format!("MSE vs normalized {}", against.name()),
                series,
                x_range: None,
                y_range: None,
                log_x: false,
                log_y: true,
            }
        })
        .collect()
}
