//! XGBoost JSON models (`Booster.save_model("m.json")`), `gbtree` booster only.
//!
//! Objectives `binary:logistic` / `reg:logistic` (`base_score` is a probability: the base
//! margin is its logit) and `binary:logitraw` (`base_score` is the margin). XGBoost compares
//! `f32(x) < threshold` in single precision; each threshold `t` becomes the largest `f64` `d`
//! with `x <= d` exactly when `f32(x) < t` ([`f32_less_than`]), so scoring stays in `f64` and
//! agrees with XGBoost on every input. Categorical splits (`split_type` 1) send the listed
//! categories right in XGBoost; here the children are swapped so the set goes left.
//! Covers are `sum_hessian`. Not supported: `dart`, `gblinear`, multi-class, vector leaves.

use serde::Deserialize;

use crate::error::ModelError;
use crate::import::Imported;
use crate::input::Input;
use crate::limits::{MAX_INPUTS, MAX_NODES_PER_TREE, MAX_TREES};
use crate::spec::{EnsembleSpec, NodeSpec, TreeSpec};

#[derive(Deserialize)]
struct Doc {
    learner: Learner,
    #[serde(default)]
    version: Vec<u32>,
}

#[derive(Deserialize)]
struct Learner {
    #[serde(default)]
    feature_names: Vec<String>,
    #[serde(default)]
    feature_types: Vec<String>,
    gradient_booster: Booster,
    learner_model_param: LearnerParam,
    objective: Objective,
}

#[derive(Deserialize)]
struct LearnerParam {
    base_score: String,
    #[serde(default)]
    num_class: Option<String>,
    num_feature: String,
}

#[derive(Deserialize)]
struct Objective {
    name: String,
}

#[derive(Deserialize)]
struct Booster {
    name: String,
    model: Option<GbModel>,
}

#[derive(Deserialize)]
struct GbModel {
    trees: Vec<XTree>,
}

#[derive(Deserialize)]
struct XTree {
    left_children: Vec<i64>,
    right_children: Vec<i64>,
    split_indices: Vec<i64>,
    split_conditions: Vec<f32>,
    default_left: Vec<serde_json::Value>,
    sum_hessian: Vec<f64>,
    #[serde(default)]
    split_type: Vec<u8>,
    #[serde(default)]
    categories: Vec<u32>,
    #[serde(default)]
    categories_nodes: Vec<usize>,
    #[serde(default)]
    categories_segments: Vec<usize>,
    #[serde(default)]
    categories_sizes: Vec<usize>,
}

/// Parses an XGBoost JSON model.
pub fn xgboost_json(bytes: &[u8]) -> Result<Imported, ModelError> {
    let doc: Doc = serde_json::from_slice(bytes).map_err(|e| ModelError::json(&e))?;
    let l = doc.learner;
    if l.gradient_booster.name != "gbtree" {
        let msg = format!("booster `{}`: only `gbtree` is supported", l.gradient_booster.name);
        return Err(ModelError::invalid("learner.gradient_booster.name", msg));
    }
    if l.learner_model_param.num_class.as_deref().is_some_and(|c| c != "0" && c != "1") {
        return Err(ModelError::invalid("learner.learner_model_param.num_class", "only binary models are supported"));
    }
    let num_inputs = parse_num(&l.learner_model_param.num_feature, "learner.learner_model_param.num_feature")?;
    if num_inputs == 0 || num_inputs > MAX_INPUTS {
        return Err(ModelError::invalid(
            "learner.learner_model_param.num_feature",
            format!("must be 1 to {MAX_INPUTS}"),
        ));
    }
    let base_margin = base_margin(&l.learner_model_param.base_score, &l.objective.name)?;
    let model =
        l.gradient_booster.model.ok_or_else(|| ModelError::invalid("learner.gradient_booster.model", "missing"))?;
    if model.trees.len() > MAX_TREES {
        return Err(ModelError::invalid("learner.gradient_booster.model.trees", format!("more than {MAX_TREES}")));
    }
    let trees = model.trees.iter().enumerate().map(|(t, x)| tree(t, x)).collect::<Result<Vec<_>, _>>()?;
    let inputs = (0..num_inputs)
        .map(|i| {
            let name = l.feature_names.get(i).cloned().unwrap_or_else(|| format!("f{i}"));
            if l.feature_types.get(i).is_some_and(|t| t == "c") {
                Input::categorical(name, Vec::new())
            } else {
                Input::numeric(name)
            }
        })
        .collect();
    let version = doc.version.iter().map(u32::to_string).collect::<Vec<_>>().join(".");
    let ensemble = EnsembleSpec { num_inputs, base_margin, output_scale: 1.0, sigmoid: 1.0, sum_f32: true, trees };
    Ok(Imported { inputs, ensemble, source: format!("xgboost {version}") })
}

