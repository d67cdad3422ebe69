//! `Async<T>`: any file descriptor, registered with the reactor.

use std::fmt;
use std::future::{poll_fn, Future};
use std::io::{self, IoSlice, IoSliceMut, Read, Write};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, RawFd};
use std::pin::Pin;
use std::task::{ready, Context, Poll, Waker};

use futures_io::{AsyncRead, AsyncWrite};
use weft_core::coop;
use weft_core::loom::sync::Arc;
use weft_core::task::{record_wait, wait_on, Resource};

use crate::driver::Handle;
use crate::reactor::scheduled_io::ScheduledIo;
use crate::reactor::{Direction, Registration, WaiterKey};

/// A readiness adapter: an I/O object (a socket, a pipe, any `AsFd` source) registered with the
/// current runtime's reactor, so tasks can wait for it to become readable or writable.
///
/// `Async::new` puts the descriptor in non-blocking mode and registers it. Operations are
/// *optimistic*: [`read_with`](Async::read_with) and [`write_with`](Async::write_with) try the
/// syscall first and wait only when it returns `WouldBlock` (or when an earlier operation already
/// found the source drained and the reactor reported nothing since: then the doomed syscall is
/// skipped). The futures-io impls also count a partial read or write (fewer bytes than asked) as
/// "drained", so a request/response exchange costs no `WouldBlock` syscall on the side that reads
/// into a large buffer. Every completed operation consumes one unit of the task's cooperative
/// budget, so a task that always finds data still yields.
///
/// `Async<T>` implements the futures-io traits: [`AsyncRead`] when `T: Read` (and `&Async<T>`
/// when `&T: Read`), [`AsyncWrite`] likewise. Any number of tasks may wait on one source (sharing
/// an `&Async<T>` or an `Arc<Async<T>>`), in either direction: a read half and a write half wait
/// at the same time, and two tasks accepting on one listener are both woken by its readiness.
///
/// The futures ([`readable`](Async::readable), [`read_with`](Async::read_with), ...) take their
/// registration out of the source's waiter list when they are dropped, so a cancelled wait (a
/// `timeout`, a lost `select!` branch, an aborted task) leaves nothing behind. The `poll_*`
/// methods and the futures-io impls have nowhere to keep such a registration: a task that polls
/// them and then stops stays registered, once however often it polled, until the source's next
/// event in that direction.
///
/// Dropping an `Async<T>` deregisters the descriptor before `T` is dropped (and closed).
///
/// # Examples
///
/// ```
/// use std::os::unix::net::UnixStream;
/// use weft_io::io::{Async, AsyncReadExt, AsyncWriteExt};
/// # let driver = weft_io::Driver::new(weft_io::DriverConfig::default())?;
/// # let _guard = driver.handle().enter();
///
/// let (a, b) = UnixStream::pair()?;
/// let (mut a, mut b) = (Async::new(a)?, Async::new(b)?);
/// # futures_executor::block_on(async {
/// a.write_all(b"ping").await?;
/// let mut buf = [0; 4];
/// b.read_exact(&mut buf).await?;
/// assert_eq!(&buf, b"ping");
/// # std::io::Result::Ok(()) })?;
/// # std::io::Result::Ok(())
/// ```
pub struct Async<T: AsFd> {
    /// `None` only after `into_inner` took it (then `drop` has nothing to deregister).
    io: Option<T>,
    registration: Arc<Registration>,
    handle: Handle,
}

impl<T: AsFd> Async<T> {
    /// Registers `io` with the current runtime's reactor, after putting it in non-blocking mode.
    ///
    /// # Errors
    /// The OS error from `fcntl` or from the poller, or a
    /// [`ShutdownError`](weft_core::ShutdownError) if the runtime shut down.
    ///
    /// # Panics
    /// Outside a weft runtime (see [`Handle::current`]).
    #[track_caller]
    pub fn new(io: T) -> io::Result<Async<T>> {
        let handle = Handle::current();
        Async::with_handle(io, &handle)
    }

    /// Like [`new`](Async::new), registering with the reactor of `handle`.
    ///
    /// # Errors
    /// As for [`new`](Async::new).
    pub fn with_handle(io: T, handle: &Handle) -> io::Result<Async<T>> {
        set_nonblocking(io.as_fd())?;
        let registration = handle.inner.reactor.register(io.as_fd())?;
        Ok(Async {
            io: Some(io),
            registration,
            handle: handle.clone(),
        })
    }

