//! MNIST loading and the paper's exact subsets.
