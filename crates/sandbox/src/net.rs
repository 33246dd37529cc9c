//! The sandbox's listener: plain TCP on loopback, except that a handler can cut the connection it is
//! serving without writing a byte. Fault injection needs that for `drop` and `lost_response`
//! (issue 5): a client must see a closed connection, not an HTTP error, to exercise its ambiguous-failure
//! path. axum gives handlers no socket, so each connection carries a [`Cut`] switch that the handler
//! reaches through `ConnectInfo<Peer>`.

use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::extract::connect_info::Connected;
use axum::serve::{IncomingStream, Listener};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};

/// A switch shared by one connection and the requests served on it. Once cut, every read ends and every
/// write fails, so hyper drops the connection instead of sending the response.
#[derive(Clone, Default, Debug)]
pub struct Cut(Arc<AtomicBool>);

impl Cut {
    /// Cuts the connection: the response being prepared is never written.
    pub fn cut(&self) {
        self.0.store(true, Ordering::SeqCst);
    }

    fn is_cut(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
}

/// What a handler knows about the connection it serves: who is calling, and the switch to cut it.
#[derive(Clone, Debug)]
pub struct Peer {
    pub addr: SocketAddr,
    pub cut: Cut,
}

/// A TCP stream that obeys its [`Cut`].
pub struct CuttableStream {
    inner: TcpStream,
    cut: Cut,
}

impl AsyncRead for CuttableStream {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        if self.cut.is_cut() {
            return Poll::Ready(Ok(()));
        }
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl AsyncWrite for CuttableStream {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        if self.cut.is_cut() {
            return Poll::Ready(Err(io::ErrorKind::ConnectionAborted.into()));
        }
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if self.cut.is_cut() {
            return Poll::Ready(Err(io::ErrorKind::ConnectionAborted.into()));
        }
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// A `TcpListener` that hands out [`CuttableStream`]s.
pub struct CuttableListener(pub TcpListener);

impl Listener for CuttableListener {
    type Io = CuttableStream;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        loop {
            match self.0.accept().await {
                Ok((inner, addr)) => {
                    // Latency figures (relay_ms) are measured through this server: no Nagle delay.
                    let _ = inner.set_nodelay(true);
                    let stream = CuttableStream {
                        inner,
                        cut: Cut::default(),
                    };
                    return (stream, addr);
                }
                // Too many open files and the like: back off as axum's own listener does.
                Err(_) => tokio::time::sleep(Duration::from_millis(5)).await,
            }
        }
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        self.0.local_addr()
    }
}

impl Connected<IncomingStream<'_, CuttableListener>> for Peer {
    fn connect_info(stream: IncomingStream<'_, CuttableListener>) -> Self {
        Peer {
            addr: *stream.remote_addr(),
            cut: stream.io().cut.clone(),
        }
    }
}
