//! 100 MB through a `File` and back, byte-exact, on both flavours (run in release by CI).
#![allow(missing_docs)]

mod support;

use futures_util::io::{AsyncReadExt, AsyncWriteExt};
use support::TempDir;

const TOTAL: usize = 100 * 1024 * 1024;
const CHUNK: usize = 64 * 1024;

/// Block `i` of the stream: 64 KiB of xorshift words seeded by `i`, so a block written or read
/// at the wrong place shows.
fn block(i: usize, out: &mut [u8]) {
    let mut x = (i as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    for word in out.chunks_mut(8) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        word.copy_from_slice(&x.to_le_bytes()[..word.len()]);
    }
}

fs_suite! {
    #[test]
    fn hundred_megabytes_round_trip() {
        let dir = TempDir::new("stress");
        let path = dir.join("big");
        rt().block_on(async {
            let mut f = weft_fs::File::create(&path).await.unwrap();
            let mut buf = vec![0u8; CHUNK];
            for i in 0..TOTAL / CHUNK {
                block(i, &mut buf);
                f.write_all(&buf).await.unwrap();
            }
            f.sync_all().await.unwrap();
            drop(f);
            assert_eq!(weft_fs::metadata(&path).await.unwrap().len(), TOTAL as u64);

            let mut f = weft_fs::File::open(&path).await.unwrap();
            let mut expected = vec![0u8; CHUNK];
            for i in 0..TOTAL / CHUNK {
                f.read_exact(&mut buf).await.unwrap();
                block(i, &mut expected);
                assert!(buf == expected, "block {i} differs");
            }
            assert_eq!(f.read(&mut buf).await.unwrap(), 0, "bytes past the end");
        });
    }
}
