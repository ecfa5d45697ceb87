//! Library part of the `simec` command-line tool: the command line ([`args`]), one module per
//! subcommand ([`fit`], [`apply`] for `transform` / `predict`, [`info`], [`evaluate`]), matrix
//! files ([`table`]), reading the inputs ([`inputs`]), the model directory ([`model_dir`]),
//! small preparation steps ([`prep`]) and what is printed ([`report`]). The binary
//! (`src/main.rs`) parses the command line and dispatches; see the "Use SimEc on your own
//! data" section of the repository README for the user documentation.
//!
//! Every function here returns a typed error that names the file (and the line / row and
//! column where there is one); nothing panics on bad input.

// Functions stay under 80 lines (clippy.toml); the limit is for the sources, not the tests.
#![warn(clippy::too_many_lines)]

pub mod apply;
pub mod args;
pub mod evaluate;
pub mod fit;
pub mod help;
pub mod info;
pub mod inputs;
pub mod model_dir;
pub mod prep;
pub mod report;
pub mod sll_approx;
pub mod table;
