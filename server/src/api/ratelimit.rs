//! A per-key token bucket (a device id, or a client network for enrollment): `burst` requests at
//! once, refilled at `burst` per minute. Keys whose bucket has refilled are forgotten once many
//! keys are held, so a stream of new addresses cannot grow the table without bound.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Keys held before full buckets are forgotten (a full bucket is the same as no entry).
const PRUNE_ABOVE: usize = 10_000;

/// The rate-limit key of a client address: an IPv4 address as it is; an IPv6 address by its
/// /64 network (one subscriber line or LAN: its interface half is the device's to choose, so
/// per-address limits would be per-request for whoever changes it); an IPv4-mapped IPv6
/// address as the IPv4 address.
pub fn client_key(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let s = v6.segments();
                format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
            }
        },
    }
}

/// Token buckets by key.
pub struct RateLimiter {
    burst: f64,
    per_second: f64,
    buckets: Mutex<HashMap<String, (f64, Instant)>>,
}

impl RateLimiter {
    /// `per_minute` requests per minute per device, all of which may come at once.
    pub fn new(per_minute: u32) -> RateLimiter {
        let burst = f64::from(per_minute.max(1));
        RateLimiter {
            burst,
            per_second: burst / 60.0,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Take a token for `key`; `Err(wait)` when the bucket is empty.
    pub fn check(&self, key: &str) -> Result<(), Duration> {
        self.take(key, true)
    }

    /// Whether `key` has a token left, without taking it (`Err(wait)` when empty). With
    /// [`RateLimiter::charge`], a limiter that counts only failures (logins).
    pub fn peek(&self, key: &str) -> Result<(), Duration> {
        self.take(key, false)
    }

    /// Take a token for `key` whether or not one is left (a failed attempt).
    pub fn charge(&self, key: &str) {
        let _ = self.take(key, true);
    }

    fn take(&self, key: &str, consume: bool) -> Result<(), Duration> {
        let mut buckets = match self.buckets.lock() {
            Ok(b) => b,
            Err(poisoned) => poisoned.into_inner(),
        };
        let now = Instant::now();
        if buckets.len() > PRUNE_ABOVE {
            let full_after = Duration::from_secs_f64(self.burst / self.per_second);
            buckets.retain(|_, (_, last)| now.duration_since(*last) < full_after);
        }
        let (tokens, last) = buckets.entry(key.to_string()).or_insert((self.burst, now));
        let refill = now.duration_since(*last).as_secs_f64() * self.per_second;
        *tokens = (*tokens + refill).min(self.burst);
        *last = now;
        if *tokens >= 1.0 {
            if consume {
                *tokens -= 1.0;
            }
            Ok(())
        } else {
            Err(Duration::from_secs_f64((1.0 - *tokens) / self.per_second))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn peek_takes_nothing_and_charge_counts_failures_only() {
        let rl = RateLimiter::new(2);
        for _ in 0..5 {
            assert!(rl.peek("a").is_ok(), "successes are never counted");
        }
        rl.charge("a");
        rl.charge("a");
        assert!(rl.peek("a").is_err(), "two failures empty the bucket");
        assert!(rl.peek("b").is_ok());
    }

    #[test]
    fn burst_then_refused() {
        let rl = RateLimiter::new(3);
        assert!(rl.check("a").is_ok());
        assert!(rl.check("a").is_ok());
        assert!(rl.check("a").is_ok());
        let wait = rl.check("a").unwrap_err();
        assert!(wait.as_secs_f64() > 0.0);
        assert!(rl.check("b").is_ok());
    }

    #[test]
    fn ipv6_is_limited_by_its_64_network_and_mapped_ipv4_as_ipv4() {
        let a: IpAddr = "2001:db8:a:b:1:2:3:4".parse().unwrap();
        let b: IpAddr = "2001:db8:a:b:ffff::9".parse().unwrap();
        let other: IpAddr = "2001:db8:a:c::1".parse().unwrap();
        assert_eq!(client_key(a), client_key(b));
        assert_ne!(client_key(a), client_key(other));
        assert_eq!(client_key(a), "2001:db8:a:b::/64");
        let mapped: IpAddr = "::ffff:203.0.113.7".parse().unwrap();
        assert_eq!(client_key(mapped), "203.0.113.7");
        assert_eq!(client_key("203.0.113.7".parse().unwrap()), "203.0.113.7");
        // One /64 shares one bucket, whatever the interface half.
        let rl = RateLimiter::new(2);
        assert!(rl.check(&client_key(a)).is_ok());
        assert!(rl.check(&client_key(b)).is_ok());
        assert!(rl.check(&client_key(other)).is_ok());
        assert!(rl
            .check(&client_key("2001:db8:a:b::77".parse().unwrap()))
            .is_err());
    }

    #[test]
    fn many_keys_do_not_grow_the_table_without_bound() {
        let rl = RateLimiter::new(60);
        // Keys last seen over a minute ago: their buckets are full again, the same as absent.
        let long_ago = Instant::now()
            .checked_sub(Duration::from_secs(120))
            .expect("a clock two minutes old");
        {
            let mut b = rl.buckets.lock().unwrap();
            for i in 0..PRUNE_ABOVE {
                b.insert(format!("old{i}"), (60.0, long_ago));
            }
            // A key that used its burst 2 minutes ago… and one emptied just now.
            b.insert("recent".into(), (0.0, Instant::now()));
        }
        assert!(rl.check("new-1").is_ok());
        assert!(rl.check("new-2").is_ok());
        let b = rl.buckets.lock().unwrap();
        assert!(b.len() <= 3, "full buckets forgotten: {} left", b.len());
        assert!(b.contains_key("recent"), "a limited key is kept");
        drop(b);
        assert!(rl.check("recent").is_err(), "and stays limited");
    }
}
