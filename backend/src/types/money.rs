use std::fmt;

/// An amount of euros, kept in whole cents; never negative, at most a thousand million euros
/// (a sanity bound on what a regional innovation challenge can budget).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Money {
    cents: i64,
}

const MAX_CENTS: i64 = 1_000_000_000 * 100;

impl Money {
    /// From a JSON number of euros, with at most two decimals.
    pub fn from_euros(euros: f64) -> Result<Self, String> {
        if !euros.is_finite() || euros < 0.0 {
            return Err(format!(
                "{euros} is not an amount of euros: use a positive number like 150000"
            ));
        }
        let cents = (euros * 100.0).round();
        if (cents - euros * 100.0).abs() > 1e-6 {
            return Err(format!(
                "{euros} has more than two decimals: amounts are in euros and cents"
            ));
        }
        if cents > MAX_CENTS as f64 {
            return Err(format!(
                "{euros} euros is beyond the 1,000,000,000 € a challenge can budget"
            ));
        }
        Ok(Self {
            cents: cents as i64,
        })
    }

    /// From stored cents.
    pub fn from_cents(cents: i64) -> Self {
        Self {
            cents: cents.clamp(0, MAX_CENTS),
        }
    }

    /// Whole cents.
    pub fn cents(self) -> i64 {
        self.cents
    }

    /// Whole euros, rounded down.
    pub fn whole_euros(self) -> i64 {
        self.cents / 100
    }

    /// The amount as a JSON number: an integer when there are no cents, so imports round-trip.
    pub fn to_json(self) -> serde_json::Value {
        if self.cents % 100 == 0 {
            serde_json::Value::from(self.cents / 100)
        } else {
            serde_json::Value::from(self.cents as f64 / 100.0)
        }
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{:02} €", self.cents / 100, self.cents % 100)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_cents_and_round_trips_whole_euros() {
        assert_eq!(
            Money::from_euros(150000.0).map(Money::to_json),
            Ok(serde_json::json!(150000))
        );
        assert_eq!(Money::from_euros(99.95).map(Money::cents), Ok(9995));
    }

    #[test]
    fn rejects_negative_fractional_cents_and_absurd_amounts() {
        assert!(Money::from_euros(-1.0).is_err());
        assert!(Money::from_euros(1.005).is_err());
        assert!(Money::from_euros(2e12).is_err());
        assert!(Money::from_euros(f64::NAN).is_err());
    }
}
