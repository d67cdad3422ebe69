//! TCP: [`TcpListener`] accepts connections, [`TcpStream`] is one, [`TcpSocket`] configures a
//! socket before it becomes either; [`split`] holds the halves of a split stream.

mod listener;
mod socket;
pub mod split;
mod stream;

pub use listener::{Incoming, TcpListener, BACKLOG};
pub use socket::TcpSocket;
pub use stream::TcpStream;
