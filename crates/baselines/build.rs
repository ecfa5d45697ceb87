//! Links the system OpenBLAS (BLAS and LAPACK in one library; `libopenblas-dev` on Debian, which
//! `scripts/setup.sh` installs): pkg-config's flags when it knows `openblas`, else `-lopenblas`
//! from the linker's default path.

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    if pkg_config::Config::new().probe("openblas").is_err() {
        println!("cargo:rustc-link-lib=dylib=openblas");
    }
}
