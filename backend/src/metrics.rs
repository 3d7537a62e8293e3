//! Prometheus metrics of this process, recorded with the `metrics` facade and rendered by
//! `metrics-exporter-prometheus`: request counts and latencies are recorded as requests are
//! answered; queue depths, emails and the index's lag are read from the database when scraped.

use std::sync::OnceLock;

use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

/// Latency buckets, in seconds.
const BUCKETS: [f64; 12] = [
    0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();

/// The process's recorder, installed on first use (a process has one, shared by every app it
/// runs); `None` if another recorder was installed first.
pub fn handle() -> Option<&'static PrometheusHandle> {
    HANDLE
        .get_or_init(|| {
            let builder = PrometheusBuilder::new()
                .set_buckets_for_metric(Matcher::Suffix("_seconds".into()), &BUCKETS)
                .ok()?;
            match builder.install_recorder() {
                Ok(handle) => {
                    // Counters exist from the start, so that a rate over them has a first
                    // sample and an alert on failures needs no failure to be set up.
                    for outcome in ["sent", "retried", "rejected", "suppressed"] {
                        metrics::counter!("factoria_email_deliveries_total", "outcome" => outcome)
                            .increment(0);
                    }
                    metrics::counter!("factoria_embedded_texts_total").increment(0);
                    Some(handle)
                }
                Err(error) => {
                    tracing::warn!(%error, "cannot install the metrics recorder");
                    None
                }
            }
        })
        .as_ref()
}
