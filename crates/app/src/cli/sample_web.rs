//! `leadsmith sample-web`: the built-in sample web for exploring and benchmarking: `dump DIR` writes its
//! HTML pages to disk (input for `leadsmith extract --stats`), `serve` runs it until Ctrl-C and prints the
//! settings that point a crawl at it.

use std::path::Path;
use std::sync::Arc;

use anyhow::{Context, Result};
use leadsmith_testkit::{PageBody, SampleWeb, ServeOptions};

/// Writes every in-memory HTML page as `DIR/<domain>/<path>.html` (bytes as served, in the page's own
/// charset). Returns (pages, bytes).
pub fn dump(dir: &Path) -> Result<(usize, u64)> {
    let web = SampleWeb::standard();
    let (mut pages, mut bytes) = (0usize, 0u64);
    for site in web.sites() {
        for (path, page) in &site.pages {
            let is_html = page.content_type.as_deref().is_some_and(|c| c.starts_with("text/html"));
            let PageBody::Bytes(body) = &page.body else { continue };
            if !is_html || page.status != 200 {
                continue;
            }
            let name = match path.trim_matches('/') {
                "" => "index".to_string(),
                p => p.replace('/', "_"),
            };
            let name = if name.ends_with(".html") { name } else { format!("{name}.html") };
            let site_dir = dir.join(&site.domain);
            std::fs::create_dir_all(&site_dir).with_context(|| format!("creating {}", site_dir.display()))?;
            std::fs::write(site_dir.join(name), body)?;
            pages += 1;
            bytes += body.len() as u64;
        }
    }
    Ok((pages, bytes))
}

pub async fn serve(port: u16, write_config: Option<&Path>) -> Result<()> {
    let web = Arc::new(SampleWeb::standard());
    let options = ServeOptions { port, ..ServeOptions::default() };
    let server = web.clone().serve(options).await.with_context(|| format!("starting the sample web on port {port}"))?;
    let addr = server.addr();
    let config = crawl_config(addr);
    println!(
        "# The sample web ({} sites) is on http://{addr}. Put this in leadsmith.toml to crawl it:\n{config}",
        web.sites().len()
    );
    if let Some(path) = write_config {
        std::fs::write(path, &config).with_context(|| format!("writing {}", path.display()))?;
        eprintln!(
            "wrote the settings to {}; crawl with `leadsmith --config {} run LEADS`",
            path.display(),
            path.display()
        );
    }
    eprintln!("serving until Ctrl-C; the lead list is `leadsmith sample-web leads`");
    tokio::signal::ctrl_c().await?;
    server.shutdown().await;
    Ok(())
}

pub fn leads() -> String {
    SampleWeb::standard().leads_csv()
}

#[derive(clap::Subcommand)]
pub enum SampleWebCommand {
    /// Write every HTML page to DIR/<domain>/ (input for `leadsmith extract --stats`).
    Dump { dir: std::path::PathBuf },
    /// Print the sample lead list (CSV) to stdout.
    Leads,
    /// Serve the sample web on loopback until Ctrl-C and print the settings to crawl it.
    Serve {
        /// The loopback port; a free one when not given.
        #[arg(long, default_value_t = 0)]
        port: u16,
        /// Also write those settings to FILE (a leadsmith.toml to pass with --config).
        #[arg(long, value_name = "FILE")]
        write_config: Option<std::path::PathBuf>,
    },
}

/// `leadsmith sample-web …`.
pub async fn run(command: &SampleWebCommand) -> Result<()> {
    match command {
        SampleWebCommand::Dump { dir } => {
            let (pages, bytes) = dump(dir)?;
            eprintln!("wrote {pages} pages ({:.1} MB) under {}", bytes as f64 / 1e6, dir.display());
        }
        SampleWebCommand::Leads => print!("{}", leads()),
        SampleWebCommand::Serve { port, write_config } => serve(*port, write_config.as_deref()).await?,
    }
    Ok(())
}

/// The settings that crawl the sample web at `addr`: its address allowed past the SSRF guard, and every
/// `.test` host (all its sites) resolved there by one wildcard entry.
pub fn crawl_config(addr: std::net::SocketAddr) -> String {
    format!("[crawl]\nallow_addresses = [\"{}/32\"]\n\n[crawl.resolve]\n\"*.test\" = \"{addr}\"\n", addr.ip())
}
