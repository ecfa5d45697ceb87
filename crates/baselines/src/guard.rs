//! An independent check that the extreme eigenpairs an iterative solver returned are really the
//! extreme ones (crate-private; used by the block Krylov solver and [`crate::general_eigen_top`]).
//!
//! A Krylov or subspace solver started from a fixed block can return genuine eigenpairs that are
//! not the wanted ones: when a leading eigenvector is (numerically) orthogonal to the start block,
//! the iteration never sees it, and every residual test passes. The check runs a short block
//! Krylov iteration on the deflated operator `P A P`, `P = I - U U^T` (`U` an orthonormal basis of
//! the returned eigenvectors), from a Gaussian start block drawn from its own seed: the Ritz values
//! of the projection `H = Q^T A Q` (`Q` an orthonormal basis of that Krylov space, orthogonal to
//! `U`) lie in the spectrum's range of `P A P` on `span(U)^⊥`, so a Ritz value beyond the `k`-th
//! returned eigenvalue shows an eigenvalue the solver missed.

use nalgebra::DMatrix;
use rand_mt::Mt64;

use crate::blas::gemm_slices;
use crate::krylov::orthonormalize_block;
use crate::BaselineError;

/// Width `w` of the check's Gaussian start block.
pub(crate) const GUARD_WIDTH: usize = 16;

/// Block Krylov steps `t` of the check (products of `A` with an `[n, w]` block).
pub(crate) const GUARD_STEPS: usize = 3;

/// Margin of the symmetric check, relative to the largest `|eigenvalue|`: a thousand times the
/// Krylov solver's residual tolerance (1e-12), far above the rounding of the deflated Ritz values,
/// far below any gap worth resolving.
pub(crate) const GUARD_MARGIN: f64 = 1e-9;

/// Margin of the general (non-symmetric) check, relative to `|lambda_1|`: wider than
/// [`GUARD_MARGIN`] because Ritz values of a non-normal matrix approach the eigenvalues less
/// tightly.
pub(crate) const GENERAL_GUARD_MARGIN: f64 = 1e-6;

/// Seed of the check's start block (independent of the solvers' start blocks).
pub(crate) const GUARD_SEED: u64 = 0x6A4D_D0C5;

/// The check's `(w, t)` for a complement of `rest = n - k` dimensions: [`GUARD_WIDTH`] x
/// [`GUARD_STEPS`] when they fit, a narrower block when not, and the whole complement in one step
/// (an exact check) when it has fewer than [`GUARD_STEPS`] dimensions; `None` when `rest = 0`
/// (nothing can be missed).
pub(crate) fn guard_shape(rest: usize) -> Option<(usize, usize)> {
    match rest {
        0 => None,
        r if r >= GUARD_WIDTH * GUARD_STEPS => Some((GUARD_WIDTH, GUARD_STEPS)),
        r if r >= GUARD_STEPS => Some((r / GUARD_STEPS, GUARD_STEPS)),
        r => Some((r, 1)),
    }
}

