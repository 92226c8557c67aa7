//! A virtual user: its own account and session, and the scenarios it runs.

use std::collections::HashSet;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use rand::Rng;
use reqwest::Method;
use serde_json::{json, Value};

use crate::stats::{Sample, Stats};
use crate::Mix;

/// What the platform offers, discovered once before the run.
pub struct Catalogue {
    base: String,
    pub products: Vec<String>,
    /// Words that appear in product names (for searches that find something).
    pub words: Vec<String>,
    /// The product everybody wants in the hot mix.
    pub hot_product: Option<String>,
    /// Whether the flight half answers.
    pub flights: bool,
    /// Products whose stock the run changed (checked for negative stock afterwards).
    touched: Mutex<HashSet<String>>,
}

impl Catalogue {
    pub async fn discover(http: &reqwest::Client, base: &str) -> anyhow::Result<Self> {
        let page: Value = http
            .get(format!("{base}/api/catalog/products?limit=100"))
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?;
        let items = page["items"].as_array().cloned().unwrap_or_default();
        anyhow::ensure!(!items.is_empty(), "the target lists no products");
        let products: Vec<String> = items
            .iter()
            .filter_map(|p| p["id"].as_str().map(str::to_owned))
            .collect();
        let mut words: Vec<String> = items
            .iter()
            .filter_map(|p| p["name"].as_str())
            .flat_map(|n| {
                n.split_whitespace()
                    .map(str::to_lowercase)
                    .collect::<Vec<_>>()
            })
            .filter(|w| w.len() >= 3 && w.chars().all(|c| c.is_ascii_alphabetic()))
            .collect();
        words.sort();
        words.dedup();
        // Keep the words the search accepts (it may drop stop words such as "and").
        let mut accepted = Vec::new();
        for word in words.into_iter().take(40) {
            let ok = http
                .get(format!("{base}/api/catalog/products?q={word}&limit=1"))
                .send()
                .await
                .map(|r| r.status().is_success())
                .unwrap_or(false);
            if ok {
                accepted.push(word);
            }
        }
        let words = accepted;
        let hot_product = items
            .iter()
            .max_by_key(|p| p["stock"].as_i64().unwrap_or(0))
            .and_then(|p| p["id"].as_str().map(str::to_owned));
        let flights = http
            .get(format!("{base}/api/airports?q=ICN"))
            .send()
            .await
            .map(|r| r.status().is_success())
            .unwrap_or(false);
        Ok(Self {
            base: base.to_string(),
            products,
            words,
            hot_product,
            flights,
            touched: Mutex::new(HashSet::new()),
        })
    }

    fn touch(&self, product: &str) {
        self.touched
            .lock()
            .expect("not poisoned")
            .insert(product.to_string());
    }

    /// Stock is never negative for any product the run bought.
    pub async fn check_stock(&self, http: &reqwest::Client) -> Vec<String> {
        let touched: Vec<String> = self
            .touched
            .lock()
            .expect("not poisoned")
            .iter()
            .cloned()
            .collect();
        let mut violations = Vec::new();
        for id in touched {
            let Ok(response) = http
                .get(format!("{}/api/catalog/products/{id}", self.base))
                .send()
                .await
            else {
                continue;
            };
            if let Ok(product) = response.json::<Value>().await {
                if product["stock"].as_i64().is_some_and(|s| s < 0) {
                    violations.push(format!("product {id} has negative stock"));
                }
            }
        }
        violations
    }
}

pub struct VirtualUser {
    http: reqwest::Client,
    base: String,
    email: String,
    password: String,
    access: Option<String>,
    refresh: Option<String>,
    token_at: Instant,
    cart: Vec<String>,
    /// Orders the platform confirmed to this user, and those this user cancelled since.
    confirmed: Vec<String>,
    cancelled: HashSet<String>,
    /// A replayed checkout that came back as another order than the first: a double charge.
    replay_mismatches: Vec<String>,
}

/// Access tokens live 15 minutes by default: refresh well before.
const REFRESH_AFTER: Duration = Duration::from_secs(600);

impl VirtualUser {
    pub fn new(http: reqwest::Client, base: &str, id: &str) -> Self {
        Self {
            http,
            base: base.to_string(),
            email: format!("load-{id}@load.wayfare.test"),
            password: format!("load-test-pass-{id}"),
            access: None,
            refresh: None,
            token_at: Instant::now(),
            cart: Vec::new(),
            confirmed: Vec::new(),
            cancelled: HashSet::new(),
            replay_mismatches: Vec::new(),
        }
    }

