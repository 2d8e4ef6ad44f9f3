//! The model file: a saved model loads back identical, and bad files give errors that name
//! the field or the JSON position.

#![allow(clippy::unwrap_used)]

use shrike_model::import::lightgbm_text;
use shrike_model::synth::{Shape, random_ensemble, random_rows};
use shrike_model::train::{Dataset, Params, train};
use shrike_model::{Ensemble, Input, Model};

fn random_model() -> Model {
    let shape = Shape { trees: 5, depth: 3, inputs: 4, categorical: 1 };
    let ens = Ensemble::new(&random_ensemble(3, shape)).unwrap();
    let inputs = vec![
        Input::categorical("country", vec!["DE".into(), "FR".into(), "US".into()]),
        Input::numeric("amount"),
        Input::numeric("age"),
        Input::numeric("velocity"),
    ];
    Model::new(inputs, ens, "test").unwrap()
}

fn load_error(json: &str) -> String {
    Model::from_json(json.as_bytes()).unwrap_err().to_string()
}

#[test]
fn a_saved_model_loads_back_the_same() {
    let model = random_model();
    let json = model.to_json();
    let back = Model::from_json(json.as_bytes()).unwrap();
    assert_eq!(back.to_json(), json);
    assert_eq!(back.inputs(), model.inputs());
    let shape = Shape { trees: 5, depth: 3, inputs: 4, categorical: 1 };
    for row in random_rows(1, shape, 50, 0.2) {
        assert_eq!(back.score(&row).unwrap(), model.score(&row).unwrap());
    }
    let dir = std::env::temp_dir().join(format!("shrike-model-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("m.json");
    model.save(&path).unwrap();
    assert_eq!(Model::load(&path).unwrap().to_json(), json);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_trained_model_keeps_its_parameters_summary_and_histogram() {
    let rows = 2000;
    let x: Vec<f64> = (0..rows).map(|i| (i % 100) as f64).collect();
    let labels: Vec<bool> = (0..rows).map(|i| i % 100 > 90 || i % 7 == 0).collect();
    let data = Dataset::new(vec![Input::numeric("x")], vec![x], labels).unwrap();
    let p = Params { num_trees: 10, ..Params::default() };
    let trained = train(&p, &data, Some(&data), &mut |_| {}).unwrap();
    let model = Model::from_trained(data.inputs.clone(), &p, trained).unwrap();
    let back = Model::from_json(model.to_json().as_bytes()).unwrap();
    let info = back.training().unwrap();
    assert_eq!(info.params, p);
    assert_eq!(info.summary.trees, back.ensemble().num_trees());
    assert!(info.summary.valid_pr_auc.unwrap() > 0.5);
    assert_eq!(back.score_histogram().unwrap().total(), rows as u64);
}

#[test]
fn categories_map_through_the_dictionary() {
    let model = random_model();
    assert_eq!(model.category_code(0, "FR"), 1.0);
    assert_eq!(model.category_code(0, "JP"), -1.0, "unseen");
    assert_eq!(model.category_code(1, "FR"), -1.0, "numeric input");
    assert_eq!(model.input_index("age"), Some(2));
}

#[test]
fn bad_files_name_the_field() {
    let good = random_model().to_json();
    assert!(load_error(&good.replace("\"shrike-model\"", "\"other\"")).starts_with("format: "));
    assert!(load_error(&good.replace("\"format_version\":1", "\"format_version\":9")).starts_with("format_version: 9"));
    let e = load_error(&good.replace("\"format_version\":1", "\"format_version\":1,\"extra\":2"));
    assert!(e.starts_with("JSON at line 1") && e.contains("unknown field `extra`"), "{e}");
    let e = load_error(&good.replacen("\"right\":", "\"right\":9999,\"x\":", 1));
    assert!(e.contains("unknown field `x`"), "{e}");
    let e = load_error(&good.replacen("\"left\":1,", "\"left\":2,", 1));
    assert!(e.starts_with("ensemble.trees[0].nodes["), "{e}");
    let e = load_error(&good.replace("\"name\":\"age\"", "\"name\":\"amount\""));
    assert!(e.starts_with("inputs[2].name: `amount` appears twice"), "{e}");
    let e = load_error(&good.replacen("\"num_inputs\":4", "\"num_inputs\":3", 1));
    assert!(e.starts_with("ensemble.trees[") || e.starts_with("inputs:"), "{e}");
    assert!(load_error("{").starts_with("JSON at line 1"));
    assert!(load_error(&good[..good.len() / 2]).starts_with("JSON at line"));
}

#[test]
fn an_imported_model_saves_and_loads() {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/lgb_binary.txt")).unwrap();
    let model = Model::from_imported(lightgbm_text(&text).unwrap()).unwrap();
    assert_eq!(model.source(), "lightgbm v4");
    let back = Model::from_json(model.to_json().as_bytes()).unwrap();
    let row = [20.0, 100.0, 3.0, f64::NAN, 0.1, 0.0, 5.0, 3.0];
    assert_eq!(back.score(&row).unwrap(), model.score(&row).unwrap());
    assert_eq!(back.explain(&row).unwrap(), model.explain(&row).unwrap());
}

#[test]
fn infinite_thresholds_survive_the_file() {
    use shrike_model::{EnsembleSpec, NodeSpec, TreeSpec};
    let leaf = |value| NodeSpec::Leaf { value, cover: 1.0 };
    let split = NodeSpec::Numeric {
        input: 0,
        threshold: f64::INFINITY,
        default_left: false,
        zero_is_missing: false,
        left: 1,
        right: 2,
        cover: 2.0,
    };
    let spec = EnsembleSpec {
        num_inputs: 1,
        base_margin: 0.0,
        output_scale: 1.0,
        sigmoid: 1.0,
        sum_f32: false,
        trees: vec![TreeSpec { nodes: vec![split, leaf(-1.0), leaf(1.0)] }],
    };
    let model = Model::new(vec![Input::numeric("x")], Ensemble::new(&spec).unwrap(), "test").unwrap();
    let json = model.to_json();
    assert!(json.contains("\"threshold\":\"inf\""), "{json}");
    let back = Model::from_json(json.as_bytes()).unwrap();
    assert_eq!(back.score(&[1e300]).unwrap().margin, -1.0);
    assert_eq!(back.score(&[f64::NAN]).unwrap().margin, 1.0);
    assert!(load_error(&json.replace("\"inf\"", "\"big\"")).contains("threshold `big`"));
}
