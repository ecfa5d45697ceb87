//! Low-rank factors of a symmetric S_ll for SimEc's s_ll regularizer (paper eq. 3): the
//! eigenpairs of largest `|lambda|`, so that `S_r = V_r diag(lambda_r) V_r^T` is the best rank-`r`
//! approximation in the Frobenius norm (Eckart-Young, for indefinite S too). The SimEc crate
//! takes these factors and computes `W S_r = ((W V_r) diag(lambda_r)) V_r^T` in `O(n r d)` per
//! step instead of `W S` in `O(n^2 d)`.

use std::fmt;
use std::str::FromStr;

use nalgebra::{DMatrix, DVector};

use crate::checks::{check_k, check_symmetric};
use crate::eigen::{symmetric_eigen_bottom_k, symmetric_eigen_full, symmetric_eigen_top_k, Eigen};
use crate::BaselineError;

/// How S_ll enters the s_ll regularizer: as the dense matrix, or as its eigenpairs of largest
/// `|lambda|`, either a fixed number of them or as many as a relative Frobenius residual
/// `||S - S_r||_F / ||S||_F = sqrt(sum of dropped lambda^2 / sum of all lambda^2)` allows.
///
/// Text form (profiles, CLI): `dense`, `rank:R`, `residual:EPS`.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub enum SllApprox {
    /// The dense `n x n` matrix (`O(n^2 d)` per step; exact).
    #[default]
    Dense,
    /// The `r` eigenpairs of largest `|lambda|` (`r >= 1`).
    Rank(usize),
    /// The fewest eigenpairs of largest `|lambda|` whose relative Frobenius residual is at most
    /// `eps` (`0 <= eps < 1`); `eps = 1e-6` keeps an exactly low-rank matrix's rank.
    Residual(f64),
}

impl SllApprox {
    /// Checks the parameter: `Rank(r)` needs `r >= 1`, `Residual(eps)` a finite `eps` in `[0, 1)`.
    ///
    /// # Errors
    /// [`BaselineError::InvalidSllApprox`].
    pub fn check(self) -> Result<Self, BaselineError> {
        match self {
            SllApprox::Rank(0) => Err(BaselineError::InvalidSllApprox {
                value: self.to_string(),
                reason: "the rank must be at least 1",
            }),
            SllApprox::Residual(eps) if !(eps.is_finite() && (0.0..1.0).contains(&eps)) => {
                Err(BaselineError::InvalidSllApprox {
                    value: self.to_string(),
                    reason: "the relative Frobenius residual ||S - S_r||_F / ||S||_F must be \
                             finite and in [0, 1)",
                })
            }
            ok => Ok(ok),
        }
    }
}

impl fmt::Display for SllApprox {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SllApprox::Dense => write!(f, "dense"),
            SllApprox::Rank(r) => write!(f, "rank:{r}"),
            SllApprox::Residual(eps) => write!(f, "residual:{eps:e}"),
        }
    }
}

impl FromStr for SllApprox {
    type Err = BaselineError;

    /// Parses `dense`, `rank:R` or `residual:EPS` and [checks](SllApprox::check) the value.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let err = |reason: String| BaselineError::ParseSllApprox {
            text: text.to_string(),
            reason,
        };
        let approx = match text.trim().split_once(':') {
            None if text.trim() == "dense" => SllApprox::Dense,
            Some(("rank", r)) => SllApprox::Rank(
                r.trim()
                    .parse()
                    .map_err(|e| err(format!("rank {r:?}: {e}")))?,
            ),
            Some(("residual", eps)) => SllApprox::Residual(
                eps.trim()
                    .parse()
                    .map_err(|e| err(format!("residual {eps:?}: {e}")))?,
            ),
            _ => return Err(err("unknown form".to_string())),
        };
        approx.check().map_err(|e| err(e.to_string()))
    }
}

/// The eigenpairs of largest `|lambda|` of a symmetric S and what they leave out.
#[derive(Debug, Clone, PartialEq)]
pub struct LowRank {
    /// The kept pairs sorted by `|lambda|` descending: `values` `[r]`, `vectors` `[n, r]`.
    pub eigen: Eigen,
    /// `||S - S_r||_F / ||S||_F` (0 for `S = 0`).
    pub residual: f64,
    /// `mean(S^2)` over the `n^2` entries of S (the regularizer's constant term).
    pub mean_s2: f64,
}

impl LowRank {
    /// The factors in f32 for SimEc: `U` row-major `[n, r]` and `lambda` `[r]`.
    pub fn factors_f32(&self) -> (Vec<f32>, Vec<f32>) {
        let v = &self.eigen.vectors;
        let (n, r) = v.shape();
        let u = (0..n * r).map(|i| v[(i / r, i % r)] as f32).collect();
        let lambda = self.eigen.values.iter().map(|&l| l as f32).collect();
        (u, lambda)
    }
}

