//! Rate limits on what an attacker repeats or what costs the server most: sign-in, sign-up,
//! emailed links, introductions and other actions that send email, unsubscribes, and every
//! request that embeds text (search, the supply preview, suggestions).
//!
//! Anonymous requests are keyed by client address; signed-in ones by user, so an office behind
//! one address is not one bucket. Account-targeted actions (sign-in, links) are keyed by
//! address *and* by account, so a brute force from one address is stopped without locking the
//! account's owner out from another. Limits are per process (a GCRA from `governor`); keys
//! whose bucket is full again are forgotten every few thousand checks, so keys an attacker
//! invents (addresses, forwarded-for values) do not pile up.

use std::net::{IpAddr, SocketAddr};
use std::num::NonZeroU32;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use governor::clock::{Clock, DefaultClock};
use governor::state::keyed::DefaultKeyedStateStore;
use governor::{Quota, RateLimiter};

use super::AppState;
use super::error::ApiError;
use crate::domain::{Actor, Error};

/// The client's address: the TCP peer, or, behind `trusted_proxies` reverse proxies, the
/// rightmost `X-Forwarded-For` hop that none of them added.
#[derive(Debug, Clone)]
pub struct ClientIp(pub Option<IpAddr>);

impl ClientIp {
    /// As text, for logs and the audit.
    pub fn text(&self) -> Option<String> {
        self.0.map(|ip| ip.to_string())
    }

    /// The client behind `trusted_proxies` proxies, from the peer address and the
    /// `X-Forwarded-For` values (each proxy appends the address it received from). The header
    /// counts only when the peer is in one of the `proxy_networks`: anyone else is the client.
    /// With fewer hops than proxies the leftmost is the best there is; an unparsable hop is no
    /// address.
    pub fn resolve(
        peer: Option<IpAddr>,
        forwarded_for: &[&str],
        trusted_proxies: usize,
        proxy_networks: &[ipnet::IpNet],
    ) -> ClientIp {
        let from_a_proxy = peer.is_some_and(|peer| {
            let peer = match peer {
                IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(peer, IpAddr::V4),
                v4 => v4,
            };
            proxy_networks.iter().any(|n| n.contains(&peer))
        });
        if trusted_proxies == 0 || !from_a_proxy {
            return ClientIp(peer);
        }
        let hops: Vec<&str> = forwarded_for
            .iter()
            .flat_map(|value| value.split(','))
            .map(str::trim)
            .filter(|hop| !hop.is_empty())
            .collect();
        let Some(index) = hops.len().checked_sub(trusted_proxies).or(
            // Fewer hops than proxies: the request came through fewer of them than configured.
            (!hops.is_empty()).then_some(0),
        ) else {
            return ClientIp(peer);
        };
        ClientIp(hops[index].parse().ok())
    }
}

impl FromRequestParts<AppState> for ClientIp {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip());
        let forwarded: Vec<&str> = parts
            .headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .collect();
        Ok(ClientIp::resolve(
            peer,
            &forwarded,
            state.ctx.config.trusted_proxies,
            &state.ctx.config.trusted_proxy_networks,
        ))
    }
}

/// A quota of `burst` requests, refilled one every `period`.
fn quota(burst: u32, period: Duration) -> Quota {
    let burst = NonZeroU32::new(burst).unwrap_or(NonZeroU32::MIN);
    Quota::with_period(period)
        .unwrap_or_else(|| Quota::per_second(burst))
        .allow_burst(burst)
}

/// What is being limited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Password sign-in.
    Login,
    /// Account creation.
    SignUp,
    /// A password-reset or sign-in link sent by email.
    EmailLink,
    /// An officer sends an introduction.
    Introduction,
    /// Any other action that sends someone an email (interest, invitations, questions).
    Notify,
    /// An unsubscribe click.
    Unsubscribe,
    /// A search, or any request that embeds text.
    Search,
}

