//! Figure 7's split of an indefinite similarity `S = V D V^T` by eigenvalue sign into
//! `S = S1 - S2` and its normalization (paper section 4.3, PAPER_SETUP.md "Figures 5-7"):
//! `S1 = V+ D+ V+^T`, `S2 = V- |D-| V-^T`; each divided by its largest eigenvalue
//! (`lambda_max(S)`, `|lambda_min(S)|`); then both divided by the largest absolute entry of the
//! stack `[S1, S2]`. `S1`, `S2` and `S1 + S2` keep `S`'s eigenvectors, so their eigenpairs come
//! from `S`'s decomposition ([`part_eigen`]) without another eigendecomposition.

use anyhow::{ensure, Result};
use baselines::Eigen;
use nalgebra::{DMatrix, DVector};

/// A matrix of Figure 7: S1, S2, or their sum (all normalized).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    /// The positive part `S1`.
    S1,
    /// The negative part `S2` (`S = S1 - S2`).
    S2,
    /// `S1 + S2 = V |D| V^T` (normalized parts).
    Sum,
}

impl Part {
    /// The name used in series ids: `S1`, `S2`, `S1plusS2`.
    pub fn name(self) -> &'static str {
        match self {
            Part::S1 => "S1",
            Part::S2 => "S2",
            Part::Sum => "S1plusS2",
        }
    }
}

/// Figure 7's scale factors: `S1_norm = S1 / (lambda1 * max_abs)`, `S2_norm = S2 / (lambda2 *
/// max_abs)`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Normalization {
    /// Largest eigenvalue of S1 (= `lambda_max(S)`).
    pub lambda1: f64,
    /// Largest eigenvalue of S2 (= `|lambda_min(S)|`).
    pub lambda2: f64,
    /// Largest absolute entry of the stack `[S1 / lambda1, S2 / lambda2]`.
    pub max_abs: f64,
}

impl Normalization {
    /// The factor turning S1 into its normalized form.
    pub fn scale1(&self) -> f64 {
        1.0 / (self.lambda1 * self.max_abs)
    }

    /// The factor turning S2 into its normalized form.
    pub fn scale2(&self) -> f64 {
        1.0 / (self.lambda2 * self.max_abs)
    }

    /// The eigenvalue of the normalized `part` belonging to `S`'s eigenpair with eigenvalue
    /// `lambda` (0 where the pair lies in the other part).
    pub fn part_eigenvalue(&self, part: Part, lambda: f64) -> f64 {
        let pos = lambda.max(0.0) * self.scale1();
        let neg = (-lambda).max(0.0) * self.scale2();
        match part {
            Part::S1 => pos,
            Part::S2 => neg,
            Part::Sum => pos + neg,
        }
    }
}

/// Figure 7's normalized S1 and S2.
pub struct NormalizedParts {
    /// Normalized S1, `[m, m]`.
    pub s1: DMatrix<f64>,
    /// Normalized S2, `[m, m]`.
    pub s2: DMatrix<f64>,
    /// The scale factors applied.
    pub norm: Normalization,
}

impl NormalizedParts {
    /// The normalized `S1 + S2`, `[m, m]` (a new matrix).
    pub fn sum(&self) -> DMatrix<f64> {
        &self.s1 + &self.s2 // [m, m]
    }

    /// One line with the scale factors.
    pub fn summary(&self) -> String {
        let n = &self.norm;
        format!(
            "normalization: S1 / {:.4} (largest eigenvalue), S2 / {:.4}; then both / {:.6} (max \
             |entry| of the stack)",
            n.lambda1, n.lambda2, n.max_abs
        )
    }
}

/// Figure 7's normalized S1 and S2 from the full decomposition of `S` (see module docs).
///
/// # Errors
/// `S` without a positive or without a negative eigenvalue (a part would be 0 and cannot be
/// normalized).
pub fn normalized_parts(eig: &Eigen) -> Result<NormalizedParts> {
    ensure!(!eig.is_empty(), "empty eigendecomposition");
    let lambda1 = eig.values.max();
    let lambda2 = -eig.values.min();
    ensure!(
        lambda1 > 0.0 && lambda2 > 0.0,
        "S needs both positive and negative eigenvalues for Figure 7's normalization (largest \
         {lambda1}, most negative {})",
        -lambda2
    );
    let (mut s1, mut s2) = baselines::split_by_sign(eig); // [m, m] each
    let max_abs = (s1.amax() / lambda1).max(s2.amax() / lambda2);
    ensure!(
        max_abs.is_finite() && max_abs > 0.0,
        "max |entry| of the stack [S1, S2] is {max_abs}"
    );
    let norm = Normalization {
        lambda1,
        lambda2,
        max_abs,
    };
    s1 *= norm.scale1();
    s2 *= norm.scale2();
    Ok(NormalizedParts { s1, s2, norm })
}

