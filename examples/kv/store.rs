//! The key space and the commands: GET, SET (EX/PX/NX/XX), DEL, INCR, EXPIRE, TTL, EXISTS, PING,
//! ECHO, PUBLISH, and the registry of SUBSCRIBE listeners. Runtime-free: a connection task calls
//! [`Store::execute`] for each parsed command and writes the reply bytes it produced.

use std::collections::HashMap;
use std::hash::{BuildHasher, RandomState};
use std::ops::Range;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use weft::sync::mpsc::UnboundedSender;

use super::resp::{parse_int, Reply};

/// A message for a subscriber: the channel and the payload.
pub type Message = (Arc<[u8]>, Arc<[u8]>);

/// The connections subscribed to one channel: (connection id, where its messages go).
type Subscribers = Vec<(u64, UnboundedSender<Message>)>;

/// The key space is split in shards, each behind its own lock, so tasks on different workers
/// rarely wait for each other.
const SHARDS: usize = 32;

struct Entry {
    value: Vec<u8>,
    expires: Option<Instant>,
}

impl Entry {
    fn live(&self, now: Instant) -> bool {
        self.expires.is_none_or(|at| at > now)
    }
}

/// The shared state of the server.
pub struct Store {
    shards: Vec<Mutex<HashMap<Vec<u8>, Entry>>>,
    hasher: RandomState,
    channels: Mutex<HashMap<Vec<u8>, Subscribers>>,
}

/// What a command asks of its connection beyond the reply.
pub enum Effect {
    /// Nothing.
    None,
    /// Enter subscriber mode for these channels (the connection registers and replies).
    Subscribe(Vec<Vec<u8>>),
    /// Leave these channels (all, if empty).
    Unsubscribe(Vec<Vec<u8>>),
    /// Close after the reply (QUIT).
    Close,
}

impl Default for Store {
    fn default() -> Self {
        Store {
            shards: (0..SHARDS).map(|_| Mutex::new(HashMap::new())).collect(),
            hasher: RandomState::new(),
            channels: Mutex::new(HashMap::new()),
        }
    }
}

