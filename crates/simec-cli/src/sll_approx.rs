//! `--s-ll-rank` / `--s-ll-residual`: S_ll handed to the SimEc as the eigenpairs of largest
//! `|lambda|` of each slice (`baselines::s_ll_low_rank`), so that the s_ll term costs `O(n r d)`
//! per step instead of `O(n^2 d)`. This changes the training objective by the dropped part of
//! S_ll (nothing where S_ll has exactly rank `r`), not the model: the model files do not record
//! it; `config.toml` does, in `data.s_ll`.

use anyhow::{bail, Context, Result};
use baselines::SllApprox;
use nalgebra::DMatrix;
use simec::{Matrix, SllFactors, SllFactorsParams, SllPart, SllTarget};

use crate::args::FitArgs;

/// S_ll of every slice as the SimEc takes it.
pub enum SllSlices {
    /// The dense `n x n` matrices.
    Dense(Vec<Matrix>),
    /// Per slice the factors and the relative Frobenius residual they leave.
    Factored(Vec<(SllFactors, f64)>),
}

impl SllSlices {
    /// The target handed to `fit`.
    pub fn target(&self) -> SllTarget<'_> {
        match self {
            SllSlices::Dense(m) => SllTarget::slices(m.iter().collect()),
            SllSlices::Factored(f) => {
                SllTarget::parts(f.iter().map(|(f, _)| SllPart::Factored(f)).collect())
            }
        }
    }

    /// `dense`, or per slice `rank r of n (residual e)`.
    pub fn describe(&self) -> String {
        match self {
            SllSlices::Dense(_) => "dense".to_string(),
            SllSlices::Factored(f) => f
                .iter()
                .map(|(f, res)| {
                    format!(
                        "rank {} of {} (relative Frobenius residual {res:.2e})",
                        f.rank(),
                        f.n()
                    )
                })
                .collect::<Vec<_>>()
                .join("; "),
        }
    }
}

/// The choice of `--s-ll-rank` / `--s-ll-residual` (clap keeps them exclusive), checked.
///
/// # Errors
/// Either option without `--s-ll-reg > 0`, or a value out of range (rank 0, residual outside
/// `[0, 1)`).
pub fn approx(a: &FitArgs) -> Result<SllApprox> {
    let approx = match (a.s_ll_rank, a.s_ll_residual) {
        (Some(r), _) => SllApprox::Rank(r),
        (None, Some(eps)) => SllApprox::Residual(eps),
        (None, None) => return Ok(SllApprox::Dense),
    };
    if a.s_ll_reg <= 0.0 {
        bail!(
            "--s-ll-rank / --s-ll-residual choose how the S_ll regularizer sees S_ll; also pass \
             --s-ll-reg L with L > 0"
        );
    }
    approx
        .check()
        .context("invalid --s-ll-rank / --s-ll-residual")
}

/// The slices as `approx` asks: unchanged when dense, else each slice's symmetric part
/// `(S + S^T) / 2` (what the s_ll term sees) factored. `source` names where S_ll came from.
///
/// # Errors
/// A slice with missing entries (the masked S_ll term needs the dense matrix), `r > n`, or an
/// eigensolver failure.
pub fn factor(slices: Vec<Matrix>, approx: SllApprox, source: &str) -> Result<SllSlices> {
    if approx == SllApprox::Dense {
        return Ok(SllSlices::Dense(slices));
    }
    let mut out = Vec::with_capacity(slices.len());
    for (j, s) in slices.iter().enumerate() {
        if let Some(i) = s.data().iter().position(|v| v.is_nan()) {
            bail!(
                "S_ll slice {j} ({source}) has a missing entry at row {}, column {}; --s-ll-rank \
                 and --s-ll-residual need a complete S_ll (a masked S_ll stays dense)",
                i / s.cols(),
                i % s.cols()
            );
        }
        let n = s.rows();
        let sym = DMatrix::from_fn(n, n, |r, c| {
            0.5 * (f64::from(s.get(r, c)) + f64::from(s.get(c, r)))
        });
        let low_rank = baselines::s_ll_low_rank(&sym, approx)
            .with_context(|| format!("factoring S_ll slice {j} ({source}) as {approx}"))?
            .context("a non-dense S_ll choice gave no factors")?;
        let (u, lambda) = low_rank.factors_f32();
        let r = lambda.len();
        let factors = SllFactorsParams::new(Matrix::new(n, r, u)?, lambda, low_rank.mean_s2)
            .check()
            .with_context(|| format!("factors of S_ll slice {j} ({source})"))?;
        out.push((factors, low_rank.residual));
    }
    Ok(SllSlices::Factored(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_rank_is_found_and_a_masked_s_ll_is_refused() {
        // Rank 2: the outer products of two fixed vectors, one with a negative weight.
        let n = 12;
        let a: Vec<f32> = (0..n).map(|i| (i as f32 * 0.7).sin()).collect();
        let b: Vec<f32> = (0..n).map(|i| (i as f32 * 0.3).cos()).collect();
        let s = Matrix::from_fn(n, n, |r, c| 2.0 * a[r] * a[c] - 0.5 * b[r] * b[c]);
        let got = factor(vec![s.clone()], SllApprox::Residual(1e-6), "test").unwrap();
        match &got {
            SllSlices::Factored(f) => {
                assert_eq!(f.len(), 1);
                assert_eq!(f[0].0.rank(), 2);
                assert!(f[0].1 < 1e-6, "residual {}", f[0].1);
            }
            SllSlices::Dense(_) => panic!("expected factors"),
        }
        assert!(
            got.describe().starts_with("rank 2 of 12"),
            "{}",
            got.describe()
        );
        let dense = factor(vec![s.clone()], SllApprox::Dense, "test").unwrap();
        assert_eq!(dense.describe(), "dense");
        let mut masked = s.into_data();
        masked[5] = f32::NAN;
        let masked = Matrix::new(n, n, masked).unwrap();
        let err = factor(vec![masked], SllApprox::Rank(2), "file.csv")
            .err()
            .unwrap();
        let msg = format!("{err:#}");
        assert!(
            msg.contains("file.csv") && msg.contains("row 0, column 5"),
            "{msg}"
        );
    }
}