/// The projection `H = Q^T (sign A) Q` (`[w t, w t]`, not symmetrized) of `sign A` onto an
/// orthonormal basis `Q` (`[n, w t]`) of the block Krylov space `K_t(P (sign A) P, P G)`, where
/// `P = I - U U^T`, `G` is an `[n, w]` standard Gaussian block drawn from `Mt64::new(seed)`, and `Q`
/// is kept orthogonal to `U` (block Gram-Schmidt twice and a QR per block, as the Krylov solver
/// does). Since `Q ⊥ U`, `H = Q^T P (sign A) P Q`.
///
/// `a`: `[n, n]` column-major; `u`: `[n, k]` column-major with orthonormal columns; `w t <= n - k`.
/// Returns `Ok(None)` when the basis could not be kept orthonormal (practically never; the caller
/// then treats the check as failed).
///
/// # Errors
/// [`BaselineError::TooLarge`] for sizes beyond BLAS integers.
pub(crate) fn deflated_projection(
    a: &[f64],
    n: usize,
    sign: f64,
    u: &[f64],
    width: usize,
    steps: usize,
    seed: u64,
) -> Result<Option<DMatrix<f64>>, BaselineError> {
    let k = u.len() / n;
    let s = width * steps;
    assert!(
        a.len() == n * n && u.len() == n * k && k + s <= n,
        "deflated_projection: [{n}, {k}] basis, {width} x {steps} block, matrix of {} entries",
        a.len()
    );
    let mut v = vec![0.0_f64; n * (k + s)]; // [U, Q_0, .., Q_{t-1}]: [n, k + s]
    v[..n * k].copy_from_slice(u);
    let mut w = vec![0.0_f64; n * s]; // sign A Q: [n, s]
    let mut rng = Mt64::new(seed);
    fill_gaussian(&mut v[n * k..n * (k + width)], &mut rng);
    for j in 0..steps {
        let done = k + j * width;
        if j > 0 {
            // Q_j = orth(sign A Q_{j-1}) against U, Q_0..Q_{j-1}.
            v[done * n..(done + width) * n].copy_from_slice(&w[(j - 1) * width * n..j * width * n]);
        }
        if !orthonormalize_block(&mut v, n, done, width, &mut rng)? {
            return Ok(None);
        }
        let q_j = &v[done * n..(done + width) * n];
        let w_j = &mut w[j * width * n..(j + 1) * width * n];
        gemm_slices(false, false, n, width, n, sign, a, q_j, 0.0, w_j)?;
    }
    let mut h = vec![0.0_f64; s * s];
    gemm_slices(true, false, s, s, n, 1.0, &v[k * n..], &w, 0.0, &mut h)?;
    Ok(Some(DMatrix::from_vec(s, s, h)))
}

/// Fills `x` with standard normal values (Box-Muller on 53-bit uniforms in `(0, 1]`), so that
/// each column's direction is uniform on the sphere, as the probabilistic bounds assume.
fn fill_gaussian(x: &mut [f64], rng: &mut Mt64) {
    let mut uniform = || ((rng.next_u64() >> 11) + 1) as f64 / (1u64 << 53) as f64;
    for pair in x.chunks_mut(2) {
        let (r, phi) = (
            (-2.0 * uniform().ln()).sqrt(),
            std::f64::consts::TAU * uniform(),
        );
        pair[0] = r * phi.cos();
        if let Some(second) = pair.get_mut(1) {
            *second = r * phi.sin();
        }
    }
}

/// `H D H` for the Householder reflection `H` that maps `e_1` to the unit vector `u1`: a symmetric
/// matrix with eigenvalues `d` whose eigenvector of `d[0]` is `u1` (`H e_j` that of `d[j]`),
/// built in `O(n^2)`. `[n, n]`. Test helper for the missed-eigenvalue constructions.
#[cfg(test)]
pub(crate) fn with_leading_eigenvector(
    d: &nalgebra::DVector<f64>,
    u1: &nalgebra::DVector<f64>,
) -> DMatrix<f64> {
    let n = d.len();
    let mut h = -u1; // h = e_1 - u1, H = I - beta h h^T
    h[0] += 1.0;
    let beta = 2.0 / h.norm_squared();
    let dh = d.component_mul(&h);
    let hdh = h.dot(&dh);
    DMatrix::from_fn(n, n, |i, j| {
        let diag = if i == j { d[i] } else { 0.0 };
        diag - beta * (h[i] * dh[j] + dh[i] * h[j]) + beta * beta * hdh * h[i] * h[j]
    })
}