    /// The I/O object.
    pub fn get_ref(&self) -> &T {
        self.io
            .as_ref()
            .expect("Async holds its I/O object until dropped")
    }

    /// The I/O object, mutably. Do not replace its descriptor.
    pub fn get_mut(&mut self) -> &mut T {
        self.io
            .as_mut()
            .expect("Async holds its I/O object until dropped")
    }

    /// Deregisters the I/O object and gives it back (still in non-blocking mode).
    ///
    /// # Errors
    /// The poller's error from deregistering.
    pub fn into_inner(mut self) -> io::Result<T> {
        let result = self.deregister();
        let io = self
            .io
            .take()
            .expect("Async holds its I/O object until dropped");
        result.map(|()| io)
    }

    fn deregister(&self) -> io::Result<()> {
        let Some(io) = &self.io else {
            return Ok(());
        };
        let mut wake = Vec::new();
        let result =
            self.handle
                .inner
                .reactor
                .deregister(&self.registration, io.as_fd(), &mut wake);
        wake.into_iter().for_each(Waker::wake);
        result
    }

    /// Waits until the source is readable (or a read would report an error or end of stream).
    ///
    /// # Errors
    /// A [`ShutdownError`](weft_core::ShutdownError) if its runtime shut down while waiting.
    ///
    /// # Cancel safety
    /// Cancel safe: dropping the future loses nothing.
    #[track_caller]
    pub fn readable(&self) -> impl Future<Output = io::Result<()>> + '_ {
        wait_on(Resource::Readable, async move {
            let mut waiter = Waiter::new(self.registration.io(), Direction::Read);
            poll_fn(|cx| self.poll_ready(Direction::Read, cx, Some(&mut waiter.key))).await
        })
    }

    /// Waits until the source is writable.
    ///
    /// # Errors
    /// A [`ShutdownError`](weft_core::ShutdownError) if its runtime shut down while waiting.
    ///
    /// # Cancel safety
    /// Cancel safe: dropping the future loses nothing.
    #[track_caller]
    pub fn writable(&self) -> impl Future<Output = io::Result<()>> + '_ {
        wait_on(Resource::Writable, async move {
            let mut waiter = Waiter::new(self.registration.io(), Direction::Write);
            poll_fn(|cx| self.poll_ready(Direction::Write, cx, Some(&mut waiter.key))).await
        })
    }

    /// Polls for readability: ready when the reactor has seen the source readable since the last
    /// read that returned `WouldBlock`.
    ///
    /// # Errors
    /// A [`ShutdownError`](weft_core::ShutdownError) if its runtime shut down.
    pub fn poll_readable(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.poll_ready(Direction::Read, cx, None)
    }

    /// Polls for writability (see [`poll_readable`](Async::poll_readable)).
    ///
    /// # Errors
    /// A [`ShutdownError`](weft_core::ShutdownError) if its runtime shut down.
    pub fn poll_writable(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.poll_ready(Direction::Write, cx, None)
    }

    /// Polls for readiness in `direction`, as the future owning `key` if given (see [`Waiter`]).
    fn poll_ready(
        &self,
        direction: Direction,
        cx: &mut Context<'_>,
        key: Option<&mut Option<WaiterKey>>,
    ) -> Poll<io::Result<()>> {
        let coop = ready!(coop::poll_proceed(cx));
        let arm = || self.handle.inner.reactor.arm(&self.registration, direction);
        let source = self.registration.io();
        let result = ready!(match key {
            Some(key) => source.poll_ready_keyed(direction, cx, key, arm),
            None => source.poll_ready(direction, cx, arm),
        });
        coop.made_progress();
        Poll::Ready(result.map(|_| ()))
    }

    /// Runs `op` until it stops returning `WouldBlock`, waiting for readability between tries.
    ///
    /// `op` is tried first without waiting; it is retried on `Interrupted`. It must be a
    /// non-blocking read-side operation on the source (`read`, `recv`, `accept`, ...).
    ///
    /// # Errors
    /// The first error of `op` other than `WouldBlock`/`Interrupted`, or a
    /// [`ShutdownError`](weft_core::ShutdownError) if its runtime shut down.
    ///
    /// # Cancel safety
    /// Cancel safe if `op` is: a dropped future never calls `op` again.
    #[track_caller]
    pub fn read_with<'a, R: 'a>(
        &'a self,
        op: impl FnMut(&T) -> io::Result<R> + 'a,
    ) -> impl Future<Output = io::Result<R>> + 'a {
        wait_on(Resource::Read, self.wait_with(Direction::Read, op))
    }

    /// Like [`read_with`](Async::read_with), with `&mut T`.
    ///
    /// # Errors
    /// As for [`read_with`](Async::read_with).
    ///
    /// # Cancel safety
    /// As for [`read_with`](Async::read_with).
    #[track_caller]
    pub fn read_with_mut<'a, R: 'a>(
        &'a mut self,
        op: impl FnMut(&mut T) -> io::Result<R> + 'a,
    ) -> impl Future<Output = io::Result<R>> + 'a {
        wait_on(Resource::Read, self.wait_with_mut(Direction::Read, op))
    }

    /// Runs `op` until it stops returning `WouldBlock`, waiting for writability between tries.
    ///
    /// # Errors
    /// As for [`read_with`](Async::read_with).
    ///
    /// # Cancel safety
    /// Cancel safe if `op` is.
    #[track_caller]
    pub fn write_with<'a, R: 'a>(
        &'a self,
        op: impl FnMut(&T) -> io::Result<R> + 'a,
    ) -> impl Future<Output = io::Result<R>> + 'a {
        wait_on(Resource::Write, self.wait_with(Direction::Write, op))
    }

    /// The body of [`read_with`](Async::read_with) and [`write_with`](Async::write_with): the
    /// optimistic loop as one future, whose registration is removed when it is dropped.
    async fn wait_with<R>(
        &self,
        direction: Direction,
        mut op: impl FnMut(&T) -> io::Result<R>,
    ) -> io::Result<R> {
        let io = self.get_ref();
        let mut waiter = Waiter::new(self.registration.io(), direction);
        poll_fn(|cx| {
            poll_optimistic(
                &self.registration,
                &self.handle,
                direction,
                cx,
                Some(&mut waiter.key),
                |_| false,
                || op(io),
            )
        })
        .await
    }

    /// Like [`write_with`](Async::write_with), with `&mut T`.
    ///
    /// # Errors
    /// As for [`read_with`](Async::read_with).
    ///
    /// # Cancel safety
    /// Cancel safe if `op` is.
    #[track_caller]
    pub fn write_with_mut<'a, R: 'a>(
        &'a mut self,
        op: impl FnMut(&mut T) -> io::Result<R> + 'a,
    ) -> impl Future<Output = io::Result<R>> + 'a {
        wait_on(Resource::Write, self.wait_with_mut(Direction::Write, op))
    }

    /// [`wait_with`](Async::wait_with) with `&mut T`.
    async fn wait_with_mut<R>(
        &mut self,
        direction: Direction,
        mut op: impl FnMut(&mut T) -> io::Result<R>,
    ) -> io::Result<R> {
        let Async {
            io,
            registration,
            handle,
        } = self;
        let io = io
            .as_mut()
            .expect("Async holds its I/O object until dropped");
        let mut waiter = Waiter::new(registration.io(), direction);
        poll_fn(|cx| {
            poll_optimistic(
                registration,
                handle,
                direction,
                cx,
                Some(&mut waiter.key),
                |_| false,
                || op(io),
            )
        })
        .await
    }

    /// Tries a read-side `op` once, without waiting: its result, or `WouldBlock` if the source is
    /// not ready (the readiness seen before the try is then cleared, as when waiting, but no waker
    /// is registered). Retried on `Interrupted`.
    ///
    /// # Errors
    /// The error of `op` (`WouldBlock` included), or a
    /// [`ShutdownError`](weft_core::ShutdownError) if its runtime shut down.
    pub fn try_read_with<R>(&self, op: impl FnMut(&T) -> io::Result<R>) -> io::Result<R> {
        self.try_io(Direction::Read, op)
    }

    /// The write-side twin of [`try_read_with`](Async::try_read_with).
    ///
    /// # Errors
    /// As for [`try_read_with`](Async::try_read_with).
    pub fn try_write_with<R>(&self, op: impl FnMut(&T) -> io::Result<R>) -> io::Result<R> {
        self.try_io(Direction::Write, op)
    }

    fn try_io<R>(
        &self,
        direction: Direction,
        mut op: impl FnMut(&T) -> io::Result<R>,
    ) -> io::Result<R> {
        let source = self.registration.io();
        let io = self.get_ref();
        loop {
            if source.is_closed() {
                return Err(source.closed_error());
            }
            let seen = source.snapshot(direction);
            match op(io) {
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    source.clear_readiness(seen);
                    return Err(e);
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                result => return result,
            }
        }
    }

    /// One poll of an optimistic operation: try `op`; on `WouldBlock` clear the readiness seen
    /// before the try (unless a newer event arrived) and wait for the next one.
    ///
    /// This is the building block of the futures-io impls and of weft-net's sockets.
    ///
    /// # Errors
    /// The first error of `op` other than `WouldBlock`/`Interrupted`, or a
    /// [`ShutdownError`](weft_core::ShutdownError) if its runtime shut down.
    pub fn poll_read_with<R>(
        &self,
        cx: &mut Context<'_>,
        op: impl FnMut(&T) -> io::Result<R>,
    ) -> Poll<io::Result<R>> {
        self.poll_io(Direction::Read, cx, op)
    }

    /// The write-side twin of [`poll_read_with`](Async::poll_read_with).
    ///
    /// # Errors
    /// As for [`poll_read_with`](Async::poll_read_with).
    pub fn poll_write_with<R>(
        &self,
        cx: &mut Context<'_>,
        op: impl FnMut(&T) -> io::Result<R>,
    ) -> Poll<io::Result<R>> {
        self.poll_io(Direction::Write, cx, op)
    }

    /// [`poll_read_with`](Async::poll_read_with) for a read that can tell whether it left the
    /// source empty: `op` returns its result and `true` when nothing is left to read. The read
    /// direction is then marked drained, so the next read waits for the reactor's next event
    /// instead of spending a syscall on `WouldBlock` (a newer event that raced the read is never
    /// lost; see `reactor::scheduled_io`). `false` says nothing and costs nothing.
    ///
    /// weft-net's TCP streams use it on Linux, where `recvmsg` returns the bytes still queued (the
    /// `TCP_INQ` control message): a read that fills the buffer exactly and empties the socket, as
    /// a request/response client's `read_exact` does, then costs one syscall instead of two.
    /// Claim `true` only when the OS said the source is empty *after* this read; end of stream
    /// still to be read is not empty.
    ///
    /// # Errors
    /// As for [`poll_read_with`](Async::poll_read_with).
    pub fn poll_read_drained_with<R>(
        &self,
        cx: &mut Context<'_>,
        mut op: impl FnMut(&T) -> io::Result<(R, bool)>,
    ) -> Poll<io::Result<R>> {
        let io = self.get_ref();
        self.poll_stream(Direction::Read, cx, |(_, drained)| *drained, || op(io))
            .map_ok(|(r, _)| r)
    }

    fn poll_io<R>(
        &self,
        direction: Direction,
        cx: &mut Context<'_>,
        mut op: impl FnMut(&T) -> io::Result<R>,
    ) -> Poll<io::Result<R>> {
        let io = self.get_ref();
        self.poll_stream(direction, cx, |_| false, || op(io))
    }

    /// [`poll_io`](Async::poll_io) with a `drained` test on the result (see [`poll_optimistic`]).
    fn poll_stream<R>(
        &self,
        direction: Direction,
        cx: &mut Context<'_>,
        drained: impl Fn(&R) -> bool,
        op: impl FnMut() -> io::Result<R>,
    ) -> Poll<io::Result<R>> {
        poll_optimistic(
            &self.registration,
            &self.handle,
            direction,
            cx,
            None,
            drained,
            op,
        )
    }

    fn poll_io_mut<R>(
        &mut self,
        direction: Direction,
        cx: &mut Context<'_>,
        drained: impl Fn(&R) -> bool,
        op: &mut impl FnMut(&mut T) -> io::Result<R>,
    ) -> Poll<io::Result<R>> {
        let io = self
            .io
            .as_mut()
            .expect("Async holds its I/O object until dropped");
        poll_optimistic(
            &self.registration,
            &self.handle,
            direction,
            cx,
            None,
            drained,
            || op(io),
        )
    }
}