type Keyed<C> = RateLimiter<
    String,
    DefaultKeyedStateStore<String>,
    C,
    governor::middleware::NoOpMiddleware<<C as Clock>::Instant>,
>;

/// One action's limiters.
struct Limit<C: Clock> {
    by_client: Keyed<C>,
    by_account: Option<Keyed<C>>,
}

/// Every limiter of the application; the clock is the system's except in tests.
pub struct RateLimits<C: Clock = DefaultClock> {
    login: Limit<C>,
    sign_up: Limit<C>,
    email_link: Limit<C>,
    introduction: Limit<C>,
    notify: Limit<C>,
    unsubscribe: Limit<C>,
    search: Option<Limit<C>>,
    clock: C,
    checks: AtomicU64,
}

/// Checks between two evictions of forgotten keys.
const EVICT_EVERY: u64 = 4096;

impl RateLimits {
    /// The limits, with `search_per_minute` searches per client and minute (0: unlimited).
    pub fn new(search_per_minute: u32) -> Arc<Self> {
        Arc::new(Self::with_clock(search_per_minute, DefaultClock::default()))
    }
}

impl<C: Clock + Clone> RateLimits<C> {
    /// The limits on `clock`.
    pub fn with_clock(search_per_minute: u32, clock: C) -> Self {
        let limit = |by_client: Quota, by_account: Option<Quota>| Limit {
            by_client: RateLimiter::new(
                by_client,
                DefaultKeyedStateStore::default(),
                clock.clone(),
            ),
            by_account: by_account
                .map(|q| RateLimiter::new(q, DefaultKeyedStateStore::default(), clock.clone())),
        };
        let search = (search_per_minute > 0).then(|| {
            let period = Duration::from_secs(60) / search_per_minute;
            // Half a minute's worth at once: typing a query sends one request per pause.
            limit(quota(search_per_minute.div_ceil(2).max(1), period), None)
        });
        Self {
            // Ten attempts at once, then one every six seconds: room for an office behind one address.
            login: limit(
                quota(10, Duration::from_secs(6)),
                Some(quota(20, Duration::from_secs(60))),
            ),
            // Each sign-up emails its address: three an address in five minutes.
            sign_up: limit(
                quota(5, Duration::from_secs(60)),
                Some(quota(3, Duration::from_secs(300))),
            ),
            email_link: limit(
                quota(5, Duration::from_secs(60)),
                Some(quota(3, Duration::from_secs(300))),
            ),
            introduction: limit(quota(30, Duration::from_secs(60)), None),
            notify: limit(quota(20, Duration::from_secs(30)), None),
            unsubscribe: limit(quota(30, Duration::from_secs(2)), None),
            search,
            clock,
            checks: AtomicU64::new(0),
        }
    }

    fn of(&self, action: Action) -> Option<&Limit<C>> {
        match action {
            Action::Login => Some(&self.login),
            Action::SignUp => Some(&self.sign_up),
            Action::EmailLink => Some(&self.email_link),
            Action::Introduction => Some(&self.introduction),
            Action::Notify => Some(&self.notify),
            Action::Unsubscribe => Some(&self.unsubscribe),
            Action::Search => self.search.as_ref(),
        }
    }

    /// Counts one `action` by a client; `account` names the account it targets (sign-in and
    /// emailed links). A 429 when over quota. The client is checked first, so requests it
    /// refuses do not use up the account's quota.
    pub fn check(
        &self,
        action: Action,
        ip: &ClientIp,
        account: Option<&str>,
    ) -> Result<(), ApiError> {
        self.check_key(action, &client_key(ip, None), account)
    }

    /// Counts one `action` by `actor`: by user when signed in, else by address.
    pub fn check_actor(
        &self,
        action: Action,
        actor: &Actor,
        ip: &ClientIp,
    ) -> Result<(), ApiError> {
        self.check_key(action, &client_key(ip, actor.user_id()), None)
    }

