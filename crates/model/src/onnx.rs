//! ONNX models (`.onnx` files: scikit-learn models through skl2onnx, small neural nets…), run by the Rust inference
//! engine [tract](https://github.com/sonos/tract), offline. Supported are the operators tract implements: the
//! standard ONNX operators (tract is tested against operator sets 9 to 18) and, of ONNX-ML, `LinearClassifier`,
//! `LinearRegressor`, `TreeEnsembleClassifier` (not `TreeEnsembleRegressor`), `Normalizer` and `CategoryMapper`;
//! loading names the first operator it cannot run. Tensor data stored outside the file (ONNX external data) is
//! refused. A binary `TreeEnsembleClassifier` with a single base value (skl2onnx's `GradientBoostingClassifier`),
//! which tract would refuse, is read as onnxruntime reads it.
//!
//! **Inputs.** Either one 2-D float (`float` or `double`) input `[N, F]` whose feature count `F` is fixed in the
//! file, or one `[N, 1]` float input per feature. Whatever the file declares for the batch dimension `N`, the model
//! is planned once with a symbolic batch, so one row and many rows go through the same plan (loading checks that
//! the graph runs on two rows).
//!
//! **Feature names.** With one input per feature, the input names, in the graph's order. With a single input,
//! the model's `metadata_props` entry `feature_names`, comma-separated (one name per feature), if there is one
//! (`onnx.helper.set_model_props(model, {"feature_names": ",".join(names)})`); otherwise none.
//!
//! **Output and objective.** The output read is the first float output whose name contains `prob` (any case:
//! skl2onnx's `probabilities`), else the first float output; the others (class labels…) are not computed. It
//! must be `[N]`, `[N, 1]` or `[N, 2]`:
//! - `[N, 2]` (class probabilities of a binary classifier, e.g. skl2onnx with `zipmap=False`):
//!   [`Objective::Probability`], the prediction is column 1, the probability of the positive class;
//! - `[N]` or `[N, 1]`: [`Objective::Probability`] if the output's name contains `prob` or the operator computing
//!   it (looking through `Identity`, `Cast` and reshaping operators) is `Sigmoid`, a neural net's logistic
//!   output; otherwise [`Objective::Regression`] (`LinearRegressor`, a linear layer…);
//! - more columns: refused (`a multi-class model (3 classes) is not supported`).
//!
//! Probabilities come straight from the model ([`predict`](Predictor::predict) is not `sigmoid(margin)`); the
//! margin of a probability `p` is its log-odds `ln(p / (1 − p))`, with `p` first clamped to
//! `[1e-15, 1 − 1e-15]` so that it is finite.
//!
//! **Missing values.** A NaN feature is passed to the model as a float NaN: tree ensembles route it as ONNX says
//! (the missing-value branch where `nodes_missing_value_tracks_true` is set, else the comparison's false
//! branch). Other operators get it as it is, and tract's arithmetic does not always carry it through as
//! onnxruntime's does (NaN out): its `Relu` and `Sigmoid` clamp with min/max, so a NaN reaching them comes out as
//! 0 or about 4e-7. Impute missing values before a model with no missing-value handling of its own (linear
//! models, neural nets). A row shorter than the feature count reads its missing trailing features as NaN;
//! extra values are ignored.
//!
//! **Precision.** ONNX models compute in float32 (inputs are rounded to float32 for a `float` input), as
//! onnxruntime does; tract's results match onnxruntime's to about 1e-7 (`tests/onnx_parity.rs`).
//!
//! **Explanations.** An ONNX model is a black box, so [`contributions`](Predictor::contributions) are Shapley
//! values of the margin against a *baseline* row (all zeros unless [`OnnxModel::with_baseline`] sets another,
//! e.g. the training means or medians): feature `i`'s share of `margin(row) − margin(baseline)`, a feature
//! being "absent" when it takes its baseline value. With up to 10 features they are exact (every subset of
//! features evaluated, `2^F − 2` rows); with more they are estimated by permutation sampling: 8 random
//! permutations of the features and their reverses (antithetic pairs), from a fixed seed, so the same row always
//! gets the same values (`16 (F − 1)` rows). Either way those rows are scored in one batched run, the row's own
//! margin is [`predict_margin`](Predictor::predict_margin)'s and the baseline's is kept from when it was set, so
//! the last element (the bias) is `margin(baseline)` and the contributions sum to the margin (to rounding).
//! Unlike TreeSHAP they depend on the baseline, and beyond 10 features they are estimates.
//!
//! **Speed** (release build, `tests/onnx_parity.rs`'s ignored `timing`). A call runs the plan: about 4 µs for one
//! row of the logistic fixture, 14 µs for the small neural net. tract's `TreeEnsembleClassifier` walks the leaf
//! table from its start for every tree it evaluates, so its cost per row grows with trees × leaves: the 30-tree,
//! depth-4 fixture takes about 0.2 ms a row, batched or not, and an exact explanation of its 10 features (1022
//! rows) about 0.2 s.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;

