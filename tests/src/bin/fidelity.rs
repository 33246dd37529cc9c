//! Adds up the fidelity ledgers the sandboxes of a run left (issue 16) and prints every request to a
//! route API-NOTES.md does not document. `--out FILE` merges `api_undocumented_calls` into that JSON
//! (the bench's `target/bench.json`); `--enforce` exits 1 when there is any.

use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let enforce = args.iter().any(|a| a == "--enforce");
    let out = args
        .iter()
        .position(|a| a == "--out")
        .and_then(|i| args.get(i + 1));
    let (documented, undocumented) = e2e::fidelity::sum();
    let total: u64 = undocumented.values().sum();
    println!("vendor requests by the product: {documented} documented, {total} not documented");
    for (what, count) in &undocumented {
        println!("  {count:>6}  {what}");
    }
    if let Some(path) = out {
        let mut figures: serde_json::Map<String, serde_json::Value> = std::fs::read_to_string(path)
            .ok()
            .and_then(|t| serde_json::from_str(&t).ok())
            .unwrap_or_default();
        figures.insert("api_undocumented_calls".into(), total.into());
        let written = serde_json::to_string_pretty(&figures)
            .map_err(|e| e.to_string())
            .and_then(|text| std::fs::write(path, text).map_err(|e| e.to_string()));
        if let Err(e) = written {
            eprintln!("fidelity: could not write {path}: {e}");
            return ExitCode::FAILURE;
        }
    }
    if enforce && total > 0 {
        eprintln!("fidelity: {total} requests to routes API-NOTES.md does not document");
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}
