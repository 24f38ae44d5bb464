//! A throwaway PostgreSQL server for the tests, from Debian's `postgresql` package (install it
//! with `bash scripts/install-postgres.sh`).
//!
//! [`PgServer::start`] runs `initdb` into a fresh directory under `/tmp` and starts `postgres`
//! on `127.0.0.1` on a free port (its Unix socket in that directory), with `trust`
//! authentication for the `postgres` user. Dropping the server stops it and removes the
//! directory. A server kept in a `static` is never dropped, so a watcher process started with
//! it does the same once the test process has exited, however it exited.
//!
//! PostgreSQL refuses to run as root: when the tests do, the directory is given to the
//! `postgres` user and the server's programs run as that user through `runuser`.

#![allow(dead_code)]

use std::{
    fs,
    net::TcpListener,
    path::{Path, PathBuf},
    process::{Command, Output, Stdio},
    thread,
    time::{Duration, Instant},
};

/// Where Debian installs PostgreSQL, one directory per major version.
const DEBIAN_PG_ROOT: &str = "/usr/lib/postgresql";
/// How long starting and stopping may take.
const TIMEOUT_SECS: u64 = 60;
/// How many ports are tried (a free port can be taken between choosing and binding it).
const START_ATTEMPTS: usize = 5;

/// A running PostgreSQL server, stopped and removed on drop.
pub struct PgServer {
    /// The temporary directory: `data/` (the cluster), the socket, the logs.
    dir: tempfile::TempDir,
    /// The server's `bin` directory.
    bin: PathBuf,
    /// The TCP port on 127.0.0.1.
    port: u16,
    /// Whether the server's programs run as the `postgres` user (the tests run as root).
    as_postgres: bool,
}

/// The highest PostgreSQL version installed by Debian's packages: its `bin` directory.
fn find_bin() -> PathBuf {
    fn missing() -> ! {
        panic!(
            "PostgreSQL's server programs were not found under {DEBIAN_PG_ROOT}/<version>/bin: \
             run `bash scripts/install-postgres.sh` first"
        )
    }
    let Ok(entries) = fs::read_dir(DEBIAN_PG_ROOT) else {
        missing()
    };
    let version = |name: &str| -> Option<Vec<u32>> {
        name.split('.').map(|part| part.parse().ok()).collect()
    };
    entries
        .filter_map(Result::ok)
        .filter_map(|entry| {
            let v = version(entry.file_name().to_str()?)?;
            let bin = entry.path().join("bin");
            (bin.join("initdb").is_file() && bin.join("postgres").is_file()).then_some((v, bin))
        })
        .max_by(|a, b| a.0.cmp(&b.0))
        .map(|(_, bin)| bin)
        .unwrap_or_else(|| missing())
}

fn is_root() -> bool {
    let out = Command::new("id")
        .arg("-u")
        .output()
        .expect("running `id -u`");
    String::from_utf8_lossy(&out.stdout).trim() == "0"
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("finding a free port")
        .port()
}