/// The `k` largest eigenpairs of the normalized `part`, eigenvalues descending (ties keep S's
/// order), taken from `S`'s full decomposition `eig` (same eigenvectors; see module docs).
///
/// # Errors
/// `k` not in `1..=eig.len()`.
pub fn part_eigen(eig: &Eigen, norm: &Normalization, part: Part, k: usize) -> Result<Eigen> {
    let len = eig.len();
    ensure!(
        k >= 1 && k <= len,
        "{k} eigenpairs of {} requested, {len} available",
        part.name()
    );
    let mut order: Vec<(usize, f64)> = (0..len)
        .map(|i| (i, norm.part_eigenvalue(part, eig.values[i])))
        .collect();
    order.sort_by(|a, b| b.1.total_cmp(&a.1));
    order.truncate(k);
    let m = eig.vectors.nrows();
    let values = DVector::from_iterator(k, order.iter().map(|&(_, v)| v)); // [k]
    let mut vectors = DMatrix::<f64>::zeros(m, k); // [m, k]
    for (dst, &(src, _)) in order.iter().enumerate() {
        vectors.column_mut(dst).copy_from(&eig.vectors.column(src));
    }
    Ok(Eigen { values, vectors })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn random_symmetric(n: usize, seed: u64) -> DMatrix<f64> {
        let mut state = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 11) as f64 / (1u64 << 53) as f64 - 0.5
        };
        let a = DMatrix::from_fn(n, n, |_, _| next());
        (&a + a.transpose()) * 0.5
    }

    #[test]
    fn parts_before_normalization_recompose_s() {
        let s = random_symmetric(40, 7);
        let eig = baselines::symmetric_eigen_full(&s).unwrap();
        let (s1, s2) = baselines::split_by_sign(&eig);
        assert!((&s1 - &s2 - &s).amax() < 1e-12);
    }

    #[test]
    fn normalization_scales_each_part_and_the_stack() {
        let s = random_symmetric(40, 8);
        let eig = baselines::symmetric_eigen_full(&s).unwrap();
        let (s1, s2) = baselines::split_by_sign(&eig);
        let p = normalized_parts(&eig).unwrap();
        let n = p.norm;
        // Each part divided by its largest eigenvalue, then by the stack's max |entry|.
        assert!((&p.s1 - &s1 * n.scale1()).amax() < 1e-14);
        assert!((&p.s2 - &s2 * n.scale2()).amax() < 1e-14);
        assert!((p.s1.amax().max(p.s2.amax()) - 1.0).abs() < 1e-12);
        // Largest eigenvalues after normalization are 1 / max_abs for both parts.
        let top1 = baselines::symmetric_eigen_top_k(&p.s1, 1).unwrap().values[0];
        let top2 = baselines::symmetric_eigen_top_k(&p.s2, 1).unwrap().values[0];
        assert!((top1 * n.max_abs - 1.0).abs() < 1e-10, "{top1}");
        assert!((top2 * n.max_abs - 1.0).abs() < 1e-10, "{top2}");
        // S1 - S2 is S up to the two scales.
        let back = &p.s1 / n.scale1() - &p.s2 / n.scale2();
        assert!((back - &s).amax() < 1e-12);
    }

    #[test]
    fn part_eigen_matches_a_direct_decomposition() {
        let s = random_symmetric(30, 9);
        let eig = baselines::symmetric_eigen_full(&s).unwrap();
        let p = normalized_parts(&eig).unwrap();
        let sum = p.sum();
        for (part, mat) in [(Part::S1, &p.s1), (Part::S2, &p.s2), (Part::Sum, &sum)] {
            let ours = part_eigen(&eig, &p.norm, part, 5).unwrap();
            let direct = baselines::symmetric_eigen_top_k(mat, 5).unwrap();
            assert!(
                (&ours.values - &direct.values).amax() < 1e-10,
                "{part:?}: {} vs {}",
                ours.values,
                direct.values
            );
            let (a, b) = (ours.embedding(5).unwrap(), direct.embedding(5).unwrap());
            let mse_a = baselines::mse_gram(&a, mat).unwrap();
            let mse_b = baselines::mse_gram(&b, mat).unwrap();
            assert!(
                (mse_a - mse_b).abs() < 1e-12,
                "{part:?}: {mse_a} vs {mse_b}"
            );
        }
        assert!(part_eigen(&eig, &p.norm, Part::S1, 31).is_err());
    }

    #[test]
    fn normalization_needs_both_signs() {
        let a = DMatrix::from_fn(6, 3, |r, c| (r * 3 + c) as f64 / 7.0);
        let psd = &a * a.transpose(); // [6, 6], no negative eigenvalue beyond round-off
        let eig = baselines::symmetric_eigen_full(&psd).unwrap();
        let mut eig_pos = eig.clone();
        eig_pos.values.iter_mut().for_each(|l| *l = l.abs());
        assert!(normalized_parts(&eig_pos).is_err());
    }
}