use tract_onnx::pb;
use tract_onnx::prelude::*;

use crate::train::SplitMix64;
use crate::{ModelError, Objective, Predictor};

const FORMAT: &str = "onnx";
/// Up to this many features, contributions are exact Shapley values.
const EXACT_MAX_FEATURES: usize = 10;
/// Beyond [`EXACT_MAX_FEATURES`], contributions average this many permutations and their reverses.
const PERMUTATION_PAIRS: usize = 8;
const SEED: u64 = 0x6c65_6164_736d_6974;
/// Probabilities are clamped to `[P_MIN, 1 − P_MIN]` before taking their log-odds.
const P_MIN: f64 = 1e-15;
/// Operators that only move or relabel values, looked through when finding what computes the output.
const PASS_THROUGH: [&str; 6] = ["Identity", "Cast", "Reshape", "Flatten", "Squeeze", "Unsqueeze"];

/// A loaded ONNX model, planned once for any number of rows; see the [module documentation](self).
pub struct OnnxModel {
    plan: Arc<TypedRunnableModel>,
    /// The element type of each model input: one input `[N, F]`, or one `[N, 1]` per feature.
    inputs: Vec<DatumType>,
    num_features: usize,
    feature_names: Option<Vec<String>>,
    output_name: String,
    /// 1 or 2; each row's prediction is its last column.
    columns: usize,
    objective: Objective,
    baseline: Vec<f64>,
    baseline_margin: f64,
    /// Up to this many features contributions are exact (a field so tests can try the sampled estimate).
    exact_max_features: usize,
}

impl std::fmt::Debug for OnnxModel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OnnxModel")
            .field("num_features", &self.num_features)
            .field("feature_names", &self.feature_names)
            .field("output_name", &self.output_name)
            .field("objective", &self.objective)
            .field("baseline", &self.baseline)
            .finish_non_exhaustive()
    }
}

fn parse_error(at: impl Into<String>, message: impl Into<String>) -> ModelError {
    ModelError::Parse { format: FORMAT, at: at.into(), message: message.into() }
}

fn unsupported(message: impl Into<String>) -> ModelError {
    ModelError::Unsupported { format: FORMAT, message: message.into() }
}

fn run_error(message: impl Into<String>) -> ModelError {
    ModelError::Run { format: FORMAT, message: message.into() }
}

/// A panic's message, for panics caught inside tract.
fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    match (panic.downcast_ref::<&str>(), panic.downcast_ref::<String>()) {
        (Some(s), _) => format!("tract panicked: {s}"),
        (_, Some(s)) => format!("tract panicked: {s}"),
        _ => "tract panicked".to_string(),
    }
}

/// A graph input or output as the file declares it.
struct Declared<'a> {
    name: &'a str,
    elem_type: i32,
    /// Each dimension's fixed size, `None` for a symbolic or unknown one; `None` without a declared shape.
    dims: Option<Vec<Option<i64>>>,
}

