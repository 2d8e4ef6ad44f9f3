//! LightGBM's text model format (`Booster.save_model`), binary objective only.
//!
//! Supported: numeric splits with `decision_type` bit 1 (default left) and bits 2–3 (missing
//! type None / Zero / NaN), categorical splits (`cat_boundaries` / `cat_threshold` bitsets),
//! single-leaf trees, `average_output` (random forest mode), `objective=binary sigmoid:S`.
//! Leaf values already include `shrinkage`; the initial score is folded into the first tree.
//! Not supported (an error names the line): multiclass, linear trees, other objectives.

use crate::error::ModelError;
use crate::import::Imported;
use crate::input::Input;
use crate::limits::{MAX_INPUTS, MAX_NODES_PER_TREE, MAX_TREES};
use crate::spec::{EnsembleSpec, NodeSpec, TreeSpec};

const CATEGORICAL_BIT: u32 = 1;
const DEFAULT_LEFT_BIT: u32 = 2;

/// Parses a LightGBM text model.
pub fn lightgbm_text(text: &str) -> Result<Imported, ModelError> {
    let mut lines = text.lines().enumerate().map(|(i, l)| (i + 1, l.trim_end()));
    let header = read_header(&mut lines)?;
    let mut trees = Vec::new();
    while let Some(block) = read_block(&mut lines)? {
        if trees.len() == MAX_TREES {
            return Err(ModelError::line(block.line, format!("more than {MAX_TREES} trees")));
        }
        trees.push(tree(&block, header.num_inputs)?);
    }
    let output_scale = if header.average && !trees.is_empty() { 1.0 / trees.len() as f64 } else { 1.0 };
    let inputs = header.inputs(&trees);
    let ensemble = EnsembleSpec {
        num_inputs: header.num_inputs,
        base_margin: 0.0,
        output_scale,
        sigmoid: header.sigmoid,
        sum_f32: false,
        trees,
    };
    Ok(Imported { inputs, ensemble, source: format!("lightgbm {}", header.version) })
}

type Lines<'a> = dyn Iterator<Item = (usize, &'a str)> + 'a;

struct Header {
    version: String,
    num_inputs: usize,
    names: Vec<String>,
    categorical_info: Vec<bool>,
    sigmoid: f64,
    average: bool,
}

impl Header {
    /// Inputs named from `feature_names`; categorical if LightGBM listed categories for it or
    /// a tree splits on it by category.
    fn inputs(&self, trees: &[TreeSpec]) -> Vec<Input> {
        let mut categorical = self.categorical_info.clone();
        for node in trees.iter().flat_map(|t| &t.nodes) {
            if let NodeSpec::Categorical { input, .. } = node {
                categorical[*input] = true;
            }
        }
        (0..self.num_inputs)
            .map(|i| {
                let name = self.names.get(i).cloned().unwrap_or_else(|| format!("Column_{i}"));
                if categorical[i] { Input::categorical(name, Vec::new()) } else { Input::numeric(name) }
            })
            .collect()
    }
}

fn read_header(lines: &mut Lines<'_>) -> Result<Header, ModelError> {
    let mut h = Header {
        version: String::new(),
        num_inputs: 0,
        names: Vec::new(),
        categorical_info: Vec::new(),
        sigmoid: 1.0,
        average: false,
    };
    let mut saw_objective = false;
    let mut last = 0;
    for (n, line) in &mut *lines {
        last = n;
        if line.is_empty() {
            if h.num_inputs > 0 {
                break;
            }
            continue;
        }
        let (key, value) = line.split_once('=').unwrap_or((line, ""));
        match key {
            "tree" if n == 1 => {}
            "version" => h.version = value.to_string(),
            "num_class" | "num_tree_per_iteration" if value != "1" => {
                return Err(ModelError::line(n, format!("{key}={value}: only binary models (1 class) are supported")));
            }
            "max_feature_idx" => {
                let max: usize = number(n, key, value)?;
                if max >= MAX_INPUTS {
                    return Err(ModelError::line(n, format!("{} features is more than {MAX_INPUTS}", max + 1)));
                }
                h.num_inputs = max + 1;
            }
            "objective" => {
                h.sigmoid = objective(n, value)?;
                saw_objective = true;
            }
            "feature_names" => h.names = value.split(' ').map(str::to_string).collect(),
            "feature_infos" => {
                h.categorical_info = value.split(' ').map(|i| !i.starts_with('[') && i != "none").collect()
            }
            "average_output" => h.average = true,
            _ => {}
        }
    }
    if h.num_inputs == 0 {
        return Err(ModelError::line(last, "no max_feature_idx in the header: not a LightGBM text model"));
    }
    if !saw_objective {
        return Err(ModelError::line(last, "no objective in the header"));
    }
    h.categorical_info.resize(h.num_inputs, false);
    Ok(h)
}

