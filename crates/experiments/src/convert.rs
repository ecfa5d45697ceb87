//! Conversions between the baselines' f64 `nalgebra` matrices (column-major) and the SimEc
//! crate's row-major f32 [`simec::Matrix`].

use nalgebra::DMatrix;

/// Rows `rows` x columns `cols` of `m` as a row-major f32 [`simec::Matrix`]
/// (shape `[rows.len(), cols.len()]`).
pub fn to_simec_block(
    m: &DMatrix<f64>,
    rows: std::ops::Range<usize>,
    cols: std::ops::Range<usize>,
) -> simec::Matrix {
    let (r0, c0) = (rows.start, cols.start);
    simec::Matrix::from_fn(rows.len(), cols.len(), |r, c| m[(r0 + r, c0 + c)] as f32)
}

/// All of `m` as a row-major f32 [`simec::Matrix`] (same shape).
pub fn to_simec(m: &DMatrix<f64>) -> simec::Matrix {
    to_simec_block(m, 0..m.nrows(), 0..m.ncols())
}

/// A [`simec::Matrix`] as an f64 `DMatrix` (same shape).
pub fn from_simec(m: &simec::Matrix) -> DMatrix<f64> {
    let cols = m.cols();
    let data = m.data();
    DMatrix::from_fn(m.rows(), cols, |r, c| f64::from(data[r * cols + c]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_keeps_layout() {
        let m = DMatrix::from_fn(3, 4, |r, c| (10 * r + c) as f64);
        let s = to_simec(&m);
        assert_eq!(s.get(2, 1), 21.0);
        assert_eq!(from_simec(&s), m);
        let b = to_simec_block(&m, 1..3, 2..4);
        assert_eq!(
            (b.rows(), b.cols(), b.get(0, 0), b.get(1, 1)),
            (2, 2, 12.0, 23.0)
        );
    }
}
