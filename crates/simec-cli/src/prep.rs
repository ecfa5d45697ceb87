//! Small data preparation steps of the command-line tool: parsing `--hidden`, feature
//! centering, the validation split, S_ll from the targets, and orienting a frozen last layer.

use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::SeedableRng;
use simec::{Activation, HiddenLayer, Matrix};

/// A bad command-line value.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PrepError {
    /// `--hidden` does not parse.
    #[error(
        "--hidden {spec:?}: {reason}; expected comma-separated UNITS[:ACTIVATION] layers, e.g. \
         200:tanh,100:tanh (activations: tanh, relu, sigmoid, linear; default tanh), or none"
    )]
    Hidden {
        /// The whole value.
        spec: String,
        /// What is wrong.
        reason: String,
    },
    /// A validation fraction that leaves no training or no validation row.
    #[error("--validation-fraction {fraction}: {reason}")]
    ValidationFraction {
        /// The value.
        fraction: f64,
        /// What is wrong.
        reason: String,
    },
}

/// The value of `--hidden`: the hidden layers, input side first.
#[derive(Debug, Clone, PartialEq)]
pub struct HiddenLayers(pub Vec<HiddenLayer>);

impl std::str::FromStr for HiddenLayers {
    type Err = PrepError;

    /// See [`parse_hidden`].
    fn from_str(spec: &str) -> Result<Self, PrepError> {
        parse_hidden(spec).map(HiddenLayers)
    }
}

/// Parses `--hidden`: `200:tanh,100:relu`, `64` (tanh), or `none` / empty (no hidden layer);
/// activations by [`Activation`]'s `FromStr`.
pub fn parse_hidden(spec: &str) -> Result<Vec<HiddenLayer>, PrepError> {
    let t = spec.trim();
    if t.is_empty() || t.eq_ignore_ascii_case("none") {
        return Ok(Vec::new());
    }
    let err = |reason: String| PrepError::Hidden {
        spec: spec.to_string(),
        reason,
    };
    t.split(',')
        .enumerate()
        .map(|(i, layer)| {
            let layer = layer.trim();
            let (units, act) = match layer.split_once(':') {
                Some((u, a)) => (u.trim(), Some(a.trim())),
                None => (layer, None),
            };
            let units: usize = units
                .parse()
                .map_err(|_| err(format!("layer {}: {units:?} is not a unit count", i + 1)))?;
            if units == 0 {
                return Err(err(format!("layer {} has 0 units", i + 1)));
            }
            let activation = match act {
                None => Activation::Tanh,
                Some(a) => a
                    .parse::<Activation>()
                    .map_err(|_| err(format!("layer {}: unknown activation {a:?}", i + 1)))?,
            };
            Ok(HiddenLayer::new(units, activation))
        })
        .collect()
}

/// Per-column means of `x` (accumulated in f64, stored as f32).
pub fn column_means(x: &Matrix) -> Vec<f32> {
    let (m, d) = (x.rows(), x.cols());
    let mut sums = vec![0.0f64; d];
    for r in 0..m {
        for (s, v) in sums.iter_mut().zip(x.row(r)) {
            *s += f64::from(*v);
        }
    }
    sums.iter().map(|s| (s / m.max(1) as f64) as f32).collect()
}

/// `x` minus `mean` in every row (`mean.len() == x.cols()`).
pub fn subtract(x: &Matrix, mean: &[f32]) -> Matrix {
    let d = x.cols();
    Matrix::from_fn(x.rows(), d, |r, c| x.row(r)[c] - mean[c])
}

/// The rows `idx` of `m`, in that order.
pub fn select_rows(m: &Matrix, idx: &[usize]) -> Matrix {
    let mut data = Vec::with_capacity(idx.len() * m.cols());
    for &r in idx {
        data.extend_from_slice(m.row(r));
    }
    Matrix::from_fn(idx.len(), m.cols(), |r, c| data[r * m.cols() + c])
}

/// `m^T`.
pub fn transpose(m: &Matrix) -> Matrix {
    let cols = m.cols();
    let data = m.data();
    Matrix::from_fn(cols, m.rows(), |r, c| data[c * cols + r])
}

/// Training and validation row indices: `round(fraction * m)` rows drawn at random (seeded)
/// for validation, both lists in increasing order. `fraction = 0` keeps every row for training.
pub fn split_rows(
    m: usize,
    fraction: f64,
    seed: u64,
) -> Result<(Vec<usize>, Vec<usize>), PrepError> {
    let bad = |reason: String| PrepError::ValidationFraction { fraction, reason };
    if !(0.0..1.0).contains(&fraction) {
        return Err(bad("must be in [0, 1)".to_string()));
    }
    let n_val = (fraction * m as f64).round() as usize;
    if fraction > 0.0 && n_val == 0 {
        return Err(bad(format!(
            "holds out no row of {m} (round({fraction} * {m}) = 0); use a larger fraction"
        )));
    }
    if n_val >= m {
        return Err(bad(format!("leaves no training row of {m}")));
    }
    let mut order: Vec<usize> = (0..m).collect();
    // A stream of its own, so that the split does not depend on the training's draws.
    order.shuffle(&mut StdRng::seed_from_u64(seed ^ 0x5EC0_5EC0_5EC0_5EC0));
    let mut val = order[..n_val].to_vec();
    let mut train = order[n_val..].to_vec();
    val.sort_unstable();
    train.sort_unstable();
    Ok((train, val))
}

