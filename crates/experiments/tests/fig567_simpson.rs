//! Figures 5-7 setup on quick-sized real data (the first 1,000 points of MNIST 0/7): the Simpson
//! similarity is genuinely non-metric, and Figure 7's split and normalization hold.

use std::sync::OnceLock;

use experiments::data::{load_mnist, mnist_0_7};
use experiments::figures::simpson::{negative_share, SimpsonSetup};
use experiments::similarity::{normalized_parts, part_eigen, Part};

const M: usize = 1000;

fn setup() -> &'static SimpsonSetup {
    static S: OnceLock<SimpsonSetup> = OnceLock::new();
    S.get_or_init(|| {
        let mnist = load_mnist(None).unwrap();
        SimpsonSetup::from_data(mnist_0_7(&mnist, M).unwrap()).unwrap()
    })
}

/// The paper's point: the centered Simpson similarity is indefinite with a substantial negative
/// part (at m = 5000 the paper reports -132.0 against +531.6). At m = 1000: most negative
/// -27.4 vs largest 107.1, 587 negative eigenvalues holding 5.4% of ||S||_F^2.
#[test]
fn simpson_similarity_has_significant_negative_eigenvalues() {
    let s = setup();
    let v = &s.eig.values;
    assert_eq!(v.len(), M);
    assert!(
        v.as_slice().windows(2).all(|w| w[0] >= w[1]),
        "not descending"
    );
    let (largest, most_negative) = (v[0], v[M - 1]);
    assert!(
        most_negative < -0.15 * largest,
        "most negative {most_negative} vs largest {largest}"
    );
    // The second and third most negative are not noise either.
    assert!(v[M - 3] < -0.05 * largest, "{}", v[M - 3]);
    let n_neg = v.iter().filter(|&&l| l < -1e-9 * largest).count();
    assert!(n_neg > M / 3, "{n_neg} negative eigenvalues");
    let share = negative_share(v);
    assert!(share > 0.02, "negative share of ||S||_F^2: {share}");
    // The spectrum check only applies at the paper's m.
    s.check_paper_spectrum().unwrap();
}

#[test]
fn s1_minus_s2_is_s_before_normalization() {
    let s = setup();
    let (s1, s2) = baselines::split_by_sign(&s.eig);
    let err = (&s1 - &s2 - &s.s).amax();
    assert!(err < 1e-10 * s.s.amax(), "max |S1 - S2 - S| = {err}");
}

#[test]
fn normalization_matches_the_paper_recipe() {
    let s = setup();
    let p = normalized_parts(&s.eig).unwrap();
    let n = p.norm;
    let v = &s.eig.values;
    // Each part divided by its own largest eigenvalue ...
    assert_eq!(n.lambda1, v[0]);
    assert_eq!(n.lambda2, -v[M - 1]);
    // ... then both by the largest absolute entry of the stack, which becomes 1.
    let stack_max = p.s1.amax().max(p.s2.amax());
    assert!((stack_max - 1.0).abs() < 1e-12, "{stack_max}");
    // Both normalized parts have the same largest eigenvalue 1 / max_abs.
    for part in [Part::S1, Part::S2] {
        let top = part_eigen(&s.eig, &n, part, 1).unwrap().values[0];
        assert!((top * n.max_abs - 1.0).abs() < 1e-12, "{part:?}: {top}");
    }
    // Undoing the scales gives S back.
    let back = &p.s1 / n.scale1() - &p.s2 / n.scale2();
    assert!((back - &s.s).amax() < 1e-10 * s.s.amax());
    // S1 + S2 is their sum, with eigenvalues |lambda| scaled per sign.
    let sum = p.sum();
    assert_eq!(sum[(3, 7)], p.s1[(3, 7)] + p.s2[(3, 7)]);
    let top2 = part_eigen(&s.eig, &n, Part::Sum, 2).unwrap();
    assert!((top2.values[0] - top2.values[1]).abs() < 1e-12 * top2.values[0]);
}