fn show(out: &Output) -> String {
    format!(
        "{}\nstdout: {}\nstderr: {}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

impl PgServer {
    /// Creates a cluster and starts it; panics with the server's log if it does not come up.
    pub fn start() -> PgServer {
        let bin = find_bin();
        let as_postgres = is_root();
        let dir = tempfile::Builder::new()
            .prefix("zkhealth-pg-")
            .tempdir_in("/tmp")
            .expect("creating a directory under /tmp");
        if as_postgres {
            let out = Command::new("chown")
                .arg("postgres:")
                .arg(dir.path())
                .output()
                .expect("running chown");
            assert!(
                out.status.success(),
                "giving {} to the postgres user: {}",
                dir.path().display(),
                show(&out)
            );
        }
        let mut server = PgServer {
            dir,
            bin,
            port: 0,
            as_postgres,
        };
        server.watch_parent();

        let out = server
            .server_command("initdb")
            .arg("-D")
            .arg(server.data())
            .args(["-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-locale"])
            .arg("--no-sync")
            .output()
            .expect("running initdb");
        assert!(out.status.success(), "initdb: {}", show(&out));

        for attempt in 1..=START_ATTEMPTS {
            server.port = free_port();
            let options = format!(
                "-c listen_addresses=127.0.0.1 -p {} -c unix_socket_directories={} \
                 -c max_connections=200 -c fsync=on -c synchronous_commit=on",
                server.port,
                server.dir().display()
            );
            let out = server
                .server_command("pg_ctl")
                .arg("start")
                .arg("-D")
                .arg(server.data())
                .arg("-l")
                .arg(server.log())
                .args(["-w", "-t", &TIMEOUT_SECS.to_string(), "-o", &options])
                .output()
                .expect("running pg_ctl start");
            if out.status.success() && server.wait_ready() {
                return server;
            }
            let log = fs::read_to_string(server.log()).unwrap_or_default();
            server.stop();
            let port_taken = log.contains("could not bind") || log.contains("already in use");
            assert!(
                port_taken && attempt < START_ATTEMPTS,
                "PostgreSQL did not start: {}\nserver log:\n{log}",
                show(&out)
            );
        }
        unreachable!("the last attempt either returns or panics")
    }

    /// The temporary directory (also the Unix socket's).
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    fn data(&self) -> PathBuf {
        self.dir().join("data")
    }

    fn log(&self) -> PathBuf {
        self.dir().join("server.log")
    }

    /// The TCP port the server listens on (on 127.0.0.1).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// A URL of the `postgres` database.
    pub fn url(&self) -> String {
        self.url_for("postgres")
    }

    /// A URL of the database `db`.
    pub fn url_for(&self, db: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{db}", self.port)
    }

    /// Creates the empty database `name` and returns its URL.
    pub fn create_database(&self, name: &str) -> String {
        let out = Command::new(self.bin.join("createdb"))
            .args([
                "-h",
                "127.0.0.1",
                "-p",
                &self.port.to_string(),
                "-U",
                "postgres",
            ])
            .arg(name)
            .stdin(Stdio::null())
            .output()
            .expect("running createdb");
        assert!(out.status.success(), "createdb {name}: {}", show(&out));
        self.url_for(name)
    }

    /// One of the server's programs, run as the `postgres` user when the tests run as root.
    fn server_command(&self, program: &str) -> Command {
        let path = self.bin.join(program);
        let mut command = if self.as_postgres {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(path);
            c
        } else {
            Command::new(path)
        };
        // A working directory the postgres user can read.
        command.current_dir(self.dir()).stdin(Stdio::null());
        command
    }

    /// Waits until the server accepts connections over TCP (bounded).
    fn wait_ready(&self) -> bool {
        let deadline = Instant::now() + Duration::from_secs(TIMEOUT_SECS);
        while Instant::now() < deadline {
            let ready = Command::new(self.bin.join("pg_isready"))
                .args(["-h", "127.0.0.1", "-p", &self.port.to_string()])
                .args(["-U", "postgres", "-d", "postgres", "-t", "5"])
                .stdin(Stdio::null())
                .output()
                .map(|out| out.status.success())
                .unwrap_or(false);
            if ready {
                return true;
            }
            thread::sleep(Duration::from_millis(100));
        }
        false
    }

    /// Stops the server if it runs (fast shutdown, then immediate if that fails).
    fn stop(&self) {
        for mode in ["fast", "immediate"] {
            let stopped = self
                .server_command("pg_ctl")
                .arg("stop")
                .arg("-D")
                .arg(self.data())
                .args(["-m", mode, "-w", "-t", &TIMEOUT_SECS.to_string()])
                .output()
                .map(|out| out.status.success())
                .unwrap_or(false);
            if stopped || !self.data().join("postmaster.pid").exists() {
                return;
            }
        }
    }

    /// Starts a detached watcher that, once this process has exited, stops the server and
    /// removes the directory (a no-op when [`Drop`] did it first).
    fn watch_parent(&self) {
        let as_postgres = if self.as_postgres {
            "runuser -u postgres -- "
        } else {
            ""
        };
        let script = format!(
            "while kill -0 {pid} 2>/dev/null; do sleep 1; done; \
             {as_postgres}'{pg_ctl}' stop -D '{data}' -m immediate -w -t {TIMEOUT_SECS}; \
             rm -rf '{dir}'",
            pid = std::process::id(),
            pg_ctl = self.bin.join("pg_ctl").display(),
            data = self.data().display(),
            dir = self.dir().display(),
        );
        let mut watcher = Command::new("setsid")
            .args(["sh", "-c", &script])
            .current_dir("/")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("starting the server's watcher");
        // Reaped if it ends while this process still runs (it normally outlives it).
        thread::spawn(move || watcher.wait());
    }
}

impl Drop for PgServer {
    fn drop(&mut self) {
        self.stop();
        // The directory goes with `self.dir`.
    }
}
