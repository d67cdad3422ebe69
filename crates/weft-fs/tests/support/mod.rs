//! Shared test helpers: a unique temporary directory, and the macro that runs a suite on both
//! runtime flavours.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

/// A fresh directory under `std::env::temp_dir()`, removed (with its contents) on drop.
#[derive(Debug)]
pub struct TempDir {
    path: PathBuf,
}

impl TempDir {
    /// Creates `<tmp>/weft-fs-<tag>-<pid>-<n>`.
    pub fn new(tag: &str) -> TempDir {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let path = std::env::temp_dir().join(format!("weft-fs-{tag}-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).expect("create temp dir");
        TempDir { path }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn join(&self, name: &str) -> PathBuf {
        self.path.join(name)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

/// Deterministic test bytes: position-dependent, so a misplaced block shows.
pub fn pattern(len: usize, seed: u64) -> Vec<u8> {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect()
}

/// Writes the suite once and runs it on both flavours: modules `current_thread` and
/// `multi_thread`, each with `fn rt() -> weft_runtime::Runtime`.
#[macro_export]
macro_rules! fs_suite {
    ($($body:tt)*) => {
        mod current_thread {
            #[allow(unused_imports)]
            use super::*;
            #[allow(dead_code)]
            fn rt() -> weft_runtime::Runtime {
                weft_runtime::Builder::new_current_thread().build().unwrap()
            }
            $($body)*
        }
        mod multi_thread {
            #[allow(unused_imports)]
            use super::*;
            #[allow(dead_code)]
            fn rt() -> weft_runtime::Runtime {
                weft_runtime::Builder::new_multi_thread().worker_threads(2).build().unwrap()
            }
            $($body)*
        }
    };
}
