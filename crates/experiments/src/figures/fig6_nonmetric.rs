//! Figure 6: the non-metric Simpson similarity on MNIST 0/7, MSE of the reconstructed S vs
//! embedding dimension d (paper section 4.3, PAPER_SETUP.md "Figures 5-7").
//!
//! Series (names as in `paper_mse.csv`, figure id `fig6_nonmetric`):
//! - `largest_positive_ev`: the top-d eigen-embedding `Y` (largest eigenvalues), `Y Y^T` vs S;
//! - `absolute_largest_ev`: the d eigenpairs of largest `|lambda|`, `S_hat = sum lambda v v^T`
//!   (negative eigenvalues as "imaginary" dimensions), vs S;
//! - `simec_YWl`: a SimEc (one hidden layer of 200 tanh, no s_ll term) trained on all m columns
//!   of S, `Y W_l` vs S. Without an s_ll term `Y Y^T` means nothing, so it is not scored.

use std::time::Instant;

use anyhow::{Context, Result};

use super::runner::{FigureRun, PlotSpec};
use super::simpson::{simec_s_ll, simec_targets, NonmetricProfile, SimpsonSetup, TrainedSimec};
use crate::cli::FigureArgs;
use crate::config::point_seed;
use crate::convert::to_simec;

/// Figure name: results file stem, `figure` column, config file stem.
pub const FIGURE: &str = "fig6_nonmetric";
const X_NAME: &str = "embedding_dim";

/// Runs Figure 6 end to end: eigen baselines, SimEcs (resuming finished points), CSV, metadata,
/// plot, and the comparison table with the paper's numbers.
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

    let t0 = Instant::now();
    let setup = SimpsonSetup::load(args.data_dir.as_deref(), profile.m)?;
    run.note(format!(
        "{} [{:.1} s]",
        setup.spectrum_summary(),
        t0.elapsed().as_secs_f64()
    ));
    setup.check_paper_spectrum()?;
    let SimpsonSetup { data, s, eig } = setup;

    // --- Deterministic baselines ----------------------------------------------------------------
    if !run.all_done(&["largest_positive_ev", "absolute_largest_ev"], dims) {
        let t0 = Instant::now();
        let mut rows = Vec::new();
        for &d in dims {
            let y = eig.embedding(d)?; // [m, d]
            let mse = baselines::mse_gram(&y, &s)?;
            rows.push(run.row("largest_positive_ev", X_NAME, d as f64, mse, 0, t0));
            let mse = baselines::mse_absolute_largest(&eig, &s, d)?;
            rows.push(run.row("absolute_largest_ev", X_NAME, d as f64, mse, 0, t0));
        }
        run.save(&rows)?;
    }
    drop(eig);

    // --- SimEc: Y W_l vs S ----------------------------------------------------------------------
    let series = "simec_YWl";
    if !run.all_done(&[series], dims) {
        let x = to_simec(&data.x); // [m, 784]
        let n = arch.n_targets;
        let targets = simec_targets(&[&s], n)?; // [m, n]
        let s_ll = if arch.s_ll_reg > 0.0 {
            Some(simec_s_ll(&s, n)?) // [n, n]
        } else {
            None
        };
        for &d in dims {
            let xv = d as f64;
            if run.is_done(series, xv) {
                continue;
            }
            let t0 = Instant::now();
            let point_seed = point_seed(seed, "simec", xv);
            let params = super::simpson::simec_params(arch, d, 1, point_seed)?;
            let model = TrainedSimec::fit(
                &run,
                &format!("simec d={d}"),
                &params,
                &x,
                &targets,
                s_ll.as_ref().map(simec::SllTarget::single),
                &device,
            )?;
            let mse = model.mse_ywl(0, &s)?;
            let row = run.row(series, X_NAME, xv, mse, point_seed, t0);
            run.save(&[row])?;
        }
    }

    run.finish(&FIG6_PLOT, seed)
}

/// How the figure is drawn: x = d, y = MSE of S_hat against the centered Simpson S.
const FIG6_PLOT: PlotSpec = PlotSpec {
    title: "Figure 6: non-metric Simpson similarity (MNIST 0/7)",
    x_label: "embedding dimension d",
    y_label: "MSE of S_hat",
    x_range: None,
};
