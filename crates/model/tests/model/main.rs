//! Every integration test of this crate, in one test binary (one link instead of one per file).

mod common;
mod lightgbm_parity;
mod load;
mod logistic_parity;
mod onnx_parity;
mod train;
mod xgboost_parity;
