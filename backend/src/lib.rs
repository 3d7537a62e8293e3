//! Factoría: an open-innovation marketplace for a regional public administration.
//!
//! Layers, top to bottom: [`cli`] and [`demo`] → [`app`] → [`http`] → [`domain`] → [`email`], [`embedding`] → [`context`] → [`indexing`],
//! [`mailer`], [`jobs`] → [`db`], [`config`], [`types`], [`error`]. `ARCHITECTURE.md` at the root
//! of the repository is the map; `backend/tests/architecture.rs` keeps it true.

pub mod app;
pub mod assets;
pub mod backup;
pub mod cli;
pub mod clock;
pub mod config;
pub mod context;
pub mod db;
pub mod demo;
pub mod domain;
pub mod email;
pub mod embedding;
pub mod error;
pub mod files;
pub mod http;
pub mod indexing;
pub mod jobs;
pub mod links;
pub mod mailer;
pub mod metrics;
pub mod progress;
pub mod types;

pub use factoria_search as search_index;
