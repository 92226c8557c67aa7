//! `spawn_app()`: the real platform on port 0 with a fresh database per test, on the backend
//! chosen by `WAYFARE_TEST_BACKEND` (`sqlite`, the default, or `mysql` for MariaDB/MySQL at
//! `WAYFARE_TEST_MYSQL_URL` with Redis at `WAYFARE_TEST_REDIS_URL`). Logs stay silent unless
//! `TEST_LOG` is set.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use serde_json::{json, Value};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use wayfare::{BuildOptions, Platform};
use wayfare_chassis::config::Overrides;

pub const ADMIN_EMAIL: &str = "admin@wayfare.test";
pub const ADMIN_PASSWORD: &str = "admin-password-123";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    MySql,
}

pub fn backend() -> Backend {
    match std::env::var("WAYFARE_TEST_BACKEND").as_deref() {
        Ok("mysql") | Ok("mariadb") => Backend::MySql,
        _ => Backend::Sqlite,
    }
}

pub fn mysql_base_url() -> String {
    std::env::var("WAYFARE_TEST_MYSQL_URL").unwrap_or_else(|_| "mysql://root@127.0.0.1:3306".into())
}

pub fn redis_url() -> String {
    std::env::var("WAYFARE_TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into())
}

/// A database of its own for one test; dropped (on MySQL) when the test ends.
pub struct TestDatabase {
    pub url: Option<String>,
    name: Option<String>,
}

impl TestDatabase {
    pub async fn create() -> TestDatabase {
        if backend() == Backend::Sqlite {
            return TestDatabase {
                url: None,
                name: None,
            };
        }
        let name = format!("wf_t_{}", &uuid::Uuid::new_v4().simple().to_string()[..12]);
        run_admin_sql(&format!(
            "CREATE DATABASE {name} CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"
        ))
        .await;
        TestDatabase {
            url: Some(format!("{}/{name}", mysql_base_url())),
            name: Some(name),
        }
    }
}

async fn run_admin_sql(sql: &str) {
    use sqlx::Connection;
    let mut conn = sqlx::MySqlConnection::connect(&mysql_base_url())
        .await
        .expect("MariaDB reachable for tests");
    sqlx::query(sql)
        .execute(&mut conn)
        .await
        .expect("admin SQL");
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if let Some(name) = self.name.take() {
            let _ = std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("runtime");
                rt.block_on(run_admin_sql(&format!("DROP DATABASE IF EXISTS {name}")));
            })
            .join();
        }
    }
}

/// How a test wants the platform configured beyond the defaults.
#[derive(Default, Clone)]
pub struct AppOptions {
    pub env: BTreeMap<String, String>,
    /// Put the database behind a chaos proxy (MySQL only).
    pub database_proxy: bool,
    /// Put Redis behind a chaos proxy (forces Redis on, whatever the backend).
    pub redis_proxy: bool,
}

impl AppOptions {
    pub fn env(mut self, key: &str, value: &str) -> Self {
        self.env.insert(key.to_string(), value.to_string());
        self
    }
}