/// The low-rank factors `approx` asks for of a symmetric `n x n` matrix `s`, or `None` for
/// [`SllApprox::Dense`].
///
/// `Rank(r)` with `2 r <= n` takes the `r` largest and `r` smallest eigenpairs
/// ([`symmetric_eigen_top_k`] / [`symmetric_eigen_bottom_k`]: block Krylov or `dsyevr`) and keeps
/// the `r` of largest `|lambda|` among them (which are the `r` of largest `|lambda|` of S); the
/// residual then comes from `||S||_F^2 = sum of all lambda^2`. A larger `r` and `Residual(eps)`
/// use the full decomposition ([`symmetric_eigen_full`], `dsyevd`).
///
/// # Errors
/// As [`symmetric_eigen_full`], plus [`SllApprox::check`]'s errors and
/// [`BaselineError::InvalidK`] for `r > n`.
pub fn s_ll_low_rank(
    s: &DMatrix<f64>,
    approx: SllApprox,
) -> Result<Option<LowRank>, BaselineError> {
    let approx = approx.check()?;
    check_symmetric("S_ll", s)?;
    let n = s.nrows();
    let fro_sq: f64 = s.iter().map(|v| v * v).sum();
    let mean_s2 = fro_sq / (n as f64 * n as f64);
    match approx {
        SllApprox::Dense => Ok(None),
        SllApprox::Rank(r) if 2 * r <= n => {
            let top = symmetric_eigen_top_k(s, r)?;
            let bottom = symmetric_eigen_bottom_k(s, r)?;
            let both = Eigen {
                values: DVector::from_iterator(
                    2 * r,
                    top.values.iter().chain(&bottom.values).copied(),
                ),
                vectors: DMatrix::from_columns(
                    &top.vectors
                        .column_iter()
                        .chain(bottom.vectors.column_iter())
                        .collect::<Vec<_>>(),
                ),
            };
            let eigen = both.select_abs_largest(r)?;
            let kept: f64 = eigen.values.iter().map(|l| l * l).sum();
            Ok(Some(LowRank {
                eigen,
                residual: relative_residual(fro_sq - kept, fro_sq),
                mean_s2,
            }))
        }
        _ => low_rank_from_eigen(&symmetric_eigen_full(s)?, approx, mean_s2),
    }
}

/// [`s_ll_low_rank`] from eigenpairs already at hand: `eig` must hold every nonzero eigenpair of
/// S (a full decomposition, or, e.g., the positive pairs of a matrix that is the positive part of
/// another); the residual is relative to the sum of its `lambda^2`. `mean_s2` is `mean(S^2)`
/// (`sum lambda^2 / n^2` for an exact decomposition), passed through.
///
/// # Errors
/// [`SllApprox::check`]'s errors, [`BaselineError::InvalidK`] for `r` beyond the pairs held.
pub fn low_rank_from_eigen(
    eig: &Eigen,
    approx: SllApprox,
    mean_s2: f64,
) -> Result<Option<LowRank>, BaselineError> {
    let len = eig.len();
    let sorted = eig.select_abs_largest(len)?;
    let squares: Vec<f64> = sorted.values.iter().map(|l| l * l).collect();
    let fro_sq: f64 = squares.iter().sum();
    // tail[j] = sum of the squares dropped when keeping the first j pairs (summed from the
    // smallest up, so that tiny tails are not lost against the total).
    let mut tail = vec![0.0; len + 1];
    for j in (0..len).rev() {
        tail[j] = tail[j + 1] + squares[j];
    }
    let r = match approx.check()? {
        SllApprox::Dense => return Ok(None),
        SllApprox::Rank(r) => {
            check_k("S_ll rank", r, len)?;
            r
        }
        SllApprox::Residual(eps) => (1..=len)
            .find(|&j| relative_residual(tail[j], fro_sq) <= eps)
            .unwrap_or(len),
    };
    let eigen = sorted.select(&(0..r).collect::<Vec<_>>());
    Ok(Some(LowRank {
        eigen,
        residual: relative_residual(tail[r], fro_sq),
        mean_s2,
    }))
}