/// The sigmoid scale of `binary sigmoid:S`.
fn objective(n: usize, value: &str) -> Result<f64, ModelError> {
    let mut parts = value.split(' ');
    if parts.next() != Some("binary") {
        return Err(ModelError::line(n, format!("objective `{value}`: only `binary` is supported")));
    }
    let mut sigmoid = 1.0;
    for p in parts {
        if let Some(s) = p.strip_prefix("sigmoid:") {
            sigmoid = number(n, "sigmoid", s)?;
        }
    }
    Ok(sigmoid)
}

/// The `key=value` lines of one `Tree=` block, with the line each starts on.
struct Block<'a> {
    line: usize,
    fields: Vec<(usize, &'a str, &'a str)>,
}

impl Block<'_> {
    fn get(&self, key: &str) -> Option<(usize, &str)> {
        self.fields.iter().find(|(_, k, _)| *k == key).map(|&(n, _, v)| (n, v))
    }

    fn list<T: std::str::FromStr>(&self, key: &str, len: usize) -> Result<Vec<T>, ModelError> {
        let Some((n, value)) = self.get(key) else {
            return Err(ModelError::line(self.line, format!("tree has no `{key}`")));
        };
        let items: Vec<T> = value.split(' ').map(|v| number(n, key, v)).collect::<Result<_, _>>()?;
        if len != usize::MAX && items.len() != len {
            return Err(ModelError::line(n, format!("`{key}` has {} values, expected {len}", items.len())));
        }
        Ok(items)
    }
}

fn read_block<'a>(lines: &mut Lines<'a>) -> Result<Option<Block<'a>>, ModelError> {
    let mut block: Option<Block<'a>> = None;
    for (n, line) in &mut *lines {
        if line.is_empty() {
            if block.is_some() {
                break;
            }
            continue;
        }
        if line == "end of trees" {
            break;
        }
        let Some((key, value)) = line.split_once('=') else {
            return Err(ModelError::line(n, format!("expected `key=value`, found `{}`", trim(line))));
        };
        match &mut block {
            None if key == "Tree" => block = Some(Block { line: n, fields: Vec::new() }),
            None => return Err(ModelError::line(n, format!("expected `Tree=`, found `{key}=`"))),
            Some(b) => b.fields.push((n, key, value)),
        }
    }
    Ok(block)
}

