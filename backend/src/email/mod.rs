//! Email: rendering, the outbox and delivery.

use crate::context::Context;
use crate::jobs::JobError;

/// Runs an email job of `kind`.
pub async fn run_job(_ctx: &Context, kind: &str, _payload: &str) -> Result<(), JobError> {
    Err(JobError::Permanent(format!("unknown job kind `{kind}`")))
}