    /// One request, recorded. `expected` are the statuses this scenario considers normal.
    #[allow(clippy::too_many_arguments)]
    async fn call(
        &self,
        stats: &Stats,
        started: Instant,
        endpoint: &'static str,
        method: Method,
        path: &str,
        body: Option<&Value>,
        headers: &[(&str, String)],
        expected: &[u16],
    ) -> Option<(u16, Value)> {
        let mut request = self.http.request(method, format!("{}{path}", self.base));
        if let Some(token) = &self.access {
            request = request.bearer_auth(token);
        }
        for (name, value) in headers {
            request = request.header(*name, value);
        }
        if let Some(body) = body {
            request = request.json(body);
        }
        let sent = Instant::now();
        let answer = match request.send().await {
            Ok(response) => {
                let status = response.status().as_u16();
                let body = response.json::<Value>().await.unwrap_or(Value::Null);
                Some((status, body))
            }
            Err(_) => None,
        };
        let latency = sent.elapsed();
        let (status, code) = match &answer {
            Some((status, body)) => (
                *status,
                body["code"]
                    .as_str()
                    .map(|code| match body["field"].as_str() {
                        Some(field) => format!(
                            "{code} ({field}: {})",
                            body["detail"].as_str().unwrap_or("")
                        ),
                        None => code.to_owned(),
                    }),
            ),
            None => (0, None),
        };
        let unexpected = status != 0 && status < 500 && !expected.contains(&status);
        stats.record(
            Sample {
                endpoint,
                status,
                code,
                latency,
                second: started.elapsed().as_secs() as usize,
            },
            unexpected,
        );
        answer
    }

    /// Signs up once, logs in, and refreshes the token as it ages; false when there is no
    /// session to act with (the failed call is already counted).
    async fn ensure_session(&mut self, stats: &Stats, started: Instant) -> bool {
        if self.access.is_some() && self.token_at.elapsed() < REFRESH_AFTER {
            return true;
        }
        if let (Some(refresh), true) = (self.refresh.clone(), self.access.is_some()) {
            let body = json!({"refresh_token": refresh});
            if let Some((200, tokens)) = self
                .call(
                    stats,
                    started,
                    "POST /api/auth/refresh",
                    Method::POST,
                    "/api/auth/refresh",
                    Some(&body),
                    &[],
                    &[200],
                )
                .await
            {
                self.take_tokens(&tokens);
                return true;
            }
        }
        self.access = None;
        let signup = json!({"email": self.email, "password": self.password, "name": "Load Tester"});
        self.call(
            stats,
            started,
            "POST /api/auth/signup",
            Method::POST,
            "/api/auth/signup",
            Some(&signup),
            &[],
            &[201, 409],
        )
        .await;
        let login = json!({"email": self.email, "password": self.password});
        if let Some((200, tokens)) = self
            .call(
                stats,
                started,
                "POST /api/auth/login",
                Method::POST,
                "/api/auth/login",
                Some(&login),
                &[],
                &[200],
            )
            .await
        {
            self.take_tokens(&tokens);
        }
        self.access.is_some()
    }

    fn take_tokens(&mut self, tokens: &Value) {
        self.access = tokens["access_token"].as_str().map(str::to_owned);
        self.refresh = tokens["refresh_token"].as_str().map(str::to_owned);
        self.token_at = Instant::now();
    }

    /// One scenario, picked by weight from the mix.
    pub async fn iteration(
        &mut self,
        stats: &Stats,
        catalogue: &Catalogue,
        mix: Mix,
        started: Instant,
    ) {
        let roll = rand::thread_rng().gen_range(0..100);
        match mix {
            Mix::ReadOnly => match roll {
                0..=39 => self.browse(stats, catalogue, started).await,
                40..=64 => self.search(stats, catalogue, started).await,
                _ => self.view(stats, catalogue, started).await,
            },
            // Without a session (auth refused or unreachable; counted already) the user only
            // looks around this time, instead of sending calls bound to fail with 401.
            Mix::Hot | Mix::Mixed if !self.ensure_session(stats, started).await => {
                self.view(stats, catalogue, started).await
            }
            Mix::Hot => match roll {
                0..=19 => self.view(stats, catalogue, started).await,
                _ => self.buy_hot(stats, catalogue, started).await,
            },
            Mix::Mixed => match roll {
                0..=24 => self.browse(stats, catalogue, started).await,
                25..=39 => self.search(stats, catalogue, started).await,
                40..=54 => self.view(stats, catalogue, started).await,
                55..=69 => self.add_to_cart(stats, catalogue, started).await,
                70..=81 => self.checkout(stats, started).await,
                82..=85 => self.cancel(stats, started).await,
                _ if catalogue.flights => self.flights(stats, started).await,
                _ => self.view(stats, catalogue, started).await,
            },
        }
    }

