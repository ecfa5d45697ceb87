//! Figure 4 (left) through the library entry point on real MNIST (found as the binaries find it):
//! the `quick` profile of `experiments/fig4_lambda.toml`, cut to lambda in {0, 1} to stay under a
//! minute, run into a temporary directory; then the paper's qualitative claim is checked.

mod common;
use common::{profiles, QuickRun};

use experiments::figures::fig4_lambda::{self, plot_x};

#[test]
fn quick_profile_yyt_collapses_for_large_lambda_while_ywl_stays_low() {
    let run = QuickRun::of::<fig4_lambda::Fig4LambdaProfile>("lambdas = [0.0, 1.0]");
    let mse = |s: &str, x: f64| run.mse(s, x);
    for s in fig4_lambda::series() {
        for x in [0.0, 1.0] {
            let v = mse(&s.to_string(), x);
            assert!(v.is_finite() && v > 0.0, "{s} at {x}: {v}");
        }
    }
    // Without the S_ll term W_l is not tied to Y: Y Y^T is far off (paper: 4.5 vs 4.4e-4).
    let (yyt0, yyt1) = (mse("YYt_train", 0.0), mse("YYt_train", 1.0));
    assert!(yyt0 > 0.1, "YYt_train at lambda 0: {yyt0}");
    assert!(
        yyt1 < yyt0 / 50.0,
        "YYt_train: {yyt0} at lambda 0, {yyt1} at 1"
    );
    for s in ["YYt_train_test", "YYt_test"] {
        assert!(mse(s, 1.0) < mse(s, 0.0) / 50.0, "{s}");
    }
    // Y W_l approximates K for every lambda, near the rank-10 optimum (~4e-4 .. 1e-3).
    for s in ["YWl_train", "YWl_train_test"] {
        for x in [0.0, 1.0] {
            assert!(mse(s, x) < 2e-3, "{s} at {x}: {}", mse(s, x));
        }
    }
}

#[test]
fn lambda_zero_is_drawn_one_decade_left_of_the_smallest_lambda() {
    let paper = [0.0, 1e-4, 1e-3, 0.01, 0.1, 0.5, 1.0];
    assert_eq!(plot_x(0.0, &paper), -5.0);
    assert!((plot_x(1e-4, &paper) + 4.0).abs() < 1e-12);
    assert_eq!(plot_x(1.0, &paper), 0.0);
    assert_eq!(plot_x(0.0, &[0.0, 0.5]), -2.0);
    assert_eq!(plot_x(0.0, &[0.0]), 0.0);
}

#[test]
fn every_profile_loads_and_the_paper_profile_is_the_papers_setup() {
    for (name, p) in profiles::<fig4_lambda::Fig4LambdaProfile>() {
        assert_eq!(p.embedding_dim, 10, "{name}");
        if name == "paper" {
            assert_eq!((p.m_train, p.m_test, p.simec.n_targets), (8000, 2000, 8000));
            assert_eq!(p.lambdas, vec![0.0, 1e-4, 1e-3, 0.01, 0.1, 0.5, 1.0]);
            assert_eq!(
                (p.simec.model().learning_rate(), p.simec.model().epochs()),
                (0.0005, 25)
            );
            assert_eq!(p.simec.model().hidden_layers().len(), 1);
            assert_eq!(p.simec.model().hidden_layers()[0].units, 1000);
        }
    }
}