/// The optimistic loop behind every `poll_*_with`, the `*_with` futures and the futures-io impls
/// (the readiness protocol of `reactor::scheduled_io`): skip the syscall if the source is known
/// drained (rule 5), try `op`, on `WouldBlock` clear the readiness seen before the try and wait.
/// `drained` says whether a successful result also proves the source drained (a partial stream
/// transfer); the readiness is then cleared too, so the next call waits for an event instead of
/// failing a syscall. `key` is the waiting future's [`Waiter`] key, `None` for a `poll_*` caller.
fn poll_optimistic<R>(
    registration: &Registration,
    handle: &Handle,
    direction: Direction,
    cx: &mut Context<'_>,
    mut key: Option<&mut Option<WaiterKey>>,
    drained: impl Fn(&R) -> bool,
    mut op: impl FnMut() -> io::Result<R>,
) -> Poll<io::Result<R>> {
    let coop = ready!(coop::poll_proceed(cx));
    let source = registration.io();
    let arm = || handle.inner.reactor.arm(registration, direction);
    let mut wait = |cx: &mut Context<'_>| match key.as_deref_mut() {
        Some(key) => source.poll_ready_keyed(direction, cx, key, arm),
        None => source.poll_ready(direction, cx, arm),
    };
    loop {
        if source.is_closed() {
            return Poll::Ready(Err(source.closed_error()));
        }
        // The snapshot comes *before* the syscall (see reactor::scheduled_io).
        let mut seen = source.snapshot(direction);
        if seen.is_drained() {
            match wait(cx) {
                Poll::Ready(Ok(fresh)) => seen = fresh,
                Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                Poll::Pending => return Poll::Pending,
            }
        }
        match op() {
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                source.clear_readiness(seen);
                match wait(cx) {
                    Poll::Ready(Ok(_)) => continue,
                    Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                    Poll::Pending => return Poll::Pending,
                }
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            result => {
                if matches!(&result, Ok(r) if drained(r))
                    && handle.inner.reactor.clears_on_partial()
                {
                    source.clear_after_partial(seen);
                }
                coop.made_progress();
                return Poll::Ready(result);
            }
        }
    }
}

