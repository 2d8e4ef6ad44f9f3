//! Corrupt model files never panic: random byte edits of each fixture go through the
//! importers, the model loader, scoring and explaining, and either fail with an error or work.

#![allow(clippy::unwrap_used)]

use shrike_model::import::{lightgbm_text, xgboost_json};
use shrike_model::{Ensemble, Model};

/// Seeded edits: overwrite, delete or duplicate a few bytes, favouring digits and signs so
/// numbers change rather than the syntax only.
fn mutate(bytes: &[u8], seed: u64) -> Vec<u8> {
    let mut s = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut next = |n: usize| {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        (s % n as u64) as usize
    };
    let mut out = bytes.to_vec();
    for _ in 0..1 + next(4) {
        let at = next(out.len());
        match next(3) {
            0 => out[at] = b"0123456789-.e,[]\" 9"[next(19)],
            1 => {
                out.remove(at);
            }
            _ => {
                let end = (at + next(8)).min(out.len());
                let copy = out[at..end].to_vec();
                out.splice(at..at, copy);
            }
        }
    }
    out
}

fn exercise(ens: &Ensemble) {
    let row = vec![1.0; ens.num_inputs()];
    let nan = vec![f64::NAN; ens.num_inputs()];
    for r in [&row, &nan] {
        let s = ens.score(r).unwrap();
        let e = ens.explain(r).unwrap();
        assert!(s.margin.is_finite() || s.margin.is_infinite());
        assert_eq!(e.contributions.len(), ens.num_inputs());
    }
}

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

#[test]
fn corrupt_lightgbm_and_xgboost_files_never_panic() {
    let (lgb, xgb) = (fixture("lgb_zero_missing.txt"), fixture("xgb_numeric.json"));
    for seed in 0..300 {
        if let Ok(text) = String::from_utf8(mutate(&lgb, seed))
            && let Ok(imported) = lightgbm_text(&text)
            && let Ok(ens) = Ensemble::new(&imported.ensemble)
        {
            exercise(&ens);
        }
        if let Ok(imported) = xgboost_json(&mutate(&xgb, seed))
            && let Ok(ens) = Ensemble::new(&imported.ensemble)
        {
            exercise(&ens);
        }
    }
}

#[test]
fn corrupt_model_files_never_panic() {
    let text = String::from_utf8(fixture("lgb_zero_missing.txt")).unwrap();
    let json = Model::from_imported(lightgbm_text(&text).unwrap()).unwrap().to_json().into_bytes();
    for seed in 0..300 {
        if let Ok(model) = Model::from_json(&mutate(&json, seed)) {
            exercise(model.ensemble());
        }
    }
}