    async fn browse(&self, stats: &Stats, _catalogue: &Catalogue, started: Instant) {
        let sorts = ["name", "price_asc", "price_desc", "newest"];
        let sort = sorts[rand::thread_rng().gen_range(0..sorts.len())];
        let first = self
            .call(
                stats,
                started,
                "GET /api/catalog/products",
                Method::GET,
                &format!("/api/catalog/products?limit=20&sort={sort}"),
                None,
                &[],
                &[200],
            )
            .await;
        // Half the browsers look at the next page too.
        if let Some((200, page)) = first {
            if let (Some(cursor), true) = (page["next_cursor"].as_str(), rand::random::<bool>()) {
                self.call(
                    stats,
                    started,
                    "GET /api/catalog/products",
                    Method::GET,
                    &format!("/api/catalog/products?limit=20&sort={sort}&cursor={cursor}"),
                    None,
                    &[],
                    &[200],
                )
                .await;
            }
        }
    }

    async fn search(&self, stats: &Stats, catalogue: &Catalogue, started: Instant) {
        if catalogue.words.is_empty() {
            return;
        }
        let word = &catalogue.words[rand::thread_rng().gen_range(0..catalogue.words.len())];
        self.call(
            stats,
            started,
            "GET /api/catalog/products?q=",
            Method::GET,
            &format!("/api/catalog/products?q={word}"),
            None,
            &[],
            &[200],
        )
        .await;
    }

    async fn view(&self, stats: &Stats, catalogue: &Catalogue, started: Instant) {
        let id = &catalogue.products[rand::thread_rng().gen_range(0..catalogue.products.len())];
        self.call(
            stats,
            started,
            "GET /api/catalog/products/{id}",
            Method::GET,
            &format!("/api/catalog/products/{id}"),
            None,
            &[],
            &[200],
        )
        .await;
    }

    async fn add_to_cart(&mut self, stats: &Stats, catalogue: &Catalogue, started: Instant) {
        let id =
            catalogue.products[rand::thread_rng().gen_range(0..catalogue.products.len())].clone();
        let body = json!({"quantity": 1});
        if let Some((200, _)) = self
            .call(
                stats,
                started,
                "PUT /api/cart/items/{id}",
                Method::PUT,
                &format!("/api/cart/items/{id}"),
                Some(&body),
                &[],
                &[200],
            )
            .await
        {
            catalogue.touch(&id);
            self.cart.push(id);
        }
    }

