//! Rules of the marketplace: who may do what, and what a change means. Handlers call these
//! functions; nothing here knows about HTTP.

pub mod accounts;
pub mod actor;
pub mod admin;
pub mod alerts;
pub mod analytics;
pub mod audit;
pub mod auth;
pub mod bulk;
pub mod calls;
pub mod challenges;
pub mod companies;
pub mod cpv;
pub mod documents;
pub mod evaluation;
pub mod idempotency;
pub mod interests;
pub mod introductions;
pub mod matching;
pub mod ocds;
pub mod ocds_import;
pub mod officers;
pub mod operations;
pub mod privacy;
pub mod proposals;
pub mod records;
pub mod search;

pub use crate::error::{Error, Result};
pub use actor::Actor;

/// A page of a list.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct Page<T> {
    /// Items of this page.
    pub items: Vec<T>,
    /// 1-based page number.
    pub page: u64,
    /// Items per page.
    pub per_page: u64,
    /// Items in all pages.
    pub total: u64,
}

/// Which page of a list, checked: pages from 1, at most 100 items.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Paging {
    /// 1-based page.
    pub page: u64,
    /// Items per page.
    pub per_page: u64,
}

impl Paging {
    /// Checks page and size, reporting faults by field.
    pub fn new(
        page: Option<u64>,
        per_page: Option<u64>,
    ) -> std::result::Result<Self, crate::types::validation::FieldErrors> {
        let mut errors = crate::types::validation::FieldErrors::default();
        let page = page.unwrap_or(1);
        let per_page = per_page.unwrap_or(20);
        if page == 0 {
            errors.push("page", "pages start at 1");
        }
        if !(1..=100).contains(&per_page) {
            errors.push("per_page", "use from 1 to 100 items per page");
        }
        if errors.is_empty() {
            Ok(Self { page, per_page })
        } else {
            Err(errors)
        }
    }

    /// Rows to skip.
    pub fn offset(&self) -> u64 {
        (self.page - 1) * self.per_page
    }
}