pub struct TestApp {
    pub base: String,
    /// The operational port (`/healthz`, `/readyz`, `/metrics`).
    pub ops: String,
    pub data_dir: std::path::PathBuf,
    /// The MySQL database of this test (all services share it), when on MySQL.
    pub db_url: Option<String>,
    /// Where each service of the platform listens (for calls that bypass the gateway).
    pub service_addrs: Vec<(&'static str, SocketAddr)>,
    pub http: reqwest::Client,
    pub db_proxy: Option<ChaosProxy>,
    pub redis_proxy: Option<ChaosProxy>,
    pub stop: Option<tokio::sync::oneshot::Sender<()>>,
    pub finished: Option<tokio::task::JoinHandle<anyhow::Result<()>>>,
    _db: TestDatabase,
    _dir: tempfile::TempDir,
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(AppOptions::default()).await
}

pub async fn spawn_app_with(options: AppOptions) -> TestApp {
    wayfare_chassis::telemetry::init_for_tests();
    let dir = tempfile::tempdir().expect("temp dir");
    let db = TestDatabase::create().await;
    let mut env: BTreeMap<String, String> = BTreeMap::new();
    env.insert("WAYFARE_LISTEN".into(), "127.0.0.1:0".into());
    env.insert("WAYFARE_OPS_LISTEN".into(), "127.0.0.1:0".into());
    env.insert("WAYFARE_DATA_DIR".into(), dir.path().display().to_string());
    env.insert("WAYFARE_ADMIN_EMAIL".into(), ADMIN_EMAIL.into());
    env.insert("WAYFARE_ADMIN_PASSWORD".into(), ADMIN_PASSWORD.into());
    env.insert("WAYFARE_DRAIN_DELAY_SECONDS".into(), "0".into());
    env.insert("WAYFARE_SHUTDOWN_GRACE_SECONDS".into(), "5".into());
    env.insert(
        "WAYFARE_CACHE_NAMESPACE".into(),
        format!("test-{}", uuid::Uuid::new_v4().simple()),
    );
    // Tests hammer the API from one address; rate limiting has tests of its own.
    env.insert("WAYFARE_RATE_LIMIT_ENABLED".into(), "false".into());

    let mut db_proxy = None;
    if let Some(url) = &db.url {
        env.insert("WAYFARE_DATABASE_URL".into(), url.clone());
        env.insert("WAYFARE_SEED_DEMO_DATA".into(), "true".into());
        env.insert("WAYFARE_REDIS_URL".into(), redis_url());
        if options.database_proxy {
            let proxy = ChaosProxy::start(host_port(&mysql_base_url())).await;
            let proxied = url.replacen(&host_port(&mysql_base_url()), &proxy.addr.to_string(), 1);
            env.insert("WAYFARE_DATABASE_URL".into(), proxied);
            db_proxy = Some(proxy);
        }
    }
    let mut redis_proxy = None;
    if options.redis_proxy {
        let proxy = ChaosProxy::start(host_port(&redis_url())).await;
        env.insert(
            "WAYFARE_REDIS_URL".into(),
            format!("redis://{}", proxy.addr),
        );
        redis_proxy = Some(proxy);
    }
    env.extend(options.env);
    let settings =
        wayfare::load_settings(None, &env, &Overrides::default()).expect("valid test settings");
    let platform = Platform::build(
        settings,
        BuildOptions {
            database_wait: Duration::from_secs(5),
        },
    )
    .await
    .expect("platform builds");
    let addr = platform.local_addr();
    let ops_addr = platform.ops_addr();
    let service_addrs = platform.service_addrs();
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let finished = tokio::spawn(platform.run_until_stopped(async move {
        let _ = stop_rx.await;
    }));
    TestApp {
        data_dir: dir.path().to_path_buf(),
        db_url: db.url.clone(),
        service_addrs,
        base: format!("http://{addr}"),
        ops: format!("http://{ops_addr}"),
        http: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap(),
        db_proxy,
        redis_proxy,
        stop: Some(stop_tx),
        finished: Some(finished),
        _db: db,
        _dir: dir,
    }
}

fn host_port(url: &str) -> String {
    let rest = url.split("://").nth(1).unwrap_or(url);
    let rest = rest.rsplit('@').next().unwrap_or(rest);
    rest.split('/').next().unwrap_or(rest).to_string()
}

/// A response reduced to what tests look at.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
}

impl Reply {
    async fn from(response: reqwest::Response) -> Reply {
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let bytes = response.bytes().await.unwrap_or_default();
        let body = serde_json::from_slice(&bytes)
            .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into()));
        Reply {
            status,
            headers,
            body,
        }
    }

    pub fn content_type(&self) -> &str {
        self.headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }

    /// Asserts a problem+json answer with this status and code.
    pub fn assert_problem(&self, status: u16, code: &str) {
        assert_eq!(self.status, status, "body: {}", self.body);
        assert_eq!(
            self.content_type(),
            "application/problem+json",
            "body: {}",
            self.body
        );
        assert_eq!(self.body["code"], code, "body: {}", self.body);
        assert_eq!(self.body["status"], status);
    }
}

#[derive(Debug, Clone)]
pub struct Tokens {
    pub access: String,
    pub refresh: String,
}

