//! Finding an outside program on `PATH`, and what a test does when it is missing.

use std::ffi::OsStr;
use std::io::Write;
use std::path::{Path, PathBuf};

/// The environment variable that turns a missing program into a test failure: `1` requires every
/// program, `0` or unset lets a test without its program skip.
pub const REQUIRE_CLIENTS_ENV: &str = "WEFT_REQUIRE_CLIENTS";

/// Debian packages of the programs weft's tests drive, for the install hint.
const PACKAGES: &[(&str, &str)] = &[
    ("nc", "netcat-openbsd"),
    ("curl", "curl"),
    ("python3", "python3"),
    ("redis-cli", "redis-tools"),
    ("redis-server", "redis-server"),
    ("wrk", "wrk"),
];

/// Finds the program a test drives, or decides that the test skips.
///
/// Looks `name` up on `PATH` as a shell would (a `name` containing `/` is taken as a path) and
/// returns the executable's path. When it is missing:
///
/// - without `WEFT_REQUIRE_CLIENTS=1`, writes one line to stderr (straight to the descriptor, so
///   libtest's output capture does not hide it) naming the test, the program and the package that
///   provides it, and returns `None`: the test should return at once and so pass;
/// - with `WEFT_REQUIRE_CLIENTS=1`, panics.
///
/// # Panics
///
/// When the program is missing and `WEFT_REQUIRE_CLIENTS=1` (the message says what to install), and
/// when `WEFT_REQUIRE_CLIENTS` holds anything but `0` or `1`.
///
/// # Examples
///
/// ```
/// use weft_test_support::require_program;
///
/// # fn the_test() {
/// let Some(python) = require_program("python3") else { return };
/// let out = std::process::Command::new(python).args(["-c", "print(6 * 7)"]).output().unwrap();
/// assert_eq!(out.stdout, b"42\n");
/// # }
/// # the_test();
/// ```
pub fn require_program(name: &str) -> Option<PathBuf> {
    let path_var = std::env::var_os("PATH");
    let required = std::env::var_os(REQUIRE_CLIENTS_ENV);
    let test = std::thread::current().name().map(str::to_owned);
    // Straight to the descriptor: libtest's capture only sees `print!`/`eprint!`, and a skip
    // that nobody sees would look like a pass.
    let mut stderr = std::io::stderr().lock();
    require_program_in(
        name,
        path_var.as_deref(),
        required.as_deref(),
        test.as_deref(),
        &mut stderr,
    )
}

/// [`require_program`] with its inputs spelled out: the `PATH` value, the value of
/// `WEFT_REQUIRE_CLIENTS`, the running test's name (libtest names the thread after it) and where
/// the skip line goes.
fn require_program_in(
    name: &str,
    path_var: Option<&OsStr>,
    required: Option<&OsStr>,
    test: Option<&str>,
    out: &mut dyn Write,
) -> Option<PathBuf> {
    let required = clients_required(required);
    if let Some(path) = find_program(name, path_var) {
        return Some(path);
    }
    if required {
        panic!(
            "`{name}` is not on PATH, and {REQUIRE_CLIENTS_ENV}=1 requires every program the tests \
             drive: {}",
            install_hint(name)
        );
    }
    let test = match test {
        Some(test) if test != "main" => format!("{test}: "),
        _ => String::new(),
    };
    let line = format!(
        "{test}skipped, `{name}` is not on PATH ({}; {REQUIRE_CLIENTS_ENV}=1 makes this a failure)\n",
        install_hint(name)
    );
    let _ = out.write_all(line.as_bytes());
    None
}

/// Whether the value of `WEFT_REQUIRE_CLIENTS` requires every program.
///
/// # Panics
///
/// On a value other than unset, empty, `0` or `1`.
fn clients_required(value: Option<&OsStr>) -> bool {
    match value.map(|v| v.to_str()) {
        None | Some(Some("" | "0")) => false,
        Some(Some("1")) => true,
        Some(other) => panic!(
            "{REQUIRE_CLIENTS_ENV} is {other:?}: set it to 1 (every program the tests drive must \
             be installed) or 0 / unset (tests whose program is missing skip)"
        ),
    }
}

/// The executable `name` in the directories of `path_var` (a `PATH` value), first match first.
fn find_program(name: &str, path_var: Option<&OsStr>) -> Option<PathBuf> {
    if name.contains('/') {
        let path = PathBuf::from(name);
        return is_executable(&path).then_some(path);
    }
    std::env::split_paths(path_var?)
        .map(|dir| dir.join(name))
        .find(|candidate| is_executable(candidate))
}

/// A regular file (after symlinks) that someone may execute.
fn is_executable(path: &Path) -> bool {
    let Ok(meta) = std::fs::metadata(path) else {
        return false;
    };
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        meta.is_file() && meta.permissions().mode() & 0o111 != 0
    }
    #[cfg(not(unix))]
    {
        meta.is_file()
    }
}

