//! TCP reads that say whether they emptied the socket (Linux `TCP_INQ`, since 4.18).
//!
//! With `TCP_INQ` on, every `recvmsg(2)` on the socket carries a `TCP_CM_INQ` control message: the
//! bytes still queued after the read (1 when only the peer's end of stream is left, so a pending
//! EOF never counts as empty). A read that leaves 0 proves the socket drained, and the stream's
//! next read waits for the reactor instead of failing a syscall with `WouldBlock`: a
//! request/response client reading exact-sized replies makes one `recvmsg` per reply, not two.
//! On a kernel without `TCP_INQ` the option is refused, no control message comes, and reads
//! fall back to the short-read rule.
//!
//! The hint has a price: `recvmsg` copies in a `msghdr` and its iovec array and writes a control
//! message back, about 200 ns more than a plain `recv` of the same bytes on a recent kernel, which
//! is close to what the `WouldBlock` read it saves costs. It pays only where reads fill the
//! buffer exactly (a client reading fixed-size replies); a read into a buffer larger than what
//! arrived is short, and a short read proves the socket drained by itself. So each stream keeps
//! a [`ReadHint`]: it reads with plain `recv` until a read fills the buffer, asks for the hint from
//! then on, and goes back to `recv` after a read that came back short.

use std::io::{self, IoSliceMut, Read};
use std::mem::{self, MaybeUninit};
use std::net::TcpStream;
use std::os::fd::AsRawFd;
use std::sync::atomic::{AtomicBool, Ordering::Relaxed};

/// Which read a TCP stream makes next: a plain `recv`, or `recvmsg` with the `TCP_INQ` hint
/// (see the module docs). Only a choice between two reads that both answer "emptied?" correctly,
/// so a relaxed flag is enough: two tasks reading one stream at once at worst pick the dearer
/// read once.
#[derive(Debug, Default)]
pub(crate) struct ReadHint {
    /// The last read filled its buffer: ask the kernel how much is left.
    ask: AtomicBool,
}

