//! leadsmith as a library: the command line, the pipeline's stage handlers and driver, import, export
//! and the demo. `main.rs` only calls [`cli::main`].

pub mod bench_cmd;
pub mod cache;
pub mod cli;
pub mod demo;
pub mod export;
pub mod extract_cmd;
pub mod import;
pub mod keys_cmd;
pub mod leads_cmd;
pub mod metrics;
pub mod ops_cmd;
pub mod pipeline;
pub mod progress;
pub mod sample_web_cmd;
pub mod schedule;
pub mod score_cmd;
pub mod scoring;
pub mod serve;
pub mod settings;
pub mod summary;
pub mod train_cmd;
pub mod view;
