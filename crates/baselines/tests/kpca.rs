//! Kernel PCA against scikit-learn.
//!
//! Expected values from scikit-learn 1.9.1 (throwaway venv):
//!
//! ```python
//! Z = np.array([[np.cos(0.9*(i+1)*(j+2)) + 0.05*i for j in range(3)] for i in range(12)])
//! K = np.exp(-0.5 * ((Z[:, None, :] - Z[None, :, :])**2).sum(-1))
//! kp = KernelPCA(n_components=3, kernel='precomputed', eigen_solver='dense').fit(K[:9, :9])
//! kp.eigenvalues_, kp.transform(K[:9, :9]), kp.transform(K[9:, :9])
//! ```

mod common;

use baselines::{center_kernel, BaselineError, KernelPca};
use common::{max_abs_diff, random_symmetric};
use nalgebra::DMatrix;

const SKLEARN_EIGENVALUES: [f64; 3] = [2.8172054164816704, 1.2298559902908646, 1.0485256362721853];
const SKLEARN_TRAIN_EMBEDDING: [[f64; 3]; 9] = [
    [
        -0.5049711901230685,
        -0.37400817314259416,
        0.41396634295209084,
    ],
    [
        0.6969349649581693,
        -0.24262639115337442,
        -0.10111418935452147,
    ],
    [
        -0.3874970471159751,
        0.29907080048572254,
        -0.48705792226134376,
    ],
    [-0.3612219073553601, 0.330729309043789, -0.49827768723614674],
    [
        0.7479233642654676,
        -0.20849628151791394,
        -0.09035171779865235,
    ],
    [-0.5741721236254925, -0.2776320627411712, 0.1569447065230938],
    [0.20604780981821524, 0.8059582114341427, 0.5873678889848886],
    [
        -0.5629359812560796,
        -0.22445984417434606,
        0.05085273577925903,
    ],
    [
        0.7398921104341238,
        -0.10853556823425473,
        -0.03233015758866776,
    ],
];
const SKLEARN_NEW_EMBEDDING: [[f64; 3]; 3] = [
    [
        -0.15015647443966454,
        0.5645987140760831,
        -0.3698064700906695,
    ],
    [
        -0.13536782729244665,
        0.5691606464150327,
        -0.3595840428320597,
    ],
    [
        0.6885509078877969,
        -0.026096051412558673,
        0.04383449939325816,
    ],
];

fn rbf_kernel() -> DMatrix<f64> {
    let z = DMatrix::from_fn(12, 3, |i, j| {
        (0.9 * ((i + 1) * (j + 2)) as f64).cos() + 0.05 * i as f64
    });
    DMatrix::from_fn(12, 12, |a, b| {
        let sq: f64 = (0..3).map(|j| (z[(a, j)] - z[(b, j)]).powi(2)).sum();
        (-0.5 * sq).exp()
    })
}

fn from_rows<const C: usize>(rows: &[[f64; C]]) -> DMatrix<f64> {
    DMatrix::from_fn(rows.len(), C, |i, j| rows[i][j])
}

#[test]
fn kpca_matches_sklearn_fit_and_out_of_sample_transform() {
    let k = rbf_kernel();
    let train = k.view((0, 0), (9, 9)).into_owned();
    let new = k.view((9, 0), (3, 9)).into_owned();
    let kp = KernelPca::fit(&train, 3).unwrap();
    assert_eq!(kp.n_components(), 3);
    assert_eq!(kp.n_train(), 9);
    for (a, b) in kp.eigenvalues().iter().zip(SKLEARN_EIGENVALUES) {
        assert!((a - b).abs() < 1e-12, "{a} vs {b}");
    }
    // Same signs as scikit-learn (svd_flip), not only up to sign.
    assert!(max_abs_diff(kp.embedding(), &from_rows(&SKLEARN_TRAIN_EMBEDDING)) < 1e-10);
    assert!(
        max_abs_diff(
            &kp.transform(&new).unwrap(),
            &from_rows(&SKLEARN_NEW_EMBEDDING)
        ) < 1e-10
    );
}

#[test]
fn transforming_the_training_rows_reproduces_the_embedding() {
    let k = rbf_kernel();
    let kp = KernelPca::fit(&k, 4).unwrap();
    let again = kp.transform(&k).unwrap();
    assert!(max_abs_diff(&again, kp.embedding()) < 1e-12);
}

#[test]
fn fitting_a_centered_kernel_gives_the_same_model() {
    let k = rbf_kernel();
    let raw = KernelPca::fit(&k, 3).unwrap();
    let centered = KernelPca::fit_owned(center_kernel(&k).unwrap(), 3).unwrap();
    assert!(max_abs_diff(raw.embedding(), centered.embedding()) < 1e-12);
    assert!((raw.eigenvalues() - centered.eigenvalues()).amax() < 1e-12);
}

#[test]
fn kpca_errors() {
    let k = rbf_kernel();
    assert!(matches!(
        KernelPca::fit(&k, 13),
        Err(BaselineError::InvalidK { k: 13, n: 12, .. })
    ));
    assert!(matches!(
        KernelPca::fit(&k, 0),
        Err(BaselineError::InvalidK { .. })
    ));
    let mut asym = k.clone();
    asym[(0, 5)] += 0.1;
    assert!(matches!(
        KernelPca::fit(&asym, 2),
        Err(BaselineError::Asymmetric { .. })
    ));
    assert!(matches!(
        KernelPca::fit(&DMatrix::zeros(3, 4), 1),
        Err(BaselineError::NotSquare { .. })
    ));
    // A kernel with a significantly negative spectrum is refused, as by scikit-learn.
    let indefinite = random_symmetric(10, 30);
    assert!(matches!(
        KernelPca::fit(&indefinite, 10),
        Err(BaselineError::NotPsd { .. })
    ));
    let kp = KernelPca::fit(&k, 2).unwrap();
    assert!(matches!(
        kp.transform(&DMatrix::zeros(2, 11)),
        Err(BaselineError::ShapeMismatch { .. })
    ));
    let mut nan = DMatrix::zeros(2, 12);
    nan[(1, 1)] = f64::NAN;
    assert!(matches!(
        kp.transform(&nan),
        Err(BaselineError::NonFinite { .. })
    ));
}

/// A rank-2 kernel (linear kernel of 2-d points) fitted with 4 components: the two null
/// components have eigenvalue exactly 0 after scikit-learn's cleaning, and new points get finite
/// zero coordinates there (`1 / sqrt(lambda)` is taken only where lambda > 0).
#[test]
fn null_components_are_zero_out_of_sample() {
    let z = DMatrix::from_fn(10, 2, |i, j| ((i * 3 + j * 5) as f64 * 0.7).sin()); // [10, 2]
    let k = &z * z.transpose(); // [10, 10], rank 2
    let train = k.view((0, 0), (8, 8)).into_owned();
    let new = k.view((8, 0), (2, 8)).into_owned();
    let kp = KernelPca::fit(&train, 4).unwrap();
    assert!(kp.eigenvalues()[1] > 0.0);
    assert_eq!((kp.eigenvalues()[2], kp.eigenvalues()[3]), (0.0, 0.0));
    let y = kp.transform(&new).unwrap(); // [2, 4]
    assert!(y.iter().all(|v| v.is_finite()), "{y}");
    assert_eq!((y.column(2).amax(), y.column(3).amax()), (0.0, 0.0));
}