impl ReadHint {
    /// Reads into `bufs`; returns the bytes read and whether the socket is now known to be empty
    /// (a short read, or a full one after which `TCP_CM_INQ` said nothing is left).
    pub(crate) fn recv(
        &self,
        stream: &TcpStream,
        bufs: &mut [IoSliceMut<'_>],
    ) -> io::Result<(usize, bool)> {
        let asked: usize = bufs.iter().map(|b| b.len()).sum();
        let (n, emptied) = if self.ask.load(Relaxed) {
            recv_hinted(stream, bufs)?
        } else {
            let n = recv_plain(stream, bufs)?;
            (n, n > 0 && n < asked)
        };
        self.learn(n, asked);
        Ok((n, emptied))
    }

    /// [`recv`](ReadHint::recv) into memory that may be uninitialised: on `Ok((n, _))` the first
    /// `n` bytes of `buf` have been written by the kernel (so they are initialised).
    pub(crate) fn recv_uninit(
        &self,
        stream: &TcpStream,
        buf: &mut [MaybeUninit<u8>],
    ) -> io::Result<(usize, bool)> {
        let (n, emptied) = if self.ask.load(Relaxed) {
            recv_hinted_uninit(stream, buf)?
        } else {
            let n = super::read_uninit(std::os::fd::AsFd::as_fd(stream), buf)?;
            (n, n > 0 && n < buf.len())
        };
        self.learn(n, buf.len());
        Ok((n, emptied))
    }

    /// After a read of `n` bytes out of `asked`: ask for the hint next time if the buffer was
    /// filled (a plain read could not tell whether it emptied the socket), not if it came back
    /// short (a plain read can). The flag is written only when it changes.
    fn learn(&self, n: usize, asked: usize) {
        let full = n == asked && asked > 0;
        if self.ask.load(Relaxed) != full {
            self.ask.store(full, Relaxed);
        }
    }

    /// Whether the next read asks for the hint (tests).
    #[cfg(test)]
    pub(crate) fn asks(&self) -> bool {
        self.ask.load(Relaxed)
    }
}

/// One plain read into `bufs`: std's `recv` for one buffer, `readv` for several.
fn recv_plain(mut stream: &TcpStream, bufs: &mut [IoSliceMut<'_>]) -> io::Result<usize> {
    match bufs {
        [buf] => stream.read(buf),
        _ => stream.read_vectored(bufs),
    }
}

/// Turns `TCP_INQ` on for `stream`; errors are ignored (an older kernel simply gives no hint).
pub(crate) fn enable_read_hint(stream: &TcpStream) {
    let on: libc::c_int = 1;
    // SAFETY: the descriptor is live for the call (borrowed from `stream`); `on` outlives the call
    // and its size is passed.
    let _ = unsafe {
        libc::setsockopt(
            stream.as_raw_fd(),
            libc::IPPROTO_TCP,
            libc::TCP_INQ,
            (&on as *const libc::c_int).cast(),
            mem::size_of::<libc::c_int>() as libc::socklen_t,
        )
    };
}

/// Room for one `TCP_CM_INQ` message (`CMSG_SPACE(sizeof(int))` is 24 on 64-bit Linux, 16 on
/// 32-bit), aligned for `cmsghdr`.
#[repr(C, align(8))]
struct ControlBuf([u8; 32]);

/// Reads into `bufs` with `recvmsg`; returns the bytes read and whether the socket is now known
/// to be empty: bytes were read and `TCP_CM_INQ` said 0 are left (without the hint: the read was
/// short).
fn recv_hinted(stream: &TcpStream, bufs: &mut [IoSliceMut<'_>]) -> io::Result<(usize, bool)> {
    // SAFETY: `IoSliceMut` is ABI-compatible with `iovec` on Unix (std guarantees it), so the
    // cast slice describes `bufs.len()` valid, writable buffers that live through the call.
    unsafe { recvmsg_hinted(stream, bufs.as_mut_ptr().cast::<libc::iovec>(), bufs.len()) }
}

/// [`recv_hinted`] into memory that may be uninitialised: on `Ok((n, _))` the first `n` bytes of
/// `buf` have been written by the kernel (so they are initialised).
fn recv_hinted_uninit(
    stream: &TcpStream,
    buf: &mut [MaybeUninit<u8>],
) -> io::Result<(usize, bool)> {
    let mut iov = libc::iovec {
        iov_base: buf.as_mut_ptr().cast(),
        iov_len: buf.len(),
    };
    // SAFETY: `iov` describes `buf`, writable for `buf.len()` bytes and alive through the call;
    // the kernel only writes into it (uninitialised memory is fine to write).
    unsafe { recvmsg_hinted(stream, &mut iov, 1) }
}

/// One `recvmsg` into the `len` buffers at `iov`, with the `TCP_CM_INQ` hint.
///
/// # Safety
/// `iov` points at `len` `iovec`s, each describing memory writable for `iov_len` bytes, all of it
/// alive until this returns.
unsafe fn recvmsg_hinted(
    stream: &TcpStream,
    iov: *mut libc::iovec,
    len: usize,
) -> io::Result<(usize, bool)> {
    let mut control = ControlBuf([0; 32]);
    // SAFETY: an all-zero msghdr is a valid "no address, no buffers" value; the fields are set
    // below.
    let mut msg: libc::msghdr = unsafe { mem::zeroed() };
    msg.msg_iov = iov;
    msg.msg_iovlen = len as _;
    msg.msg_control = control.0.as_mut_ptr().cast();
    msg.msg_controllen = control.0.len() as _;
    // SAFETY: `msg_iov` points at `len` writable buffers that live through the call (the caller's
    // contract); `msg_control` points at `control`, whose length is passed.
    let n = unsafe { libc::recvmsg(stream.as_raw_fd(), &mut msg, 0) };
    if n < 0 {
        return Err(io::Error::last_os_error());
    }
    let n = n as usize;
    let emptied = match queued_after(&msg) {
        Some(left) => left == 0,
        // No hint (TCP_INQ refused by an older kernel): the short-read rule.
        None => {
            // SAFETY: the caller's contract: `iov` points at `len` initialised `iovec`s.
            let asked: usize = unsafe { std::slice::from_raw_parts(iov, len) }
                .iter()
                .map(|v| v.iov_len)
                .sum();
            n < asked
        }
    };
    Ok((n, n > 0 && emptied))
}

/// The `TCP_CM_INQ` value of a message `recvmsg` filled in, if the kernel sent one.
fn queued_after(msg: &libc::msghdr) -> Option<libc::c_int> {
    if msg.msg_flags & libc::MSG_CTRUNC != 0 {
        return None;
    }
    // SAFETY: `msg` was filled by a successful recvmsg: `msg_control`/`msg_controllen` describe
    // the control messages the kernel wrote into our buffer (which is still alive), so
    // CMSG_FIRSTHDR/CMSG_NXTHDR stay inside it.
    let mut cmsg = unsafe { libc::CMSG_FIRSTHDR(msg) };
    while !cmsg.is_null() {
        // SAFETY: `cmsg` is non-null and points at a complete header inside the buffer (see above).
        let header = unsafe { &*cmsg };
        if header.cmsg_level == libc::IPPROTO_TCP
            && header.cmsg_type == libc::TCP_CM_INQ
            && header.cmsg_len as usize
                >= mem::size_of::<libc::cmsghdr>() + mem::size_of::<libc::c_int>()
        {
            // SAFETY: the header's length covers an int after it (checked above); the data may be
            // unaligned, so it is read unaligned.
            let value = unsafe { libc::CMSG_DATA(cmsg).cast::<libc::c_int>().read_unaligned() };
            return Some(value);
        }
        // SAFETY: as for CMSG_FIRSTHDR; it returns null after the last header.
        cmsg = unsafe { libc::CMSG_NXTHDR(msg, cmsg) };
    }
    None
}

#[cfg(test)]
mod tests {
    use std::io::{IoSliceMut, Write};
    use std::net::{Shutdown, TcpListener, TcpStream};
    use std::thread;
    use std::time::Duration;

    use super::{enable_read_hint, recv_hinted, ReadHint};

    /// A connected pair with the hint on at the reading end (blocking sockets: each read below
    /// waits for the bytes the test wrote).
    fn pair() -> (TcpStream, TcpStream) {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let writer = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        let (reader, _) = listener.accept().unwrap();
        enable_read_hint(&reader);
        (writer, reader)
    }

    /// Loopback queues the bytes at the reader within the writer's call; the pause only guards
    /// against delivery deferred to a softirq, so the hint is about a settled queue.
    fn settle() {
        thread::sleep(Duration::from_millis(20));
    }

    fn read(reader: &TcpStream, len: usize) -> (usize, bool) {
        let mut buf = vec![0u8; len];
        recv_hinted(reader, &mut [IoSliceMut::new(&mut buf)]).unwrap()
    }

    #[test]
    fn an_exact_read_that_empties_the_socket_says_so() {
        let (mut writer, reader) = pair();
        writer.write_all(&[1; 64]).unwrap();
        settle();
        assert_eq!(read(&reader, 64), (64, true));
    }

    #[test]
    fn a_read_that_leaves_bytes_queued_says_nothing() {
        let (mut writer, reader) = pair();
        writer.write_all(&[1; 128]).unwrap();
        settle();
        assert_eq!(read(&reader, 64), (64, false));
        assert_eq!(read(&reader, 64), (64, true));
    }

    #[test]
    fn a_pending_end_of_stream_is_not_empty() {
        let (mut writer, reader) = pair();
        writer.write_all(&[1; 64]).unwrap();
        writer.shutdown(Shutdown::Write).unwrap();
        settle();
        // Only the FIN is left: the kernel reports it as one byte so the reader comes back for
        // it.
        assert_eq!(read(&reader, 64), (64, false));
        assert_eq!(read(&reader, 64), (0, false));
    }

    #[test]
    fn vectored_reads_fill_every_buffer_and_carry_the_hint() {
        let (mut writer, reader) = pair();
        writer.write_all(b"headbody").unwrap();
        settle();
        let (mut a, mut b) = ([0u8; 4], [0u8; 4]);
        let got = recv_hinted(
            &reader,
            &mut [IoSliceMut::new(&mut a), IoSliceMut::new(&mut b)],
        );
        assert_eq!(got.unwrap(), (8, true));
        assert_eq!((&a, &b), (b"head", b"body"));
    }

    #[test]
    fn an_uninitialised_buffer_is_filled_and_carries_the_hint() {
        let (mut writer, reader) = pair();
        writer.write_all(b"uninit").unwrap();
        settle();
        let mut buf = [std::mem::MaybeUninit::<u8>::uninit(); 16];
        let (n, emptied) = super::recv_hinted_uninit(&reader, &mut buf).unwrap();
        assert_eq!((n, emptied), (6, true));
        // SAFETY: the kernel wrote the first `n` bytes.
        let got = unsafe { std::slice::from_raw_parts(buf.as_ptr().cast::<u8>(), n) };
        assert_eq!(got, b"uninit");
    }

    #[test]
    fn without_the_option_a_short_read_still_counts() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let mut writer = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        let (reader, _) = listener.accept().unwrap();
        writer.write_all(&[1; 64]).unwrap();
        // No TCP_INQ: no control message, so only the short read proves anything.
        let (mut small, mut big) = (vec![0u8; 64], vec![0u8; 64]);
        writer.write_all(&[1; 32]).unwrap();
        settle();
        let full = recv_hinted(&reader, &mut [IoSliceMut::new(&mut small)]).unwrap();
        assert_eq!(full, (64, false));
        let short = recv_hinted(&reader, &mut [IoSliceMut::new(&mut big)]).unwrap();
        assert_eq!(short, (32, true));
    }

    /// The stream's choice of read: plain until a read fills its buffer, hinted while reads fill
    /// it, plain again after a short one; the "emptied" answer is right on both paths.
    #[test]
    fn the_hint_is_asked_for_only_after_a_read_that_filled_its_buffer() {
        let (mut writer, reader) = pair();
        let hint = ReadHint::default();
        let read = |len: usize| {
            let mut buf = vec![0u8; len];
            hint.recv(&reader, &mut [IoSliceMut::new(&mut buf)])
                .unwrap()
        };
        assert!(!hint.asks(), "a new stream reads plainly");
        writer.write_all(&[1; 100]).unwrap();
        settle();
        // Plain and short: emptied, no hint needed next time.
        assert_eq!(read(4096), (100, true));
        assert!(!hint.asks());
        writer.write_all(&[1; 64]).unwrap();
        settle();
        // Plain and full: a plain read cannot tell, so it says nothing and asks next time.
        assert_eq!(read(64), (64, false));
        assert!(hint.asks());
        writer.write_all(&[1; 128]).unwrap();
        settle();
        // Hinted and full: the kernel says what is left.
        assert_eq!(read(64), (64, false));
        assert_eq!(read(64), (64, true));
        assert!(hint.asks());
        writer.write_all(&[1; 10]).unwrap();
        settle();
        // Hinted and short: back to plain reads.
        assert_eq!(read(64), (10, true));
        assert!(!hint.asks());
    }

    #[test]
    fn uninitialised_and_vectored_reads_learn_the_same_way() {
        let (mut writer, reader) = pair();
        let hint = ReadHint::default();
        writer.write_all(b"abcdefgh").unwrap();
        settle();
        let mut buf = [std::mem::MaybeUninit::<u8>::uninit(); 8];
        assert_eq!(hint.recv_uninit(&reader, &mut buf).unwrap(), (8, false));
        assert!(hint.asks());
        writer.write_all(b"headbody").unwrap();
        settle();
        let (mut a, mut b) = ([0u8; 4], [0u8; 4]);
        let got = hint.recv(
            &reader,
            &mut [IoSliceMut::new(&mut a), IoSliceMut::new(&mut b)],
        );
        assert_eq!(got.unwrap(), (8, true));
        assert_eq!((&a, &b), (b"head", b"body"));
        writer.write_all(b"xy").unwrap();
        settle();
        let (mut a, mut b) = ([0u8; 4], [0u8; 4]);
        let got = hint.recv(
            &reader,
            &mut [IoSliceMut::new(&mut a), IoSliceMut::new(&mut b)],
        );
        assert_eq!(got.unwrap(), (2, true));
        assert!(!hint.asks());
        // Plain vectored reads (readv) fill every buffer too.
        writer.write_all(b"12345678").unwrap();
        settle();
        let (mut a, mut b) = ([0u8; 4], [0u8; 4]);
        let got = hint.recv(
            &reader,
            &mut [IoSliceMut::new(&mut a), IoSliceMut::new(&mut b)],
        );
        assert_eq!(got.unwrap(), (8, false));
        assert_eq!((&a, &b), (b"1234", b"5678"));
    }
}
