//! RESP2, the Redis wire protocol: parsing requests (arrays of bulk strings, or inline commands
//! such as `PING\r\n` typed into telnet) and writing replies.
//!
//! The parser never copies an argument: it returns byte ranges into the caller's buffer, and it
//! says "incomplete" until a whole command is there, so a connection can parse as many pipelined
//! commands as one read brought in and answer them all with one write.

use std::ops::Range;

/// A request that breaks the protocol; the connection answers `-ERR Protocol error: ...` and
/// closes, as Redis does.
#[derive(Debug, PartialEq, Eq)]
pub struct ProtocolError(pub &'static str);

/// The longest bulk string accepted (Redis's default `proto-max-bulk-len`).
const MAX_BULK: usize = 512 << 20;
/// The most arguments in one command.
const MAX_ARGS: usize = 1 << 20;
/// The longest inline command line.
const MAX_INLINE: usize = 64 << 10;

/// Parses one command at the start of `buf`. On success, `args` holds the ranges of its
/// arguments in `buf` and the number of bytes it took is returned; `Ok(None)`: the command is not
/// complete yet (read more and call again).
///
/// # Errors
/// A malformed request.
pub fn parse(buf: &[u8], args: &mut Vec<Range<usize>>) -> Result<Option<usize>, ProtocolError> {
    args.clear();
    match buf.first() {
        None => Ok(None),
        Some(b'*') => parse_array(buf, args),
        Some(_) => parse_inline(buf, args),
    }
}

fn parse_array(buf: &[u8], args: &mut Vec<Range<usize>>) -> Result<Option<usize>, ProtocolError> {
    let Some((count, mut at)) = number_line(buf, 1)? else {
        return Ok(None);
    };
    if count > MAX_ARGS as i64 {
        return Err(ProtocolError("invalid multibulk length"));
    }
    for _ in 0..count.max(0) {
        match buf.get(at) {
            None => return Ok(None),
            Some(b'$') => {}
            Some(_) => return Err(ProtocolError("expected '$'")),
        }
        let Some((len, start)) = number_line(buf, at + 1)? else {
            return Ok(None);
        };
        if !(0..=MAX_BULK as i64).contains(&len) {
            return Err(ProtocolError("invalid bulk length"));
        }
        let end = start + len as usize;
        if buf.len() < end + 2 {
            return Ok(None);
        }
        if &buf[end..end + 2] != b"\r\n" {
            return Err(ProtocolError("bulk string not followed by CRLF"));
        }
        args.push(start..end);
        at = end + 2;
    }
    Ok(Some(at))
}

/// Reads `<decimal>\r\n` starting at `from`; the number and where the next line starts.
fn number_line(buf: &[u8], from: usize) -> Result<Option<(i64, usize)>, ProtocolError> {
    let Some(cr) = buf[from.min(buf.len())..].iter().position(|&b| b == b'\r') else {
        if buf.len() - from.min(buf.len()) > 32 {
            return Err(ProtocolError("length line too long"));
        }
        return Ok(None);
    };
    let digits = &buf[from..from + cr];
    if buf.len() < from + cr + 2 {
        return Ok(None);
    }
    if buf[from + cr + 1] != b'\n' {
        return Err(ProtocolError("expected LF after CR"));
    }
    let n = parse_int(digits).ok_or(ProtocolError("invalid length"))?;
    Ok(Some((n, from + cr + 2)))
}

fn parse_inline(buf: &[u8], args: &mut Vec<Range<usize>>) -> Result<Option<usize>, ProtocolError> {
    let Some(nl) = buf.iter().position(|&b| b == b'\n') else {
        if buf.len() > MAX_INLINE {
            return Err(ProtocolError("too big inline request"));
        }
        return Ok(None);
    };
    let line_end = if nl > 0 && buf[nl - 1] == b'\r' {
        nl - 1
    } else {
        nl
    };
    let mut i = 0;
    while i < line_end {
        while i < line_end && buf[i].is_ascii_whitespace() {
            i += 1;
        }
        let start = i;
        while i < line_end && !buf[i].is_ascii_whitespace() {
            i += 1;
        }
        if start < i {
            args.push(start..i);
        }
    }
    Ok(Some(nl + 1))
}

/// A signed decimal integer, as Redis reads one (no sign on zero-length input, no spaces).
pub fn parse_int(digits: &[u8]) -> Option<i64> {
    std::str::from_utf8(digits).ok()?.parse().ok()
}

/// Appends RESP replies to a buffer.
pub struct Reply<'a>(pub &'a mut Vec<u8>);

