//! Rate limits on the actions an attacker repeats: sign-in, sign-up, password resets, links,
//! introductions and unsubscribes. Each is keyed by client address, and the account-targeted
//! ones also by account, so a brute force from one address is stopped without locking the
//! account's owner out from another. Limits are per process (a GCRA from `governor`).

use std::net::{IpAddr, SocketAddr};
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota};

use super::AppState;
use super::error::ApiError;
use crate::domain::Error;

/// The client's address: the TCP peer, or the last `X-Forwarded-For` hop behind a trusted proxy.
#[derive(Debug, Clone)]
pub struct ClientIp(pub Option<IpAddr>);

impl ClientIp {
    /// As text, for logs and the audit.
    pub fn text(&self) -> Option<String> {
        self.0.map(|ip| ip.to_string())
    }
}

impl FromRequestParts<AppState> for ClientIp {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        if state.ctx.config.trust_proxy
            && let Some(forwarded) = parts
                .headers
                .get("x-forwarded-for")
                .and_then(|v| v.to_str().ok())
            && let Some(ip) = forwarded
                .rsplit(',')
                .next()
                .and_then(|s| s.trim().parse().ok())
        {
            return Ok(ClientIp(Some(ip)));
        }
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip());
        Ok(ClientIp(peer))
    }
}

/// A quota of `burst` requests, refilled one every `period`.
fn quota(burst: u32, period: Duration) -> Quota {
    let burst = NonZeroU32::new(burst).unwrap_or(NonZeroU32::MIN);
    Quota::with_period(period)
        .unwrap_or_else(|| Quota::per_second(burst))
        .allow_burst(burst)
}

/// Every limiter of the application.
pub struct RateLimits {
    login_by_ip: DefaultKeyedRateLimiter<String>,
    login_by_account: DefaultKeyedRateLimiter<String>,
    signup_by_ip: DefaultKeyedRateLimiter<String>,
    reset_by_ip: DefaultKeyedRateLimiter<String>,
    reset_by_account: DefaultKeyedRateLimiter<String>,
    introductions_by_user: DefaultKeyedRateLimiter<String>,
    unsubscribe_by_ip: DefaultKeyedRateLimiter<String>,
}

/// What is being limited.
#[derive(Debug, Clone, Copy)]
pub enum Action {
    /// Password sign-in.
    Login,
    /// Account creation.
    SignUp,
    /// Password reset or sign-in link request.
    Reset,
    /// An officer sends an introduction.
    Introduction,
    /// An unsubscribe click.
    Unsubscribe,
}

impl Default for RateLimits {
    fn default() -> Self {
        let keyed = |q: Quota| DefaultKeyedRateLimiter::keyed(q);
        Self {
            // Ten attempts at once, then one every six seconds: room for an office behind one address.
            login_by_ip: keyed(quota(10, Duration::from_secs(6))),
            login_by_account: keyed(quota(20, Duration::from_secs(60))),
            signup_by_ip: keyed(quota(5, Duration::from_secs(60))),
            reset_by_ip: keyed(quota(5, Duration::from_secs(60))),
            reset_by_account: keyed(quota(3, Duration::from_secs(300))),
            introductions_by_user: keyed(quota(30, Duration::from_secs(60))),
            unsubscribe_by_ip: keyed(quota(30, Duration::from_secs(2))),
        }
    }
}

impl RateLimits {
    /// Shared limiters.
    pub fn new() -> Arc<Self> {
        Arc::new(Self::default())
    }

    /// Counts one `action` by `ip` (and `account`, when it targets one); a 429 when over quota.
    /// The address is checked first, so requests it refuses do not use up the account's quota.
    pub fn check(
        &self,
        action: Action,
        ip: &ClientIp,
        account: Option<&str>,
    ) -> Result<(), ApiError> {
        let ip_key = ip.text().unwrap_or_else(|| "unknown".into());
        let (by_ip, by_account) = match action {
            Action::Login => (&self.login_by_ip, Some(&self.login_by_account)),
            Action::SignUp => (&self.signup_by_ip, None),
            Action::Reset => (&self.reset_by_ip, Some(&self.reset_by_account)),
            Action::Introduction => (&self.introductions_by_user, None),
            Action::Unsubscribe => (&self.unsubscribe_by_ip, None),
        };
        let clock = DefaultClock::default();
        let refuse = |not_until: governor::NotUntil<<DefaultClock as Clock>::Instant>| {
            let wait = not_until.wait_time_from(clock.now()).as_secs().max(1);
            ApiError(Error::RateLimited {
                retry_after_seconds: wait,
            })
        };
        let key = match (action, account) {
            (Action::Introduction, Some(user)) => user.to_owned(),
            _ => ip_key,
        };
        by_ip.check_key(&key).map_err(refuse)?;
        if let (Some(limiter), Some(account)) = (by_account, account) {
            limiter
                .check_key(&account.trim().to_lowercase())
                .map_err(refuse)?;
        }
        Ok(())
    }
}
