//! Property tests of the masked loss ([`crate::training::data_loss`]) over random shapes, masks
//! and values: it equals the keras masked MSE computed by hand in f64, and whatever sits at a
//! masked position changes neither the loss nor its gradient.

use burn::prelude::*;
use proptest::prelude::*;

use crate::data::TargetMask;
use crate::training::data_loss;

fn ad() -> Device {
    Device::flex().autodiff()
}

/// Loss and d loss / d pred (`[rows * cols]`) of `data_loss` on the given row-major data.
fn loss_and_grad(
    pred: &[f32],
    targets: &[f32],
    mask: &[f32],
    rows: usize,
    cols: usize,
) -> (f64, Vec<f32>) {
    let device = ad();
    let p = Tensor::<2>::from_data(TensorData::new(pred.to_vec(), [rows, cols]), &device)
        .require_grad(); // [rows, cols]
    let t = Tensor::<2>::from_data(TensorData::new(targets.to_vec(), [rows, cols]), &device); // [rows, cols]
    let m = TargetMask::from_mask(mask.to_vec(), rows, cols, &device);
    let loss = data_loss(p.clone(), t, Some(&m)); // [1]
    let grads = loss.backward();
    let g = p
        .grad(&grads)
        .unwrap()
        .into_data()
        .try_to_vec::<f32>()
        .unwrap();
    (loss.into_scalar::<f32>() as f64, g)
}

/// Shapes `rows x cols` with predictions, targets, a 0/1 mask and junk values for the masked
/// positions.
fn case() -> impl Strategy<Value = (usize, usize, Vec<f32>, Vec<f32>, Vec<f32>, Vec<f32>)> {
    (1usize..7, 1usize..9).prop_flat_map(|(rows, cols)| {
        let n = rows * cols;
        (
            Just(rows),
            Just(cols),
            prop::collection::vec(-2.0f32..2.0, n),
            prop::collection::vec(-2.0f32..2.0, n),
            prop::collection::vec(prop::bool::weighted(0.6), n)
                .prop_map(|v| v.into_iter().map(|b| if b { 1.0 } else { 0.0 }).collect()),
            prop::collection::vec(-1e3f32..1e3, n),
        )
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn masked_loss_is_the_keras_masked_mse((rows, cols, pred, targets, mask, _junk) in case()) {
        let (loss, grad) = loss_and_grad(&pred, &targets, &mask, rows, cols);
        // By hand: per row sum(mask (t - p)^2) / max(sum(mask), 1), then the mean over rows.
        let mut expected = 0.0f64;
        for r in 0..rows {
            let (mut sum, mut count) = (0.0f64, 0.0f64);
            for c in 0..cols {
                let i = r * cols + c;
                let e = targets[i] as f64 - pred[i] as f64;
                sum += mask[i] as f64 * e * e;
                count += mask[i] as f64;
            }
            expected += sum / count.max(1.0);
        }
        expected /= rows as f64;
        prop_assert!((loss - expected).abs() <= 1e-5 * expected.max(1.0), "{} vs {}", loss, expected);
        // Gradient: -2 mask (t - p) / (rows max(count_r, 1)); exactly 0 at masked positions.
        for r in 0..rows {
            let count: f32 = mask[r * cols..(r + 1) * cols].iter().sum();
            for c in 0..cols {
                let i = r * cols + c;
                let g = -2.0 * mask[i] * (targets[i] - pred[i]) / (rows as f32 * count.max(1.0));
                prop_assert!((grad[i] - g).abs() <= 1e-5 * g.abs().max(1.0), "grad[{}]: {} vs {}", i, grad[i], g);
                if mask[i] == 0.0 {
                    prop_assert_eq!(grad[i], 0.0);
                }
            }
        }
    }

    #[test]
    fn values_at_masked_positions_change_neither_loss_nor_gradient(
        (rows, cols, pred, targets, mask, junk) in case()
    ) {
        let replaced: Vec<f32> = targets
            .iter()
            .zip(&mask)
            .zip(&junk)
            .map(|((&t, &m), &j)| if m == 0.0 { j } else { t })
            .collect();
        let (loss_a, grad_a) = loss_and_grad(&pred, &targets, &mask, rows, cols);
        let (loss_b, grad_b) = loss_and_grad(&pred, &replaced, &mask, rows, cols);
        prop_assert_eq!(loss_a, loss_b);
        prop_assert_eq!(grad_a, grad_b);
    }
}
