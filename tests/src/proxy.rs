//! A TCP proxy a test can take down and bring back, standing between Factoría and PostgreSQL:
//! down, it refuses new connections and cuts the open ones, as a stopped server does.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use tokio::net::{TcpSocket, TcpStream};
use tokio::task::JoinHandle;

/// The proxy: listening on `addr`, forwarding to a target.
pub struct Proxy {
    /// Where clients connect.
    pub addr: SocketAddr,
    target: SocketAddr,
    acceptor: Mutex<Option<JoinHandle<()>>>,
    connections: Arc<Mutex<Vec<JoinHandle<()>>>>,
}

impl Proxy {
    /// Starts forwarding a free local port to `target`.
    pub async fn start(target: SocketAddr) -> Proxy {
        let mut proxy = Proxy {
            addr: "127.0.0.1:0".parse().unwrap_or_else(|e| panic!("{e}")),
            target,
            acceptor: Mutex::new(None),
            connections: Arc::default(),
        };
        proxy.addr = proxy.listen().await;
        proxy
    }

    /// Refuses new connections and cuts the open ones.
    pub fn down(&self) {
        if let Some(acceptor) = lock(&self.acceptor).take() {
            acceptor.abort();
        }
        for connection in lock(&self.connections).drain(..) {
            connection.abort();
        }
    }

    /// Accepts connections again, on the same port.
    pub async fn up(&self) {
        self.listen().await;
    }

    async fn listen(&self) -> SocketAddr {
        let socket = TcpSocket::new_v4().unwrap_or_else(|e| panic!("{e}"));
        socket.set_reuseaddr(true).unwrap_or_else(|e| panic!("{e}"));
        socket
            .bind(self.addr)
            .unwrap_or_else(|e| panic!("cannot bind the proxy to {}: {e}", self.addr));
        let listener = socket.listen(64).unwrap_or_else(|e| panic!("{e}"));
        let addr = listener.local_addr().unwrap_or_else(|e| panic!("{e}"));
        let (target, connections) = (self.target, self.connections.clone());
        let acceptor = tokio::spawn(async move {
            while let Ok((mut client, _)) = listener.accept().await {
                let forward = tokio::spawn(async move {
                    if let Ok(mut server) = TcpStream::connect(target).await {
                        let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                    }
                });
                lock(&connections).push(forward);
            }
        });
        *lock(&self.acceptor) = Some(acceptor);
        addr
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.down();
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}