/// The issue's spectrum: `1.0, 0.99, .., 0.88` and `n - 13` more uniform in `[0, 0.3]` (from
/// `Mt64::new(seed)`), times `sign`. `[n]`.
#[cfg(test)]
pub(crate) fn issue_spectrum(n: usize, sign: f64, seed: u64) -> nalgebra::DVector<f64> {
    let mut rng = Mt64::new(seed);
    nalgebra::DVector::from_fn(n, |i, _| {
        sign * if i < 13 {
            1.0 - 0.01 * i as f64
        } else {
            0.3 * (rng.next_u64() >> 11) as f64 / 2f64.powi(53)
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_reflected_diagonal_has_the_given_spectrum_and_leading_eigenvector() {
        let n = 40;
        let d = issue_spectrum(n, 1.0, 5);
        let mut u1 = nalgebra::DVector::from_fn(n, |i, _| ((i * 7) % 5) as f64 - 2.0);
        u1.normalize_mut();
        let a = with_leading_eigenvector(&d, &u1);
        assert!((&a - a.transpose()).amax() < 1e-14);
        assert!((&a * &u1 - &u1 * d[0]).amax() < 1e-14);
        let mut got: Vec<f64> = a.symmetric_eigenvalues().iter().copied().collect();
        got.sort_by(|x, y| y.total_cmp(x));
        let mut want: Vec<f64> = d.iter().copied().collect();
        want.sort_by(|x, y| y.total_cmp(x));
        for (g, w) in got.iter().zip(&want) {
            assert!((g - w).abs() < 1e-13, "{g} vs {w}");
        }
    }

    #[test]
    fn the_check_shape_fits_the_complement() {
        assert_eq!(guard_shape(0), None);
        assert_eq!(guard_shape(1000), Some((GUARD_WIDTH, GUARD_STEPS)));
        assert_eq!(guard_shape(GUARD_STEPS * 5 + 1), Some((5, GUARD_STEPS)));
        assert_eq!(guard_shape(GUARD_STEPS - 1), Some((GUARD_STEPS - 1, 1)));
    }

    #[test]
    fn the_deflated_ritz_values_lie_in_the_complement_spectrum_and_find_its_top() {
        // Diagonal A: 10 and 9 deflated (U = e_1, e_2), 8 standing out of the rest in [0, 1].
        let n = 80;
        let diag = |i: usize| match i {
            0 => 10.0,
            1 => 9.0,
            2 => 8.0,
            _ => ((i * 37) % 79) as f64 / 79.0,
        };
        let a = DMatrix::from_fn(n, n, |i, j| if i == j { diag(i) } else { 0.0 });
        let mut u = vec![0.0; n * 2];
        u[0] = 1.0;
        u[n + 1] = 1.0;
        let h = deflated_projection(a.as_slice(), n, 1.0, &u, 4, 3, 7)
            .unwrap()
            .unwrap();
        assert_eq!(h.shape(), (12, 12));
        let ritz = ((&h + h.transpose()) * 0.5).symmetric_eigenvalues();
        // Rayleigh-Ritz on span(U)^⊥: every Ritz value within [0, 8], the largest near 8 after
        // three block steps (the Krylov polynomial of degree 2 damps [0, 1] by about 1e-4).
        assert!(ritz.max() <= 8.0 + 1e-12, "{}", ritz.max());
        assert!(ritz.min() >= -1e-12, "{}", ritz.min());
        assert!(ritz.max() > 8.0 - 1e-2, "{}", ritz.max());
        // sign = -1: the projection of -A, whose top on the complement is 0 at most.
        let neg = deflated_projection(a.as_slice(), n, -1.0, &u, 4, 3, 7)
            .unwrap()
            .unwrap();
        assert!(
            ((&neg + neg.transpose()) * 0.5)
                .symmetric_eigenvalues()
                .max()
                <= 1e-12
        );
    }

    #[test]
    fn gaussian_draws_have_unit_variance_and_zero_mean() {
        let mut x = vec![0.0; 20_001];
        fill_gaussian(&mut x, &mut Mt64::new(3));
        let n = x.len() as f64;
        let mean = x.iter().sum::<f64>() / n;
        let var = x.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n;
        // Standard errors: 1 / sqrt(n) = 0.007 for the mean, sqrt(2 / n) = 0.01 for the variance.
        assert!(mean.abs() < 0.03, "{mean}");
        assert!((var - 1.0).abs() < 0.05, "{var}");
        assert!(x.iter().all(|v| v.is_finite()));
    }
}
