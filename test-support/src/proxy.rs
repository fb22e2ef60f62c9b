//! A fault-injecting TCP proxy for sync tests: forwards loopback connections to the server and,
//! with a given probability per connection, cuts it after a random number of bytes in either
//! direction — inside a photo chunk, a manifest or a response. Counts the bytes that reach the
//! server. The target can be changed (a restarted server on another port).

use rand::{Rng, SeedableRng};
use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How to break connections.
#[derive(Debug, Clone, Copy)]
pub struct Faults {
    /// Chance that a new connection will be cut.
    pub cut_probability: f64,
    /// A cut happens after 0..max_bytes bytes (both directions counted).
    pub max_bytes: u64,
}

pub struct FaultProxy {
    pub addr: String,
    target: Arc<Mutex<String>>,
    faults: Arc<Mutex<Faults>>,
    stop: Arc<AtomicBool>,
    /// Bytes forwarded from devices to the server.
    pub upstream_bytes: Arc<AtomicU64>,
    /// Connections cut so far.
    pub cuts: Arc<AtomicU64>,
    /// The `cursor` of every `GET /api/v1/sync` request that reached the server, in order.
    pub pull_cursors: Arc<Mutex<Vec<i64>>>,
}

impl FaultProxy {
    pub fn start(target: &str, faults: Faults, seed: u64) -> FaultProxy {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind proxy");
        let addr = listener.local_addr().expect("addr").to_string();
        listener.set_nonblocking(true).expect("nonblocking");
        let proxy = FaultProxy {
            addr,
            target: Arc::new(Mutex::new(target.to_string())),
            faults: Arc::new(Mutex::new(faults)),
            stop: Arc::new(AtomicBool::new(false)),
            upstream_bytes: Arc::new(AtomicU64::new(0)),
            cuts: Arc::new(AtomicU64::new(0)),
            pull_cursors: Arc::new(Mutex::new(Vec::new())),
        };
        let (target, faults, stop, up, cuts, pulls) = (
            proxy.target.clone(),
            proxy.faults.clone(),
            proxy.stop.clone(),
            proxy.upstream_bytes.clone(),
            proxy.cuts.clone(),
            proxy.pull_cursors.clone(),
        );
        std::thread::spawn(move || {
            let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
            while !stop.load(Ordering::SeqCst) {
                match listener.accept() {
                    Ok((client, _)) => {
                        let f = *faults.lock().expect("faults");
                        let budget = if rng.gen_bool(f.cut_probability.clamp(0.0, 1.0)) {
                            cuts.fetch_add(1, Ordering::SeqCst);
                            Some(rng.gen_range(0..f.max_bytes.max(1)))
                        } else {
                            None
                        };
                        let t = target.lock().expect("target").clone();
                        let (up, pulls) = (up.clone(), pulls.clone());
                        std::thread::spawn(move || pipe(client, &t, budget, up, pulls));
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(2)),
                }
            }
        });
        proxy
    }

    pub fn set_target(&self, target: &str) {
        *self.target.lock().expect("target") = target.to_string();
    }

    pub fn set_faults(&self, faults: Faults) {
        *self.faults.lock().expect("faults") = faults;
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
    }
}

/// Record the cursor of every pull request line in a piece of upstream bytes (request lines are
/// never split across reads in practice: the client writes each head in one piece).
fn note_pulls(data: &[u8], pulls: &Mutex<Vec<i64>>) {
    const PULL: &[u8] = b"GET /api/v1/sync?cursor=";
    let mut rest = data;
    while let Some(i) = rest.windows(PULL.len()).position(|w| w == PULL) {
        rest = &rest[i + PULL.len()..];
        let digits: String = rest
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .map(|&b| b as char)
            .collect();
        // Digits running to the end of the piece: the connection was cut inside the request
        // line (a cut budget can end anywhere), so no such request reached the server.
        let complete = rest.len() > digits.len();
        match digits.parse() {
            Ok(c) if complete => pulls.lock().expect("pulls").push(c),
            _ => {}
        }
    }
}

fn pipe(
    client: TcpStream,
    target: &str,
    budget: Option<u64>,
    up: Arc<AtomicU64>,
    pulls: Arc<Mutex<Vec<i64>>>,
) {
    let Ok(server) = TcpStream::connect(target) else {
        let _ = client.shutdown(Shutdown::Both);
        return;
    };
    let left = Arc::new(Mutex::new(budget));
    let pairs = [
        (client.try_clone(), server.try_clone(), true),
        (server.try_clone(), client.try_clone(), false),
    ];
    let mut handles = Vec::new();
    for (from, to, upstream) in pairs {
        let (Ok(mut from), Ok(mut to)) = (from, to) else {
            return;
        };
        let left = left.clone();
        let (up, pulls) = (up.clone(), pulls.clone());
        handles.push(std::thread::spawn(move || {
            let mut buf = [0u8; 16 * 1024];
            loop {
                let n = match from.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => n,
                };
                let mut allowed = n;
                let mut cut = false;
                if let Some(b) = left.lock().expect("budget").as_mut() {
                    if (n as u64) >= *b {
                        allowed = *b as usize;
                        cut = true;
                        *b = 0;
                    } else {
                        *b -= n as u64;
                    }
                }
                if allowed > 0 {
                    if to.write_all(&buf[..allowed]).is_err() {
                        break;
                    }
                    if upstream {
                        up.fetch_add(allowed as u64, Ordering::SeqCst);
                        note_pulls(&buf[..allowed], &pulls);
                    }
                }
                if cut {
                    let _ = from.shutdown(Shutdown::Both);
                    let _ = to.shutdown(Shutdown::Both);
                    break;
                }
            }
            let _ = to.shutdown(Shutdown::Write);
        }));
    }
    for h in handles {
        let _ = h.join();
    }
}
