//! Library part of the `simec` command-line tool: matrix files ([`table`]), the model
//! directory ([`model_dir`]) and small preparation steps ([`prep`]). The binary (`src/main.rs`)
//! wires them to the [`simec`] crate; see the "Use SimEc on your own data" section of the repository README for the user documentation.
//!
//! Every function here returns a typed error that names the file (and the line / row and
//! column where there is one); nothing panics on bad input.

pub mod model_dir;
pub mod prep;
pub mod table;
