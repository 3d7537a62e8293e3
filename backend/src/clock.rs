//! The time the server goes by for deadlines: the system's, which tests may move forward so
//! that a deadline passes without waiting for it.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use chrono::{DateTime, SubsecRound, Utc};

/// The server's clock; cheap to clone, every clone sees the same time.
#[derive(Debug, Clone, Default)]
pub struct Clock {
    ahead_ms: Arc<AtomicI64>,
}

impl Clock {
    /// Now, at the precision both databases keep (microseconds).
    pub fn now(&self) -> DateTime<Utc> {
        let ahead = chrono::Duration::milliseconds(self.ahead_ms.load(Ordering::Relaxed));
        (Utc::now() + ahead).trunc_subsecs(6)
    }

    /// Moves this clock (and every clone) forward by `by`. Only tests do this.
    pub fn advance(&self, by: chrono::Duration) {
        self.ahead_ms
            .fetch_add(by.num_milliseconds(), Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clones_share_the_time_they_are_moved_to() {
        let clock = Clock::default();
        let copy = clock.clone();
        let before = copy.now();
        clock.advance(chrono::Duration::days(3));
        let moved = copy.now() - before;
        assert!(moved >= chrono::Duration::days(3), "moved {moved}");
        assert!(moved < chrono::Duration::days(3) + chrono::Duration::minutes(1));
    }
}
