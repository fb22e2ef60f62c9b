//! A per-device token bucket: `burst` requests at once, refilled at `burst` per minute.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Token buckets keyed by device id.
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
        let mut buckets = match self.buckets.lock() {
            Ok(b) => b,
            Err(poisoned) => poisoned.into_inner(),
        };
        let now = Instant::now();
        let (tokens, last) = buckets.entry(key.to_string()).or_insert((self.burst, now));
        let refill = now.duration_since(*last).as_secs_f64() * self.per_second;
        *tokens = (*tokens + refill).min(self.burst);
        *last = now;
        if *tokens >= 1.0 {
            *tokens -= 1.0;
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
    fn burst_then_refused() {
        let rl = RateLimiter::new(3);
        assert!(rl.check("a").is_ok());
        assert!(rl.check("a").is_ok());
        assert!(rl.check("a").is_ok());
        let wait = rl.check("a").unwrap_err();
        assert!(wait.as_secs_f64() > 0.0);
        assert!(rl.check("b").is_ok());
    }
}
