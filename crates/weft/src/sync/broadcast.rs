//! A channel whose every receiver sees every value: events fanned out to many tasks.
//!
//! The channel keeps the last `capacity` values in a ring. A receiver that falls further behind
//! is told how many values it missed ([`error::RecvError::Lagged`]) and goes on from the oldest
//! value still kept. [`Sender::subscribe`] adds a receiver that sees the values sent from then on.
//!
//! # Examples
//!
//! ```
//! use weft::sync::broadcast;
//!
//! #[weft::main]
//! async fn main() {
//!     let (events, _) = broadcast::channel(16);
//!     let listeners: Vec<_> = (0..3)
//!         .map(|_| {
//!             let mut rx = events.subscribe();
//!             weft::spawn(async move {
//!                 let mut seen = Vec::new();
//!                 // `Err(Closed)` once every sender is gone and the ring is read.
//!                 while let Ok(event) = rx.recv().await {
//!                     seen.push(event);
//!                 }
//!                 seen
//!             })
//!         })
//!         .collect();
//!
//!     for event in ["connected", "message", "disconnected"] {
//!         events.send(event).expect("the listeners are subscribed");
//!     }
//!     drop(events);
//!     for listener in listeners {
//!         assert_eq!(listener.await.unwrap(), ["connected", "message", "disconnected"]);
//!     }
//! }
//! ```

pub use weft_sync::broadcast::{channel, error, Receiver, Sender};
