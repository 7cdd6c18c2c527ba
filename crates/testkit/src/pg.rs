//! PostgreSQL for tests on any machine that has PostgreSQL installed, with no server set up beforehand.
//!
//! [`base_url`] is the server a test process uses: `LEADSMITH_TEST_PG_URL` when it is set, otherwise one
//! throwaway cluster started for the whole process from the system's binaries (`initdb` and `pg_ctl` in a
//! temporary directory, on a free loopback port, tuned for speed over durability). A watchdog stops the
//! cluster and removes its directory when the test process exits, however it exits. A test that must
//! disrupt its server (a restart) starts a [`TempCluster`] of its own, so it never disturbs the others.
//!
//! Without PostgreSQL's binaries these helpers panic with the command that installs them: a PostgreSQL
//! test asked to run never passes quietly.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{SystemTime, UNIX_EPOCH};

/// What to install when no PostgreSQL binaries are found.
pub const INSTALL_HINT: &str = "apt-get install -y postgresql (Debian/Ubuntu; `brew install postgresql` on macOS, \
                                `dnf install postgresql-server` on Fedora), or point LEADSMITH_TEST_PG_URL at a server";

/// The PostgreSQL server this test process uses: `LEADSMITH_TEST_PG_URL`, or a throwaway cluster shared
/// by every test of the process, started on first use. Panics when neither is possible.
pub fn base_url() -> String {
    if let Ok(url) = std::env::var("LEADSMITH_TEST_PG_URL")
        && !url.trim().is_empty()
    {
        return url;
    }
    static SHARED: OnceLock<TempCluster> = OnceLock::new();
    SHARED.get_or_init(|| TempCluster::start().unwrap_or_else(|e| panic!("PostgreSQL for the tests: {e}"))).url()
}

/// A PostgreSQL cluster of its own in a temporary directory, listening on `127.0.0.1` on a free port with
/// trust authentication for the `postgres` user. Stopped and removed on drop, and by a watchdog when the
/// process exits without dropping it (a static, a panic, a kill).
#[derive(Debug)]
pub struct TempCluster {
    dir: PathBuf,
    bin: PathBuf,
    port: u16,
    /// `Some("postgres")` when running as root: PostgreSQL refuses to run as root, so its commands run as
    /// this user.
    run_as: Option<String>,
}

impl TempCluster {
    /// Initialises and starts a fresh cluster (about a second).
    pub fn start() -> Result<Self, String> {
        let bin = find_bin_dir().ok_or_else(|| {
            format!("PostgreSQL's server programs (initdb, pg_ctl) were not found; install them: {INSTALL_HINT}")
        })?;
        let run_as = if is_root() { Some("postgres".to_string()) } else { None };
        let stamp = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
        let dir = std::env::temp_dir().join(format!("leadsmith-pg-{}-{stamp}", std::process::id()));
        std::fs::create_dir_all(&dir).map_err(|e| format!("creating {}: {e}", dir.display()))?;
        if let Some(user) = &run_as {
            let status = Command::new("chown")
                .arg(format!("{user}:{user}"))
                .arg(&dir)
                .status()
                .map_err(|e| format!("running chown: {e}"))?;
            if !status.success() {
                return Err(format!("chown {user} {} failed ({status})", dir.display()));
            }
        }
        let port = free_port()?;
        let cluster = TempCluster { dir, bin, port, run_as };
        cluster.watchdog();
        let data = cluster.data_dir();
        cluster.pg(
            "initdb",
            &["-D", path_str(&data)?, "-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-locale", "--no-sync"],
        )?;
        let ssl = if cluster.make_certificate(&data) { " -c ssl=on" } else { "" };
        let options = format!(
            "-p {port} -c listen_addresses=127.0.0.1 -k {} -c fsync=off -c synchronous_commit=off \
             -c full_page_writes=off -c max_connections=300{ssl}",
            path_str(&cluster.dir)?
        );
        let log = cluster.dir.join("server.log");
        cluster.pg("pg_ctl", &["-D", path_str(&data)?, "-l", path_str(&log)?, "-w", "-o", &options, "start"])?;
        Ok(cluster)
    }

