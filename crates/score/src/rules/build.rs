//! Turns a parsed rules file into checked, compiled [`Profile`]s: the base profile and one per vertical
//! override. Every check the file format promises happens here, once, at load.

use super::condition::{Condition, Place};
use super::error::{Num, RulesError, did_you_mean};
use super::raw::{RawFactor, RawGate, RawRules, RawTiers};
use super::{Component, Factor, Gate, Profile, Rules, Tiers, Vertical, normalize_vertical};

/// How far from 1 the weights may sum: room for decimal fractions such as 0.1 that floats cannot hold.
const WEIGHT_TOLERANCE: f64 = 1e-6;

const DEFAULT_TIERS: Tiers = Tiers { a: 80.0, b: 60.0, c: 40.0 };

pub(super) fn build(raw: RawRules, origin: &str) -> Result<Rules, RulesError> {
    if raw.version != 1 {
        return Err(RulesError::UnsupportedVersion { origin: origin.into(), version: raw.version });
    }
    if raw.components.0.is_empty() {
        return Err(RulesError::NoComponents { origin: origin.into() });
    }
    let tiers = match raw.tiers {
        Some(t) => compile_tiers(t, origin, "tiers")?,
        None => DEFAULT_TIERS,
    };
    let gates = compile_gates(&raw.gates, origin, &[], "")?;

    let mut components = Vec::with_capacity(raw.components.0.len());
    for (name, rc) in &raw.components.0 {
        if rc.factors.is_empty() {
            return Err(RulesError::EmptyComponent { origin: origin.into(), component: name.clone() });
        }
        check_weight(origin, "components", name, rc.weight)?;
        let mut component = Component { name: name.clone(), weight: rc.weight, factors: Vec::new() };
        add_factors(&mut component, &rc.factors, origin, "components", "")?;
        components.push(component);
    }
    check_weight_sum(origin, "component", &components)?;
    let base = Profile { tiers, gates, components };

    let mut verticals: Vec<Vertical> = Vec::with_capacity(raw.verticals.0.len());
    for (name, rv) in &raw.verticals.0 {
        let scope = format!("vertical `{name}`");
        let mut profile = base.clone();
        if let Some(t) = rv.tiers {
            profile.tiers = compile_tiers(t, origin, &format!("{scope} tiers"))?;
        }
        let extra_gates = compile_gates(&rv.gates, origin, &profile.gates, &format!(" in vertical `{name}`"))?;
        profile.gates.extend(extra_gates);
        for (component_name, weight) in &rv.weights.0 {
            let component = find_component(&mut profile, component_name, name, origin)?;
            check_weight(origin, &scope, component_name, *weight)?;
            component.weight = *weight;
        }
        check_weight_sum(origin, &scope, &profile.components)?;
        for (component_name, factors) in &rv.factors.0 {
            let component = find_component(&mut profile, component_name, name, origin)?;
            add_factors(component, factors, origin, &scope, &format!(" in vertical `{name}`"))?;
        }

        let mut matches = vec![normalize_vertical(name)];
        matches.extend(rv.matches.iter().map(|m| normalize_vertical(m)).filter(|m| !m.is_empty()));
        matches.dedup();
        for m in &matches {
            if let Some(other) = verticals.iter().find(|v| v.matches.contains(m)) {
                return Err(RulesError::Invalid {
                    origin: origin.into(),
                    place: scope,
                    message: format!("vertical {m:?} is already matched by vertical `{}`", other.name),
                });
            }
        }
        verticals.push(Vertical { name: name.clone(), matches, profile });
    }

    Ok(Rules { origin: origin.to_string(), description: raw.description, base, verticals })
}

fn find_component<'p>(
    profile: &'p mut Profile,
    component: &str,
    vertical: &str,
    origin: &str,
) -> Result<&'p mut Component, RulesError> {
    let names: Vec<String> = profile.components.iter().map(|c| c.name.clone()).collect();
    profile.components.iter_mut().find(|c| c.name == component).ok_or_else(|| RulesError::UnknownComponent {
        origin: origin.into(),
        vertical: vertical.into(),
        component: component.into(),
        suggestion: did_you_mean(component, names.iter().map(String::as_str)),
    })
}

