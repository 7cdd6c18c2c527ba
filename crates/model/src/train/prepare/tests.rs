use serde_json::json;

use super::*;
use crate::Predictor;
use crate::train::{GbdtConfig, train_gbdt};

const INDUSTRIES: [(&str, f64); 6] = [
    ("Software", 1.5),
    ("Dental", 0.5),
    ("Legal", 0.0),
    ("Retail", -0.5),
    ("Manufacturing", -1.0),
    ("Hospitality", -1.5),
];

/// An extra column: its name and its cell from the row's index and outcome.
type Extra<'a> = (&'a str, &'a dyn Fn(usize, bool) -> Value);

/// A dated won/lost history with planted signal: a weak numeric one (`demo_views`), a strong one in
/// `industry` (6 levels, and a rare seventh) and in `lead_source` (40 levels, too many for one-hot), plus a
/// row id. `extra(i, won)` adds columns computed from the row and its outcome.
fn history(n: usize, seed: u64, extra: &[Extra<'_>]) -> History {
    let mut rng = SplitMix64::new(seed);
    let source_effect: Vec<f64> = (0..40).map(|s| ((s * 7919) % 13) as f64 / 6.0 - 1.0).collect();
    let mut columns: Vec<String> = ["lead_id", "demo_views", "industry", "lead_source"].map(String::from).to_vec();
    columns.extend(extra.iter().map(|(name, _)| name.to_string()));
    let (mut cells, mut labels) = (Vec::new(), Vec::new());
    for i in 0..n {
        let views = (rng.next_f64() * 20.0).floor();
        let (industry, effect) =
            if rng.next_f64() < 0.004 { ("Mining", 0.0) } else { INDUSTRIES[(rng.next_f64() * 6.0) as usize] };
        let source = (rng.next_f64() * 40.0) as usize;
        let logit = 0.08 * (views - 10.0) + effect + 1.2 * source_effect[source] - 0.3;
        let won = rng.next_f64() < crate::sigmoid(logit);
        let mut row = vec![json!(i), json!(views), json!(industry), json!(format!("src-{source:02}"))];
        row.extend(extra.iter().map(|(_, f)| f(i, won)));
        cells.push(row);
        labels.push(won);
    }
    History { columns, cells, labels, times: Some((0..n as i64).collect()) }
}

fn note<'a>(prepared: &'a Prepared, column: &str) -> Option<&'a ColumnNote> {
    prepared.notes.iter().find(|n| n.column == column)
}

#[test]
fn identifiers_are_left_out_with_a_note() {
    let uuid = |i: usize, _| json!(format!("{:08x}-1234-4abc-8def-{:012x}", i * 2654435761 % (1 << 32), i));
    let sfdc = |i: usize, _| json!(format!("00Q5g0000{:06}AbC", i));
    let company = |i: usize, _| json!(format!("Company {i} Ltd"));
    let revenue = |i: usize, _| json!(1000.0 + (i * 7907 % 3001) as f64 * 13.37);
    let row_number = |i: usize, _| json!(100 + i);
    let owner = |i: usize, _| json!(i % 7);
    let extra: [Extra<'_>; 6] = [
        ("external_key", &uuid),
        ("Record ID", &sfdc),
        ("company", &company),
        ("revenue", &revenue),
        ("row", &row_number),
        ("OwnerId", &owner),
    ];
    let prepared = prepare(&history(1000, 1, &extra), &PrepareConfig::default()).unwrap();
    for column in ["lead_id", "external_key", "Record ID", "company", "row"] {
        let note = note(&prepared, column).unwrap_or_else(|| panic!("{column}: no note"));
        assert_eq!(note.action, ColumnAction::Identifier, "{note}");
        assert!(note.left_out());
        assert!(!prepared.train.feature_names.iter().any(|f| f.starts_with(column)), "{column} is a feature");
    }
    assert!(note(&prepared, "lead_id").unwrap().why.contains("id-like name; 1000 distinct values in 1000 rows"));
    assert!(note(&prepared, "external_key").unwrap().why.starts_with("UUIDs"));
    assert!(note(&prepared, "Record ID").unwrap().why.contains("id-like name"));
    assert!(note(&prepared, "company").unwrap().why.starts_with("unique per row"));
    assert!(note(&prepared, "row").unwrap().why.contains("like a row number"), "{:?}", prepared.notes);
    // All different but not an id: a revenue figure is a feature; an owner id with 7 values too.
    assert!(prepared.train.feature_names.contains(&"revenue".to_string()));
    assert!(prepared.train.feature_names.contains(&"OwnerId".to_string()));
    assert!(note(&prepared, "revenue").is_none() && note(&prepared, "OwnerId").is_none());
    // The note is printed in words.
    assert!(
        note(&prepared, "lead_id").unwrap().to_string().starts_with("lead_id: left out as an identifier (an id-like")
    );
}