fn install_hint(name: &str) -> String {
    match PACKAGES.iter().find(|(program, _)| *program == name) {
        Some((_, package)) => format!("install it with `apt-get install {package}`"),
        None => format!("install `{name}`"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A fresh directory holding an executable `tool` and a non-executable `data`.
    struct Dir(PathBuf);

    impl Dir {
        fn new(tag: &str) -> Dir {
            let dir = std::env::temp_dir()
                .join(format!("weft-test-support-{tag}-{}", std::process::id()));
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(dir.join("tool"), "#!/bin/sh\n").unwrap();
            std::fs::write(dir.join("data"), "not a program").unwrap();
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                let exec = std::fs::Permissions::from_mode(0o755);
                std::fs::set_permissions(dir.join("tool"), exec).unwrap();
                let plain = std::fs::Permissions::from_mode(0o644);
                std::fs::set_permissions(dir.join("data"), plain).unwrap();
            }
            Dir(dir)
        }
    }

    impl Drop for Dir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    #[test]
    fn finds_an_executable_in_a_later_path_directory() {
        let dir = Dir::new("later");
        let path = std::env::join_paths([Path::new("/nonexistent-weft-dir"), &dir.0]).unwrap();
        assert_eq!(find_program("tool", Some(&path)), Some(dir.0.join("tool")));
    }

    #[test]
    fn a_missing_or_non_executable_file_is_not_found() {
        let dir = Dir::new("missing");
        let path = std::env::join_paths([&dir.0]).unwrap();
        assert_eq!(find_program("absent", Some(&path)), None);
        #[cfg(unix)]
        assert_eq!(find_program("data", Some(&path)), None);
        assert_eq!(find_program("tool", None), None);
    }

    #[test]
    fn a_name_with_a_slash_is_a_path() {
        let dir = Dir::new("slash");
        let tool = dir.0.join("tool");
        let name = tool.to_str().unwrap();
        assert_eq!(find_program(name, None), Some(tool.clone()));
        assert_eq!(find_program(&format!("{name}-gone"), None), None);
    }

    #[test]
    fn the_require_variable_is_one_or_zero() {
        assert!(!clients_required(None));
        assert!(!clients_required(Some(OsStr::new(""))));
        assert!(!clients_required(Some(OsStr::new("0"))));
        assert!(clients_required(Some(OsStr::new("1"))));
    }

    #[test]
    #[should_panic(expected = "set it to 1")]
    fn another_require_value_is_refused() {
        clients_required(Some(OsStr::new("yes")));
    }

    #[test]
    fn the_hint_names_the_debian_package() {
        assert_eq!(
            install_hint("nc"),
            "install it with `apt-get install netcat-openbsd`"
        );
        assert_eq!(install_hint("frobnicate"), "install `frobnicate`");
    }

    #[test]
    fn a_missing_program_skips_with_one_line() {
        let dir = Dir::new("skip");
        let path = std::env::join_paths([&dir.0]).unwrap();
        let mut out = Vec::new();
        let found = require_program_in("nc", Some(&path), None, Some("tcp::echo"), &mut out);
        assert_eq!(found, None);
        let out = String::from_utf8(out).unwrap();
        assert_eq!(
            out,
            "tcp::echo: skipped, `nc` is not on PATH (install it with `apt-get install \
             netcat-openbsd`; WEFT_REQUIRE_CLIENTS=1 makes this a failure)\n"
        );
        let mut out = Vec::new();
        let found = require_program_in("nc", Some(&path), Some(OsStr::new("0")), None, &mut out);
        assert_eq!(found, None);
        assert!(String::from_utf8(out).unwrap().starts_with("skipped, `nc`"));
    }

    #[test]
    #[should_panic(expected = "`nc` is not on PATH, and WEFT_REQUIRE_CLIENTS=1 requires")]
    fn a_missing_program_fails_when_clients_are_required() {
        let dir = Dir::new("required");
        let path = std::env::join_paths([&dir.0]).unwrap();
        let mut out = Vec::new();
        require_program_in("nc", Some(&path), Some(OsStr::new("1")), None, &mut out);
    }

    #[test]
    fn a_present_program_is_returned_silently_even_when_required() {
        let dir = Dir::new("present");
        let path = std::env::join_paths([&dir.0]).unwrap();
        let mut out = Vec::new();
        let found = require_program_in("tool", Some(&path), Some(OsStr::new("1")), None, &mut out);
        assert_eq!(found, Some(dir.0.join("tool")));
        assert!(out.is_empty());
    }

    #[test]
    fn a_program_every_unix_has_is_found_through_the_real_path() {
        let sh = require_program("sh").expect("sh is on PATH");
        assert!(sh.ends_with("sh"), "{sh:?}");
    }
}