    fn check_key(
        &self,
        action: Action,
        client: &str,
        account: Option<&str>,
    ) -> Result<(), ApiError> {
        if self.checks.fetch_add(1, Ordering::Relaxed) % EVICT_EVERY == EVICT_EVERY - 1 {
            self.evict();
        }
        let Some(limit) = self.of(action) else {
            return Ok(());
        };
        let refuse = |not_until: governor::NotUntil<C::Instant>| {
            let wait = not_until.wait_time_from(self.clock.now()).as_secs().max(1);
            ApiError(Error::RateLimited {
                retry_after_seconds: wait,
            })
        };
        limit
            .by_client
            .check_key(&client.to_owned())
            .map_err(refuse)?;
        if let (Some(limiter), Some(account)) = (&limit.by_account, account) {
            limiter
                .check_key(&account.trim().to_lowercase())
                .map_err(refuse)?;
        }
        Ok(())
    }

    fn limiters(&self) -> impl Iterator<Item = &Keyed<C>> {
        [
            Some(&self.login),
            Some(&self.sign_up),
            Some(&self.email_link),
            Some(&self.introduction),
            Some(&self.notify),
            Some(&self.unsubscribe),
            self.search.as_ref(),
        ]
        .into_iter()
        .flatten()
        .flat_map(|limit| std::iter::once(&limit.by_client).chain(limit.by_account.as_ref()))
    }

    /// Forgets every key whose bucket is full again: it would behave as a new key anyway.
    fn evict(&self) {
        for limiter in self.limiters() {
            limiter.retain_recent();
            limiter.shrink_to_fit();
        }
    }

    /// Keys held in every limiter.
    #[cfg(test)]
    fn keys_held(&self) -> usize {
        self.limiters().map(RateLimiter::len).sum()
    }
}

