//! Downloading MNIST with curl from a local mirror (`file://` and a `python3 -m http.server` on
//! 127.0.0.1; the machine running the tests needs no internet): verification, atomic rename,
//! resuming a `.part`, and the errors of a wrong mirror, a missing file and an absent curl.

mod common;
use common::scratch as temp_dir;

use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use experiments::data::mnist::{load_mnist_from_dir, MNIST_FILES};
use experiments::data::{find_or_download, mnist_dir, DataError, Downloader};

/// A mirror directory holding the four real `.gz` files (copied from where the loader finds
/// MNIST).
fn real_mirror() -> PathBuf {
    let src = mnist_dir(None).expect("real MNIST (found or downloaded)");
    let dir = temp_dir("mirror");
    for f in MNIST_FILES {
        let gz = src.join(format!("{}.gz", f.name));
        assert!(
            gz.is_file(),
            "the test mirror is built from {}",
            gz.display()
        );
        std::fs::copy(&gz, dir.join(format!("{}.gz", f.name))).unwrap();
    }
    dir
}

fn file_url(dir: &Path) -> String {
    format!("file://{}", dir.display())
}

fn entries(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n != ".download.lock")
        .collect();
    names.sort();
    names
}

#[test]
fn file_mirror_download_is_verified_and_renamed_into_place() {
    let mirror = real_mirror();
    let dest = temp_dir("dest").join("data/mnist");
    Downloader::new(vec![file_url(&mirror)])
        .fetch(&dest, &MNIST_FILES)
        .unwrap();
    let mut expected: Vec<String> = MNIST_FILES
        .iter()
        .map(|f| format!("{}.gz", f.name))
        .collect();
    expected.sort();
    assert_eq!(entries(&dest), expected, "no .part left behind");
    assert_eq!(load_mnist_from_dir(&dest).unwrap().n, 70_000);
}

#[test]
fn complete_part_file_is_installed_without_a_transfer() {
    let mirror = real_mirror();
    let dest = temp_dir("part-complete");
    let f = MNIST_FILES[1];
    std::fs::copy(
        mirror.join(format!("{}.gz", f.name)),
        dest.join(format!("{}.gz.part", f.name)),
    )
    .unwrap();
    // The mirror does not exist: only the .part can provide the file.
    let nowhere = file_url(&dest.join("no-such-mirror"));
    Downloader::new(vec![nowhere]).fetch(&dest, &[f]).unwrap();
    assert_eq!(entries(&dest), [format!("{}.gz", f.name)]);
}

#[test]
fn interrupted_part_file_is_resumed_not_refetched() {
    let real = real_mirror();
    let f = MNIST_FILES[0];
    let gz = std::fs::read(real.join(format!("{}.gz", f.name))).unwrap();
    let half = gz.len() / 2;
    // The mirror's copy has its first half zeroed: only a transfer that starts where the .part
    // ends (the real first half) yields the right file.
    let mirror = temp_dir("resume-mirror");
    let mut second_half_only = vec![0u8; half];
    second_half_only.extend_from_slice(&gz[half..]);
    std::fs::write(mirror.join(format!("{}.gz", f.name)), second_half_only).unwrap();
    let dest = temp_dir("resume-dest");
    std::fs::write(dest.join(format!("{}.gz.part", f.name)), &gz[..half]).unwrap();
    Downloader::new(vec![file_url(&mirror)])
        .fetch(&dest, &[f])
        .unwrap();
    assert_eq!(
        std::fs::read(dest.join(format!("{}.gz", f.name))).unwrap(),
        gz
    );
}