/// The S_ll of each of `k` slices from the first `n` rows of `targets` (`m x (k n)`): slice j
/// is rows `0..n` of column block j. `None` when `targets` has fewer than `n` rows.
pub fn s_ll_from_targets(targets: &Matrix, k: usize) -> Option<Vec<Matrix>> {
    let n = targets.cols() / k.max(1);
    if targets.rows() < n || n == 0 {
        return None;
    }
    Some(
        (0..k)
            .map(|j| Matrix::from_fn(n, n, |r, c| targets.row(r)[j * n + c]))
            .collect(),
    )
}

/// Splits an `n x (k n)` S_ll file into its `k` square blocks.
pub fn s_ll_blocks(s: &Matrix, k: usize) -> Vec<Matrix> {
    let n = s.rows();
    (0..k)
        .map(|j| Matrix::from_fn(n, n, |r, c| s.row(r)[j * n + c]))
        .collect()
}

/// How a frozen-last-layer file maps onto `W_l` (`d x cols`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Orientation {
    /// The file is `d x cols`.
    AsIs,
    /// The file is `cols x d` (e.g. an embedding written by `simec transform`).
    Transposed,
}

/// Whether an `rows x cols` file is `W_l` (`d x n_out`) or its transpose; `None` if neither.
/// A square file (`d = n_out`) is taken as is.
pub fn orient_last_layer(rows: usize, cols: usize, d: usize, n_out: usize) -> Option<Orientation> {
    if rows == d && cols == n_out {
        Some(Orientation::AsIs)
    } else if rows == n_out && cols == d {
        Some(Orientation::Transposed)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hidden_specs() {
        assert_eq!(parse_hidden("none").unwrap(), vec![]);
        assert_eq!(parse_hidden("").unwrap(), vec![]);
        assert_eq!(
            parse_hidden("200:tanh, 100:RELU,7").unwrap(),
            vec![
                HiddenLayer::new(200, Activation::Tanh),
                HiddenLayer::new(100, Activation::Relu),
                HiddenLayer::new(7, Activation::Tanh),
            ]
        );
        for bad in ["0:tanh", "x:tanh", "10:softmax", "10,,5", "-3"] {
            assert!(parse_hidden(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn split_is_seeded_disjoint_and_sorted() {
        let (t, v) = split_rows(10, 0.3, 1).unwrap();
        assert_eq!((t.len(), v.len()), (7, 3));
        let mut all: Vec<usize> = t.iter().chain(&v).copied().collect();
        all.sort_unstable();
        assert_eq!(all, (0..10).collect::<Vec<_>>());
        assert!(v.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(split_rows(10, 0.3, 1).unwrap(), (t, v));
        assert_eq!(split_rows(5, 0.0, 1).unwrap().1, Vec::<usize>::new());
        assert!(split_rows(5, 0.05, 1).is_err());
        assert!(split_rows(5, 1.0, 1).is_err());
        assert!(split_rows(5, -0.1, 1).is_err());
        assert!(split_rows(5, f64::NAN, 1).is_err());
    }

    #[test]
    fn centering_transpose_and_blocks() {
        let x = Matrix::from_fn(3, 2, |r, c| (r * 2 + c) as f32);
        let mu = column_means(&x);
        assert_eq!(mu, vec![2.0, 3.0]);
        assert_eq!(subtract(&x, &mu).row(0), &[-2.0, -2.0]);
        assert_eq!(transpose(&x).row(1), &[1.0, 3.0, 5.0]);
        assert_eq!(select_rows(&x, &[2, 0]).data(), &[4.0, 5.0, 0.0, 1.0]);
        let t = Matrix::from_fn(5, 4, |r, c| (10 * r + c) as f32);
        let s = s_ll_from_targets(&t, 2).unwrap();
        assert_eq!(s[1].data(), &[2.0, 3.0, 12.0, 13.0]);
        assert!(s_ll_from_targets(&Matrix::from_fn(2, 3, |_, _| 0.0), 1).is_none());
        assert_eq!(
            s_ll_blocks(&Matrix::from_fn(2, 4, |r, c| (r * 4 + c) as f32), 2)[1].data(),
            &[2.0, 3.0, 6.0, 7.0]
        );
        assert_eq!(orient_last_layer(3, 8, 3, 8), Some(Orientation::AsIs));
        assert_eq!(orient_last_layer(8, 3, 3, 8), Some(Orientation::Transposed));
        assert_eq!(orient_last_layer(4, 8, 3, 8), None);
    }
}
