use std::fmt;

/// A CPV 2008 code (Common Procurement Vocabulary) of eight digits, without the check digit.
///
/// The code is hierarchical: the first two digits are the division, three the group, four the
/// class and five the category; trailing zeros mean "the whole branch".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Cpv([u8; 8]);

/// The 45 divisions of CPV 2008: every valid code starts with one of them.
const DIVISIONS: [&str; 45] = [
    "03", "09", "14", "15", "16", "18", "19", "22", "24", "30", "31", "32", "33", "34", "35", "37",
    "38", "39", "41", "42", "43", "44", "45", "48", "50", "51", "55", "60", "63", "64", "65", "66",
    "70", "71", "72", "73", "75", "76", "77", "79", "80", "85", "90", "92", "98",
];

impl Cpv {
    /// Parses `72316000`; a trailing check digit (`72316000-8`) is accepted and dropped.
    pub fn parse(input: &str) -> Result<Self, String> {
        let trimmed = input.trim();
        let digits = match trimmed.split_once('-') {
            Some((code, check))
                if check.len() == 1 && check.bytes().all(|b| b.is_ascii_digit()) =>
            {
                code
            }
            _ => trimmed,
        };
        let bytes = digits.as_bytes();
        if bytes.len() != 8 || !bytes.iter().all(u8::is_ascii_digit) {
            return Err(format!(
                "`{trimmed}` is not a CPV code: it needs 8 digits, like 72316000"
            ));
        }
        if !DIVISIONS.contains(&&digits[..2]) {
            return Err(format!(
                "`{trimmed}` is not a CPV code: no CPV division starts with {}",
                &digits[..2]
            ));
        }
        let mut code = [0u8; 8];
        code.copy_from_slice(bytes);
        Ok(Self(code))
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
    fn rejects_wrong_length_letters_and_unknown_divisions() {
        assert!(Cpv::parse("7231600").is_err());
        assert!(Cpv::parse("7231600A").is_err());
        assert!(Cpv::parse("01000000").is_err());
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
        fn every_code_of_a_division_round_trips(division in proptest::sample::select(DIVISIONS.to_vec()), rest in 0u32..1_000_000) {
            let text = format!("{division}{rest:06}");
            proptest::prop_assert_eq!(Cpv::parse(&text).map(|c| c.to_string()), Ok(text));
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