impl Reply<'_> {
    /// `+text`.
    pub fn simple(&mut self, text: &str) {
        self.0.push(b'+');
        self.0.extend_from_slice(text.as_bytes());
        self.0.extend_from_slice(b"\r\n");
    }

    /// `-message` (the message starts with its error code, e.g. `ERR ...`).
    pub fn error(&mut self, message: &str) {
        self.0.push(b'-');
        self.0.extend_from_slice(message.as_bytes());
        self.0.extend_from_slice(b"\r\n");
    }

    /// `:n`.
    pub fn integer(&mut self, n: i64) {
        self.0.push(b':');
        self.0.extend_from_slice(n.to_string().as_bytes());
        self.0.extend_from_slice(b"\r\n");
    }

    /// `$len\r\ndata\r\n`.
    pub fn bulk(&mut self, data: &[u8]) {
        self.0.push(b'$');
        self.0.extend_from_slice(data.len().to_string().as_bytes());
        self.0.extend_from_slice(b"\r\n");
        self.0.extend_from_slice(data);
        self.0.extend_from_slice(b"\r\n");
    }

    /// `$-1`, the nil reply.
    pub fn nil(&mut self) {
        self.0.extend_from_slice(b"$-1\r\n");
    }

    /// `*n`: an array of the `n` replies that follow.
    pub fn array(&mut self, n: usize) {
        self.0.push(b'*');
        self.0.extend_from_slice(n.to_string().as_bytes());
        self.0.extend_from_slice(b"\r\n");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A parsed command: bytes taken, then its arguments.
    type Parsed<'a> = Option<(usize, Vec<&'a [u8]>)>;

    fn words(buf: &[u8]) -> Result<Parsed<'_>, ProtocolError> {
        let mut args = Vec::new();
        Ok(parse(buf, &mut args)?.map(|n| (n, args.iter().map(|r| &buf[r.clone()]).collect())))
    }

    #[test]
    fn arrays_parse_and_pipelined_commands_split() {
        let two = b"*2\r\n$3\r\nGET\r\n$1\r\nk\r\n*1\r\n$4\r\nPING\r\n";
        let (n, args) = words(two).unwrap().unwrap();
        assert_eq!(args, [&b"GET"[..], b"k"]);
        let (m, args) = words(&two[n..]).unwrap().unwrap();
        assert_eq!((n + m, args), (two.len(), vec![&b"PING"[..]]));
    }

    #[test]
    fn every_prefix_of_a_command_is_incomplete() {
        let cmd = b"*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$5\r\nva\r\nl\r\n";
        for cut in 0..cmd.len() {
            assert_eq!(words(&cmd[..cut]).unwrap(), None, "prefix of {cut} bytes");
        }
        let (n, args) = words(cmd).unwrap().unwrap();
        assert_eq!((n, args[2]), (cmd.len(), &b"va\r\nl"[..]));
    }

    #[test]
    fn inline_commands_split_on_spaces() {
        let (n, args) = words(b"SET  a 1\r\nrest").unwrap().unwrap();
        assert_eq!((n, args), (10, vec![&b"SET"[..], b"a", b"1"]));
    }

    #[test]
    fn malformed_requests_are_errors() {
        assert!(words(b"*1\r\n+OK\r\n").is_err());
        assert!(words(b"*x\r\n").is_err());
        assert!(words(b"*1\r\n$3\r\nabcde").is_err());
        assert!(words(b"*1\r\n$-5\r\n").is_err());
    }

    #[test]
    fn replies_are_resp2() {
        let mut out = Vec::new();
        let mut reply = Reply(&mut out);
        reply.array(4);
        reply.simple("OK");
        reply.integer(-3);
        reply.bulk(b"v");
        reply.nil();
        reply.error("ERR x");
        assert_eq!(out, b"*4\r\n+OK\r\n:-3\r\n$1\r\nv\r\n$-1\r\n-ERR x\r\n");
    }
}
