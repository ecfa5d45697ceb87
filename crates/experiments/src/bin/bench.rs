//! `bench`: times the replication's real workloads and writes `results/bench.csv`
//! (`just bench`, `just bench quick`, `just bench NAME...`; see `experiments::bench`).

use clap::Parser;
use experiments::bench::BenchArgs;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    let args = BenchArgs::parse();
    match experiments::bench::run(&args) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
