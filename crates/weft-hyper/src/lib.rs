//! # weft-hyper: hyper 1.x on weft
//!
//! [hyper](https://docs.rs/hyper) is runtime-neutral: it asks for an I/O type implementing its
//! `Read`/`Write`, an executor for background tasks and a timer. This crate gives those three
//! for weft, and on top of them the two things most programs want:
//!
//! - [`HyperIo<T>`]: weft-net's [`TcpStream`](weft_net::TcpStream) (or
//!   [`UnixStream`](weft_net::UnixStream)) as hyper's `Read` + `Write`. Reads go straight into
//!   hyper's uninitialised buffer ([`ReadUninit`]); writes are vectored.
//! - [`HyperExecutor`]: hyper's background futures as weft tasks. [`HyperTimer`]: hyper's
//!   timeouts on weft's timer wheel (with an in-place `reset`).
//! - [`serve`]: an accept loop serving HTTP/1.1 (keep-alive) and HTTP/2 (detected from the first
//!   bytes), one task per connection, with a header read timeout and
//!   [`with_graceful_shutdown`](Serve::with_graceful_shutdown).
//! - [`Client`]: HTTP/1.1 requests over a keep-alive pool, with a per-host connection limit and
//!   a per-request time limit; names resolved by `weft_net::lookup_host`.
//!
//! ```text
//!   serve(listener, service)                      Client::get / request
//!     | accept (weft-net), one task per conn        | pool: idle conns per host, waiters
//!     v                                             v
//!   hyper-util auto::Builder (HTTP/1 | HTTP/2)    hyper::client::conn::http1
//!     \______________ HyperIo<TcpStream>, HyperExecutor, HyperTimer ______________/
//!                                  |
//!                    weft-net / weft-io (reactor, timers), weft-runtime (tasks)
//! ```
//!
//! From hyper-util it takes only `server::conn::auto` (the runtime-neutral HTTP/1-or-HTTP/2
//! detection); its client pool and graceful-shutdown helper need tokio, so the pool
//! (`client/pool.rs`) and the shutdown (`server.rs`) are weft's own.
//!
//! The crates a caller names in its own code are re-exported: [`hyper`], [`http_body_util`] and
//! [`bytes`].
//!
//! # Examples
//!
//! A server and a client in one program:
//!
//! ```
//! # weft_net::__private::run(async {
//! use std::convert::Infallible;
//! use std::future::IntoFuture;
//! use weft_hyper::http_body_util::{BodyExt, Full};
//! use weft_hyper::hyper::{body::Bytes, service::service_fn, Request, Response};
//!
//! let listener = weft_net::TcpListener::bind("127.0.0.1:0").await?;
//! let addr = listener.local_addr()?;
//! let hello = service_fn(|req: Request<_>| async move {
//!     let text = format!("hello from {}", req.uri().path());
//!     Ok::<_, Infallible>(Response::new(Full::new(Bytes::from(text))))
//! });
//! weft_runtime::spawn(weft_hyper::serve(listener, hello).into_future());
//!
//! let client = weft_hyper::Client::new();
//! let response = client.get(format!("http://{addr}/weft")).await.unwrap();
//! let body = response.into_body().collect().await.unwrap().to_bytes();
//! assert_eq!(body, "hello from /weft");
//! # std::io::Result::Ok(()) }).unwrap();
//! ```
#![deny(unsafe_op_in_unsafe_fn)]

pub mod client;
mod executor;
mod io;
mod server;
mod timer;

pub use client::{Client, Error};
pub use executor::HyperExecutor;
pub use io::{HyperIo, ReadUninit};
pub use server::{serve, Serve, ServeFuture, WithGracefulShutdown, DEFAULT_HEADER_READ_TIMEOUT};
pub use timer::HyperTimer;

pub use bytes;
pub use http_body_util;
pub use hyper;