/// A waiting future's entry in its source's waiter list: the key it registers under, removed when
/// the future is dropped (completed or cancelled), so a cancelled wait leaves no waker behind (a
/// waker keeps its task's memory alive) and causes no spurious wake-up later.
struct Waiter<'a> {
    source: &'a ScheduledIo,
    direction: Direction,
    key: Option<WaiterKey>,
}

impl<'a> Waiter<'a> {
    fn new(source: &'a ScheduledIo, direction: Direction) -> Self {
        Waiter {
            source,
            direction,
            key: None,
        }
    }
}

impl Drop for Waiter<'_> {
    fn drop(&mut self) {
        if let Some(key) = self.key.take() {
            self.source.remove_waiter(self.direction, key);
        }
    }
}

/// Whether a stream transfer of `n` bytes out of `len` asked proves the source drained: some but
/// not all bytes moved, so the receive buffer was emptied (or the send buffer filled). Zero bytes
/// (end of stream, or an empty buffer) proves nothing.
fn partial(len: usize) -> impl Fn(&usize) -> bool {
    move |&n| n > 0 && n < len
}

fn total_len<B: std::ops::Deref<Target = [u8]>>(bufs: &[B]) -> usize {
    bufs.iter().map(|b| b.len()).sum()
}

// `T` is never pinned: `Async` hands out `&T` / `&mut T` freely.
impl<T: AsFd> Unpin for Async<T> {}

