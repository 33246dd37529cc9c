//! The intrinsic cost of `phone::normalise` (a plain parse) and of `phone::find` (libphonenumber's
//! matcher, what the frame runs on the page's texts, issue 17), natively: 1,000 numbers as the
//! busy-page benchmark writes them ("+34 612 34 56 01"), then national ones, then strings that are
//! not numbers, then messages with a number in a sentence.
//! `cargo run --release -p ccai-core --example phone_bench` (the workspace's release profile; the
//! extension's WASM is built with the same profile).

use std::time::Instant;

use ccai_core::phone;

const COUNTRIES: [&str; 2] = ["ES", "US"];

fn parsed(texts: &[String]) -> usize {
    texts
        .iter()
        .filter(|t| phone::normalise(t, &COUNTRIES).is_ok())
        .count()
}

fn found(texts: &[String]) -> usize {
    texts.iter().map(|t| phone::find(t, &COUNTRIES).len()).sum()
}

fn time(name: &str, texts: &[String], run: fn(&[String]) -> usize) {
    // One warm-up pass: the first parse builds libphonenumber's lazily compiled regexes.
    let _ = run(texts);
    let mut runs = Vec::new();
    let mut ok = 0;
    for _ in 0..7 {
        let t0 = Instant::now();
        ok = run(texts);
        runs.push(t0.elapsed().as_secs_f64() * 1000.0);
    }
    runs.sort_by(f64::total_cmp);
    println!(
        "{name:<31} {:>4} texts, {ok:>4} numbers: median {:.2} ms (min {:.2}, max {:.2}) = {:.1} µs each",
        texts.len(),
        runs[3],
        runs[0],
        runs[6],
        runs[3] * 1000.0 / texts.len() as f64
    );
}

fn main() {
    let international: Vec<String> = (0..1000)
        .map(|i| {
            let n = (101_000 + i).to_string();
            format!("+34 6{} {} {} 0{}", &n[0..2], &n[2..4], &n[4..6], i % 10)
        })
        .collect();
    let national: Vec<String> = (0..1000)
        .map(|i| format!("6{:02} {:03} {:03}", i % 100, i, 100 + i % 900))
        .collect();
    let not_numbers: Vec<String> = (0..1000)
        .map(|i| format!("2024-11-{:02}-{:04}", i % 28 + 1, i))
        .collect();
    let messages: Vec<String> = national
        .iter()
        .map(|n| format!("Hi, this is Ana from order 2024-11-25, call me back on {n} after 5 pm"))
        .collect();
    for (name, texts) in [
        ("international (+34 …)", &international),
        ("national (ES, then US)", &national),
        ("not numbers (dates)", &not_numbers),
        ("messages (a sentence)", &messages),
    ] {
        time(&format!("parse: {name}"), texts, parsed);
        time(&format!("find:  {name}"), texts, found);
    }
}
