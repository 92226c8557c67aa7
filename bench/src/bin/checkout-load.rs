//! Checkout load through the gateway. `--mode steady`: C workers each loop checkouts (fresh
//! Idempotency-Key, one unit of a product with ample stock) for D seconds. `--mode race`:
//! B buyers start together and each tries once to buy one unit of a scarce product.
//! Tokens are minted with the platform's own key from its data directory (no password hashing
//! in the measured path). Prints one JSON line.

use std::time::{Duration, Instant};

use clap::Parser;
use wayfare_bench::Recorder;

#[derive(Parser)]
struct Args {
    #[arg(long)]
    base: String,
    #[arg(long)]
    data_dir: std::path::PathBuf,
    #[arg(long)]
    product: String,
    #[arg(long, default_value = "steady")]
    mode: String,
    #[arg(long, default_value_t = 32)]
    concurrency: usize,
    #[arg(long, default_value_t = 15)]
    seconds: u64,
    #[arg(long, default_value_t = 1000)]
    buyers: usize,
}

fn mint(data_dir: &std::path::Path, user: &str) -> anyhow::Result<String> {
    wayfare_auth::domain::tokens::access_token_from_key_file(
        &data_dir.join("auth-signing-key.pem"),
        user,
        3600,
    )
}

async fn attempt(http: &reqwest::Client, args: &Args, token: &str) -> (u16, Duration) {
    let started = Instant::now();
    let body = serde_json::json!({"payment_method": "pm_card_ok", "items": [{"product_id": args.product, "quantity": 1}]});
    let status = match http
        .post(format!("{}/api/orders", args.base))
        .bearer_auth(token)
        .header("idempotency-key", uuid::Uuid::new_v4().to_string())
        .json(&body)
        .send()
        .await
    {
        Ok(response) => {
            let status = response.status().as_u16();
            let _ = response.bytes().await;
            status
        }
        Err(_) => 0,
    };
    (status, started.elapsed())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(args.concurrency.max(args.buyers))
        .build()?;
    let mut total = Recorder::default();
    let started = Instant::now();
    let name = match args.mode.as_str() {
        "race" => {
            let tokens: Vec<String> = (0..args.buyers)
                .map(|i| mint(&args.data_dir, &format!("buyer-{i}")))
                .collect::<Result<_, _>>()?;
            let results =
                futures::future::join_all(tokens.iter().map(|t| attempt(&http, &args, t))).await;
            for (status, latency) in results {
                total.record(status, latency);
            }
            "race"
        }
        _ => {
            let deadline = started + Duration::from_secs(args.seconds);
            let workers = (0..args.concurrency).map(|w| {
                let http = http.clone();
                let args = &args;
                async move {
                    let token = mint(&args.data_dir, &format!("steady-{w}")).expect("token");
                    let mut recorder = Recorder::default();
                    while Instant::now() < deadline {
                        let (status, latency) = attempt(&http, args, &token).await;
                        recorder.record(status, latency);
                    }
                    recorder
                }
            });
            for recorder in futures::future::join_all(workers).await {
                total.merge(recorder);
            }
            "gateway_checkout"
        }
    };
    println!("{}", total.report(name, started.elapsed()));
    Ok(())
}
