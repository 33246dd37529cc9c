//! `ccai-server`: the company server. See README.md for its settings.

#[tokio::main]
async fn main() {
    let cfg = match server::Config::from_env_and_args(
        |name| std::env::var(name).ok(),
        std::env::args().skip(1),
    ) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("ccai-server: {e}");
            std::process::exit(2);
        }
    };
    let db = cfg.db.clone();
    match server::Server::start(cfg).await {
        Ok(s) => {
            eprintln!(
                "ccai-server: listening on {} (state in {})",
                s.url(),
                db.masked()
            );
            // Runs until killed; the state file makes any stop safe.
            std::future::pending::<()>().await;
        }
        Err(e) => {
            eprintln!("ccai-server: {e}");
            std::process::exit(1);
        }
    }
}
