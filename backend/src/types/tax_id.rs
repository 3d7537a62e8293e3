use std::fmt;

/// A Spanish tax identification number, with its check character verified:
/// NIF of a person (`12345678Z`), NIE of a foreign resident (`X1234567L`) or CIF of a legal
/// entity (`B12345674`). Spaces, dots and hyphens are dropped; letters are upper-cased.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TaxId(String);

const NIF_LETTERS: &[u8; 23] = b"TRWAGMYFPDXBNJZSQVHLCKE";
const CIF_CONTROL_LETTERS: &[u8; 10] = b"JABCDEFGHI";

impl TaxId {
    /// Parses and verifies a NIF, NIE or CIF.
    pub fn parse(input: &str) -> Result<Self, String> {
        let id: String = input
            .chars()
            .filter(|c| !matches!(c, ' ' | '.' | '-'))
            .map(|c| c.to_ascii_uppercase())
            .collect();
        let bytes = id.as_bytes();
        let shape = || {
            format!(
                "`{}` is not a Spanish tax id (NIF 12345678Z, NIE X1234567L or CIF B12345674)",
                input.trim()
            )
        };
        if bytes.len() != 9 || !id.is_ascii() {
            return Err(shape());
        }
        let digits = |range: std::ops::Range<usize>| bytes[range].iter().all(u8::is_ascii_digit);
        let wrong_check =
            || format!("`{id}` has a wrong check character: please copy the tax id again");
        match bytes[0] {
            b'0'..=b'9' if digits(0..8) => check_letter(&id[..8], bytes[8])
                .then_some(())
                .ok_or_else(wrong_check)?,
            first @ (b'X' | b'Y' | b'Z') if digits(1..8) => {
                let number = format!("{}{}", first - b'X', &id[1..8]);
                check_letter(&number, bytes[8])
                    .then_some(())
                    .ok_or_else(wrong_check)?
            }
            b'K' | b'L' | b'M' if digits(1..8) => check_letter(&id[1..8], bytes[8])
                .then_some(())
                .ok_or_else(wrong_check)?,
            first if b"ABCDEFGHJNPQRSUVW".contains(&first) && digits(1..8) => {
                check_cif(first, &bytes[1..8], bytes[8])
                    .then_some(())
                    .ok_or_else(wrong_check)?
            }
            _ => return Err(shape()),
        }
        Ok(Self(id))
    }

    /// The normalised id.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

fn check_letter(number: &str, letter: u8) -> bool {
    number
        .parse::<u32>()
        .is_ok_and(|n| NIF_LETTERS[(n % 23) as usize] == letter)
}

fn check_cif(first: u8, digits: &[u8], control: u8) -> bool {
    let sum: u32 = digits
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let d = u32::from(d - b'0');
            if i % 2 == 0 {
                let doubled = d * 2;
                doubled / 10 + doubled % 10
            } else {
                d
            }
        })
        .sum();
    let unit = (10 - sum % 10) % 10;
    let as_digit = control == b'0' + unit as u8;
    let as_letter = control == CIF_CONTROL_LETTERS[unit as usize];
    match first {
        b'P' | b'Q' | b'R' | b'S' | b'W' | b'N' => as_letter,
        b'A' | b'B' | b'E' | b'H' => as_digit,
        _ => as_digit || as_letter,
    }
}

impl fmt::Display for TaxId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn accepts_valid_nif_nie_and_cif() {
        for valid in [
            "12345678Z",
            "12.345.678-z",
            "X1234567L",
            "Y0000000Z",
            "B12345674",
            "Q2826000H",
            "A58818501",
        ] {
            assert!(
                TaxId::parse(valid).is_ok(),
                "{valid} should be accepted: {:?}",
                TaxId::parse(valid)
            );
        }
    }

    #[test]
    fn rejects_wrong_check_characters() {
        for invalid in [
            "12345678A",
            "X1234567A",
            "B12345675",
            "Q2826000J",
            "A5881850A",
        ] {
            let error = TaxId::parse(invalid).err().unwrap_or_default();
            assert!(error.contains("check character"), "{invalid}: {error}");
        }
    }

    #[test]
    fn rejects_other_shapes() {
        for invalid in ["", "1234", "ÑÑÑÑÑÑÑÑÑ", "I12345678", "123456789"] {
            assert!(
                TaxId::parse(invalid).is_err(),
                "{invalid} should be rejected"
            );
        }
    }

    proptest! {
        #[test]
        fn never_panics_on_any_input(input in ".{0,40}") {
            let _ = TaxId::parse(&input);
        }

        #[test]
        fn every_number_with_its_letter_is_a_valid_nif(n in 0u32..100_000_000) {
            let id = format!("{n:08}{}", NIF_LETTERS[(n % 23) as usize] as char);
            prop_assert!(TaxId::parse(&id).is_ok());
        }

        #[test]
        fn changing_the_letter_of_a_nif_is_caught(n in 0u32..100_000_000, shift in 1usize..23) {
            let wrong = NIF_LETTERS[((n % 23) as usize + shift) % 23] as char;
            let id = format!("{n:08}{wrong}");
            prop_assert!(TaxId::parse(&id).is_err());
        }
    }
}
