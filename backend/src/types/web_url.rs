use std::fmt;

/// An absolute `http` or `https` address with a host.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct WebUrl(url::Url);

impl WebUrl {
    /// Parses a web address; `movilia.example` without a scheme is read as `https://`.
    pub fn parse(input: &str) -> Result<Self, String> {
        let trimmed = input.trim();
        let candidate = if trimmed.contains("://") {
            trimmed.to_owned()
        } else {
            format!("https://{trimmed}")
        };
        let invalid = || format!("`{trimmed}` is not a web address like https://example.org");
        let url = url::Url::parse(&candidate).map_err(|_| invalid())?;
        let host_ok = url.host_str().is_some_and(|h| h.contains('.'));
        if !matches!(url.scheme(), "http" | "https")
            || !host_ok
            || trimmed.chars().any(char::is_whitespace)
        {
            return Err(invalid());
        }
        Ok(Self(url))
    }

    /// The address as text.
    pub fn as_str(&self) -> &str {
        self.0.as_str().trim_end_matches('/')
    }
}

impl fmt::Display for WebUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_web_addresses() {
        assert_eq!(
            WebUrl::parse("https://movilia.example").map(|u| u.to_string()),
            Ok("https://movilia.example".into())
        );
        assert_eq!(
            WebUrl::parse("movilia.example/about").map(|u| u.to_string()),
            Ok("https://movilia.example/about".into())
        );
    }

    #[test]
    fn rejects_other_schemes_and_junk() {
        for bad in [
            "ftp://movilia.example",
            "javascript:alert(1)",
            "https://",
            "not a url",
            "http://localhost",
        ] {
            assert!(WebUrl::parse(bad).is_err(), "{bad} should be rejected");
        }
    }
}
