//! The P2 reference upstream: an axum handler that answers
//! `GET /api/catalog/products/{id}` with a fixed JSON document held in memory (the bytes of a
//! real product read), so a gateway in front of it measures the proxy alone. Prints
//! `listening on ADDR` once bound; stops on SIGINT/SIGTERM.

use axum::extract::Path;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use bytes::Bytes;
use clap::Parser;

#[derive(Parser)]
struct Args {
    /// Where to listen (port 0: any free port).
    #[arg(long, default_value = "127.0.0.1:0")]
    listen: String,
    /// A file holding the JSON to answer with.
    #[arg(long)]
    body_file: std::path::PathBuf,
}

#[tokio::main(flavor = "multi_thread")]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let body = Bytes::from(std::fs::read(&args.body_file)?);
    let app = Router::new().route(
        "/api/catalog/products/{id}",
        get(move |Path(_id): Path<String>| {
            let body = body.clone();
            async move { ([(header::CONTENT_TYPE, "application/json")], body).into_response() }
        }),
    );
    let listener = tokio::net::TcpListener::bind(&args.listen).await?;
    println!("listening on {}", listener.local_addr()?);
    axum::serve(listener, app)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    Ok(())
}
