//! Where a `next` or `back` parameter may send the browser: only to a path of this site.
//!
//! The check parses the target the way a browser does (the WHATWG URL rules of the `url` crate)
//! against a base on this site and accepts it only if the result is still on that site; the
//! redirect then carries the parsed URL's own path and query, never the raw text. Prefix checks
//! are not enough: browsers read `/\evil.example` as `//evil.example`, and drop tabs and newlines
//! (`/<TAB>/evil.example`), so both leave the site although they start with one slash.

use url::Url;

/// Scheme, host and port every target is resolved against; only its being fixed matters.
const BASE: &str = "https://factoria.invalid/";

/// The target as a path of this site (`/path?query#fragment`), or `None` when it is not one.
pub fn local_target(raw: &str) -> Option<String> {
    // A browser would strip or reinterpret these before resolving; refusing them outright keeps
    // the rule simple to state: what is accepted reads the same to every parser.
    if !raw.starts_with('/')
        || raw.starts_with("//")
        || raw.contains('\\')
        || raw.chars().any(|c| c.is_control() || c.is_whitespace())
    {
        return None;
    }
    let base = Url::parse(BASE).ok()?;
    let resolved = base.join(raw).ok()?;
    if resolved.origin() != base.origin()
        || !resolved.username().is_empty()
        || resolved.password().is_some()
    {
        return None;
    }
    let mut target = resolved.path().to_owned();
    if target.starts_with("//") {
        return None;
    }
    if let Some(query) = resolved.query() {
        target.push('?');
        target.push_str(query);
    }
    if let Some(fragment) = resolved.fragment() {
        target.push('#');
        target.push_str(fragment);
    }
    Some(target)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn paths_of_the_site_are_kept() {
        assert_eq!(local_target("/"), Some("/".into()));
        assert_eq!(
            local_target("/search?q=agua&sector=water"),
            Some("/search?q=agua&sector=water".into())
        );
        assert_eq!(
            local_target("/challenges/ch-1#matches"),
            Some("/challenges/ch-1#matches".into())
        );
        assert_eq!(local_target("/a/../b"), Some("/b".into()));
    }

    #[test]
    fn the_attacks_of_the_report_are_refused() {
        for attack in [
            "/\\evil.example",
            "/\t/evil.example",
            "//evil.example",
            "/%09/evil.example".replace("%09", "\t").as_str(),
            "https://evil.example/",
            "javascript:alert(1)",
            "evil.example",
            "/\n/evil.example",
            "\\/evil.example",
            "/ /evil.example",
            "",
        ] {
            assert_eq!(local_target(attack), None, "{attack:?}");
        }
    }

    /// Whether a browser, resolving `location` against the site, stays on the site.
    fn stays_on_site(location: &str) -> bool {
        let site =
            Url::parse("https://factoria.example/some/page").unwrap_or_else(|e| panic!("{e}"));
        site.join(location)
            .is_ok_and(|u| u.origin() == site.origin() && u.username().is_empty())
    }

    proptest! {
        #[test]
        fn every_accepted_target_stays_on_the_site(
            raw in prop::collection::vec(
                prop_oneof![
                    Just("/".to_owned()), Just("//".to_owned()), Just("\\".to_owned()),
                    Just("%2f".to_owned()), Just("%5c".to_owned()), Just("%09".to_owned()),
                    Just("\t".to_owned()), Just("\n".to_owned()), Just("\r".to_owned()),
                    Just(":".to_owned()), Just("@".to_owned()), Just("?".to_owned()),
                    Just("#".to_owned()), Just(".".to_owned()), Just("..".to_owned()),
                    Just("http:".to_owned()), Just("https:".to_owned()),
                    Just("javascript:".to_owned()), Just("evil.example".to_owned()),
                    Just("\u{0}".to_owned()), Just("\u{a0}".to_owned()), Just(" ".to_owned()),
                    "[a-z0-9]{1,4}",
                    any::<char>().prop_map(|c| c.to_string()),
                ],
                0..8,
            ).prop_map(|parts| parts.concat())
        ) {
            if let Some(location) = local_target(&raw) {
                prop_assert!(location.starts_with('/') && !location.starts_with("//"), "{location:?}");
                prop_assert!(!location.contains('\\'), "{location:?}");
                prop_assert!(!location.chars().any(|c| c.is_control() || c.is_whitespace()), "{location:?}");
                prop_assert!(stays_on_site(&location), "{raw:?} → {location:?}");
            }
        }
    }
}