fn parse_num(s: &str, field: &str) -> Result<usize, ModelError> {
    s.parse().map_err(|_| ModelError::invalid(field, format!("`{s}` is not a whole number")))
}

/// The base margin from `base_score` (`"5E-1"`, or `"[5E-1]"` since XGBoost 3).
fn base_margin(score: &str, objective: &str) -> Result<f64, ModelError> {
    let field = "learner.learner_model_param.base_score";
    let inner = score.trim().trim_start_matches('[').trim_end_matches(']');
    let p: f32 = inner.parse().map_err(|_| ModelError::invalid(field, format!("`{score}` is not a number")))?;
    let p = f64::from(p);
    match objective {
        "binary:logistic" | "reg:logistic" => {
            if !(p > 0.0 && p < 1.0) {
                return Err(ModelError::invalid(field, format!("{p} is not a probability in (0, 1)")));
            }
            // in f32 like XGBoost's ProbToMargin, so the base margin is the same bits
            let p = p as f32;
            Ok(f64::from(-(1.0f32 / p - 1.0f32).ln()))
        }
        "binary:logitraw" => Ok(p),
        other => Err(ModelError::invalid("learner.objective.name", format!("`{other}`: only binary objectives"))),
    }
}

fn tree(t: usize, x: &XTree) -> Result<TreeSpec, ModelError> {
    let field = |f: &str| format!("learner.gradient_booster.model.trees[{t}].{f}");
    let n = x.left_children.len();
    if n == 0 || n > MAX_NODES_PER_TREE {
        return Err(ModelError::invalid(
            field("left_children"),
            format!("a tree needs 1 to {MAX_NODES_PER_TREE} nodes"),
        ));
    }
    for (name, len) in [
        ("right_children", x.right_children.len()),
        ("split_indices", x.split_indices.len()),
        ("split_conditions", x.split_conditions.len()),
        ("default_left", x.default_left.len()),
        ("sum_hessian", x.sum_hessian.len()),
    ] {
        if len != n {
            return Err(ModelError::invalid(field(name), format!("{len} entries for {n} nodes")));
        }
    }
    let cats = categories_by_node(x, n).map_err(|m| ModelError::invalid(field("categories_segments"), m))?;
    let nodes: Result<Vec<_>, _> =
        (0..n).map(|i| node(x, i, &cats).map_err(|m| ModelError::invalid(field(m.0), m.1))).collect();
    Ok(TreeSpec { nodes: nodes? })
}

/// For each node, its category list when it is a categorical split.
fn categories_by_node(x: &XTree, n: usize) -> Result<Vec<Option<Vec<u32>>>, String> {
    let mut out = vec![None; n];
    let lists = x.categories_nodes.iter().zip(&x.categories_segments).zip(&x.categories_sizes);
    for ((&node, &start), &size) in lists {
        let end = start.checked_add(size).ok_or_else(|| format!("{start}+{size} overflows"))?;
        let cats = x.categories.get(start..end).ok_or_else(|| format!("{start}+{size} beyond categories"))?;
        *out.get_mut(node).ok_or_else(|| format!("categories_nodes {node} beyond the tree"))? = Some(cats.to_vec());
    }
    Ok(out)
}