fn compile_tiers(t: RawTiers, origin: &str, scope: &str) -> Result<Tiers, RulesError> {
    let err = |message: String| RulesError::Tiers { origin: origin.into(), scope: scope.into(), message };
    for (name, v) in [("A", t.a), ("B", t.b), ("C", t.c)] {
        if !(v > 0.0 && v <= 100.0) {
            return Err(err(format!("tier {name} starts at {}, not in (0, 100]", Num(v))));
        }
    }
    if !(t.a > t.b && t.b > t.c) {
        return Err(err(format!(
            "thresholds must descend (A > B > C), got A {}, B {}, C {}",
            Num(t.a),
            Num(t.b),
            Num(t.c)
        )));
    }
    Ok(Tiers { a: t.a, b: t.b, c: t.c })
}

/// Compiles `raw` gates; names must be unique among themselves and `existing` (the base gates when adding
/// a vertical's own).
fn compile_gates(raw: &[RawGate], origin: &str, existing: &[Gate], suffix: &str) -> Result<Vec<Gate>, RulesError> {
    let mut out: Vec<Gate> = Vec::with_capacity(raw.len());
    for g in raw {
        let owner = format!("gate `{}`{suffix}", g.name);
        let invalid = |message: String| RulesError::Invalid { origin: origin.into(), place: owner.clone(), message };
        if g.name.trim().is_empty() {
            return Err(invalid("a gate needs a name".into()));
        }
        if existing.iter().chain(&out).any(|e| e.name == g.name) {
            return Err(invalid("a gate with this name already exists".into()));
        }
        if let Some(tier) = &g.tier
            && !tier.eq_ignore_ascii_case("failed")
        {
            return Err(invalid(format!("a gate can only set tier FAILED, not {tier:?}")));
        }
        let when = Condition::compile(&g.when, &Place { origin, owner: &owner }, "when")?;
        out.push(Gate { name: g.name.clone(), when });
    }
    Ok(out)
}

fn add_factors(
    component: &mut Component,
    raw: &[RawFactor],
    origin: &str,
    scope: &str,
    suffix: &str,
) -> Result<(), RulesError> {
    for f in raw {
        let owner = format!("factor `{}` in component `{}`{suffix}", f.name, component.name);
        if f.name.trim().is_empty() {
            return Err(RulesError::Invalid {
                origin: origin.into(),
                place: format!("component `{}`{suffix}", component.name),
                message: "a factor needs a name".into(),
            });
        }
        if !f.points.is_finite() {
            return Err(RulesError::Invalid {
                origin: origin.into(),
                place: owner,
                message: format!("points must be a finite number, got {}", f.points),
            });
        }
        if component.factors.iter().any(|e| e.name == f.name) {
            return Err(RulesError::DuplicateFactor {
                origin: origin.into(),
                scope: scope.into(),
                component: component.name.clone(),
                factor: f.name.clone(),
            });
        }
        let when = Condition::compile(&f.when, &Place { origin, owner: &owner }, "when")?;
        component.factors.push(Factor {
            name: f.name.clone(),
            description: f.description.clone(),
            when,
            points: f.points,
        });
    }
    Ok(())
}

fn check_weight(origin: &str, scope: &str, component: &str, weight: f64) -> Result<(), RulesError> {
    if (0.0..=1.0).contains(&weight) {
        return Ok(());
    }
    Err(RulesError::WeightOutOfRange {
        origin: origin.into(),
        scope: scope.into(),
        component: component.into(),
        weight,
    })
}

fn check_weight_sum(origin: &str, scope: &str, components: &[Component]) -> Result<(), RulesError> {
    let sum: f64 = components.iter().map(|c| c.weight).sum();
    if (sum - 1.0).abs() <= WEIGHT_TOLERANCE {
        return Ok(());
    }
    let terms = components.iter().map(|c| format!("{} {}", c.name, Num(c.weight))).collect::<Vec<_>>().join(" + ");
    Err(RulesError::WeightSum { origin: origin.into(), scope: scope.into(), sum, terms })
}