    /// A self-signed certificate for `localhost` as the server's `server.crt`/`server.key`, like the
    /// "snakeoil" one of Debian's default cluster, so the TLS tests run here too. Needs the `openssl`
    /// program; without it the cluster runs without TLS (and the TLS tests say so).
    fn make_certificate(&self, data: &Path) -> bool {
        let (crt, key) = (data.join("server.crt"), data.join("server.key"));
        let made = Command::new("openssl")
            .args(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "3650", "-subj", "/CN=localhost"])
            // An end-entity certificate (CA:FALSE), as the snakeoil one: rustls refuses a CA as a server.
            .args(["-addext", "subjectAltName=DNS:localhost", "-addext", "basicConstraints=critical,CA:FALSE"])
            .arg("-keyout")
            .arg(&key)
            .arg("-out")
            .arg(&crt)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if !made {
            return false;
        }
        use std::os::unix::fs::PermissionsExt;
        let private = std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o600)).is_ok();
        let owned = match &self.run_as {
            Some(user) => Command::new("chown")
                .arg(format!("{user}:{user}"))
                .arg(&crt)
                .arg(&key)
                .status()
                .is_ok_and(|s| s.success()),
            None => true,
        };
        private && owned
    }

    /// `postgres://postgres@127.0.0.1:<port>/postgres`.
    pub fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    /// Restarts the server (a fast shutdown: every connection is cut), waiting until it accepts again.
    pub fn restart(&self) -> Result<(), String> {
        // `-l` again: without it the new server inherits pg_ctl's output, and whoever waits for that
        // output to end waits for the server to exit.
        let log = self.dir.join("server.log");
        self.pg(
            "pg_ctl",
            &["-D", path_str(&self.data_dir())?, "-l", path_str(&log)?, "-w", "-t", "60", "-m", "fast", "restart"],
        )
    }

    fn data_dir(&self) -> PathBuf {
        self.dir.join("data")
    }

    /// Runs one of PostgreSQL's programs (as the `postgres` user when we are root).
    fn pg(&self, program: &str, args: &[&str]) -> Result<(), String> {
        let exe = self.bin.join(program);
        let mut cmd = match &self.run_as {
            Some(user) => {
                let mut c = Command::new("runuser");
                c.args(["-u", user, "--"]).arg(&exe);
                c
            }
            None => Command::new(&exe),
        };
        cmd.args(args);
        run(&mut cmd, program, &self.dir.join(format!("{program}.out"))).map_err(|e| {
            let log = std::fs::read_to_string(self.dir.join("server.log")).unwrap_or_default();
            let tail: Vec<&str> = log.lines().rev().take(10).collect();
            let tail: Vec<&str> = tail.into_iter().rev().collect();
            if tail.is_empty() { e } else { format!("{e}\nserver log:\n{}", tail.join("\n")) }
        })
    }

    /// A detached shell that stops the cluster and removes its directory once this process is gone.
    fn watchdog(&self) {
        let pg_ctl = self.bin.join("pg_ctl");
        let stop = match &self.run_as {
            Some(user) => format!("runuser -u {user} -- '{}'", pg_ctl.display()),
            None => format!("'{}'", pg_ctl.display()),
        };
        let script = format!(
            "while kill -0 {pid} 2>/dev/null; do sleep 0.5; done; \
             {stop} -D '{data}' -m immediate stop >/dev/null 2>&1; rm -rf '{dir}'",
            pid = std::process::id(),
            data = self.data_dir().display(),
            dir = self.dir.display(),
        );
        let _ = Command::new("sh")
            .args(["-c", &script])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn();
    }
}

impl Drop for TempCluster {
    fn drop(&mut self) {
        if let Ok(data) = path_str(&self.data_dir()) {
            let _ = self.pg("pg_ctl", &["-D", data, "-m", "immediate", "stop"]);
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Runs `cmd` with its output in the file `out`, never in pipes: a server the command leaves running
/// would hold a pipe open, and reading it to the end would wait for that server to exit.
fn run(cmd: &mut Command, what: &str, out: &Path) -> Result<(), String> {
    let file = std::fs::File::create(out).map_err(|e| format!("creating {}: {e}", out.display()))?;
    let err = file.try_clone().map_err(|e| format!("creating {}: {e}", out.display()))?;
    let status =
        cmd.stdin(Stdio::null()).stdout(file).stderr(err).status().map_err(|e| format!("running {what}: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        let text = std::fs::read_to_string(out).unwrap_or_default();
        Err(format!("{what} failed ({status}): {}", text.trim()))
    }
}

fn path_str(p: &Path) -> Result<&str, String> {
    p.to_str().ok_or_else(|| format!("path {} is not UTF-8", p.display()))
}

fn free_port() -> Result<u16, String> {
    let listener = TcpListener::bind("127.0.0.1:0").map_err(|e| format!("finding a free port: {e}"))?;
    listener.local_addr().map(|a| a.port()).map_err(|e| format!("finding a free port: {e}"))
}

fn is_root() -> bool {
    Command::new("id").arg("-u").output().map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0").unwrap_or(false)
}

/// The directory holding `initdb` and `pg_ctl`: `PATH` first, then `pg_config --bindir`, then the newest
/// of Debian's `/usr/lib/postgresql/<version>/bin`.
fn find_bin_dir() -> Option<PathBuf> {
    let has_both = |d: &Path| d.join("initdb").is_file() && d.join("pg_ctl").is_file();
    if let Some(path) = std::env::var_os("PATH")
        && let Some(d) = std::env::split_paths(&path).find(|d| has_both(d))
    {
        return Some(d);
    }
    if let Ok(out) = Command::new("pg_config").arg("--bindir").output() {
        let d = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
        if out.status.success() && has_both(&d) {
            return Some(d);
        }
    }
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .flatten()
        .filter_map(|e| {
            let v = e.file_name().to_str()?.parse::<u32>().ok()?;
            Some((v, e.path().join("bin")))
        })
        .filter(|(_, d)| has_both(d))
        .collect();
    versions.sort();
    versions.pop().map(|(_, d)| d)
}