impl Store {
    fn shard(&self, key: &[u8]) -> MutexGuard<'_, HashMap<Vec<u8>, Entry>> {
        let shard = &self.shards[self.hasher.hash_one(key) as usize % SHARDS];
        shard.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Runs one command (`args` are ranges into `buf`), appending its reply to `out`.
    pub fn execute(&self, buf: &[u8], args: &[Range<usize>], out: &mut Vec<u8>) -> Effect {
        let mut reply = Reply(out);
        let Some(name) = args.first() else {
            return Effect::None;
        };
        let arg = |i: usize| &buf[args[i].clone()];
        let name = &buf[name.clone()];
        let argc = args.len();
        macro_rules! arity {
            ($ok:expr) => {
                if !$ok {
                    let name = String::from_utf8_lossy(name).to_lowercase();
                    reply.error(&format!(
                        "ERR wrong number of arguments for '{name}' command"
                    ));
                    return Effect::None;
                }
            };
        }
        match name.to_ascii_uppercase().as_slice() {
            b"GET" => {
                arity!(argc == 2);
                let now = Instant::now();
                let mut shard = self.shard(arg(1));
                match shard.get(arg(1)) {
                    Some(e) if e.live(now) => reply.bulk(&e.value),
                    Some(_) => {
                        shard.remove(arg(1));
                        reply.nil();
                    }
                    None => reply.nil(),
                }
            }
            b"SET" => {
                arity!(argc >= 3);
                let mut expires = None;
                let (mut nx, mut xx) = (false, false);
                let mut i = 3;
                while i < argc {
                    match arg(i).to_ascii_uppercase().as_slice() {
                        b"NX" => nx = true,
                        b"XX" => xx = true,
                        unit @ (b"EX" | b"PX") if i + 1 < argc => {
                            let n = match parse_int(arg(i + 1)) {
                                Some(n) if n > 0 => n as u64,
                                _ => {
                                    reply.error("ERR invalid expire time in 'set' command");
                                    return Effect::None;
                                }
                            };
                            let d = if unit == b"EX" {
                                Duration::from_secs(n)
                            } else {
                                Duration::from_millis(n)
                            };
                            expires = Some(Instant::now() + d);
                            i += 1;
                        }
                        _ => {
                            reply.error("ERR syntax error");
                            return Effect::None;
                        }
                    }
                    i += 1;
                }
                let now = Instant::now();
                let mut shard = self.shard(arg(1));
                let exists = shard.get(arg(1)).is_some_and(|e| e.live(now));
                if (nx && exists) || (xx && !exists) {
                    reply.nil();
                } else {
                    let entry = Entry {
                        value: arg(2).to_vec(),
                        expires,
                    };
                    match shard.get_mut(arg(1)) {
                        Some(old) => *old = entry,
                        None => {
                            shard.insert(arg(1).to_vec(), entry);
                        }
                    }
                    reply.simple("OK");
                }
            }
            b"DEL" => {
                arity!(argc >= 2);
                let now = Instant::now();
                let removed = (1..argc)
                    .filter(|&i| {
                        self.shard(arg(i))
                            .remove(arg(i))
                            .is_some_and(|e| e.live(now))
                    })
                    .count();
                reply.integer(removed as i64);
            }
            b"EXISTS" => {
                arity!(argc >= 2);
                let now = Instant::now();
                let n = (1..argc)
                    .filter(|&i| self.shard(arg(i)).get(arg(i)).is_some_and(|e| e.live(now)))
                    .count();
                reply.integer(n as i64);
            }
            b"INCR" => {
                arity!(argc == 2);
                let now = Instant::now();
                let mut shard = self.shard(arg(1));
                let current = match shard.get(arg(1)) {
                    Some(e) if e.live(now) => match parse_int(&e.value) {
                        Some(n) => Some(n),
                        None => {
                            reply.error("ERR value is not an integer or out of range");
                            return Effect::None;
                        }
                    },
                    _ => None,
                };
                let Some(next) = current.unwrap_or(0).checked_add(1) else {
                    reply.error("ERR increment or decrement would overflow");
                    return Effect::None;
                };
                let value = next.to_string().into_bytes();
                match shard.get_mut(arg(1)) {
                    Some(e) if current.is_some() => e.value = value,
                    _ => {
                        shard.insert(
                            arg(1).to_vec(),
                            Entry {
                                value,
                                expires: None,
                            },
                        );
                    }
                }
                reply.integer(next);
            }
            b"EXPIRE" => {
                arity!(argc == 3);
                let Some(secs) = parse_int(arg(2)) else {
                    reply.error("ERR value is not an integer or out of range");
                    return Effect::None;
                };
                let now = Instant::now();
                let mut shard = self.shard(arg(1));
                match shard.get_mut(arg(1)) {
                    Some(e) if e.live(now) => {
                        if secs <= 0 {
                            shard.remove(arg(1));
                        } else {
                            e.expires = Some(now + Duration::from_secs(secs as u64));
                        }
                        reply.integer(1);
                    }
                    _ => reply.integer(0),
                }
            }
            b"TTL" => {
                arity!(argc == 2);
                let now = Instant::now();
                let ttl = match self.shard(arg(1)).get(arg(1)) {
                    Some(e) if e.live(now) => match e.expires {
                        Some(at) => (at - now).as_secs_f64().round() as i64,
                        None => -1,
                    },
                    _ => -2,
                };
                reply.integer(ttl);
            }
            b"PING" => match argc {
                1 => reply.simple("PONG"),
                2 => reply.bulk(arg(1)),
                _ => arity!(false),
            },
            b"ECHO" => {
                arity!(argc == 2);
                reply.bulk(arg(1));
            }
            b"PUBLISH" => {
                arity!(argc == 3);
                let delivered = self.publish(arg(1), arg(2));
                reply.integer(delivered as i64);
            }
            b"SUBSCRIBE" => {
                arity!(argc >= 2);
                return Effect::Subscribe((1..argc).map(|i| arg(i).to_vec()).collect());
            }
            b"UNSUBSCRIBE" => {
                return Effect::Unsubscribe((1..argc).map(|i| arg(i).to_vec()).collect());
            }
            b"QUIT" => {
                reply.simple("OK");
                return Effect::Close;
            }
            // redis-benchmark asks for the persistence settings first: there is no persistence.
            b"CONFIG" if argc == 3 && arg(1).eq_ignore_ascii_case(b"GET") => {
                let value: &[u8] = match arg(2).to_ascii_lowercase().as_slice() {
                    b"save" => b"",
                    b"appendonly" => b"no",
                    _ => {
                        reply.array(0);
                        return Effect::None;
                    }
                };
                reply.array(2);
                reply.bulk(arg(2));
                reply.bulk(value);
            }
            _ => {
                let name = String::from_utf8_lossy(name);
                reply.error(&format!("ERR unknown command '{name}'"));
            }
        }
        Effect::None
    }

    /// Sends `message` to every subscriber of `channel`; returns how many got it.
    pub fn publish(&self, channel: &[u8], message: &[u8]) -> usize {
        let mut channels = self.channels.lock().unwrap_or_else(|e| e.into_inner());
        let Some(subscribers) = channels.get_mut(channel) else {
            return 0;
        };
        let item: Message = (Arc::from(channel), Arc::from(message));
        // A subscriber whose connection is gone is dropped from the list.
        subscribers.retain(|(_, tx)| tx.send(item.clone()).is_ok());
        let n = subscribers.len();
        if n == 0 {
            channels.remove(channel);
        }
        n
    }

    /// Registers subscriber `id` (its messages go to `tx`) on `channel`.
    pub fn subscribe(&self, channel: &[u8], id: u64, tx: &UnboundedSender<Message>) {
        let mut channels = self.channels.lock().unwrap_or_else(|e| e.into_inner());
        let list = channels.entry(channel.to_vec()).or_default();
        if !list.iter().any(|(other, _)| *other == id) {
            list.push((id, tx.clone()));
        }
    }

    /// Removes subscriber `id` from `channel`.
    pub fn unsubscribe(&self, channel: &[u8], id: u64) {
        let mut channels = self.channels.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(list) = channels.get_mut(channel) {
            list.retain(|(other, _)| *other != id);
            if list.is_empty() {
                channels.remove(channel);
            }
        }
    }

    /// Drops expired keys (the reads above also drop the ones they meet).
    pub fn sweep(&self) {
        let now = Instant::now();
        for shard in &self.shards {
            shard
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .retain(|_, e| e.live(now));
        }
    }
}
