//! `next_line` on the lines of a reader, for code written with tokio's habit.

use futures_util::io::{AsyncBufRead, Lines};
use futures_util::stream::{TryNext, TryStreamExt};

/// `lines.next_line().await`: the next line of a [`Lines`] (from
/// [`AsyncBufReadExt::lines`](super::AsyncBufReadExt::lines)), `Ok(None)` at the end, as tokio's
/// `Lines::next_line`. `Lines` is also a stream of `io::Result<String>`, so `next()` (from
/// `StreamExt`) gives the same lines as `Option<io::Result<String>>`.
///
/// # Examples
///
/// ```
/// use weft_io::io::{AsyncBufReadExt, Cursor, LinesExt};
///
/// # futures_executor::block_on(async {
/// let mut lines = Cursor::new(b"first\nsecond\n".to_vec()).lines();
/// while let Some(line) = lines.next_line().await? {
///     println!("{line}");
/// }
/// # std::io::Result::Ok(()) }).unwrap();
/// ```
///
/// # Cancel safety
///
/// Cancel safe: a line is taken from the reader only when the future returns it; a partial line
/// read so far stays buffered in the `Lines` for the next call.
pub trait LinesExt {
    /// Reads the next line, without its `\n` (or `\r\n`); `Ok(None)` at the end of the input.
    ///
    /// # Errors
    ///
    /// The reader's error, or `InvalidData` for a line that is not UTF-8.
    fn next_line(&mut self) -> TryNext<'_, Self>
    where
        Self: Sized + Unpin + futures_util::stream::TryStream;
}

impl<R: AsyncBufRead + Unpin> LinesExt for Lines<R> {
    fn next_line(&mut self) -> TryNext<'_, Self> {
        self.try_next()
    }
}
