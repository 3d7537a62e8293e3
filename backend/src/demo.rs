//! The demo: a fresh SQLite database filled with generated challenges and companies.

use crate::config::Config;

/// Creates the demo data and serves it.
pub async fn run(_config: Config, _serve: bool) -> anyhow::Result<()> {
    anyhow::bail!("the demo data generator is not written yet")
}
