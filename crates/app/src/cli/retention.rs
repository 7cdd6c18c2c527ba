//! Retention on demand: `leadsmith cache prune [--older-than AGE]` and `leadsmith jobs purge --older-than
//! AGE`. The same runs on a timer as `[retention]` in `serve` and `worker`.

use std::time::Duration;

use anyhow::Result;
use clap::Subcommand;

use super::Ctx;
use crate::pipeline::retention;

#[derive(Subcommand)]
pub enum CacheCommand {
    /// Delete cached pages fetched longer ago than an age [default: the crawl cache's TTL,
    /// crawl.cache_ttl_hours: pages the crawler would fetch again anyway].
    Prune {
        /// e.g. 30d, 12h.
        #[arg(long, value_parser = humantime::parse_duration)]
        older_than: Option<Duration>,
    },
}

#[derive(Subcommand)]
pub enum JobsCommand {
    /// Delete done and cancelled jobs older than an age whose run is over, and runs that ended that long ago
    /// with no job left. Dead letters (see `dlq purge`), open work, leads and their results are kept.
    Purge {
        /// e.g. 30d, 12h.
        #[arg(long, value_parser = humantime::parse_duration)]
        older_than: Duration,
    },
}

fn plural(n: u64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// `leadsmith cache …`.
pub async fn cache(ctx: &Ctx, command: &CacheCommand) -> Result<()> {
    match command {
        CacheCommand::Prune { older_than } => {
            let age = match older_than {
                Some(age) => *age,
                None => ctx.settings.fetch_config()?.cache_ttl,
            };
            let n = retention::prune_cache(ctx.existing_store().await?.as_ref(), age).await?;
            println!(
                "pruned {} fetched more than {} ago",
                plural(n, "cached page", "cached pages"),
                humantime::format_duration(age)
            );
            Ok(())
        }
    }
}

/// `leadsmith jobs …`.
pub async fn jobs(ctx: &Ctx, command: &JobsCommand) -> Result<()> {
    match command {
        JobsCommand::Purge { older_than } => {
            let purged = retention::purge_jobs(ctx.existing_store().await?.as_ref(), *older_than).await?;
            println!(
                "purged {} and {} older than {}",
                plural(purged.jobs, "done job", "done jobs"),
                plural(purged.runs, "finished run", "finished runs"),
                humantime::format_duration(*older_than)
            );
            Ok(())
        }
    }
}
