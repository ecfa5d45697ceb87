//! S_ll of the SimEc s_ll term as the figures hand it over: the dense matrix, or the eigenpairs of
//! largest `|lambda|` that a profile's [`SllApprox`] asks for (issue 18: `O(n r d)` per step
//! instead of `O(n^2 d)`; exact where S_ll has exactly low rank).

use anyhow::{Context, Result};
use baselines::{LowRank, SllApprox};
use nalgebra::DMatrix;
use serde::{Deserialize, Deserializer};

use crate::convert::to_simec_block;

/// Reads an [`SllApprox`] from its text form (`"dense"`, `"rank:R"`, `"residual:EPS"`), for
/// `#[serde(deserialize_with)]` in the figure profiles.
///
/// # Errors
/// The text's parse or range error.
pub fn deserialize_approx<'de, D: Deserializer<'de>>(d: D) -> Result<SllApprox, D::Error> {
    let text = String::deserialize(d)?;
    text.parse().map_err(serde::de::Error::custom)
}

/// One S_ll slice ready for simec.
#[derive(Debug, Clone)]
pub enum SllInput {
    /// The dense `n x n` matrix.
    Dense(simec::Matrix),
    /// Its factors, and the relative Frobenius residual `||S - S_r||_F / ||S||_F` they leave.
    Factored {
        /// `U diag(lambda) U^T`.
        factors: simec::SllFactors,
        /// What the truncation leaves out.
        residual: f64,
    },
}

impl SllInput {
    /// The leading `n x n` block of the symmetric `s` (`[m, m]`, `n <= m`), dense or factored as
    /// `approx` asks (a factorization costs one eigendecomposition of the block).
    ///
    /// # Errors
    /// The eigensolver's errors (e.g. an asymmetric block), or bad factors.
    pub fn of_block(s: &DMatrix<f64>, n: usize, approx: SllApprox) -> Result<Self> {
        if approx == SllApprox::Dense {
            return Ok(SllInput::Dense(to_simec_block(s, 0..n, 0..n))); // [n, n]
        }
        let block = s.view((0, 0), (n, n)).into_owned(); // [n, n]
        let low_rank = baselines::s_ll_low_rank(&block, approx)
            .with_context(|| format!("factoring S_ll ({n} x {n}) as {approx}"))?
            .context("a non-dense S_ll choice gave no factors")?;
        Self::from_low_rank(&low_rank)
    }

    /// The factored input from eigenpairs at hand.
    ///
    /// # Errors
    /// Non-finite factors.
    pub fn from_low_rank(low_rank: &LowRank) -> Result<Self> {
        let (n, r) = low_rank.eigen.vectors.shape();
        let (u, lambda) = low_rank.factors_f32();
        let factors =
            simec::SllFactorsParams::new(simec::Matrix::new(n, r, u)?, lambda, low_rank.mean_s2)
                .check()?;
        Ok(SllInput::Factored {
            factors,
            residual: low_rank.residual,
        })
    }

    /// The part simec takes.
    pub fn part(&self) -> simec::SllPart<'_> {
        match self {
            SllInput::Dense(m) => simec::SllPart::Dense(m),
            SllInput::Factored { factors, .. } => simec::SllPart::Factored(factors),
        }
    }

    /// One line for the run's notes: `dense n x n` or `rank r of n (residual ...)`.
    pub fn describe(&self) -> String {
        match self {
            SllInput::Dense(m) => format!("dense {} x {}", m.rows(), m.cols()),
            SllInput::Factored { factors, residual } => format!(
                "rank {} of {} (relative Frobenius residual {residual:.2e})",
                factors.rank(),
                factors.n()
            ),
        }
    }
}
