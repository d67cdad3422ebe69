//! TCP reads where the OS gives no "bytes still queued" hint: a plain vectored read, and only a
//! short read (fewer bytes than asked) proves the socket drained.

use std::io::{self, IoSliceMut, Read};
use std::mem::MaybeUninit;
use std::net::TcpStream;

/// Nothing to turn on here.
pub(crate) fn enable_read_hint(_stream: &TcpStream) {}

/// A TCP stream's reads (on Linux it chooses between a plain read and one with the `TCP_INQ`
/// hint; here there is no hint to ask for).
#[derive(Debug, Default)]
pub(crate) struct ReadHint;

impl ReadHint {
    /// Reads into `bufs`; returns the bytes read and whether the read was short (so the socket
    /// was emptied).
    pub(crate) fn recv(
        &self,
        mut stream: &TcpStream,
        bufs: &mut [IoSliceMut<'_>],
    ) -> io::Result<(usize, bool)> {
        let asked: usize = bufs.iter().map(|b| b.len()).sum();
        let n = stream.read_vectored(bufs)?;
        Ok((n, n > 0 && n < asked))
    }

    /// [`recv`](ReadHint::recv) into memory that may be uninitialised: on `Ok((n, _))` the first
    /// `n` bytes of `buf` have been written by the kernel.
    pub(crate) fn recv_uninit(
        &self,
        stream: &TcpStream,
        buf: &mut [MaybeUninit<u8>],
    ) -> io::Result<(usize, bool)> {
        let n = super::read_uninit(std::os::fd::AsFd::as_fd(stream), buf)?;
        Ok((n, n > 0 && n < buf.len()))
    }
}