impl<T: AsFd> Drop for Async<T> {
    fn drop(&mut self) {
        // Deregister before `T` (and its descriptor) goes.
        let _ = self.deregister();
    }
}

impl<T: AsFd> AsFd for Async<T> {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.get_ref().as_fd()
    }
}

impl<T: AsFd> AsRawFd for Async<T> {
    fn as_raw_fd(&self) -> RawFd {
        self.get_ref().as_fd().as_raw_fd()
    }
}

impl<T: AsFd + fmt::Debug> fmt::Debug for Async<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Async")
            .field("io", &self.io)
            .finish_non_exhaustive()
    }
}

/// Sets `O_NONBLOCK` on `fd`.
fn set_nonblocking(fd: BorrowedFd<'_>) -> io::Result<()> {
    let raw = fd.as_raw_fd();
    // SAFETY: `raw` is a live descriptor (borrowed for this call); F_GETFL reads its flags only.
    let flags = unsafe { libc::fcntl(raw, libc::F_GETFL) };
    if flags < 0 {
        return Err(io::Error::last_os_error());
    }
    if flags & libc::O_NONBLOCK == 0 {
        // SAFETY: as above; F_SETFL changes only the descriptor's status flags.
        if unsafe { libc::fcntl(raw, libc::F_SETFL, flags | libc::O_NONBLOCK) } < 0 {
            return Err(io::Error::last_os_error());
        }
    }
    Ok(())
}

