//! `Pooled<T>`: a blocking reader or writer driven from async code by running each operation on
//! the runtime's blocking pool, one at a time.

use std::fmt;
use std::future::Future;
use std::io::{self, Read, Write};
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use weft_runtime::task::JoinHandle;

/// The most one pool trip reads or writes. Bigger writes are cut (the caller's `write_all` loops):
/// the trip copies the bytes into its own buffer, so a cap bounds that copy and the memory a
/// pending trip holds, while 64 KiB (a pipe's default capacity) keeps a large write to a few trips.
pub(crate) const MAX_CHUNK: usize = 64 * 1024;

/// A buffer and the position of the first byte not yet handed to the caller.
#[derive(Debug, Default)]
struct Buf {
    data: Vec<u8>,
    pos: usize,
}

/// What a pool trip hands back: its result, the buffer and the object, so the next trip reuses both.
type Trip<T> = (io::Result<usize>, Buf, T);

enum State<T> {
    /// No operation in flight. `buf` may hold read data the caller has not taken yet; `last` is
    /// the result of the last trip until a call has reported it (an end of input or an error).
    Idle {
        inner: T,
        buf: Buf,
        last: Option<io::Result<usize>>,
    },
    /// One read or write runs on the pool.
    Busy(JoinHandle<Trip<T>>),
    /// The pool dropped an operation (the runtime shut down); the object went with it.
    Gone,
}

/// A blocking `T` (std's `Stdin`, `Stdout`, `Stderr`, a regular file) used from async code: each
/// read or write is one trip to the blocking pool, with at most one in flight.
///
/// Reads are cancel safe: a read whose future was dropped while its trip ran leaves the data in
/// the buffer, and the next read returns it. Writes return as soon as the data is copied and its
/// trip is started (so `write` never waits for the OS); an error from that trip is reported by the
/// next `write` or `flush`. `flush` waits for the trip in flight (and flushes `T`).
pub(crate) struct Pooled<T> {
    state: State<T>,
}

impl<T: Send + 'static> Pooled<T> {
    pub(crate) fn new(inner: T) -> Pooled<T> {
        Pooled {
            state: State::Idle {
                inner,
                buf: Buf::default(),
                last: None,
            },
        }
    }

    /// Waits for the trip in flight, if any, and leaves the state `Idle` (or `Gone`, with an error).
    fn poll_idle(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if let State::Busy(trip) = &mut self.state {
            let joined = ready!(Pin::new(trip).poll(cx));
            self.state = match joined {
                Ok((result, buf, inner)) => State::Idle {
                    inner,
                    buf,
                    last: Some(result),
                },
                // The operation itself panicked: a bug to surface, not an I/O error.
                Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
                Err(_) => State::Gone,
            };
        }
        match &self.state {
            State::Gone => Poll::Ready(Err(gone())),
            _ => Poll::Ready(Ok(())),
        }
    }

    /// Starts a trip running `op` on the idle object and buffer.
    fn start(&mut self, op: impl FnOnce(&mut T, &mut Buf) -> io::Result<usize> + Send + 'static) {
        let State::Idle { inner, buf, .. } = std::mem::replace(&mut self.state, State::Gone) else {
            unreachable!("a trip starts only from Idle")
        };
        let (mut inner, mut buf) = (inner, buf);
        self.state = State::Busy(weft_runtime::spawn_blocking(move || {
            let result = op(&mut inner, &mut buf);
            (result, buf, inner)
        }));
    }
}

impl<T: Read + Send + 'static> Pooled<T> {
    pub(crate) fn poll_read(
        &mut self,
        cx: &mut Context<'_>,
        dst: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        if dst.is_empty() {
            return Poll::Ready(Ok(0));
        }
        loop {
            ready!(self.poll_idle(cx))?;
            let State::Idle { buf, last, .. } = &mut self.state else {
                unreachable!("poll_idle left the state Idle")
            };
            if buf.pos < buf.data.len() {
                let n = dst.len().min(buf.data.len() - buf.pos);
                dst[..n].copy_from_slice(&buf.data[buf.pos..buf.pos + n]);
                buf.pos += n;
                return Poll::Ready(Ok(n));
            }
            match last.take() {
                // End of input, or the read failed: tell the caller once.
                Some(Ok(0)) => return Poll::Ready(Ok(0)),
                Some(Err(e)) => return Poll::Ready(Err(e)),
                // The last trip's data is all handed out (or there was none): read more.
                Some(Ok(_)) | None => {}
            }
            let want = dst.len().min(MAX_CHUNK);
            self.start(move |inner, buf| {
                buf.data.resize(want, 0);
                buf.pos = 0;
                let result = loop {
                    match inner.read(&mut buf.data) {
                        Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                        other => break other,
                    }
                };
                buf.data.truncate(*result.as_ref().unwrap_or(&0));
                result
            });
        }
    }
}

