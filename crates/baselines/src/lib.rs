//! stub
extern crate openblas_src;
