//! Factoría: an open-innovation marketplace for a regional public administration.
//!
//! Layers, top to bottom: [`cli`] → [`app`] → [`http`] → [`domain`] → [`jobs`] → [`email`], over
//! [`db`], [`search`], the `factoria-search` and `factoria-frontend` crates and [`config`].

pub mod app;
pub mod assets;
pub mod cli;
pub mod config;
pub mod context;
pub mod db;
pub mod demo;
pub mod domain;
pub mod email;
pub mod http;
pub mod interchange;
pub mod jobs;
pub mod links;
pub mod search;
pub mod types;

pub use factoria_search as search_index;
