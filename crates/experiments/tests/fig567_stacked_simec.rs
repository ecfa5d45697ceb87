//! Figure 7's claim on quick-sized real data (the `quick` profile of
//! `experiments/fig7_s1s2.toml`: 1,000 MNIST 0/7 points, 40 epochs) at d = 10: a SimEc trained on
//! the stack [S1, S2] predicts each matrix (its slice of `Y W_l`) about as well as a SimEc
//! trained on that matrix alone, while one trained on S1 + S2 predicts neither (the paper,
//! m = 5000, d = 10, against S1: stacked 1.5e-4, single 9.6e-5, S1 + S2 1.2e-3; at m = 1000
//! and 40 epochs about 4.4e-4, 3.5e-4 and 3.2e-3).

use experiments::config::{default_config_path, load_profile, point_seed};
use experiments::convert::to_simec;
use experiments::data::{load_mnist, mnist_0_7};
use experiments::figures::simpson::{
    simec_params, simec_targets, Fig7Profile, SimpsonSetup, TrainedSimec,
};
use experiments::similarity::normalized_parts;
use nalgebra::DMatrix;

const D: usize = 10;

#[test]
fn stacked_simec_matches_single_ones_while_the_sum_does_not() {
    let profile: Fig7Profile = load_profile(&default_config_path("fig7_s1s2"), "quick").unwrap();
    // The claim is about the objective, so every S_ll here is dense whatever the profile's
    // `s1_s_ll_approx` says.
    let profile = &profile.base;
    profile.validate().unwrap();
    let arch = &profile.simec;
    assert_eq!(
        arch.n_targets, profile.m,
        "the test uses S_ll = the targets"
    );
    let mnist = load_mnist(None).unwrap();
    let setup = SimpsonSetup::from_data(mnist_0_7(&mnist, profile.m).unwrap()).unwrap();
    drop(mnist);
    let parts = normalized_parts(&setup.eig).unwrap();
    let sum = parts.sum();
    let x = to_simec(&setup.data.x); // [m, 784]
    let device = burn::tensor::Device::flex();
    let n = arch.n_targets;

    let train = |name: &str, slices: &[&DMatrix<f64>]| -> TrainedSimec {
        let targets = simec_targets(slices, n).unwrap(); // [m, k n]
        let sll: Vec<simec::Matrix> = slices
            .iter()
            .map(|s| simec_targets(&[*s], n).unwrap())
            .collect();
        let seed = point_seed(profile.seed, &format!("simec_{name}"), D as f64);
        let params = simec_params(arch, D, slices.len(), seed).unwrap();
        let s_ll = simec::SllTarget::slices(sll.iter().collect());
        TrainedSimec::fit(&params, &x, &targets, Some(s_ll), &device, &mut |_| {}).unwrap()
    };
    let single1 = train("S1", &[&parts.s1]).mse_ywl(0, &parts.s1).unwrap();
    let single2 = train("S2", &[&parts.s2]).mse_ywl(0, &parts.s2).unwrap();
    let summed = train("S1plusS2", &[&sum]);
    let (sum1, sum2) = (
        summed.mse_ywl(0, &parts.s1).unwrap(),
        summed.mse_ywl(0, &parts.s2).unwrap(),
    );
    let stacked = train("stacked", &[&parts.s1, &parts.s2]);
    let (stack1, stack2) = (
        stacked.mse_ywl(0, &parts.s1).unwrap(),
        stacked.mse_ywl(1, &parts.s2).unwrap(),
    );
    eprintln!(
        "d = {D}, Y W_l vs S1: single {single1:.6}, stacked {stack1:.6}, S1+S2 {sum1:.6}; \
         vs S2: single {single2:.6}, stacked {stack2:.6}, S1+S2 {sum2:.6}"
    );
    for (what, single, stack, sum) in [("S1", single1, stack1, sum1), ("S2", single2, stack2, sum2)]
    {
        assert!(
            stack < 2.5 * single,
            "vs {what}: stacked {stack} is not close to the single SimEc's {single}"
        );
        assert!(
            sum > 4.0 * single && sum > 3.0 * stack,
            "vs {what}: S1 + S2 ({sum}) should be far worse than single {single} / stacked {stack}"
        );
    }
}