impl<'a> Declared<'a> {
    fn of(info: &'a pb::ValueInfoProto) -> Self {
        // `TensorType` is the only kind of type this version of the protobuf schema knows.
        let tensor = info.r#type.as_ref().and_then(|t| t.value.as_ref()).map(|pb::type_proto::Value::TensorType(t)| t);
        let dims = tensor.and_then(|t| t.shape.as_ref()).map(|shape| {
            shape
                .dim
                .iter()
                .map(|d| match d.value {
                    Some(pb::tensor_shape_proto::dimension::Value::DimValue(v)) => Some(v),
                    _ => None,
                })
                .collect()
        });
        Declared { name: &info.name, elem_type: tensor.map_or(0, |t| t.elem_type), dims }
    }

    fn float_type(&self) -> Option<DatumType> {
        use pb::tensor_proto::DataType;
        match DataType::try_from(self.elem_type) {
            Ok(DataType::Float) => Some(DatumType::F32),
            Ok(DataType::Double) => Some(DatumType::F64),
            _ => None,
        }
    }

    fn type_name(&self) -> String {
        pb::tensor_proto::DataType::try_from(self.elem_type)
            .map_or_else(|_| format!("type {}", self.elem_type), |t| t.as_str_name().to_ascii_lowercase())
    }

    fn shape(&self) -> String {
        match &self.dims {
            None => "an undeclared shape".into(),
            Some(dims) => {
                let dims: Vec<String> = dims.iter().map(|d| d.map_or("?".into(), |v| v.to_string())).collect();
                format!("shape [{}]", dims.join(", "))
            }
        }
    }
}

/// What the model's inputs say: each input's element type, the feature count, the feature names if known.
struct InputLayout {
    types: Vec<DatumType>,
    num_features: usize,
    names: Option<Vec<String>>,
}

