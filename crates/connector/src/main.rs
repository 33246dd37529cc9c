//! `connector`: the long-running service. See README.md.

#[tokio::main]
async fn main() {
    let cfg = match connector::Config::from_args(std::env::args().skip(1)) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("connector: {e}");
            std::process::exit(2);
        }
    };
    let db = cfg.db.clone();
    match connector::Connector::start(cfg).await {
        Ok(c) => {
            eprintln!(
                "connector: listening on {} (state in {})",
                c.webhook_url(),
                db.display()
            );
            // Runs until killed; the state file makes any stop safe.
            std::future::pending::<()>().await;
        }
        Err(e) => {
            eprintln!("connector: {e}");
            std::process::exit(1);
        }
    }
}