#[test]
fn id_like_names() {
    for name in ["id", "ID", "lead_id", "Lead ID", "LeadId", "accountID", "uuid", "record-guid", " Id "] {
        assert!(id_like_name(name), "{name}");
    }
    for name in ["paid", "android", "industry", "Idaho", "valid", "width", "ideal_customer"] {
        assert!(!id_like_name(name), "{name}");
    }
}

#[test]
fn leakage_is_left_out_naming_the_column_and_why() {
    let stage = |_, won: bool| json!(if won { "Closed Won" } else { "Closed Lost" });
    let lost_reason =
        |i: usize, won: bool| if won { Value::Null } else { json!(["price", "timing", "competitor"][i % 3]) };
    let amount = |i: usize, won: bool| if won { json!(500 + i % 97) } else { Value::Null };
    let copy = |_, won: bool| json!(u8::from(won));
    let extra: [Extra<'_>; 4] =
        [("stage", &stage), ("lost_reason", &lost_reason), ("won_amount", &amount), ("is_won", &copy)];
    let prepared = prepare(&history(1500, 2, &extra), &PrepareConfig::default()).unwrap();
    for column in ["stage", "lost_reason", "won_amount", "is_won"] {
        let note = note(&prepared, column).unwrap_or_else(|| panic!("{column}: no note in {:?}", prepared.notes));
        assert_eq!(note.action, ColumnAction::Leakage, "{note}");
        assert!(note.why.contains("AUC 1.000") && note.why.contains("once the outcome is known"), "{note}");
    }
    assert!(note(&prepared, "stage").unwrap().why.contains("its values are 100 % pure per class"));
    // Real signal, however strong, stays.
    for column in ["demo_views", "industry", "lead_source"] {
        assert!(note(&prepared, column).is_none_or(|n| !n.left_out()), "{column}: {:?}", note(&prepared, column));
    }
    assert!(prepared.train.feature_names.iter().any(|f| f.starts_with("industry=")));
    let text = note(&prepared, "stage").unwrap().to_string();
    assert!(
        text.starts_with("stage: left out as leakage (on its own it tells won from lost 100 % of the time"),
        "{text}"
    );
}

#[test]
fn exclude_and_features_choose_columns_and_unknown_ones_are_refused() {
    let data = history(600, 3, &[]);
    let config = PrepareConfig { exclude: vec!["lead_source".into()], ..Default::default() };
    let prepared = prepare(&data, &config).unwrap();
    assert_eq!(note(&prepared, "lead_source").unwrap().action, ColumnAction::Excluded);
    assert!(!prepared.train.feature_names.iter().any(|f| f.starts_with("lead_source")));

    // Named as a feature, an identifier is kept, with a warning.
    let config = PrepareConfig { features: Some(vec!["demo_views".into(), "lead_id".into()]), ..Default::default() };
    let prepared = prepare(&data, &config).unwrap();
    assert_eq!(prepared.train.feature_names, ["lead_id", "demo_views"]);
    let kept = note(&prepared, "lead_id").unwrap();
    assert_eq!(kept.action, ColumnAction::KeptAsAsked);
    assert!(kept.why.starts_with("looks like an identifier: an id-like name"), "{kept}");
    assert!(!kept.left_out());

    for config in [
        PrepareConfig { exclude: vec!["nope".into()], ..Default::default() },
        PrepareConfig { features: Some(vec!["demo_views".into(), "Industry".into()]), ..Default::default() },
    ] {
        let err = prepare(&data, &config).unwrap_err().to_string();
        assert!(
            err.contains("no column \"") && err.contains("(columns: lead_id, demo_views, industry, lead_source)"),
            "{err}"
        );
    }
    let config =
        PrepareConfig { features: Some(vec!["lead_id".into()]), exclude: vec!["lead_id".into()], ..Default::default() };
    let err = prepare(&data, &config).unwrap_err().to_string();
    assert!(err.contains("no column is left to train on: lead_id: left out (as asked)"), "{err}");
}

#[test]
fn text_columns_are_encoded_and_the_manifest_applies_the_encoding() {
    let mut data = history(2000, 4, &[]);
    // Some empty industries: an empty cell is allowed when scoring.
    for i in (0..2000).step_by(50) {
        data.cells[i][2] = Value::Null;
    }
    let prepared = prepare(&data, &PrepareConfig::default()).unwrap();
    let industry = &prepared.encodings[0];
    assert_eq!(industry.column, "industry");
    assert!(industry.missing);
    let EncodingMethod::OneHot { levels, other } = &industry.method else { panic!("one-hot: {industry:?}") };
    let mut sorted = levels.clone();
    sorted.sort();
    assert_eq!(sorted, ["dental", "hospitality", "legal", "manufacturing", "retail", "software"]);
    assert!(*other, "the rare Mining is (other)");
    assert_eq!(industry.features.last().unwrap(), "industry=(other)");
    let one_hot = note(&prepared, "industry").unwrap();
    assert_eq!(one_hot.action, ColumnAction::OneHot);
    assert!(
        one_hot.why.contains("6 levels: ") && one_hot.why.contains("1 rarer level (fewer than 10 training rows)"),
        "{one_hot}"
    );

    let source = &prepared.encodings[1];
    assert_eq!(source.features, ["lead_source (won rate)"]);
    let EncodingMethod::Target { rates, prior } = &source.method else { panic!("target: {source:?}") };
    assert_eq!(rates.len(), 40);
    assert!((prior - prepared.train.class_counts().0 as f64 / prepared.train.num_rows() as f64).abs() < 1e-12);
    assert_eq!(note(&prepared, "lead_source").unwrap().action, ColumnAction::TargetEncoded);

    // The manifest: features in the datasets' order, the encodings, and rows built from raw cells exactly
    // as the holdout's were.
    let names = &prepared.train.feature_names;
    assert_eq!(names[0], "demo_views");
    assert_eq!(prepared.kinds.iter().filter(|k| **k == FeatureType::Bool).count(), 7);
    let mut manifest = Manifest {
        name: "m".into(),
        version: "1".into(),
        features: names
            .iter()
            .map(|n| crate::FeatureSpec {
                name: n.clone(),
                kind: FeatureType::Number,
                default: None,
                min: None,
                max: None,
            })
            .collect(),
        output: Default::default(),
        calibration: None,
        encodings: Vec::new(),
    };
    prepared.apply(&mut manifest).unwrap();
    let json = serde_json::to_value(&manifest).unwrap();
    assert_eq!(json["encodings"][0]["method"], "one_hot");
    assert_eq!(json["encodings"][1]["method"], "target");
    let back: Manifest = serde_json::from_value(json).unwrap();
    assert_eq!(back, manifest);
    let (_, holdout_rows) = split_indices(&data.labels, data.times.as_deref(), 0.2, 42).unwrap();
    for (k, &i) in holdout_rows.iter().enumerate().take(50) {
        let request: BTreeMap<String, Value> =
            data.columns.iter().cloned().zip(data.cells[i].iter().cloned()).collect();
        let without_id: BTreeMap<String, Value> = request.into_iter().filter(|(c, _)| c != "lead_id").collect();
        let row = manifest.row(&without_id).unwrap();
        let same = row.iter().zip(&prepared.holdout.rows[k]).all(|(a, b)| a == b || (a.is_nan() && b.is_nan()));
        assert!(same, "row {i}: {row:?} vs {:?}", prepared.holdout.rows[k]);
    }
    // Levels compare trimmed and case-folded; an unseen level is (other) or the overall won rate.
    let request = |industry: Value, source: Value| -> BTreeMap<String, Value> {
        [("demo_views", json!(3)), ("industry", industry), ("lead_source", source)]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect()
    };
    let row = manifest.row(&request(json!("  SOFTWARE "), json!("src-07"))).unwrap();
    let at = |name: &str| names.iter().position(|n| n == name).unwrap();
    assert_eq!(row[at("industry=software")], 1.0);
    assert_eq!(row.iter().filter(|v| **v == 1.0).count(), 1);
    assert_eq!(row[at("lead_source (won rate)")], rates["src-07"]);
    let row = manifest.row(&request(json!("Aerospace"), json!("src-99"))).unwrap();
    assert_eq!(row[at("industry=(other)")], 1.0);
    assert_eq!(row[at("lead_source (won rate)")], *prior);
    let row = manifest.row(&request(Value::Null, json!("src-01"))).unwrap();
    assert!(names.iter().zip(&row).filter(|(n, _)| n.starts_with("industry=")).all(|(_, v)| *v == 0.0));
    // lead_source was never empty in the history: an empty one is refused by the column's name.
    let errors = manifest.row(&request(json!("Dental"), json!(""))).unwrap_err();
    assert_eq!(errors.iter().map(ToString::to_string).collect::<Vec<_>>(), ["lead_source: required and missing"]);
    let mut strange = request(json!("Dental"), json!("src-01"));
    strange.insert("colour".into(), json!("red"));
    assert_eq!(manifest.row(&strange).unwrap_err()[0].to_string(), "colour: not a feature of this model");
    assert_eq!(manifest.required_columns(), ["demo_views", "lead_source"]);
    assert!(manifest.accepts("industry") && !manifest.accepts("industry=dental"));
}

#[test]
fn target_encoding_never_sees_a_rows_own_outcome() {
    // Many small levels, where a row's own label would move its level's rate the most.
    let mut data = history(800, 5, &[]);
    for (i, row) in data.cells.iter_mut().enumerate() {
        row[3] = json!(format!("city-{}", i % 90));
    }
    let config = PrepareConfig { exclude: vec!["industry".into()], ..Default::default() };
    let before = prepare(&data, &config).unwrap();
    let column = before.train.feature_names.iter().position(|n| n == "lead_source (won rate)").unwrap();
    // Dated rows: the split is by time, so flipping a training row's outcome leaves the split alone.
    for r in [0, 17, 311] {
        let mut flipped = data.clone();
        flipped.labels[r] = !flipped.labels[r];
        let after = prepare(&flipped, &config).unwrap();
        assert_eq!(before.train.rows[r][column], after.train.rows[r][column], "row {r}");
        assert_ne!(before.train.rows, after.train.rows, "other rows of its level see the change");
    }
}

/// Holdout AUC of a GBDT trained on `prepared`.
fn gbdt_auc(prepared: &Prepared) -> f64 {
    let config = GbdtConfig { trees: 60, ..Default::default() };
    let model = train_gbdt(&prepared.train, &config).unwrap();
    let scores: Vec<f64> = prepared.holdout.rows.iter().map(|r| model.predict(r)).collect();
    report::auc(&scores, &prepared.holdout.labels)
}

#[test]
fn categoricals_lift_a_gbdt_by_at_least_five_points_of_auc() {
    let data = history(4000, 6, &[]);
    let with = prepare(&data, &PrepareConfig::default()).unwrap();
    let without = prepare(&data, &PrepareConfig { encode_text: false, ..Default::default() }).unwrap();
    assert_eq!(without.train.feature_names, ["demo_views"]);
    assert_eq!(note(&without, "industry").unwrap().action, ColumnAction::Text);
    let (a, b) = (gbdt_auc(&with), gbdt_auc(&without));
    eprintln!("holdout AUC with categoricals {a:.3}, without {b:.3}");
    assert!(a >= b + 0.05, "with categoricals {a:.3}, without {b:.3}");
}