impl TestApp {
    /// The URL of `path`: operational endpoints on the operational port, the rest on the
    /// public one.
    pub fn url(&self, path: &str) -> String {
        if ["/healthz", "/readyz", "/metrics"].contains(&path) {
            format!("{}{path}", self.ops)
        } else {
            format!("{}{path}", self.base)
        }
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> Reply {
        let mut req = self.http.get(self.url(path));
        if let Some(token) = token {
            req = req.bearer_auth(token);
        }
        Reply::from(req.send().await.expect("request sent")).await
    }

    pub async fn send_json(
        &self,
        method: reqwest::Method,
        path: &str,
        body: &Value,
        token: Option<&str>,
    ) -> Reply {
        let mut req = self.http.request(method, self.url(path)).json(body);
        if let Some(token) = token {
            req = req.bearer_auth(token);
        }
        Reply::from(req.send().await.expect("request sent")).await
    }

    pub async fn post(&self, path: &str, body: &Value, token: Option<&str>) -> Reply {
        self.send_json(reqwest::Method::POST, path, body, token)
            .await
    }

    pub async fn post_raw(
        &self,
        path: &str,
        body: impl Into<reqwest::Body>,
        content_type: &str,
    ) -> Reply {
        let response = self
            .http
            .post(self.url(path))
            .header("content-type", content_type)
            .body(body)
            .send()
            .await
            .expect("request sent");
        Reply::from(response).await
    }

    pub async fn signup(&self, email: &str, password: &str) -> Reply {
        self.post(
            "/api/auth/signup",
            &json!({"email": email, "password": password, "name": "Test User"}),
            None,
        )
        .await
    }

    pub async fn login(&self, email: &str, password: &str) -> Reply {
        self.post(
            "/api/auth/login",
            &json!({"email": email, "password": password}),
            None,
        )
        .await
    }

    /// Signs a fresh customer up and logs in.
    pub async fn customer(&self) -> Tokens {
        let email = format!("user-{}@example.com", uuid::Uuid::new_v4().simple());
        let signup = self.signup(&email, "a-good-password").await;
        assert_eq!(signup.status, 201, "{}", signup.body);
        self.tokens(&email, "a-good-password").await
    }

    pub async fn admin(&self) -> Tokens {
        self.tokens(ADMIN_EMAIL, ADMIN_PASSWORD).await
    }

    async fn tokens(&self, email: &str, password: &str) -> Tokens {
        let login = self.login(email, password).await;
        assert_eq!(login.status, 200, "{}", login.body);
        Tokens {
            access: login.body["access_token"].as_str().unwrap().to_string(),
            refresh: login.body["refresh_token"].as_str().unwrap().to_string(),
        }
    }

    /// Every active product, walking pages of `limit` with the given extra query.
    pub async fn all_pages(&self, query: &str, limit: u32) -> Vec<Value> {
        let mut items = Vec::new();
        let mut cursor: Option<String> = None;
        for _ in 0..10_000 {
            let mut path = format!("/api/catalog/products?limit={limit}{query}");
            if let Some(c) = &cursor {
                path.push_str(&format!("&cursor={c}"));
            }
            let page = self.get(&path, None).await;
            assert_eq!(page.status, 200, "{}", page.body);
            items.extend(page.body["items"].as_array().unwrap().iter().cloned());
            match page.body["next_cursor"].as_str() {
                Some(next) => cursor = Some(next.to_string()),
                None => return items,
            }
        }
        panic!("pagination did not end");
    }

    pub async fn first_product(&self) -> Value {
        let page = self.get("/api/catalog/products?limit=1", None).await;
        page.body["items"][0].clone()
    }

    /// Stops the platform as SIGTERM would and waits for it.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(finished) = self.finished.take() {
            finished.await.expect("joined").expect("clean shutdown");
        }
    }
}

/// A TCP proxy that can be switched off: when down it drops every open connection and
/// refuses new ones (accepts and closes at once), like a database or cache that died.
pub struct ChaosProxy {
    pub addr: SocketAddr,
    up: watch::Sender<bool>,
}

impl ChaosProxy {
    /// A TCP proxy to `target`. Taken down, it resets every open connection and stops
    /// listening, so new ones are refused, as with a server that went away; brought up, it
    /// listens on the same address again.
    pub async fn start(target: String) -> ChaosProxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (up, mut up_rx) = watch::channel(true);
        let target = Arc::new(target);
        tokio::spawn(async move {
            let mut listener = Some(listener);
            loop {
                let Some(open) = listener.as_ref() else {
                    if up_rx.wait_for(|up| *up).await.is_err() {
                        break;
                    }
                    listener = rebind(addr).await;
                    continue;
                };
                let accepted = tokio::select! {
                    accepted = open.accept() => accepted,
                    changed = up_rx.changed() => {
                        if changed.is_err() {
                            break;
                        }
                        if !*up_rx.borrow() {
                            listener = None;
                        }
                        continue;
                    }
                };
                let Ok((mut inbound, _)) = accepted else {
                    break;
                };
                let target = target.clone();
                let mut until_down = up_rx.clone();
                tokio::spawn(async move {
                    let Ok(mut outbound) = TcpStream::connect(target.as_str()).await else {
                        return;
                    };
                    tokio::select! {
                        _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound) => {}
                        _ = until_down.wait_for(|up| !*up) => {
                            // Reset rather than close: what a peer that vanished looks like.
                            // (Linger 0 makes the drop send RST at once; nothing blocks.)
                            #[allow(deprecated)]
                            let _ = inbound.set_linger(Some(Duration::ZERO));
                        }
                    }
                });
            }
        });
        ChaosProxy { addr, up }
    }

    pub fn take_down(&self) {
        let _ = self.up.send(false);
    }

    pub fn bring_up(&self) {
        let _ = self.up.send(true);
    }
}

