//! Process-level test support: a `shrike serve` child on a free loopback port, and a small
//! blocking HTTP/1.1 keep-alive client (std only: what these tests need of HTTP, no more).

#![allow(dead_code, unreachable_pub, clippy::unwrap_used)] // test helpers

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

pub fn reference_policy() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/marketplace/policy.shrike")
}

/// A running `shrike serve`; killed (SIGKILL) on drop if still running.
pub struct Server {
    pub child: Child,
    pub addr: SocketAddr,
    /// The admin key the service created in its fresh data directory.
    pub key: String,
}

impl Server {
    /// Starts `shrike serve` over `data` with extra arguments; returns once it listens.
    pub fn start(data: &Path, extra: &[&str]) -> Server {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_shrike"));
        cmd.args(["serve", "--listen", "127.0.0.1:0", "--data"]).arg(data);
        cmd.arg("--policy").arg(reference_policy()).args(extra);
        cmd.env("SHRIKE_LOG", "warn").stdout(Stdio::piped()).stderr(Stdio::inherit());
        let mut child = cmd.spawn().unwrap();
        let stdout = child.stdout.take().unwrap();
        let mut lines = BufReader::new(stdout).lines();
        let addr = loop {
            let line = lines.next().expect("shrike serve exited before listening").unwrap();
            if let Some(a) = line.strip_prefix("shrike listening on http://") {
                break a.trim().parse().unwrap();
            }
        };
        // Keep draining stdout so the child never blocks on a full pipe.
        std::thread::spawn(move || for _ in lines {});
        let key = std::fs::read_to_string(data.join("bootstrap-admin.key")).unwrap().trim().to_string();
        Server { child, addr, key }
    }

    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// SIGTERM and wait: the graceful path.
    pub fn terminate(&mut self) {
        let pid = self.child.id().to_string();
        let _ = Command::new("kill").args(["-TERM", &pid]).status();
        let _ = self.child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

/// One keep-alive HTTP/1.1 connection.
pub struct Client {
    stream: BufReader<TcpStream>,
    addr: SocketAddr,
    pub key: Option<String>,
}

/// Status and body of a response.
#[derive(Debug)]
pub struct Response {
    pub status: u16,
    pub body: String,
}

impl Response {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
}

impl Client {
    /// A connection authenticated with `server`'s admin key.
    pub fn to(server: &Server) -> std::io::Result<Client> {
        let mut c = Client::connect(server.addr)?;
        c.key = Some(server.key.clone());
        Ok(c)
    }

    pub fn connect(addr: SocketAddr) -> std::io::Result<Client> {
        let s = TcpStream::connect(addr)?;
        s.set_read_timeout(Some(Duration::from_secs(10)))?;
        s.set_nodelay(true)?;
        Ok(Client { stream: BufReader::new(s), addr, key: None })
    }

    pub fn request(&mut self, method: &str, path: &str, body: &str) -> std::io::Result<Response> {
        let auth = self.key.as_ref().map(|k| format!("authorization: Bearer {k}\r\n")).unwrap_or_default();
        let head = format!(
            "{method} {path} HTTP/1.1\r\nhost: {}\r\n{auth}content-type: application/json\r\ncontent-length: {}\r\n\r\n",
            self.addr,
            body.len()
        );
        let s = self.stream.get_mut();
        s.write_all(head.as_bytes())?;
        s.write_all(body.as_bytes())?;
        self.read_response()
    }

    fn read_response(&mut self) -> std::io::Result<Response> {
        let mut line = String::new();
        if self.stream.read_line(&mut line)? == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        let status = line.split_whitespace().nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
        let mut len = 0;
        loop {
            line.clear();
            self.stream.read_line(&mut line)?;
            if line == "\r\n" || line.is_empty() {
                break;
            }
            if let Some((k, v)) = line.split_once(':')
                && k.eq_ignore_ascii_case("content-length")
            {
                len = v.trim().parse().unwrap_or(0);
            }
        }
        let mut body = vec![0; len];
        self.stream.read_exact(&mut body)?;
        Ok(Response { status, body: String::from_utf8_lossy(&body).into_owned() })
    }
}

impl Server {
    /// Starts `shrike serve` with `--config FILE` (auth off in the file: no admin key is
    /// read) over `data`; returns once it listens.
    pub fn start_with_config(data: &Path, config: &Path, extra: &[&str]) -> Server {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_shrike"));
        cmd.args(["serve", "--listen", "127.0.0.1:0", "--config"]).arg(config).arg("--data").arg(data);
        cmd.arg("--policy").arg(reference_policy()).args(extra);
        cmd.env("SHRIKE_LOG", std::env::var("SHRIKE_TEST_LOG").unwrap_or_else(|_| "warn".into()))
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        let mut child = cmd.spawn().unwrap();
        let stdout = child.stdout.take().unwrap();
        let mut lines = BufReader::new(stdout).lines();
        let addr = loop {
            let line = lines.next().expect("shrike serve exited before listening").unwrap();
            if let Some(a) = line.strip_prefix("shrike listening on http://") {
                break a.trim().parse().unwrap();
            }
        };
        std::thread::spawn(move || for _ in lines {});
        Server { child, addr, key: String::new() }
    }
}

/// A Redis Cluster of `masters` `redis-server` children on free loopback ports, each in its
/// own folder of a temporary directory; every child is killed (by its handle) on drop.
pub struct RedisCluster {
    children: Vec<Child>,
    pub ports: Vec<u16>,
    _dir: tempfile::TempDir,
}

impl RedisCluster {
    pub fn start(masters: usize) -> RedisCluster {
        let dir = tempfile::tempdir().unwrap();
        let ports = free_ports(masters);
        let mut cluster = RedisCluster { children: Vec::new(), ports: ports.clone(), _dir: dir };
        for &p in &ports {
            let node_dir = cluster._dir.path().join(p.to_string());
            std::fs::create_dir_all(&node_dir).unwrap();
            let child = Command::new("redis-server")
                .args(["--port", &p.to_string(), "--bind", "127.0.0.1", "--cluster-enabled", "yes"])
                .args(["--cluster-config-file", "nodes.conf", "--save", "", "--appendonly", "no"])
                .arg("--dir")
                .arg(&node_dir)
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("redis-server is required (apt-get install redis-server; ./scripts/test.sh installs it)");
            cluster.children.push(child);
        }
        for &p in &ports {
            wait(|| cli(p, &["ping"]).contains("PONG"), "redis-server to answer");
        }
        let addrs: Vec<String> = ports.iter().map(|p| format!("127.0.0.1:{p}")).collect();
        let out = Command::new("redis-cli")
            .args(["--cluster", "create"])
            .args(&addrs)
            .args(["--cluster-replicas", "0", "--cluster-yes"])
            .output()
            .unwrap();
        assert!(out.status.success(), "cluster create: {}", String::from_utf8_lossy(&out.stdout));
        for &p in &ports {
            wait(|| cli(p, &["cluster", "info"]).contains("cluster_state:ok"), "the cluster to be ok");
        }
        cluster
    }

    /// `redis://` seeds, for `state.url`.
    pub fn seeds(&self) -> Vec<String> {
        self.ports.iter().map(|p| format!("redis://127.0.0.1:{p}")).collect()
    }
}

impl Drop for RedisCluster {
    fn drop(&mut self) {
        for c in &mut self.children {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

fn cli(port: u16, args: &[&str]) -> String {
    let out = Command::new("redis-cli").args(["-p", &port.to_string()]).args(args).output();
    out.map(|o| String::from_utf8_lossy(&o.stdout).into_owned()).unwrap_or_default()
}

/// Polls `ok` every 100 ms for up to 20 s.
fn wait(mut ok: impl FnMut() -> bool, what: &str) {
    for _ in 0..200 {
        if ok() {
            return;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("timed out waiting for {what}");
}

/// `n` loopback ports that are free, as are their cluster-bus ports (`port + 10000`).
fn free_ports(n: usize) -> Vec<u16> {
    let mut ports = Vec::new();
    let mut held = Vec::new();
    while ports.len() < n {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let p = l.local_addr().unwrap().port();
        let bus = p.checked_add(10_000).and_then(|b| std::net::TcpListener::bind(("127.0.0.1", b)).ok());
        if let Some(bus) = bus {
            ports.push(p);
            held.push((l, bus));
        }
    }
    ports
}

/// A fresh MariaDB database (dropped first if a previous run left it); its URL.
pub fn fresh_mariadb(name: &str) -> String {
    let sql = format!("DROP DATABASE IF EXISTS {name}; CREATE DATABASE {name}");
    let out = Command::new("mariadb").args(["-uroot", "-e", &sql]).output().expect("mariadb client");
    assert!(
        out.status.success(),
        "MariaDB is required (./scripts/test.sh starts it): {}",
        String::from_utf8_lossy(&out.stderr)
    );
    format!("mysql://root@127.0.0.1:3306/{name}")
}