fn node(x: &XTree, i: usize, cats: &[Option<Vec<u32>>]) -> Result<NodeSpec, (&'static str, String)> {
    let cover = x.sum_hessian[i];
    let (l, r) = (x.left_children[i], x.right_children[i]);
    if l == -1 {
        return Ok(NodeSpec::Leaf { value: f64::from(x.split_conditions[i]), cover });
    }
    let n = x.left_children.len() as i64;
    if !(0..n).contains(&l) || !(0..n).contains(&r) {
        return Err(("left_children", format!("node {i}: children {l}, {r} outside the tree")));
    }
    let input = usize::try_from(x.split_indices[i]).map_err(|_| ("split_indices", format!("node {i}: negative")))?;
    let default_left = truthy(&x.default_left[i]).ok_or(("default_left", format!("node {i}: not 0, 1 or a bool")))?;
    let (left, right) = (l as usize, r as usize);
    if x.split_type.get(i).copied().unwrap_or(0) == 1 {
        let categories =
            cats[i].clone().ok_or(("categories_nodes", format!("node {i}: categorical, no categories")))?;
        // XGBoost sends the listed categories right: swap so the set goes left
        return Ok(NodeSpec::Categorical {
            input,
            categories,
            default_left: !default_left,
            left: right,
            right: left,
            cover,
        });
    }
    let threshold = f32_less_than(x.split_conditions[i]);
    Ok(NodeSpec::Numeric { input, threshold, default_left, zero_is_missing: false, left, right, cover })
}

fn truthy(v: &serde_json::Value) -> Option<bool> {
    match v {
        serde_json::Value::Bool(b) => Some(*b),
        serde_json::Value::Number(n) => n.as_u64().filter(|&n| n <= 1).map(|n| n == 1),
        _ => None,
    }
}

/// The largest `d` such that `x <= d` iff `(x as f32) < t`, for every `f64` `x` (rounding to
/// `f32` is monotone, so such a `d` exists): just below the midpoint between `t` and the
/// `f32` before it, or the midpoint itself when it rounds down (ties go to the even one).
/// `t = -inf` keeps `-inf` (only `x = -inf` then differs from XGBoost, which sends it right).
pub(crate) fn f32_less_than(t: f32) -> f64 {
    if t.is_nan() || t == f32::NEG_INFINITY {
        return f64::from(t);
    }
    let below = t.next_down();
    // the f32 before -f32::MAX is -inf; the rounding boundary is then at -2^128
    let below = if below == f32::NEG_INFINITY { -(2f64.powi(128)) } else { f64::from(below) };
    // likewise, +inf is reached from f32::MAX at 2^128
    let upper = if t == f32::INFINITY { 2f64.powi(128) } else { f64::from(t) };
    let mid = (below + upper) / 2.0; // exact: f32 values have 24-bit mantissas
    if (mid as f32) < t { mid } else { mid.next_down() }
}

#[cfg(test)]
mod tests {
    use super::f32_less_than;

    fn check(t: f32, x: f64) {
        let d = f32_less_than(t);
        assert_eq!((x as f32) < t, x <= d, "t={t:e} x={x:e} d={d:e}");
    }

    #[test]
    fn f64_threshold_agrees_with_f32_comparison() {
        let ts = [0.5f32, 1.0, -1.0, 3.0, 1e-45, -1e-45, 0.0, 0.1, 123.456, f32::MAX, -f32::MAX, f32::INFINITY];
        for &t in &ts {
            let d = f32_less_than(t);
            for x in [d, d.next_up(), d.next_down(), f64::from(t), f64::from(t).next_down(), f64::from(t).next_up()] {
                check(t, x);
            }
        }
        let mut s = 0x1234_5678_u64;
        for _ in 0..20_000 {
            s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            let t = f32::from_bits((s >> 32) as u32);
            if !t.is_finite() {
                continue;
            }
            let d = f32_less_than(t);
            for x in [d, d.next_up(), d.next_down(), f64::from(t)] {
                check(t, x);
            }
        }
    }
}
