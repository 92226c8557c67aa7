//! Helpers shared by the chassis's unit tests.

use std::net::SocketAddr;

/// A TCP server that accepts connections and never answers on them: a peer that hangs.
pub(crate) async fn silent_server() -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            held.push(socket);
        }
    });
    addr
}