#[test]
fn html_error_page_from_a_mirror_is_rejected_with_its_cause() {
    let mirror = temp_dir("html-mirror");
    let f = MNIST_FILES[3];
    std::fs::write(
        mirror.join(format!("{}.gz", f.name)),
        "<html><body><h1>Access denied</h1></body></html>",
    )
    .unwrap();
    let dest = temp_dir("html-dest");
    let err = Downloader::new(vec![file_url(&mirror)])
        .fetch(&dest, &[f])
        .unwrap_err();
    assert!(matches!(err, DataError::DownloadFailed { .. }), "{err:?}");
    let msg = err.to_string();
    assert!(
        msg.contains(&format!("{}/{}.gz", file_url(&mirror), f.name))
            && msg.contains("not gzip")
            && msg.contains("HTML"),
        "{msg}"
    );
    assert!(
        entries(&dest).is_empty(),
        "neither the file nor a .part stays: {:?}",
        entries(&dest)
    );
}

#[test]
fn missing_file_on_every_mirror_lists_each_url_and_what_to_do() {
    let (a, b) = (temp_dir("empty-a"), temp_dir("empty-b"));
    let dest = temp_dir("missing-dest");
    let err = Downloader::new(vec![file_url(&a), file_url(&b)])
        .fetch(&dest, &[MNIST_FILES[2]])
        .unwrap_err();
    let msg = err.to_string();
    for m in [&a, &b] {
        let url = format!(
            "{}/t10k-images-idx3-ubyte.gz: curl exit status 37",
            file_url(m)
        );
        assert!(msg.contains(&url), "{msg}");
    }
    assert!(
        msg.contains("SIMEC_MNIST_MIRROR") && msg.contains("SIMEC_DATA_DIR"),
        "{msg}"
    );
}

#[test]
fn absent_curl_is_a_clear_error() {
    let mut d = Downloader::new(vec!["file:///nowhere".to_owned()]);
    d.curl = "/nonexistent/bin/curl".into();
    let dest = temp_dir("no-curl");
    let err = d.fetch(&dest, &[MNIST_FILES[1]]).unwrap_err();
    assert!(matches!(err, DataError::CurlMissing { .. }), "{err:?}");
    let msg = err.to_string();
    assert!(
        msg.contains("needs `curl`") && msg.contains("apt-get install curl"),
        "{msg}"
    );
    assert!(msg.contains(&dest.display().to_string()), "{msg}");
}

#[test]
fn named_data_dir_is_never_downloaded_into() {
    let root = temp_dir("named");
    let named = root.join("typo");
    let d = Downloader::new(vec!["file:///nowhere".to_owned()]);
    let err = find_or_download(Some(&named), None, &root, &d).unwrap_err();
    assert!(matches!(err, DataError::DataDirNotFound { .. }), "{err:?}");
    let err = find_or_download(None, Some(&named), &root, &d).unwrap_err();
    assert!(matches!(err, DataError::DataDirNotFound { .. }), "{err:?}");
    assert!(!named.exists() && !root.join("data").exists());
}

/// `python3 -m http.server` on a free port of 127.0.0.1, serving `dir`; killed on drop.
struct Server(Child, u16);

impl Server {
    fn start(dir: &Path) -> Self {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new("python3")
            .args(["-m", "http.server", "--bind", "127.0.0.1"])
            .arg(port.to_string())
            .current_dir(dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("python3 (the README's prerequisite) serves the test mirror");
        let t = Instant::now();
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(t.elapsed() < Duration::from_secs(30), "http.server not up");
            std::thread::sleep(Duration::from_millis(50));
        }
        Self(child, port)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn http_mirror_fills_data_mnist_of_a_fresh_root() {
    let mirror = real_mirror();
    let server = Server::start(&mirror);
    // A fresh checkout: no data/mnist, no ../shared beside it.
    let root = temp_dir("fresh").join("clone");
    std::fs::create_dir_all(root.join("experiments")).unwrap();
    let d = Downloader::new(vec![format!("http://127.0.0.1:{}/", server.1)]);
    let dir = find_or_download(None, None, &root, &d).unwrap();
    assert_eq!(dir, root.join("data/mnist"));
    assert_eq!(load_mnist_from_dir(&dir).unwrap().n, 70_000);
    // Found the second time: nothing is fetched even with the server gone.
    drop(server);
    assert_eq!(find_or_download(None, None, &root, &d).unwrap(), dir);
}