impl<T: Write + Send + 'static> Pooled<T> {
    pub(crate) fn poll_write(
        &mut self,
        cx: &mut Context<'_>,
        src: &[u8],
    ) -> Poll<io::Result<usize>> {
        ready!(self.poll_idle(cx))?;
        let State::Idle { buf, last, .. } = &mut self.state else {
            unreachable!("poll_idle left the state Idle")
        };
        if let Some(Err(e)) = last.take() {
            return Poll::Ready(Err(e));
        }
        if src.is_empty() {
            return Poll::Ready(Ok(0));
        }
        let n = src.len().min(MAX_CHUNK);
        buf.data.clear();
        buf.data.extend_from_slice(&src[..n]);
        self.start(|inner, buf| {
            inner.write_all(&buf.data)?;
            inner.flush()?;
            Ok(buf.data.len())
        });
        Poll::Ready(Ok(n))
    }

    pub(crate) fn poll_flush(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        ready!(self.poll_idle(cx))?;
        match &mut self.state {
            State::Idle { last, .. } => match last.take() {
                Some(Err(e)) => Poll::Ready(Err(e)),
                _ => Poll::Ready(Ok(())),
            },
            _ => unreachable!("poll_idle left the state Idle"),
        }
    }
}

/// The error once the pool dropped a trip (its runtime is shutting down).
fn gone() -> io::Error {
    weft_core::ShutdownError::new("a standard-stream operation on the blocking pool").into()
}

impl<T> fmt::Debug for Pooled<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = match self.state {
            State::Idle { .. } => "idle",
            State::Busy(_) => "busy",
            State::Gone => "gone",
        };
        f.debug_struct("Pooled").field("state", &state).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc;

    /// A reader that blocks until a chunk arrives on its channel (end of input when it closes).
    struct Chunks(mpsc::Receiver<Vec<u8>>);

    impl Read for Chunks {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            match self.0.recv() {
                Ok(chunk) => {
                    assert!(chunk.len() <= buf.len(), "test chunks fit the read");
                    buf[..chunk.len()].copy_from_slice(&chunk);
                    Ok(chunk.len())
                }
                Err(_) => Ok(0),
            }
        }
    }

    fn runtime() -> weft_runtime::Runtime {
        weft_runtime::Builder::new_current_thread()
            .build()
            .expect("build a runtime")
    }

    #[test]
    fn a_cancelled_read_keeps_its_data_for_the_next() {
        let (tx, rx) = mpsc::channel();
        let mut pooled = Pooled::new(Chunks(rx));
        runtime().block_on(async move {
            let mut buf = [0u8; 16];
            // Poll one read (its trip starts and blocks), then drop it.
            let first =
                std::future::poll_fn(|cx| Poll::Ready(pooled.poll_read(cx, &mut buf))).await;
            assert!(first.is_pending());
            tx.send(b"0123456789".to_vec()).unwrap();
            // The data the dropped read fetched comes to the next reads, over several of them
            // when their buffers are smaller.
            let mut small = [0u8; 4];
            let mut got = Vec::new();
            while got.len() < 10 {
                let n = std::future::poll_fn(|cx| pooled.poll_read(cx, &mut small))
                    .await
                    .unwrap();
                got.extend_from_slice(&small[..n]);
            }
            assert_eq!(got, b"0123456789");
            drop(tx);
            let n = std::future::poll_fn(|cx| pooled.poll_read(cx, &mut buf))
                .await
                .unwrap();
            assert_eq!(n, 0, "end of input");
        });
    }

    /// A writer that records what it was given, failing once when told to.
    struct Recorder(std::sync::Arc<std::sync::Mutex<Vec<u8>>>, bool);

    impl Write for Recorder {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            if std::mem::take(&mut self.1) {
                return Err(io::Error::new(io::ErrorKind::StorageFull, "disk full"));
            }
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn writes_run_in_order_and_errors_come_back_later() {
        let log = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let mut pooled = Pooled::new(Recorder(log.clone(), false));
        runtime().block_on(async move {
            let big = vec![7u8; MAX_CHUNK + 10];
            let n = std::future::poll_fn(|cx| pooled.poll_write(cx, &big))
                .await
                .unwrap();
            assert_eq!(n, MAX_CHUNK, "one trip carries at most MAX_CHUNK");
            std::future::poll_fn(|cx| pooled.poll_write(cx, b"tail"))
                .await
                .unwrap();
            std::future::poll_fn(|cx| pooled.poll_flush(cx))
                .await
                .unwrap();
            assert_eq!(log.lock().unwrap().len(), MAX_CHUNK + 4);

            // A failing background write is reported by the next call.
            if let State::Idle { inner, .. } = &mut pooled.state {
                inner.1 = true;
            }
            std::future::poll_fn(|cx| pooled.poll_write(cx, b"lost"))
                .await
                .unwrap();
            let err = std::future::poll_fn(|cx| pooled.poll_flush(cx))
                .await
                .unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::StorageFull);
            std::future::poll_fn(|cx| pooled.poll_flush(cx))
                .await
                .unwrap();
        });
    }
}
