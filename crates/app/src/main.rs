//! The `leadsmith` binary: a list of businesses in; deduplicated, crawled, extracted, scored and
//! explained leads out.

#[tokio::main]
async fn main() -> std::process::ExitCode {
    leadsmith::cli::main().await
}
