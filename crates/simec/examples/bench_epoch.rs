//! Seconds per training epoch on random data (flex backend, mimalloc).
//!
//! `cargo run --release -p simec --example bench_epoch -- [m] [D] [n_targets] [hidden,..] [d] [epochs] [s_ll_reg]`
//! Defaults: the paper's Figure 3 2hl setting, m = 8000, D = 784, n = 2000, hidden 25,25 tanh,
//! d = 10, s_ll_reg 0.5 (closed form), batch 32.

use std::time::Instant;

use burn::prelude::Device;
use simec::{Activation, HiddenLayer, Matrix, SimecParams, SllTarget};

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let arg = |i: usize, default: &str| args.get(i).cloned().unwrap_or_else(|| default.into());
    let m: usize = arg(0, "8000").parse()?;
    let dim: usize = arg(1, "784").parse()?;
    let n: usize = arg(2, "2000").parse()?;
    let hidden: Vec<HiddenLayer> = arg(3, "25,25")
        .split(',')
        .filter(|s| !s.is_empty())
        .map(|u| Ok(HiddenLayer::new(u.parse()?, Activation::Tanh)))
        .collect::<Result<_, std::num::ParseIntError>>()?;
    let d: usize = arg(4, "10").parse()?;
    let epochs: usize = arg(5, "2").parse()?;
    let s_ll_reg: f64 = arg(6, "0.5").parse()?;

    // Cheap deterministic pseudo-random data.
    let mut state = 0x9E3779B97F4A7C15u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state >> 40) as f32 / (1u64 << 24) as f32 - 0.5
    };
    let x = Matrix::from_fn(m, dim, |_, _| next());
    let targets = Matrix::from_fn(m, n, |_, _| next());
    let s_ll = Matrix::from_fn(n, n, |r, c| targets.get(r.min(c), r.max(c)));

    let t = Instant::now();
    let model = SimecParams::new(d)
        .hidden_layers(hidden)
        .s_ll_reg(s_ll_reg)
        .l2_reg_emb(1e-5)
        .l2_reg_out(1e-7)
        .learning_rate(0.005)
        .epochs(epochs)
        .check()?
        .fit_with_callback(
            &x,
            &targets,
            Some(SllTarget::single(&s_ll)),
            &Device::flex(),
            &mut |r| {
                println!(
                    "epoch {}/{}: loss {:.6}, {:.3} s",
                    r.epoch, r.epochs, r.loss, r.seconds
                )
            },
        )?;
    println!("fit total {:.3} s", t.elapsed().as_secs_f64());
    let t = Instant::now();
    let y = model.transform(&x)?;
    println!(
        "transform {} x {}: {:.3} s",
        y.rows(),
        y.cols(),
        t.elapsed().as_secs_f64()
    );
    Ok(())
}
