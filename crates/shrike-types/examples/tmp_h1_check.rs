use std::hint::black_box;
fn main() {
    let text = std::fs::read_to_string(std::env::args().nth(1).expect("path")).expect("read");
    let lines: Vec<&str> = text.lines().filter(|l| !l.is_empty()).collect();
    let mut best = f64::MAX;
    for _ in 0..7 {
        let w = shrike_types::clock::Stopwatch::start();
        for l in &lines { let e = shrike_types::parse::parse_event(black_box(l.as_bytes())); black_box(&e); }
        best = best.min(w.elapsed_nanos() as f64 / lines.len() as f64);
    }
    let mut skim = f64::MAX;
    for _ in 0..7 {
        let w = shrike_types::clock::Stopwatch::start();
        for l in &lines { let e = serde_json::from_slice::<serde::de::IgnoredAny>(black_box(l.as_bytes())); black_box(&e); }
        skim = skim.min(w.elapsed_nanos() as f64 / lines.len() as f64);
    }
    println!("{} events, avg {} bytes: parse {best:.1} ns/event, serde skim {skim:.1} ns/event", lines.len(), text.len() / lines.len());
}