/// Listens on `addr` again (the port was ours a moment ago; retry while the kernel lets go).
async fn rebind(addr: SocketAddr) -> Option<TcpListener> {
    for _ in 0..50 {
        if let Ok(listener) = TcpListener::bind(addr).await {
            return Some(listener);
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    None
}

/// Polls `path` until it answers `status` or `within` passes; returns whether it did.
pub async fn eventually_status(app: &TestApp, path: &str, status: u16, within: Duration) -> bool {
    let deadline = tokio::time::Instant::now() + within;
    while tokio::time::Instant::now() < deadline {
        if app.get(path, None).await.status == status {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    false
}

impl TestApp {
    /// An access token for any user id, signed with the platform's own key (fast: no password
    /// hashing), exactly as auth would issue it.
    pub fn mint_token(&self, user_id: &str) -> String {
        mint_token(&self.data_dir, user_id)
    }

    /// A connection pool to one service's database (to check invariants behind the API).
    pub async fn db(&self, service: &str) -> sqlx::AnyPool {
        sqlx::any::install_default_drivers();
        let url = match &self.db_url {
            Some(url) => url.clone(),
            None => format!("sqlite://{}/{service}.db", self.data_dir.display()),
        };
        sqlx::AnyPool::connect(&url)
            .await
            .expect("test can open the database")
    }

    pub async fn count(&self, service: &str, sql: &str) -> i64 {
        sqlx::query_scalar::<_, i64>(sql)
            .fetch_one(&self.db(service).await)
            .await
            .expect("count query")
    }

    /// Creates a product with `stock` units through the admin API; returns its id.
    pub async fn product_with_stock(&self, stock: i64, price: i64) -> String {
        let admin = self.admin().await;
        let sku = format!("T-{}", &uuid::Uuid::new_v4().simple().to_string()[..10]);
        let created = self
            .post(
                "/api/catalog/products",
                &json!({"sku": sku, "name": format!("Test product {sku}"), "price": price, "currency": "USD", "stock": stock, "category": "books"}),
                Some(&admin.access),
            )
            .await;
        assert_eq!(created.status, 201, "{}", created.body);
        created.body["id"].as_str().unwrap().to_string()
    }

    pub async fn stock(&self, product_id: &str) -> i64 {
        let reply = self
            .get(&format!("/api/catalog/products/{product_id}"), None)
            .await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        reply.body["stock"].as_i64().unwrap()
    }

    /// POST /api/orders with an Idempotency-Key.
    pub async fn checkout(&self, token: &str, key: &str, body: &Value) -> Reply {
        let response = self
            .http
            .post(self.url("/api/orders"))
            .bearer_auth(token)
            .header("idempotency-key", key)
            .json(body)
            .send()
            .await
            .expect("request sent");
        Reply::from(response).await
    }
}

/// An access token for `user_id`, signed with the key in a platform's data directory.
pub fn mint_token(data_dir: &std::path::Path, user_id: &str) -> String {
    wayfare_auth::domain::tokens::access_token_from_key_file(
        &data_dir.join("auth-signing-key.pem"),
        user_id,
        900,
    )
    .expect("the platform's signing key signs")
}

/// The real `wayfare` binary, with a clean environment (only PATH).
pub fn binary() -> std::process::Command {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_wayfare"));
    cmd.env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("WAYFARE_OPS_LISTEN", "127.0.0.1:0");
    cmd
}

/// Starts `cmd` (a `serve`), waits for its ready line and returns the process and the address
/// it listens on; the rest of its output is drained in the background.
pub fn start_serving(cmd: &mut std::process::Command) -> (std::process::Child, String) {
    use std::io::{BufRead, BufReader};
    let mut child = cmd
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("the binary starts");
    let mut lines = BufReader::new(child.stdout.take().expect("stdout is piped")).lines();
    let addr = loop {
        let line = lines
            .next()
            .expect("the binary printed its address")
            .unwrap();
        if let Some(rest) = line.strip_prefix("Wayfare is ready: open http://") {
            break rest.split('/').next().unwrap().to_string();
        }
    };
    std::thread::spawn(move || for _ in lines {});
    (child, addr)
}