/// The bucket of a request: its account, else its network. An IPv6 client is its /64, the
/// block one subscriber gets, so that changing addresses within it does not buy new buckets.
fn client_key(ip: &ClientIp, user: Option<i64>) -> String {
    match (user, ip.0) {
        (Some(id), _) => format!("user:{id}"),
        (None, Some(IpAddr::V6(v6))) => match v6.to_ipv4_mapped() {
            Some(v4) => format!("ip:{v4}"),
            None => {
                let s = v6.segments();
                format!("ip:{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
            }
        },
        (None, Some(IpAddr::V4(v4))) => format!("ip:{v4}"),
        (None, None) => "ip:unknown".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_ipv6_client_is_its_64_block() {
        let key = |text: &str| client_key(&ClientIp(text.parse().ok()), None);
        assert_eq!(key("2001:db8:1:2:aaaa::1"), key("2001:db8:1:2:ffff:1:2:3"));
        assert_ne!(key("2001:db8:1:2::1"), key("2001:db8:1:3::1"));
        assert_eq!(key("::ffff:192.0.2.7"), key("192.0.2.7"));
        assert_ne!(key("192.0.2.7"), key("192.0.2.8"));
        assert_eq!(client_key(&ClientIp(None), Some(7)), "user:7");
    }

    fn ip(text: &str) -> Option<IpAddr> {
        text.parse().ok()
    }

    fn private() -> Vec<ipnet::IpNet> {
        ["127.0.0.0/8", "10.0.0.0/8", "::1/128"]
            .iter()
            .filter_map(|n| n.parse().ok())
            .collect()
    }

    #[test]
    fn a_client_reaching_the_port_directly_cannot_forge_its_address() {
        // Not from a proxy's network: the header is the client's own words.
        let direct = ClientIp::resolve(ip("203.0.113.9"), &["10.9.9.9"], 1, &private());
        assert_eq!(direct.0, ip("203.0.113.9"));
        // From the proxy, over IPv4 or as an IPv4-mapped IPv6 peer: the header counts.
        for proxy in ["10.0.0.2", "::ffff:10.0.0.2", "::1"] {
            let relayed = ClientIp::resolve(ip(proxy), &["198.51.100.7"], 1, &private());
            assert_eq!(relayed.0, ip("198.51.100.7"), "{proxy}");
        }
    }

    #[test]
    fn without_trusted_proxies_the_peer_is_the_client_whatever_the_header_says() {
        let client = ClientIp::resolve(ip("203.0.113.9"), &["10.0.0.1"], 0, &private());
        assert_eq!(client.0, ip("203.0.113.9"));
    }

    #[test]
    fn the_rightmost_hop_the_trusted_proxies_did_not_add_is_the_client() {
        // The client forged the first hop; one proxy appended the real address.
        let forged = ["6.6.6.6, 198.51.100.7"];
        assert_eq!(
            ClientIp::resolve(ip("10.0.0.2"), &forged, 1, &private()).0,
            ip("198.51.100.7")
        );
        // Two proxies: the second appended the first's address.
        let two = ["6.6.6.6, 198.51.100.7, 10.0.0.3"];
        assert_eq!(
            ClientIp::resolve(ip("10.0.0.2"), &two, 2, &private()).0,
            ip("198.51.100.7")
        );
        // Headers split over several lines read as one list.
        let split = ["6.6.6.6", "198.51.100.7, 10.0.0.3"];
        assert_eq!(
            ClientIp::resolve(ip("10.0.0.2"), &split, 2, &private()).0,
            ip("198.51.100.7")
        );
        // No header behind a proxy: the peer.
        assert_eq!(
            ClientIp::resolve(ip("10.0.0.2"), &[], 1, &private()).0,
            ip("10.0.0.2")
        );
    }

    #[test]
    fn keys_of_full_buckets_are_forgotten() {
        let clock = governor::clock::FakeRelativeClock::default();
        let limits = RateLimits::with_clock(120, clock.clone());
        let client = ClientIp(ip("10.0.0.1"));
        for n in 0..10 {
            let address = format!("someone{n}@example.org");
            assert!(limits.check(Action::Login, &client, Some(&address)).is_ok());
        }
        // One key for the address, one for each account.
        assert_eq!(limits.keys_held(), 11);
        limits.evict();
        assert_eq!(limits.keys_held(), 11, "buckets still refilling are kept");
        // The address's ten attempts refill in a minute, each account's one in a minute.
        clock.advance(Duration::from_secs(121));
        limits.evict();
        assert_eq!(limits.keys_held(), 0);
    }

    #[test]
    fn eviction_runs_by_itself_as_keys_are_checked() {
        let clock = governor::clock::FakeRelativeClock::default();
        let limits = RateLimits::with_clock(1_000_000, clock.clone());
        for n in 0..EVICT_EVERY * 2 {
            let client = ClientIp(
                format!("10.{}.{}.{}", n >> 16 & 255, n >> 8 & 255, n & 255)
                    .parse()
                    .ok(),
            );
            assert!(limits.check(Action::Search, &client, None).is_ok());
            clock.advance(Duration::from_secs(1));
        }
        assert!(
            limits.keys_held() < EVICT_EVERY as usize,
            "{}",
            limits.keys_held()
        );
    }

    #[test]
    fn a_client_over_quota_is_refused_with_the_wait() {
        let clock = governor::clock::FakeRelativeClock::default();
        let limits = RateLimits::with_clock(60, clock.clone());
        let client = ClientIp(ip("10.0.0.1"));
        for _ in 0..30 {
            assert!(limits.check(Action::Search, &client, None).is_ok());
        }
        let refused = limits.check(Action::Search, &client, None);
        assert!(matches!(
            refused,
            Err(ApiError(Error::RateLimited {
                retry_after_seconds: 1
            }))
        ));
        clock.advance(Duration::from_secs(1));
        assert!(limits.check(Action::Search, &client, None).is_ok());
    }
}
