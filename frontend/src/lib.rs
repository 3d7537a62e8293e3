//! Server-rendered pages of Factoría: askama templates, the view structs they render, and the
//! static assets. This crate renders what it is given; it never reads the database.

pub mod api_reference;
pub mod cpv;
pub mod dates;
pub mod email_pages;
pub mod emails;
pub mod layout;
pub mod pages;
pub mod sectors;

/// Files served under `/static/`: name, content type, bytes.
pub const STATIC_FILES: &[(&str, &str, &[u8])] = &[
    (
        "site.css",
        "text/css; charset=utf-8",
        include_bytes!("../static/site.css"),
    ),
    (
        "app.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../static/app.js"),
    ),
];
