//! Throwaway PostgreSQL databases: one per test, dropped at the end.

use sea_orm::{ConnectionTrait, Database as SeaDatabase};

/// The server tests use: `FACTORIA_TEST_POSTGRES_URL`, by default the local one with trust
/// authentication.
pub fn server_url() -> String {
    std::env::var("FACTORIA_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

/// A database created for one test.
pub struct Database {
    /// Its URL.
    pub url: String,
    name: String,
}

impl Database {
    /// Creates `factoria_test_<random>`.
    pub async fn create() -> Database {
        let server = server_url();
        let name = format!("factoria_test_{:016x}", rand_suffix());
        let admin = SeaDatabase::connect(&server)
            .await
            .unwrap_or_else(|e| panic!("PostgreSQL at {server} is not reachable: {e}"));
        admin
            .execute_unprepared(&format!("CREATE DATABASE {name}"))
            .await
            .unwrap_or_else(|e| panic!("cannot create {name}: {e}"));
        let _ = admin.close().await;
        let base = server
            .rsplit_once('/')
            .map_or(server.as_str(), |(base, _)| base)
            .to_owned();
        Database {
            url: format!("{base}/{name}"),
            name,
        }
    }
}

fn rand_suffix() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0),
    );
    hasher.finish()
}

impl Drop for Database {
    fn drop(&mut self) {
        // Dropped outside any runtime that may be shutting down: a thread of its own.
        let name = self.name.clone();
        let server = server_url();
        let handle = std::thread::spawn(move || {
            let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            else {
                return;
            };
            runtime.block_on(async move {
                if let Ok(admin) = SeaDatabase::connect(&server).await {
                    let _ = admin
                        .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                        .await;
                    let _ = admin.close().await;
                }
            });
        });
        let _ = handle.join();
    }
}
