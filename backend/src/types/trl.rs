use std::fmt;

/// Technology readiness level, 1 (basic principles) to 9 (proven in operation).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Trl(u8);

impl Trl {
    /// Accepts the integers 1 to 9.
    pub fn new(level: i64) -> Result<Self, String> {
        match u8::try_from(level) {
            Ok(level @ 1..=9) => Ok(Self(level)),
            _ => Err(format!(
                "{level} is not a technology readiness level: use a whole number from 1 to 9"
            )),
        }
    }

    /// The level as a number.
    pub fn get(self) -> u8 {
        self.0
    }
}

impl fmt::Display for Trl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_one_to_nine() {
        assert!(Trl::new(0).is_err());
        assert!(Trl::new(10).is_err());
        assert!(Trl::new(-3).is_err());
        assert_eq!(Trl::new(9).map(Trl::get), Ok(9));
    }
}