impl<T: AsFd + Read> AsyncRead for Async<T> {
    #[track_caller]
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        recorded(Resource::Read, {
            self.get_mut()
                .poll_io_mut(Direction::Read, cx, partial(buf.len()), &mut |io| {
                    io.read(buf)
                })
        })
    }

    #[track_caller]
    fn poll_read_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &mut [IoSliceMut<'_>],
    ) -> Poll<io::Result<usize>> {
        recorded(Resource::Read, {
            self.get_mut()
                .poll_io_mut(Direction::Read, cx, partial(total_len(bufs)), &mut |io| {
                    io.read_vectored(bufs)
                })
        })
    }
}

impl<T: AsFd> AsyncRead for &Async<T>
where
    for<'a> &'a T: Read,
{
    #[track_caller]
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        recorded(Resource::Read, {
            let mut io = self.get_ref();
            self.poll_stream(Direction::Read, cx, partial(buf.len()), || io.read(buf))
        })
    }

    #[track_caller]
    fn poll_read_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &mut [IoSliceMut<'_>],
    ) -> Poll<io::Result<usize>> {
        recorded(Resource::Read, {
            let len = total_len(bufs);
            let mut io = self.get_ref();
            self.poll_stream(Direction::Read, cx, partial(len), || io.read_vectored(bufs))
        })
    }
}

impl<T: AsFd + Write> AsyncWrite for Async<T> {
    #[track_caller]
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        recorded(Resource::Write, {
            self.get_mut()
                .poll_io_mut(Direction::Write, cx, partial(buf.len()), &mut |io| {
                    io.write(buf)
                })
        })
    }

    #[track_caller]
    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        recorded(Resource::Write, {
            self.get_mut()
                .poll_io_mut(Direction::Write, cx, partial(total_len(bufs)), &mut |io| {
                    io.write_vectored(bufs)
                })
        })
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.get_mut()
            .poll_io_mut(Direction::Write, cx, |_| false, &mut |io| io.flush())
    }

    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.poll_flush(cx)
    }
}

impl<T: AsFd> AsyncWrite for &Async<T>
where
    for<'a> &'a T: Write,
{
    #[track_caller]
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        recorded(Resource::Write, {
            let mut io = self.get_ref();
            self.poll_stream(Direction::Write, cx, partial(buf.len()), || io.write(buf))
        })
    }

    #[track_caller]
    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        recorded(Resource::Write, {
            let mut io = self.get_ref();
            self.poll_stream(Direction::Write, cx, partial(total_len(bufs)), || {
                io.write_vectored(bufs)
            })
        })
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.poll_io(Direction::Write, cx, |mut io| io.flush())
    }

    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.poll_flush(cx)
    }
}

/// `out`, after recording in the running task that it waits on `resource` at the caller's line
/// if `out` is `Pending` (the futures-io impls: their caller is the line that polls them, which
/// is an extension future's own when they are driven by `AsyncReadExt::read` and the like).
#[track_caller]
#[inline]
fn recorded<T>(resource: Resource, out: Poll<T>) -> Poll<T> {
    if out.is_pending() {
        record_wait(resource, std::panic::Location::caller());
    }
    out
}
