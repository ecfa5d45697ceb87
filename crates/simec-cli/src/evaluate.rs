//! `simec evaluate`: the MSE of an embedding `Y Y2^T` against a similarity matrix, or of a
//! model's predictions against known targets, over the present (non-NaN) entries; computed by
//! the blocked `baselines` MSEs.

use std::path::Path;

use anyhow::{bail, Result};
use nalgebra::DMatrix;
use simec::Matrix;

use crate::args::EvaluateArgs;
use crate::inputs::{model_features, read_features, read_table};
use crate::model_dir;
use crate::report::sig;
use crate::table::{Missing, Table};

/// Prints the MSE, the number of present entries and the MSE of predicting 0.
pub fn run(a: EvaluateArgs) -> Result<()> {
    if let Some(dir) = &a.model {
        let (Some(features), Some(targets)) = (&a.features, &a.targets) else {
            bail!("--model needs --features and --targets");
        };
        return score_model(&a, dir, features, targets);
    }
    let (Some(y), Some(s)) = (&a.embedding, &a.similarity) else {
        bail!("pass --embedding Y --similarity S (or --model DIR --features X --targets T)");
    };
    score_embedding(&a, y, s)
}

/// `simec evaluate --model DIR --features X --targets T`.
fn score_model(a: &EvaluateArgs, dir: &Path, features: &Path, targets: &Path) -> Result<()> {
    let rule = a.header.rule();
    let model = model_dir::load(dir, &a.backend.device()?)?;
    let x = model_features(&model, features, rule)?;
    let t = read_table(targets, rule)?;
    t.check_values("targets", Missing::Allow)?;
    let out = model.simec.n_targets() * model.simec.n_slices();
    if t.rows() != x.rows() || t.cols() != out {
        return Err(t
            .shape_error(format!(
                "targets are {}, expected {} x {out} (rows of {} x the model's target columns)",
                t.shape(),
                x.rows(),
                features.display()
            ))
            .into());
    }
    let pred = model.simec.predict(&x)?;
    let s = to_f64(&t.matrix);
    let (mse, count) = baselines::mse_masked(&to_f64(&pred), &s)?;
    print_score("MSE(predictions, targets)", mse, count, &s)
}

/// `simec evaluate --embedding Y [--embedding-2 Y2] --similarity S`.
fn score_embedding(a: &EvaluateArgs, y_path: &Path, s_path: &Path) -> Result<()> {
    let rule = a.header.rule();
    let y = read_features(y_path, rule)?;
    let y2 = match &a.embedding_2 {
        Some(p) => Some(read_features(p, rule)?),
        None => None,
    };
    let y2 = y2.as_ref().unwrap_or(&y);
    if y2.cols() != y.cols() {
        return Err(y2
            .shape_error(format!(
                "has {} columns but {} has {}; the two embeddings need the same dimension",
                y2.cols(),
                y_path.display(),
                y.cols()
            ))
            .into());
    }
    let s = read_table(s_path, rule)?;
    s.check_values("similarities", Missing::Allow)?;
    check_similarity_shape(&s, &y, y2)?;
    let s64 = to_f64(&s.matrix);
    let (mse, count) = baselines::mse_cross_masked(&to_f64(&y.matrix), &to_f64(&y2.matrix), &s64)?;
    let label = if a.embedding_2.is_some() {
        "MSE(Y Y2^T, S)"
    } else {
        "MSE(Y Y^T, S)"
    };
    print_score(label, mse, count, &s64)
}

/// `s` must be `rows(Y) x rows(Y2)`.
fn check_similarity_shape(s: &Table, y: &Table, y2: &Table) -> Result<()> {
    if s.rows() != y.rows() || s.cols() != y2.rows() {
        return Err(s
            .shape_error(format!(
                "similarities are {}, expected {} x {} (rows of the embedding(s))",
                s.shape(),
                y.rows(),
                y2.rows()
            ))
            .into());
    }
    Ok(())
}

/// A row-major f32 matrix as nalgebra's column-major f64.
fn to_f64(m: &Matrix) -> DMatrix<f64> {
    DMatrix::from_row_iterator(m.rows(), m.cols(), m.data().iter().map(|&v| f64::from(v)))
}

/// Prints the score and, for scale, the MSE of predicting 0 (the mean square of the present
/// targets `s`).
fn print_score(label: &str, mse: f64, count: usize, s: &DMatrix<f64>) -> Result<()> {
    let zero_a = DMatrix::zeros(s.nrows(), 1);
    let zero_b = DMatrix::zeros(s.ncols(), 1);
    let (mean_sq, _) = baselines::mse_cross_masked(&zero_a, &zero_b, s)?;
    println!("{label} = {}", sig(mse));
    println!(
        "entries: {count}; mean square of the targets (MSE of predicting 0): {}",
        sig(mean_sq)
    );
    Ok(())
}
