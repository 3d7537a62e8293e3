//! End-to-end tests: the real server over HTTP, real SQLite and PostgreSQL databases, the real
//! embedding model.

mod accounts;
mod api;
mod attacks;
mod backup;
mod calls;
mod cli;
mod concurrency;
mod contract;
mod cpv;
mod documents;
mod email;
mod fixtures;
mod languages;
mod matching;
mod open_data;
mod operations;
mod pages;
mod processes;
mod search;

/// Defines a test that runs once on SQLite and once on PostgreSQL.
#[macro_export]
macro_rules! on_both {
    ($name:ident, $body:expr) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                ($body)(factoria_tests::Backend::Sqlite).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                ($body)(factoria_tests::Backend::Postgres).await
            }
        }
    };
}
