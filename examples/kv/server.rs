//! The accept loop and one task per connection: read what the client sent, run every complete
//! command in it (pipelining: a client may send many before reading any reply), write all the
//! replies with one write, repeat. A connection in subscriber mode also waits for published
//! messages.

use std::collections::BTreeSet;
use std::io;
use std::sync::Arc;
use std::time::Duration;

use weft::net::{TcpListener, TcpStream};
use weft::sync::mpsc::{unbounded_channel, UnboundedReceiver, UnboundedSender};

use super::resp::{self, Reply};
use super::store::{Effect, Message, Store};

/// How much a connection reads at a time (the buffer grows for bigger commands).
const READ_CHUNK: usize = 16 << 10;

/// Serves the Redis protocol on `listener` until the program ends.
pub async fn run(listener: TcpListener) -> io::Result<()> {
    let store = Arc::new(Store::default());
    let sweeper = store.clone();
    weft::spawn(async move {
        loop {
            weft::time::sleep(Duration::from_secs(1)).await;
            sweeper.sweep();
        }
    });
    let mut next_id = 0u64;
    loop {
        // Accept errors (a reset before accept, out of descriptors: the listener pauses by
        // itself) concern one connection, not the server.
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        let _ = stream.set_nodelay(true);
        next_id += 1;
        weft::spawn(connection(stream, store.clone(), next_id));
    }
}

/// The subscriber state of a connection.
struct Subscriptions {
    tx: UnboundedSender<Message>,
    rx: UnboundedReceiver<Message>,
    channels: BTreeSet<Vec<u8>>,
}

async fn connection(stream: TcpStream, store: Arc<Store>, id: u64) {
    // `input[start..filled]` is received and not yet parsed; `input` is zero-filled once and
    // grows only for a command bigger than it.
    let mut input = vec![0u8; READ_CHUNK];
    let (mut start, mut filled) = (0, 0);
    let mut out = Vec::with_capacity(READ_CHUNK);
    let mut args = Vec::new();
    let mut subs: Option<Subscriptions> = None;
    loop {
        // Every complete command received so far.
        let mut close = false;
        loop {
            let pending = &input[start..filled];
            match resp::parse(pending, &mut args) {
                Ok(Some(n)) => {
                    let command = &pending[..n];
                    close = run_command(&store, id, command, &args, &mut out, &mut subs);
                    start += n;
                    if close {
                        break;
                    }
                }
                Ok(None) => break,
                Err(e) => {
                    Reply(&mut out).error(&format!("ERR Protocol error: {}", e.0));
                    close = true;
                    break;
                }
            }
        }
        if !out.is_empty() {
            if stream.write_all(&out).await.is_err() {
                break;
            }
            out.clear();
        }
        if close {
            break;
        }
        // Room for the next read: move the unparsed tail to the front, grow if it fills all.
        input.copy_within(start..filled, 0);
        filled -= start;
        start = 0;
        if filled == input.len() {
            input.resize(input.len() * 2, 0);
        }
        let event = match &mut subs {
            None => Event::Read(stream.read(&mut input[filled..]).await),
            Some(s) => {
                weft::select! {
                    read = stream.read(&mut input[filled..]) => Event::Read(read),
                    Some(message) = s.rx.recv() => Event::Message(message),
                }
            }
        };
        match event {
            Event::Read(Ok(0) | Err(_)) => break,
            Event::Read(Ok(n)) => filled += n,
            Event::Message((channel, message)) => {
                let mut reply = Reply(&mut out);
                reply.array(3);
                reply.bulk(b"message");
                reply.bulk(&channel);
                reply.bulk(&message);
            }
        }
    }
    if let Some(s) = subs {
        for channel in &s.channels {
            store.unsubscribe(channel, id);
        }
    }
}

/// What woke a connection.
enum Event {
    Read(io::Result<usize>),
    Message(Message),
}

/// Runs one command, handling subscriber mode; `true` when the connection should close.
fn run_command(
    store: &Store,
    id: u64,
    buf: &[u8],
    args: &[std::ops::Range<usize>],
    out: &mut Vec<u8>,
    subs: &mut Option<Subscriptions>,
) -> bool {
    if subs.is_some() {
        let name = args.first().map(|r| buf[r.clone()].to_ascii_uppercase());
        match name.as_deref() {
            Some(b"SUBSCRIBE" | b"UNSUBSCRIBE" | b"QUIT") => {}
            Some(b"PING") => {
                let mut reply = Reply(out);
                reply.array(2);
                reply.bulk(b"pong");
                reply.bulk(args.get(1).map_or(&b""[..], |r| &buf[r.clone()]));
                return false;
            }
            _ => {
                Reply(out).error(
                    "ERR only SUBSCRIBE / UNSUBSCRIBE / PING / QUIT are allowed in this context",
                );
                return false;
            }
        }
    }
    match store.execute(buf, args, out) {
        Effect::None => false,
        Effect::Close => true,
        Effect::Subscribe(channels) => {
            let s = subs.get_or_insert_with(|| {
                let (tx, rx) = unbounded_channel();
                Subscriptions {
                    tx,
                    rx,
                    channels: BTreeSet::new(),
                }
            });
            for channel in channels {
                store.subscribe(&channel, id, &s.tx);
                s.channels.insert(channel.clone());
                let mut reply = Reply(out);
                reply.array(3);
                reply.bulk(b"subscribe");
                reply.bulk(&channel);
                reply.integer(s.channels.len() as i64);
            }
            false
        }
        Effect::Unsubscribe(channels) => {
            let Some(s) = subs else {
                let mut reply = Reply(out);
                reply.array(3);
                reply.bulk(b"unsubscribe");
                reply.nil();
                reply.integer(0);
                return false;
            };
            let leaving: Vec<Vec<u8>> = if channels.is_empty() {
                s.channels.iter().cloned().collect()
            } else {
                channels
            };
            for channel in leaving {
                store.unsubscribe(&channel, id);
                s.channels.remove(&channel);
                let mut reply = Reply(out);
                reply.array(3);
                reply.bulk(b"unsubscribe");
                reply.bulk(&channel);
                reply.integer(s.channels.len() as i64);
            }
            if s.channels.is_empty() {
                *subs = None;
            }
            false
        }
    }
}