impl OnnxModel {
    /// Loads a model from the bytes of an `.onnx` file. Errors say what is wrong with the file or which part of
    /// it is not supported (an operator, an input layout, a multi-class output); malformed files never panic.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, ModelError> {
        if bytes.is_empty() {
            return Err(parse_error("(file)", "the file is empty"));
        }
        // tract is meant to return errors, but it runs arbitrary graphs: a panic in it is an error here too.
        catch_unwind(AssertUnwindSafe(|| Self::build(bytes)))
            .unwrap_or_else(|panic| Err(parse_error("(model)", panic_message(panic.as_ref()))))
    }

    /// Reads an `.onnx` file.
    pub fn from_path(path: &std::path::Path) -> Result<Self, ModelError> {
        let bytes =
            std::fs::read(path).map_err(|source| ModelError::Io { path: path.display().to_string(), source })?;
        Self::from_bytes(&bytes)
    }

    fn build(bytes: &[u8]) -> Result<Self, ModelError> {
        let mut proto = decode(bytes)
            .map_err(|e| parse_error("(file)", format!("not an ONNX model (protobuf decoding failed: {e:#})")))?;
        if let Some(graph) = &mut proto.graph {
            pad_binary_base_values(graph);
        }
        let onnx = tract_onnx::onnx();
        let graph = proto.graph.as_ref().ok_or_else(|| parse_error("graph", "the model has no graph"))?;
        if graph.output.is_empty() {
            return Err(parse_error("graph.output", "the graph has no outputs"));
        }

        for node in &graph.node {
            if !onnx.op_register.0.contains_key(&node.op_type) {
                let domain = if node.domain.is_empty() { "ai.onnx" } else { &node.domain };
                return Err(unsupported(format!("operator `{}` ({domain}, node `{}`)", node.op_type, node.name)));
            }
        }

        // Graph inputs with an initializer are constants, not model inputs.
        let inputs: Vec<Declared> = graph
            .input
            .iter()
            .filter(|input| !graph.initializer.iter().any(|init| init.name == input.name))
            .map(Declared::of)
            .collect();
        let InputLayout { types: input_types, num_features, names: feature_names } =
            Self::input_layout(&proto, &inputs)?;

        let output_name = Self::choose_output(graph)?;

        let mut model = onnx
            .model_for_proto_model(&proto)
            .map_err(|e| parse_error("graph", format!("cannot build the graph: {e:#}")))?;
        let batch = model.sym("N");
        let width = if inputs.len() == 1 { num_features } else { 1 };
        for (i, dt) in input_types.iter().enumerate() {
            let fact = InferenceFact::dt_shape(*dt, [TDim::Sym(batch.clone()), width.to_dim()]);
            model.set_input_fact(i, fact).map_err(|e| parse_error("graph.input", format!("{e:#}")))?;
        }
        model
            .select_outputs_by_name([output_name.as_str()])
            .map_err(|e| parse_error("graph.output", format!("{e:#}")))?;
        let model = model
            .into_optimized()
            .map_err(|e| parse_error("graph", format!("cannot analyse and optimise the graph: {e:#}")))?;

        let shape = model.output_fact(0).map_err(|e| parse_error("graph.output", format!("{e:#}")))?.shape.clone();
        let columns = match shape.dims() {
            [_] => 1,
            [_, c] => match c.as_i64() {
                Some(c @ (1 | 2)) => c as usize,
                Some(c) if c > 2 => return Err(unsupported(format!("a multi-class model ({c} classes)"))),
                _ => return Err(unsupported(format!("output `{output_name}` of shape {shape:?}"))),
            },
            _ => {
                return Err(unsupported(format!(
                    "output `{output_name}` of shape {shape:?} (expected [N], [N, 1] or [N, 2])"
                )));
            }
        };
        let objective = if columns == 2 || is_probability_name(&output_name) || computed_by_sigmoid(graph, &output_name)
        {
            Objective::Probability
        } else {
            Objective::Regression
        };

        let plan = model.into_runnable().map_err(|e| parse_error("graph", format!("cannot plan the graph: {e:#}")))?;
        let mut loaded = OnnxModel {
            plan,
            inputs: input_types,
            num_features,
            feature_names,
            output_name,
            columns,
            objective,
            baseline: vec![0.0; num_features],
            baseline_margin: f64::NAN,
            exact_max_features: EXACT_MAX_FEATURES,
        };
        // A first run, on two rows so that batching is checked too: a graph tract loads but cannot run fails here.
        let zeros = vec![0.0; 2 * num_features];
        let out = loaded
            .predict_batch(&zeros)
            .map_err(|e| parse_error("graph", format!("the model does not run on two rows of zeros: {e}")))?;
        loaded.baseline_margin = loaded.margin_of(out[0]);
        Ok(loaded)
    }

    /// The input element types, the feature count and the feature names, from the declared inputs.
    fn input_layout(proto: &pb::ModelProto, inputs: &[Declared]) -> Result<InputLayout, ModelError> {
        let types = inputs
            .iter()
            .map(|input| {
                input.float_type().ok_or_else(|| {
                    unsupported(format!(
                        "input `{}` of type {} (inputs must be float or double)",
                        input.name,
                        input.type_name()
                    ))
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        match inputs {
            [] => Err(parse_error("graph.input", "the graph has no inputs")),
            [input] => {
                let num_features = match input.dims.as_deref() {
                    Some([_, Some(f)]) if *f > 0 => *f as usize,
                    Some([_, _]) => {
                        return Err(unsupported(format!(
                            "input `{}` of {}, without a fixed feature count (dimension 1; export the model \
                             with a fixed number of features)",
                            input.name,
                            input.shape()
                        )));
                    }
                    _ => {
                        return Err(unsupported(format!(
                            "input `{}` of {} (expected [N, features])",
                            input.name,
                            input.shape()
                        )));
                    }
                };
                let names = proto
                    .metadata_props
                    .iter()
                    .find(|p| p.key == "feature_names")
                    .map(|p| p.value.split(',').map(|name| name.trim().to_string()).collect::<Vec<_>>());
                if let Some(names) = &names
                    && names.len() != num_features
                {
                    return Err(parse_error(
                        "metadata_props.feature_names",
                        format!("{} names for {num_features} features", names.len()),
                    ));
                }
                Ok(InputLayout { types, num_features, names })
            }
            inputs => {
                if let Some(input) = inputs.iter().find(|i| !matches!(i.dims.as_deref(), Some([_, Some(1)]))) {
                    return Err(unsupported(format!(
                        "input `{}` of {} among several inputs (a model with several inputs needs one [N, 1] \
                         input per feature)",
                        input.name,
                        input.shape()
                    )));
                }
                let names = inputs.iter().map(|i| i.name.to_string()).collect();
                Ok(InputLayout { types, num_features: inputs.len(), names: Some(names) })
            }
        }
    }

    /// The output to read: the first float output named like a probability, else the first float output.
    fn choose_output(graph: &pb::GraphProto) -> Result<String, ModelError> {
        let outputs: Vec<Declared> = graph.output.iter().map(Declared::of).collect();
        let is_float = |o: &Declared| o.float_type().is_some();
        let chosen = outputs
            .iter()
            .position(|o| is_float(o) && is_probability_name(o.name))
            .or_else(|| outputs.iter().position(is_float));
        match chosen {
            Some(i) => Ok(outputs[i].name.to_string()),
            None => {
                let list: Vec<String> = outputs.iter().map(|o| format!("`{}` ({})", o.name, o.type_name())).collect();
                Err(unsupported(format!("a model without a float output (outputs: {})", list.join(", "))))
            }
        }
    }

    /// The same model explaining against another baseline row (one value per feature; NaN = missing).
    pub fn with_baseline(mut self, baseline: Vec<f64>) -> Result<Self, ModelError> {
        if baseline.len() != self.num_features {
            return Err(run_error(format!(
                "the baseline has {} values, expected {} (one per feature)",
                baseline.len(),
                self.num_features
            )));
        }
        let out = self.predict_batch(&baseline)?;
        self.baseline_margin = self.margin_of(out[0]);
        self.baseline = baseline;
        Ok(self)
    }

    /// The row contributions are measured against.
    pub fn baseline(&self) -> &[f64] {
        &self.baseline
    }

    /// The name of the model output that is read.
    pub fn output_name(&self) -> &str {
        &self.output_name
    }

    /// The outputs (probabilities for classifiers, values for regressors) of many rows in one run of the model.
    /// `rows` holds the rows one after the other, [`num_features`](Predictor::num_features) values each.
    pub fn predict_batch(&self, rows: &[f64]) -> Result<Vec<f64>, ModelError> {
        let n = self.num_features;
        if !rows.len().is_multiple_of(n) {
            return Err(run_error(format!("{} values are not a whole number of rows of {n} features", rows.len())));
        }
        self.run(rows.len() / n, |r, j| rows[r * n + j])
    }

    /// [`predict_margin`](Predictor::predict_margin) for many rows in one run, laid out as for
    /// [`predict_batch`](Self::predict_batch).
    pub fn predict_margin_batch(&self, rows: &[f64]) -> Result<Vec<f64>, ModelError> {
        let mut out = self.predict_batch(rows)?;
        for v in &mut out {
            *v = self.margin_of(*v);
        }
        Ok(out)
    }

    /// Runs the model on `rows` rows whose cell `(r, j)` is `value(r, j)`, returning each row's prediction.
    fn run(&self, rows: usize, value: impl Fn(usize, usize) -> f64) -> Result<Vec<f64>, ModelError> {
        if rows == 0 {
            return Ok(Vec::new());
        }
        let n = self.num_features;
        let inputs = if let [dt] = self.inputs[..] {
            let cells = (0..rows).flat_map(|r| (0..n).map(move |j| (r, j)));
            tvec![input_tensor(dt, rows, n, cells.map(|(r, j)| value(r, j)))?]
        } else {
            self.inputs
                .iter()
                .enumerate()
                .map(|(j, &dt)| input_tensor(dt, rows, 1, (0..rows).map(|r| value(r, j))))
                .collect::<Result<_, _>>()?
        };
        let outputs = catch_unwind(AssertUnwindSafe(|| self.plan.run(inputs)))
            .map_err(|panic| run_error(panic_message(panic.as_ref())))?
            .map_err(|e| run_error(format!("running the model: {e:#}")))?;
        let output = outputs.first().ok_or_else(|| run_error("the model returned no output"))?;
        let output = output.cast_to::<f64>().map_err(|e| run_error(format!("reading the output: {e:#}")))?;
        let view = output.try_as_plain_ram().map_err(|e| run_error(format!("reading the output: {e:#}")))?;
        let values = view.as_slice::<f64>().map_err(|e| run_error(format!("reading the output: {e:#}")))?;
        if values.len() != rows * self.columns {
            return Err(run_error(format!(
                "the output `{}` has {} values for {rows} rows, expected {}",
                self.output_name,
                values.len(),
                rows * self.columns
            )));
        }
        Ok(values.chunks_exact(self.columns).map(|row| row[self.columns - 1]).collect())
    }

    /// One row's prediction; NaN if the model fails (which loading checked it does not on a row of zeros).
    fn output_of(&self, row: &[f64]) -> f64 {
        self.run(1, |_, j| row.get(j).copied().unwrap_or(f64::NAN)).map_or(f64::NAN, |out| out[0])
    }

    /// The margin of a prediction: log-odds of a (clamped) probability, or the regressed value itself.
    fn margin_of(&self, prediction: f64) -> f64 {
        match self.objective {
            Objective::Probability => {
                let p = prediction.clamp(P_MIN, 1.0 - P_MIN);
                (p / (1.0 - p)).ln()
            }
            Objective::Regression => prediction,
        }
    }

    /// Shapley values of `row` against the baseline; `v_empty`, `v_full` are the margins of the baseline and the
    /// row. Exact by enumerating every coalition, or sampled by permutations, per the module documentation.
    fn shapley(&self, row: &[f64], v_empty: f64, v_full: f64) -> Result<Vec<f64>, ModelError> {
        let n = self.num_features;
        let value = |present: bool, j: usize| if present { row[j] } else { self.baseline[j] };
        let mut phi = vec![0.0; n];
        if n <= self.exact_max_features {
            // Coalition `mask` (bit j = feature j takes the row's value); rows for masks 1..full−1.
            let full = (1usize << n) - 1;
            let inner = self.run(full.saturating_sub(1), |r, j| value((r + 1) >> j & 1 == 1, j))?;
            let v = |mask: usize| match mask {
                0 => v_empty,
                m if m == full => v_full,
                m => self.margin_of(inner[m - 1]),
            };
            let values: Vec<f64> = (0..=full).map(v).collect();
            // Weight of a coalition of s others: s! (n − 1 − s)! / n! = 1 / (n · C(n − 1, s)).
            let mut weight = vec![0.0; n];
            let mut binomial = 1.0;
            for (s, w) in weight.iter_mut().enumerate() {
                *w = 1.0 / (n as f64 * binomial);
                binomial = binomial * (n - 1 - s) as f64 / (s + 1) as f64;
            }
            for (i, phi_i) in phi.iter_mut().enumerate() {
                let bit = 1 << i;
                *phi_i = (0..=full)
                    .filter(|mask| mask & bit == 0)
                    .map(|mask| weight[mask.count_ones() as usize] * (values[mask | bit] - values[mask]))
                    .sum();
            }
        } else {
            let mut rng = SplitMix64::new(SEED);
            let mut orders = Vec::with_capacity(2 * PERMUTATION_PAIRS);
            for _ in 0..PERMUTATION_PAIRS {
                let mut order: Vec<usize> = (0..n).collect();
                rng.shuffle(&mut order);
                let reverse = order.iter().rev().copied().collect();
                orders.push(order);
                orders.push(reverse);
            }
            // position[p][j]: where feature j comes in order p. Row k of order p holds its first k + 1 features
            // (k < n − 1: the full row's margin is known).
            let position: Vec<Vec<usize>> = orders
                .iter()
                .map(|order| {
                    let mut pos = vec![0; n];
                    for (k, &j) in order.iter().enumerate() {
                        pos[j] = k;
                    }
                    pos
                })
                .collect();
            let steps = n - 1;
            let inner = self.run(orders.len() * steps, |r, j| value(position[r / steps][j] <= r % steps, j))?;
            for (p, order) in orders.iter().enumerate() {
                let mut before = v_empty;
                for (k, &j) in order.iter().enumerate() {
                    let after = if k == steps { v_full } else { self.margin_of(inner[p * steps + k]) };
                    phi[j] += after - before;
                    before = after;
                }
            }
            let count = orders.len() as f64;
            for c in &mut phi {
                *c /= count;
            }
        }
        Ok(phi)
    }
}

/// A `[rows, width]` tensor of element type `dt` (f32 or f64) from row-major values.
fn input_tensor(
    dt: DatumType,
    rows: usize,
    width: usize,
    values: impl Iterator<Item = f64>,
) -> Result<TValue, ModelError> {
    let tensor = match dt {
        DatumType::F32 => {
            tract_ndarray::Array2::from_shape_vec((rows, width), values.map(|v| v as f32).collect()).map(Tensor::from)
        }
        _ => tract_ndarray::Array2::from_shape_vec((rows, width), values.collect()).map(Tensor::from),
    };
    tensor.map(IntoTValue::into_tvalue).map_err(|e| run_error(format!("building the input: {e}")))
}

/// Whether `bytes` decode as an ONNX model: a protobuf `ModelProto` with a graph.
pub(crate) fn is_onnx(bytes: &[u8]) -> bool {
    !bytes.is_empty() && decode(bytes).is_ok_and(|proto| proto.graph.is_some())
}

fn decode(bytes: &[u8]) -> TractResult<pb::ModelProto> {
    // The default framework has no operators registered: decoding needs none.
    tract_onnx::Onnx::default().proto_model_for_read(&mut &bytes[..])
}

/// skl2onnx writes a binary gradient-boosting classifier as a `TreeEnsembleClassifier` with two class labels,
/// every leaf scoring class 0 and a single base value, which onnxruntime accepts; tract wants one base value per
/// class. With leaves on class 0 only, tract reads column 0 as the positive class's score and derives the other
/// column from it, so the second base value is 0.
fn pad_binary_base_values(graph: &mut pb::GraphProto) {
    for node in graph.node.iter_mut().filter(|node| node.op_type == "TreeEnsembleClassifier") {
        let attribute = |name: &str| node.attribute.iter().find(|a| a.name == name);
        let classes = attribute("classlabels_int64s")
            .map(|a| a.ints.len())
            .or(attribute("classlabels_strings").map(|a| a.strings.len()));
        let leaves_on_class_0 = attribute("class_ids").is_some_and(|a| a.ints.iter().all(|&c| c == 0));
        if classes == Some(2)
            && leaves_on_class_0
            && let Some(base) = node.attribute.iter_mut().find(|a| a.name == "base_values")
            && base.floats.len() == 1
        {
            base.floats.push(0.0);
        }
    }
}

fn is_probability_name(name: &str) -> bool {
    name.to_ascii_lowercase().contains("prob")
}

/// Whether the value `name` is computed by a `Sigmoid`, looking through [`PASS_THROUGH`] operators.
fn computed_by_sigmoid(graph: &pb::GraphProto, name: &str) -> bool {
    let mut name = name;
    // Bounded by the node count: a malformed graph with a cycle cannot loop forever.
    for _ in 0..=graph.node.len() {
        let Some(node) = graph.node.iter().find(|node| node.output.iter().any(|o| o == name)) else {
            return false;
        };
        match (node.op_type.as_str(), node.input.first()) {
            ("Sigmoid", _) => return true,
            (op, Some(input)) if PASS_THROUGH.contains(&op) => name = input,
            _ => return false,
        }
    }
    false
}

impl Predictor for OnnxModel {
    fn num_features(&self) -> usize {
        self.num_features
    }

    fn feature_names(&self) -> Option<&[String]> {
        self.feature_names.as_deref()
    }

    fn objective(&self) -> Objective {
        self.objective
    }

    /// The log-odds of the model's probability, or its regressed value; NaN if the model fails to run.
    fn predict_margin(&self, row: &[f64]) -> f64 {
        self.margin_of(self.output_of(row))
    }

    /// The model's probability or value as it computes it; NaN if the model fails to run.
    fn predict(&self, row: &[f64]) -> f64 {
        self.output_of(row)
    }

    fn predict_batch(&self, rows: &[f64], margins: &mut Vec<f64>, outputs: &mut Vec<f64>) {
        let n = self.num_features.max(1);
        margins.clear();
        outputs.clear();
        for row in rows.chunks_exact(n) {
            margins.push(self.predict_margin(row));
            outputs.push(self.predict(row));
        }
    }

    /// Shapley values of the margin against the [baseline](OnnxModel::baseline), then `margin(baseline)`; see the
    /// [module documentation](self). All NaN if the model fails to run.
    fn contributions(&self, row: &[f64]) -> Vec<f64> {
        let n = self.num_features;
        let row: Vec<f64> = (0..n).map(|j| row.get(j).copied().unwrap_or(f64::NAN)).collect();
        let margin = self.predict_margin(&row);
        match self.shapley(&row, self.baseline_margin, margin) {
            Ok(mut phi) => {
                phi.push(self.baseline_margin);
                phi
            }
            Err(_) => vec![f64::NAN; n + 1],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> OnnxModel {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/onnx").join(name);
        OnnxModel::from_path(&path).expect("fixture loads")
    }

    #[test]
    fn sampled_shapley_sums_to_the_margin_and_approaches_the_exact_values() {
        let exact = fixture("trees.onnx");
        let mut sampled = fixture("trees.onnx");
        sampled.exact_max_features = 0;
        let row = [1.5, -2.0, 0.7, 1.1, f64::NAN, 0.3, -0.4, 12.0, 0.0, 0.05];
        let margin = exact.predict_margin(&row);
        let (e, s) = (exact.contributions(&row), sampled.contributions(&row));
        assert_eq!(s, sampled.contributions(&row), "deterministic");
        assert!((s.iter().sum::<f64>() - margin).abs() < 1e-9);
        assert!((e.iter().sum::<f64>() - margin).abs() < 1e-9);
        assert_eq!(e[10], s[10]);
        // The estimate is close to the exact values for the features that matter.
        let largest = e.iter().take(10).fold(0.0_f64, |m, c| m.max(c.abs()));
        for j in 0..10 {
            assert!((e[j] - s[j]).abs() < 0.25 * largest, "feature {j}: exact {} sampled {}", e[j], s[j]);
        }
    }

    #[test]
    fn sampled_shapley_is_exact_for_an_additive_model() {
        // Logistic regression: the margin is additive, so every permutation gives each feature the same share.
        let exact = fixture("logistic.onnx");
        let mut sampled = fixture("logistic.onnx");
        sampled.exact_max_features = 0;
        let row = [55.0, 1.0, 20.0, 70.0, 0.0, 3.0, 10.0, 4.0];
        for (e, s) in exact.contributions(&row).iter().zip(sampled.contributions(&row)) {
            // float32 rounding of the probability makes the log-odds noisy at ~1e-6.
            assert!((e - s).abs() < 1e-4, "{e} vs {s}");
        }
    }
}
