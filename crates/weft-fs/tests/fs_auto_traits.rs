//! Every public type and future of weft-fs is `Send` (and the types `Sync`/`Unpin` as promised),
//! so they can be used from spawned tasks on a multi-thread runtime.
#![allow(missing_docs)]

use std::path::Path;

fn send<T: Send>(_: &T) {}
fn send_sync_unpin<T: Send + Sync + Unpin>() {}

#[test]
fn types_are_send_sync_unpin() {
    send_sync_unpin::<weft_fs::File>();
    send_sync_unpin::<weft_fs::ReadDir>();
    send_sync_unpin::<weft_fs::DirEntry>();
    send_sync_unpin::<weft_fs::OpenOptions>();
}

#[test]
fn futures_are_send() {
    // Built, never polled: no runtime is needed to check the types.
    let p = Path::new("x");
    send(&weft_fs::read(p));
    send(&weft_fs::read_to_string(p));
    send(&weft_fs::write(p, b"x"));
    send(&weft_fs::copy(p, p));
    send(&weft_fs::rename(p, p));
    send(&weft_fs::remove_file(p));
    send(&weft_fs::remove_dir(p));
    send(&weft_fs::remove_dir_all(p));
    send(&weft_fs::create_dir(p));
    send(&weft_fs::create_dir_all(p));
    send(&weft_fs::metadata(p));
    send(&weft_fs::symlink_metadata(p));
    send(&weft_fs::canonicalize(p));
    send(&weft_fs::hard_link(p, p));
    send(&weft_fs::symlink(p, p));
    send(&weft_fs::read_link(p));
    let mode = <std::fs::Permissions as std::os::unix::fs::PermissionsExt>::from_mode(0o644);
    send(&weft_fs::set_permissions(p, mode));
    send(&weft_fs::try_exists(p));
    send(&weft_fs::read_dir(p));
    send(&weft_fs::File::open(p));
    send(&weft_fs::File::create(p));
    send(&weft_fs::File::create_new(p));
    send(&weft_fs::OpenOptions::new().open(p));

    let mut file = weft_fs::File::from_std(std::fs::File::open(std::env::temp_dir()).unwrap());
    send(&file.metadata());
    send(&file.try_clone());
    send(&file.set_len(0));
    send(&file.sync_all());
    send(&file.sync_data());
    let perm = std::fs::metadata(std::env::temp_dir())
        .unwrap()
        .permissions();
    send(&file.set_permissions(perm));
    send(&file.into_std());
}
