//! The free functions do what their `std::fs` namesakes do, on both flavours.
#![allow(missing_docs)]

mod support;

use support::{pattern, TempDir};

fs_suite! {
    #[test]
    fn whole_file_helpers() {
        let dir = TempDir::new("ops-whole");
        rt().block_on(async {
            let a = dir.join("a");
            let data = pattern(3 * 1024 * 1024, 9);
            weft_fs::write(&a, &data).await.unwrap();
            assert!(weft_fs::read(&a).await.unwrap() == data);
            weft_fs::write(&a, "text ✓").await.unwrap();
            assert_eq!(weft_fs::read_to_string(&a).await.unwrap(), "text ✓");

            let b = dir.join("b");
            assert_eq!(weft_fs::copy(&a, &b).await.unwrap(), "text ✓".len() as u64);
            assert_eq!(std::fs::read(&b).unwrap(), "text ✓".as_bytes());

            let c = dir.join("c");
            weft_fs::rename(&b, &c).await.unwrap();
            assert!(!weft_fs::try_exists(&b).await.unwrap());
            assert!(weft_fs::try_exists(&c).await.unwrap());
            weft_fs::remove_file(&c).await.unwrap();
            assert!(!weft_fs::try_exists(&c).await.unwrap());
        });
    }

    #[test]
    fn directories() {
        let dir = TempDir::new("ops-dirs");
        rt().block_on(async {
            let one = dir.join("one");
            weft_fs::create_dir(&one).await.unwrap();
            assert!(weft_fs::metadata(&one).await.unwrap().is_dir());
            weft_fs::remove_dir(&one).await.unwrap();

            let deep = dir.join("x/y/z");
            weft_fs::create_dir_all(&deep).await.unwrap();
            weft_fs::create_dir_all(&deep).await.unwrap(); // idempotent
            weft_fs::write(deep.join("f"), "f").await.unwrap();
            weft_fs::remove_dir_all(dir.join("x")).await.unwrap();
            assert!(!weft_fs::try_exists(dir.join("x")).await.unwrap());
        });
    }

    #[test]
    fn links_and_metadata() {
        let dir = TempDir::new("ops-links");
        rt().block_on(async {
            let target = dir.join("target");
            weft_fs::write(&target, "12345").await.unwrap();

            let hard = dir.join("hard");
            weft_fs::hard_link(&target, &hard).await.unwrap();
            assert_eq!(weft_fs::read(&hard).await.unwrap(), b"12345");
            use std::os::unix::fs::MetadataExt;
            assert_eq!(weft_fs::metadata(&target).await.unwrap().nlink(), 2);

            let soft = dir.join("soft");
            weft_fs::symlink(&target, &soft).await.unwrap();
            assert_eq!(weft_fs::read_link(&soft).await.unwrap(), target);
            assert!(weft_fs::symlink_metadata(&soft).await.unwrap().file_type().is_symlink());
            assert_eq!(weft_fs::metadata(&soft).await.unwrap().len(), 5);
            assert_eq!(
                weft_fs::canonicalize(&soft).await.unwrap(),
                std::fs::canonicalize(&target).unwrap()
            );

            // A broken link: try_exists follows it and says false.
            let broken = dir.join("broken");
            weft_fs::symlink(dir.join("nowhere"), &broken).await.unwrap();
            assert!(!weft_fs::try_exists(&broken).await.unwrap());

            use std::os::unix::fs::PermissionsExt;
            weft_fs::set_permissions(&target, std::fs::Permissions::from_mode(0o640)).await.unwrap();
            assert_eq!(weft_fs::metadata(&target).await.unwrap().permissions().mode() & 0o777, 0o640);
        });
    }
}
