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

pub async fn serve() -> Result<()> {
    let web = Arc::new(SampleWeb::standard());
    let server = web.clone().serve(ServeOptions::default()).await.context("starting the sample web")?;
    let addr = server.addr();
    println!(
        "# The sample web ({} sites) is on http://{addr}. Put this in leadsmith.toml to crawl it:",
        web.sites().len()
    );
    println!("[crawl]\nallow_addresses = [\"{}/32\"]\n\n[crawl.resolve]", addr.ip());
    let mut overrides: Vec<_> = server.resolve_overrides().into_iter().collect();
    overrides.sort();
    for (host, a) in overrides {
        println!("\"{host}\" = \"{a}\"");
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
    Serve,
}

/// `leadsmith sample-web …`.
pub async fn run(command: &SampleWebCommand) -> Result<()> {
    match command {
        SampleWebCommand::Dump { dir } => {
            let (pages, bytes) = dump(dir)?;
            eprintln!("wrote {pages} pages ({:.1} MB) under {}", bytes as f64 / 1e6, dir.display());
        }
        SampleWebCommand::Leads => print!("{}", leads()),
        SampleWebCommand::Serve => serve().await?,
    }
    Ok(())
}
