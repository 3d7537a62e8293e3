use std::fmt;

/// A CPV 2008 code (Common Procurement Vocabulary) of eight digits, without the check digit.
///
/// The code is hierarchical: the first two digits are the division, three the group, four the
/// class and five the category; trailing zeros mean "the whole branch".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Cpv([u8; 8]);

impl Cpv {
    /// Parses a code of the CPV 2008 vocabulary, `72316000`; a trailing check digit
    /// (`72316000-8`) is accepted and dropped, as OCDS advises. A code of eight digits that
    /// the vocabulary does not have is refused, naming it.
    pub fn parse(input: &str) -> Result<Self, String> {
        let code = Self::parse_digits(input)?;
        if factoria_vocabulary::lookup(code.as_str()).is_none() {
            return Err(format!(
                "`{}` is not a code of the CPV 2008 vocabulary",
                input.trim()
            ));
        }
        Ok(code)
    }

    /// Parses eight digits (with or without a check digit) without asking the vocabulary: for
    /// codes read back from the database, stored before the vocabulary was checked.
    pub fn parse_digits(input: &str) -> Result<Self, String> {
        let trimmed = input.trim();
        let Some(digits) = factoria_vocabulary::digits(trimmed) else {
            return Err(format!(
                "`{trimmed}` is not a CPV code: it needs 8 digits, like 72316000"
            ));
        };
        let mut code = [0u8; 8];
        code.copy_from_slice(digits.as_bytes());
        Ok(Self(code))
    }

    /// Parses a division of the vocabulary, its two digits (`72`), for filters.
    pub fn parse_division(input: &str) -> Result<String, String> {
        let trimmed = input.trim();
        let known = trimmed.len() == 2
            && trimmed.bytes().all(|b| b.is_ascii_digit())
            && factoria_vocabulary::lookup(&format!("{trimmed}000000")).is_some();
        if known {
            Ok(trimmed.to_owned())
        } else {
            Err(format!(
                "`{trimmed}` is not a CPV division: two digits of the vocabulary, like 72"
            ))
        }
    }

    /// The vocabulary's entry for this code, when it has one.
    pub fn entry(&self) -> Option<&'static factoria_vocabulary::Code> {
        factoria_vocabulary::lookup(self.as_str())
    }

    /// The eight digits.
    pub fn as_str(&self) -> &str {
        // Only ASCII digits are ever stored.
        std::str::from_utf8(&self.0).unwrap_or("00000000")
    }

    /// The significant prefix: the code without its trailing zeros, at least the division.
    pub fn significant(&self) -> &str {
        let s = self.as_str();
        let end = s.trim_end_matches('0').len().max(2);
        &s[..end]
    }

    /// The levels used for facets and overlap: division (2), group (3), class (4), category (5)
    /// and the full code, as far as the code is specific.
    pub fn levels(&self) -> Vec<&str> {
        let s = self.as_str();
        let depth = self.significant().len();
        let mut levels: Vec<&str> = [2, 3, 4, 5]
            .into_iter()
            .filter(|&n| n <= depth)
            .map(|n| &s[..n])
            .collect();
        if depth > 5 {
            levels.push(s);
        }
        levels
    }
}

impl fmt::Display for Cpv {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_codes_with_or_without_check_digit() {
        assert_eq!(
            Cpv::parse("72316000").map(|c| c.to_string()),
            Ok("72316000".into())
        );
        assert_eq!(
            Cpv::parse(" 72316000-8 ").map(|c| c.to_string()),
            Ok("72316000".into())
        );
    }

    #[test]
    fn rejects_wrong_length_letters_and_codes_outside_the_vocabulary() {
        assert!(Cpv::parse("7231600").is_err());
        assert!(Cpv::parse("7231600A").is_err());
        assert!(Cpv::parse("01000000").is_err());
        let unknown = Cpv::parse("72316999").err().unwrap_or_default();
        assert!(unknown.contains("72316999"), "{unknown}");
        assert!(Cpv::parse_digits("72316999").is_ok());
    }

    proptest::proptest! {
        #[test]
        fn never_panics_and_accepts_only_eight_digits(input in ".{0,20}") {
            if let Ok(code) = Cpv::parse(&input) {
                proptest::prop_assert_eq!(code.as_str().len(), 8);
                proptest::prop_assert!(code.as_str().bytes().all(|b| b.is_ascii_digit()));
            }
        }

        #[test]
        fn every_code_of_the_vocabulary_round_trips(i in 0usize..9454) {
            let text = factoria_vocabulary::all()[i].code.to_owned();
            proptest::prop_assert_eq!(Cpv::parse(&text).map(|c| c.to_string()), Ok(text.clone()));
            proptest::prop_assert_eq!(Cpv::parse(&format!("{text}-7")).map(|c| c.to_string()), Ok(text));
        }
    }

    #[test]
    fn levels_follow_the_hierarchy() {
        let code = Cpv::parse("72316000").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(code.levels(), vec!["72", "723", "7231", "72316"]);
        let division = Cpv::parse("72000000").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(division.levels(), vec!["72"]);
        let full = Cpv::parse("85312400").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            full.levels(),
            vec!["85", "853", "8531", "85312", "85312400"]
        );
    }
}