fn tree(b: &Block<'_>, num_inputs: usize) -> Result<TreeSpec, ModelError> {
    let leaves: usize = b.get("num_leaves").map_or(Ok(0), |(n, v)| number(n, "num_leaves", v))?;
    if leaves == 0 || 2 * leaves > MAX_NODES_PER_TREE {
        return Err(ModelError::line(b.line, format!("num_leaves must be 1 to {}", MAX_NODES_PER_TREE / 2)));
    }
    if let Some((n, v)) = b.get("is_linear").filter(|(_, v)| *v != "0") {
        return Err(ModelError::line(n, format!("is_linear={v}: linear trees are not supported")));
    }
    let leaf_value: Vec<f64> = b.list("leaf_value", leaves)?;
    let leaf_count: Vec<f64> = b.list("leaf_count", leaves).unwrap_or_else(|_| vec![1.0; leaves]);
    if leaves == 1 {
        return Ok(TreeSpec { nodes: vec![NodeSpec::Leaf { value: leaf_value[0], cover: leaf_count[0] }] });
    }
    let splits = leaves - 1;
    let t = Splits {
        feature: b.list("split_feature", splits)?,
        threshold: b.list("threshold", splits)?,
        decision: b.list("decision_type", splits)?,
        left: b.list("left_child", splits)?,
        right: b.list("right_child", splits)?,
        count: b.list("internal_count", splits).unwrap_or_else(|_| vec![1.0; splits]),
        cat_boundaries: if b.get("cat_boundaries").is_some() { b.list("cat_boundaries", usize::MAX)? } else { vec![] },
        cat_threshold: if b.get("cat_threshold").is_some() { b.list("cat_threshold", usize::MAX)? } else { vec![] },
    };
    let mut nodes = Vec::with_capacity(2 * leaves - 1);
    for i in 0..splits {
        nodes.push(t.node(i, splits, num_inputs).map_err(|m| ModelError::line(b.line, format!("split {i}: {m}")))?);
    }
    nodes.extend(leaf_value.iter().zip(&leaf_count).map(|(&value, &cover)| NodeSpec::Leaf { value, cover }));
    Ok(TreeSpec { nodes })
}

struct Splits {
    feature: Vec<usize>,
    threshold: Vec<f64>,
    decision: Vec<u32>,
    left: Vec<i64>,
    right: Vec<i64>,
    count: Vec<f64>,
    cat_boundaries: Vec<usize>,
    cat_threshold: Vec<u32>,
}

impl Splits {
    /// Split `i` in portable form; leaves follow the `splits` internal nodes.
    fn node(&self, i: usize, splits: usize, num_inputs: usize) -> Result<NodeSpec, String> {
        let child = |c: i64| if c >= 0 { c as usize } else { splits + (!c) as usize };
        let (left, right, cover, input) = (child(self.left[i]), child(self.right[i]), self.count[i], self.feature[i]);
        if input >= num_inputs {
            return Err(format!("split_feature {input} is beyond max_feature_idx"));
        }
        let dt = self.decision[i];
        let threshold = self.threshold[i];
        if dt & CATEGORICAL_BIT != 0 {
            let categories = self.categories(threshold)?;
            // LightGBM sends NaN (and negative codes) right, whatever the default bit says.
            return Ok(NodeSpec::Categorical { input, categories, default_left: false, left, right, cover });
        }
        let (default_left, zero_is_missing) = match (dt >> 2) & 3 {
            // None: NaN is read as 0.0 and compared
            0 => (0.0 <= threshold, false),
            1 => (dt & DEFAULT_LEFT_BIT != 0, true),
            2 => (dt & DEFAULT_LEFT_BIT != 0, false),
            m => return Err(format!("decision_type {dt} has unknown missing type {m}")),
        };
        Ok(NodeSpec::Numeric { input, threshold, default_left, zero_is_missing, left, right, cover })
    }

    /// The category codes of bitset number `threshold`.
    fn categories(&self, threshold: f64) -> Result<Vec<u32>, String> {
        let idx = threshold as usize;
        let (Some(&start), Some(&end)) = (self.cat_boundaries.get(idx), self.cat_boundaries.get(idx + 1)) else {
            return Err(format!("category set {idx} is beyond cat_boundaries"));
        };
        let words = self.cat_threshold.get(start..end).ok_or_else(|| format!("cat_boundaries {start}..{end}"))?;
        let cats: Vec<u32> =
            (0..words.len() as u32 * 32).filter(|&c| words[(c / 32) as usize] >> (c % 32) & 1 == 1).collect();
        Ok(cats)
    }
}

fn number<T: std::str::FromStr>(line: usize, key: &str, value: &str) -> Result<T, ModelError> {
    value
        .trim()
        .parse()
        .map_err(|_| ModelError::line(line, format!("`{key}`: `{}` is not a valid number", trim(value))))
}

/// At most 40 characters of `s`, for messages.
fn trim(s: &str) -> String {
    s.chars().take(40).collect()
}