    fn payment_method() -> &'static str {
        match rand::thread_rng().gen_range(0..100) {
            0..=84 => "pm_card_ok",
            85..=94 => "pm_card_declined",
            _ => "pm_card_insufficient_funds",
        }
    }

    async fn place(&mut self, stats: &Stats, started: Instant, body: &Value) {
        let key = uuid::Uuid::new_v4().to_string();
        let headers = [("idempotency-key", key.clone())];
        let expected = [201, 202, 402, 409];
        let Some((status, order)) = self
            .call(
                stats,
                started,
                "POST /api/orders",
                Method::POST,
                "/api/orders",
                Some(body),
                &headers,
                &expected,
            )
            .await
        else {
            return;
        };
        if status == 201 {
            let id = order["id"].as_str().unwrap_or_default().to_string();
            self.confirmed.push(id.clone());
            // One in ten is retried as a client would after a lost answer: same key, same
            // body, and it must be the same order.
            if rand::thread_rng().gen_range(0..10) == 0 {
                if let Some((_, again)) = self
                    .call(
                        stats,
                        started,
                        "POST /api/orders (retry)",
                        Method::POST,
                        "/api/orders",
                        Some(body),
                        &headers,
                        &expected,
                    )
                    .await
                {
                    if again["id"].as_str() != Some(id.as_str()) {
                        self.replay_mismatches
                            .push(format!("key {key}: {id} then {}", again["id"]));
                    }
                }
            }
        }
    }

    async fn checkout(&mut self, stats: &Stats, started: Instant) {
        if self.cart.is_empty() {
            return;
        }
        let body = json!({"payment_method": Self::payment_method()});
        self.place(stats, started, &body).await;
        self.cart.clear();
    }

    async fn buy_hot(&mut self, stats: &Stats, catalogue: &Catalogue, started: Instant) {
        let Some(hot) = catalogue.hot_product.clone() else {
            return;
        };
        catalogue.touch(&hot);
        let body = json!({"payment_method": Self::payment_method(), "items": [{"product_id": hot, "quantity": 1}]});
        self.place(stats, started, &body).await;
    }

    async fn cancel(&mut self, stats: &Stats, started: Instant) {
        let Some(id) = self
            .confirmed
            .iter()
            .find(|id| !self.cancelled.contains(*id))
            .cloned()
        else {
            return;
        };
        if let Some((200, _)) = self
            .call(
                stats,
                started,
                "POST /api/orders/{id}/cancel",
                Method::POST,
                &format!("/api/orders/{id}/cancel"),
                Some(&json!({})),
                &[],
                &[200, 409],
            )
            .await
        {
            self.cancelled.insert(id);
        }
    }

    async fn flights(&self, stats: &Stats, started: Instant) {
        self.call(
            stats,
            started,
            "GET /api/airports?q=",
            Method::GET,
            "/api/airports?q=ICN",
            None,
            &[],
            &[200],
        )
        .await;
        let date = tomorrow();
        let Some((200, found)) = self
            .call(
                stats,
                started,
                "GET /api/flights/search",
                Method::GET,
                &format!(
                    "/api/flights/search?from=ICN&to=NRT&date={date}&passengers=1&cabin=economy"
                ),
                None,
                &[],
                &[200],
            )
            .await
        else {
            return;
        };
        if let Some(flight) = found["items"][0]["segments"][0]["flight_id"].as_str() {
            self.call(
                stats,
                started,
                "GET /api/flights/{id}/seats",
                Method::GET,
                &format!("/api/flights/{flight}/seats"),
                None,
                &[],
                &[200],
            )
            .await;
        }
    }

    /// Every order confirmed to this user is still there, confirmed (or cancelled if it
    /// cancelled it), and no retried checkout came back as another order.
    pub async fn check_invariants(&self, _catalogue: &Catalogue) -> Vec<String> {
        let mut violations = self.replay_mismatches.clone();
        if self.confirmed.is_empty() {
            return violations;
        }
        let mut seen = std::collections::HashMap::new();
        let mut cursor: Option<String> = None;
        for _ in 0..100 {
            let mut url = format!("{}/api/orders?limit=100", self.base);
            if let Some(c) = &cursor {
                url.push_str(&format!("&cursor={c}"));
            }
            let mut request = self.http.get(url);
            if let Some(token) = &self.access {
                request = request.bearer_auth(token);
            }
            let Ok(page) = request.send().await else {
                break;
            };
            let Ok(page) = page.json::<Value>().await else {
                break;
            };
            for order in page["items"].as_array().cloned().unwrap_or_default() {
                if let (Some(id), Some(status)) = (order["id"].as_str(), order["status"].as_str()) {
                    seen.insert(id.to_string(), status.to_string());
                }
            }
            match page["next_cursor"].as_str() {
                Some(next) => cursor = Some(next.to_string()),
                None => break,
            }
        }
        for id in &self.confirmed {
            match seen.get(id).map(String::as_str) {
                Some("confirmed") => {}
                Some("cancelled" | "cancelling") if self.cancelled.contains(id) => {}
                other => violations.push(format!(
                    "confirmed order {id} of {} is now {other:?}",
                    self.email
                )),
            }
        }
        violations
    }
}

fn tomorrow() -> String {
    let days = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() / 86_400 + 1)
        .unwrap_or(0) as i64;
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

#[cfg(test)]
mod tests {
    #[test]
    fn tomorrow_is_a_date() {
        let t = super::tomorrow();
        assert_eq!(t.len(), 10);
        assert_eq!(&t[4..5], "-");
    }
}
