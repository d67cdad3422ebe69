//! `serve` driven by clients nobody here wrote: curl (HTTP/1.1, keep-alive, HTTP/2 with prior
//! knowledge, a 16 MiB upload echoed back) and Python's urllib.
//!
//! A missing program makes its test print one line and pass, unless `WEFT_REQUIRE_CLIENTS=1`
//! (CI), which makes it fail.

mod support;

use std::path::PathBuf;

use support::{flavors, require_program, run_program, start_default_server, success};

/// A file of `len` pseudo-random bytes under the temp dir, removed on drop.
struct TempFile(PathBuf);

impl TempFile {
    fn random(name: &str, len: usize) -> TempFile {
        let path = std::env::temp_dir().join(format!("weft-hyper-{}-{name}", std::process::id()));
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15 ^ len as u64;
        let data: Vec<u8> = (0..len)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                (x >> 24) as u8
            })
            .collect();
        std::fs::write(&path, data).expect("write the temp file");
        TempFile(path)
    }

    fn empty(name: &str) -> TempFile {
        TempFile(std::env::temp_dir().join(format!("weft-hyper-{}-{name}", std::process::id())))
    }

    fn arg(&self) -> String {
        self.0.display().to_string()
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

const MIB16: usize = 16 << 20;

async fn curl(args: &[&str]) -> Option<String> {
    let curl = require_program("curl")?;
    let mut all = vec!["-sS".to_owned(), "--max-time".into(), "60".into()];
    all.extend(args.iter().map(|a| a.to_string()));
    Some(success(&run_program(curl, all).await))
}

flavors! {
    async fn curl_gets_a_page_over_http1() {
        let addr = start_default_server().await;
        let url = format!("http://{addr}/hi");
        let Some(out) = curl(&["-i", "--http1.1", &url]).await else { return };
        assert!(out.starts_with("HTTP/1.1 200 OK\r\n"), "{out}");
        assert!(out.contains("x-path: /hi\r\n"), "{out}");
        assert!(out.ends_with("\r\n\r\nhello"), "{out}");
    }

    async fn curl_keeps_one_connection_for_several_requests() {
        let addr = start_default_server().await;
        let urls: Vec<String> = (0..4).map(|i| format!("http://{addr}/r{i}")).collect();
        let mut args = vec!["--http1.1", "-w", " %{num_connects}\\n"];
        args.extend(urls.iter().map(String::as_str));
        let Some(out) = curl(&args).await else { return };
        // One new connection for the first request, none for the other three.
        assert_eq!(out, "hello 1\nhello 0\nhello 0\nhello 0\n");
    }

    async fn curl_speaks_http2_with_prior_knowledge() {
        // One request per curl run: this curl (7.88) fails when it reuses a prior-knowledge
        // HTTP/2 connection (its own bug, fixed in 8.0); multiplexing is tested with hyper's
        // client in http_protocols.rs.
        let addr = start_default_server().await;
        let url = format!("http://{addr}/two");
        let Some(out) =
            curl(&["--http2-prior-knowledge", "-i", "-w", "|%{http_version}", &url]).await
        else {
            return;
        };
        assert!(out.starts_with("HTTP/2 200"), "{out}");
        assert!(out.contains("x-path: /two\r\n"), "{out}");
        assert!(out.ends_with("hello|2"), "{out}");
    }

    async fn curl_uploads_16_mib_and_gets_every_byte_back_over_http1() {
        upload_16_mib(&["--http1.1"], "h1").await;
    }

    async fn curl_uploads_16_mib_and_gets_every_byte_back_over_http2() {
        upload_16_mib(&["--http2-prior-knowledge"], "h2").await;
    }

    async fn python_urllib_gets_and_posts() {
        let Some(python) = require_program("python3") else { return };
        let addr = start_default_server().await;
        let script = format!(
            "import urllib.request as u\n\
             r = u.urlopen('http://{addr}/py', timeout=30)\n\
             print(r.status, r.headers['x-path'], r.read().decode())\n\
             body = bytes(range(256)) * 4096\n\
             r = u.urlopen(u.Request('http://{addr}/echo', data=body, method='POST'), timeout=30)\n\
             print(r.status, r.read() == body)\n"
        );
        let out = success(&run_program(python, vec!["-c".into(), script]).await);
        assert_eq!(out, "200 /py hello\n200 True\n");
    }
}

async fn upload_16_mib(protocol: &[&str], tag: &str) {
    let addr = start_default_server().await;
    let flavor = std::thread::current()
        .name()
        .unwrap_or("t")
        .replace("::", "-");
    let input = TempFile::random(&format!("{flavor}-{tag}-in"), MIB16);
    let output = TempFile::empty(&format!("{flavor}-{tag}-out"));
    let url = format!("http://{addr}/echo");
    let data = format!("@{}", input.arg());
    let mut args = protocol.to_vec();
    args.extend([
        "--data-binary",
        &data,
        "-o",
        output.0.to_str().unwrap(),
        "-w",
        "%{http_code}",
        &url,
    ]);
    let Some(code) = curl(&args).await else {
        return;
    };
    assert_eq!(code, "200");
    let sent = std::fs::read(&input.0).unwrap();
    let got = std::fs::read(&output.0).unwrap();
    assert_eq!(got.len(), MIB16);
    assert!(got == sent, "the echoed body differs from the upload");
}
