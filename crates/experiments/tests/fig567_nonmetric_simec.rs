//! Figure 6's claim on quick-sized real data (the `quick` profile of
//! `experiments/fig6_nonmetric.toml`: 1,000 MNIST 0/7 points, all 1,000 columns as targets): a
//! SimEc's `Y W_l` reconstructs the non-metric Simpson similarity better than the embedding by
//! the largest positive eigenvalues once d >= 10 (the paper, m = 5000: 0.00183 vs 0.00222 at
//! d = 10, 0.00076 vs 0.00141 at d = 25). At m = 1000: about 0.0018 vs 0.0023 and 0.0008 vs
//! 0.0015.

use experiments::config::{default_config_path, load_profile, point_seed};
use experiments::convert::to_simec;
use experiments::data::{load_mnist, mnist_0_7};
use experiments::figures::simpson::{
    simec_params, simec_targets, NonmetricProfile, SimpsonSetup, TrainedSimec,
};

#[test]
fn simec_ywl_beats_the_largest_positive_eigenvalues_from_d_10() {
    let profile: NonmetricProfile =
        load_profile(&default_config_path("fig6_nonmetric"), "quick").unwrap();
    profile.validate().unwrap();
    let mnist = load_mnist(None).unwrap();
    let setup = SimpsonSetup::from_data(mnist_0_7(&mnist, profile.m).unwrap()).unwrap();
    drop(mnist);
    let arch = &profile.simec;
    assert_eq!(
        arch.model().s_ll_reg(),
        0.0,
        "Figure 6's SimEc has no s_ll term"
    );
    let x = to_simec(&setup.data.x); // [m, 784]
    let targets = simec_targets(&[&setup.s], arch.n_targets).unwrap(); // [m, n]
    let device = burn::tensor::Device::flex();
    for d in [10, 25] {
        let eig_mse = baselines::mse_gram(&setup.eig.embedding(d).unwrap(), &setup.s).unwrap();
        let abs_mse = baselines::mse_absolute_largest(&setup.eig, &setup.s, d).unwrap();
        let params = simec_params(arch, d, 1, point_seed(profile.seed, "simec", d as f64)).unwrap();
        let model = TrainedSimec::fit(&params, &x, &targets, None, &device, &mut |_| {}).unwrap();
        let simec_mse = model.mse_ywl(0, &setup.s).unwrap();
        eprintln!(
            "d = {d}: simec Y W_l {simec_mse:.6}, largest positive {eig_mse:.6}, absolute largest \
             {abs_mse:.6}"
        );
        assert!(
            simec_mse < 0.95 * eig_mse,
            "d = {d}: SimEc {simec_mse} does not beat the largest positive eigenvalues {eig_mse}"
        );
        // Negative eigenvalues carry real information: |lambda|-largest beats positive-largest.
        assert!(abs_mse < eig_mse);
    }
}
