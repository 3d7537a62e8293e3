use std::fmt;
use std::str::FromStr;

/// An email address as people type it, checked for form (RFC 5321 lengths, one `@`, a domain
/// with a dot), with the domain lower-cased. Whether the mailbox exists is the job of the
/// verification email, not of this type.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Email(String);

impl Email {
    /// Parses and normalises an address.
    pub fn parse(input: &str) -> Result<Self, String> {
        let trimmed = input.trim();
        let invalid = || format!("`{trimmed}` is not an email address like name@example.org");
        let parsed = email_address::EmailAddress::from_str(trimmed).map_err(|_| invalid())?;
        let (local, domain) = (parsed.local_part(), parsed.domain());
        // email_address accepts "user@localhost" and IP literals; mail between organisations
        // needs a public-looking domain.
        if !domain.contains('.')
            || domain.starts_with('[')
            || domain.ends_with('.')
            || local.is_empty()
        {
            return Err(invalid());
        }
        if trimmed.len() > 254 {
            return Err(format!(
                "`{trimmed}` is longer than the 254 characters an address may have"
            ));
        }
        Ok(Self(format!("{local}@{}", domain.to_lowercase())))
    }

    /// The address.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The address with its local part hidden, for logs: `l***@movilia.example`.
    pub fn masked(&self) -> String {
        match self.0.split_once('@') {
            Some((local, domain)) => {
                let first: String = local.chars().take(1).collect();
                format!("{first}***@{domain}")
            }
            None => "***".to_owned(),
        }
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_the_domain_only() {
        assert_eq!(
            Email::parse(" Lucia@Movilia.EXAMPLE ").map(|e| e.to_string()),
            Ok("Lucia@movilia.example".into())
        );
    }

    #[test]
    fn rejects_what_is_not_an_address() {
        for bad in [
            "",
            "lucia",
            "lucia@",
            "@movilia.example",
            "lucia@localhost",
            "a b@c.d",
            "lucia@@x.es",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad} should be rejected");
        }
    }

    proptest::proptest! {
        #[test]
        fn never_panics_and_what_it_accepts_has_one_at_and_a_dotted_domain(input in ".{0,80}") {
            if let Ok(email) = Email::parse(&input) {
                let (_, domain) = email.as_str().rsplit_once('@').unwrap_or_default();
                proptest::prop_assert!(domain.contains('.'));
                proptest::prop_assert_eq!(Email::parse(email.as_str()), Ok(email.clone()), "parsing is idempotent");
            }
        }
    }

    #[test]
    fn masks_the_local_part() {
        let email = Email::parse("lucia@movilia.example").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(email.masked(), "l***@movilia.example");
    }
}