/// `sqrt(dropped / total)`, 0 when `total` is 0 (or `dropped` negative by rounding).
fn relative_residual(dropped: f64, total: f64) -> f64 {
    if total > 0.0 {
        (dropped.max(0.0) / total).sqrt()
    } else {
        0.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `V diag(lambda) V^T` with `V` the first columns of a fixed orthonormal basis of `R^n`
    /// (Householder reflection of the identity).
    fn spectral(n: usize, lambda: &[f64]) -> DMatrix<f64> {
        let v = DVector::from_fn(n, |i, _| ((i * 7 + 3) % 11) as f64 - 5.0).normalize();
        let q = DMatrix::identity(n, n) - 2.0 * &v * v.transpose(); // orthogonal, symmetric
        let mut s = DMatrix::zeros(n, n);
        for (j, &l) in lambda.iter().enumerate() {
            s += l * q.column(j) * q.column(j).transpose();
        }
        (&s + s.transpose()) * 0.5
    }

    #[test]
    fn residual_threshold_finds_the_exact_rank_of_an_indefinite_matrix() {
        let lambda = [3.0, -2.5, 1.0, -0.5, 0.25];
        let s = spectral(40, &lambda);
        let lr = s_ll_low_rank(&s, SllApprox::Residual(1e-6))
            .unwrap()
            .unwrap();
        assert_eq!(lr.eigen.len(), 5);
        assert!(lr.residual < 1e-12, "residual {}", lr.residual);
        // Sorted by |lambda|, signs kept, and V diag(lambda) V^T rebuilds S.
        for (got, want) in lr.eigen.values.iter().zip(lambda) {
            assert!((got - want).abs() < 1e-12, "{got} vs {want}");
        }
        let v = &lr.eigen.vectors;
        let rebuilt = v * DMatrix::from_diagonal(&lr.eigen.values) * v.transpose();
        assert!((rebuilt - &s).amax() < 1e-12);
        let mean_s2 = s.iter().map(|x| x * x).sum::<f64>() / 1600.0;
        assert!((lr.mean_s2 - mean_s2).abs() < 1e-15);
    }

    #[test]
    fn rank_keeps_the_largest_magnitudes_and_reports_the_dropped_share() {
        let lambda = [3.0, -2.5, 1.0, -0.5, 0.25];
        let s = spectral(40, &lambda);
        let total: f64 = lambda.iter().map(|l| l * l).sum();
        // 2 r <= n: top-k and bottom-k merged; 2 r > n on a small matrix: the full path.
        for (s, r) in [(s.clone(), 3), (spectral(5, &lambda), 3)] {
            let lr = s_ll_low_rank(&s, SllApprox::Rank(r)).unwrap().unwrap();
            let kept: Vec<f64> = lr.eigen.values.iter().copied().collect();
            assert_eq!(kept.len(), 3);
            for (got, want) in kept.iter().zip([3.0, -2.5, 1.0]) {
                assert!((got - want).abs() < 1e-12, "{got} vs {want}");
            }
            let want = ((0.25f64 + 0.0625) / total).sqrt();
            assert!(
                (lr.residual - want).abs() < 1e-12,
                "{} vs {want}",
                lr.residual
            );
        }
        // A looser threshold keeps fewer pairs: the residual of rank 3 is 0.137, of rank 2 0.28.
        let lr = s_ll_low_rank(&s, SllApprox::Residual(0.2))
            .unwrap()
            .unwrap();
        assert_eq!(lr.eigen.len(), 3);
        assert!(s_ll_low_rank(&s, SllApprox::Dense).unwrap().is_none());
    }

    #[test]
    fn bad_choices_are_refused_with_typed_errors() {
        let s = spectral(6, &[1.0]);
        assert!(matches!(
            s_ll_low_rank(&s, SllApprox::Rank(7)),
            Err(BaselineError::InvalidK { k: 7, n: 6, .. })
        ));
        assert!(matches!(
            s_ll_low_rank(&s, SllApprox::Rank(0)),
            Err(BaselineError::InvalidSllApprox { .. })
        ));
        for eps in [1.0, -1e-3, f64::NAN] {
            assert!(matches!(
                SllApprox::Residual(eps).check(),
                Err(BaselineError::InvalidSllApprox { .. })
            ));
        }
        let mut asym = s.clone();
        asym[(0, 1)] += 1.0;
        assert!(matches!(
            s_ll_low_rank(&asym, SllApprox::Rank(1)),
            Err(BaselineError::Asymmetric { .. })
        ));
    }

    #[test]
    fn text_form_round_trips_and_names_bad_input() {
        for a in [
            SllApprox::Dense,
            SllApprox::Rank(9),
            SllApprox::Residual(1e-6),
        ] {
            assert_eq!(a.to_string().parse::<SllApprox>().unwrap(), a);
        }
        assert_eq!(
            " rank: 12 ".parse::<SllApprox>().unwrap(),
            SllApprox::Rank(12)
        );
        for bad in ["rank:0", "rank:x", "residual:2", "low", "residual"] {
            let e = bad.parse::<SllApprox>().unwrap_err();
            assert!(
                matches!(&e, BaselineError::ParseSllApprox { text, .. } if text == bad),
                "{bad}: {e}"
            );
        }
    }
}
