//! JSON-LD for the home page: a LocalBusiness or Organization node (alone or inside `@graph`) carrying
//! the facts planned for `Loc::JsonLd`, and the ways such blocks are broken in the wild.

use serde_json::{Map, Value, json};

use crate::assign::Malformation;
use crate::plan::{Loc, OwnerPlace, Plan, Structured};

/// The `<script type="application/ld+json">` block for the home page, or nothing.
pub(crate) fn jsonld_script(plan: &Plan) -> String {
    let Structured::JsonLd { graph } = plan.structured else {
        return String::new();
    };
    let site_url = format!("http://www.{}/", plan.domain);
    let mut node = Map::new();
    node.insert("@type".into(), json!(plan.vertical.schema_type));
    if graph {
        node.insert("@id".into(), json!(format!("{site_url}#organization")));
    }
    node.insert("name".into(), json!(plan.company));
    node.insert("url".into(), json!(site_url));
    node.insert("logo".into(), json!(format!("{site_url}img/logo.png")));
    node.insert(
        "description".into(),
        json!(format!(
            "{}.\n{} in {}.",
            plan.tagline, plan.company, plan.city.name
        )),
    );
    if let Some(p) = plan.phones.iter().find(|p| p.locs.contains(&Loc::JsonLd)) {
        node.insert("telephone".into(), json!(p.number.jsonld));
    }
    if let Some(fax) = &plan.fax
        && plan.founded.is_multiple_of(2)
    {
        node.insert("faxNumber".into(), json!(fax.number.jsonld));
    }
    if let Some(e) = plan.emails.iter().find(|e| e.locs.contains(&Loc::JsonLd)) {
        let value = if plan.founded.is_multiple_of(3) {
            format!("mailto:{}", e.addr)
        } else {
            e.addr.clone()
        };
        node.insert("email".into(), json!(value));
    }
    if let Some(a) = plan
        .address
        .as_ref()
        .filter(|a| a.locs.contains(&Loc::JsonLd))
    {
        let mut address = Map::new();
        address.insert("@type".into(), json!("PostalAddress"));
        address.insert("streetAddress".into(), json!(a.address.street));
        address.insert("addressLocality".into(), json!(a.address.city));
        if let Some(region) = &a.address.region {
            address.insert("addressRegion".into(), json!(region));
        }
        address.insert("postalCode".into(), json!(a.address.postal_code));
        address.insert("addressCountry".into(), json!(a.address.country));
        node.insert("address".into(), Value::Object(address));
    }
    if let Some(o) = plan
        .owner
        .as_ref()
        .filter(|o| o.places.contains(&OwnerPlace::JsonLdFounder))
    {
        node.insert(
            "founder".into(),
            json!({"@type": "Person", "name": o.person.name(), "jobTitle": o.title}),
        );
    }
    let same_as: Vec<&str> = plan
        .socials
        .iter()
        .filter(|s| s.locs.contains(&Loc::JsonLd))
        .map(|s| s.url.as_str())
        .collect();
    if !same_as.is_empty() {
        node.insert("sameAs".into(), json!(same_as));
    }
    node.insert("foundingDate".into(), json!(plan.founded.to_string()));
    if plan.vertical.key != "saas" {
        node.insert(
            "priceRange".into(),
            json!(["$", "$$", "$$$"][usize::from(plan.founded % 3)]),
        );
        node.insert(
            "openingHours".into(),
            json!(["Mo-Fr 08:00-17:30", "Sa 09:00-13:00"]),
        );
    }
    let root = if graph {
        json!({
            "@context": "https://schema.org",
            "@graph": [
                {"@type": "WebSite", "@id": format!("{site_url}#website"), "url": site_url, "name": plan.company,
                 "publisher": {"@id": format!("{site_url}#organization")}},
                Value::Object(node),
                {"@type": "WebPage", "@id": format!("{site_url}#webpage"), "url": site_url,
                 "isPartOf": {"@id": format!("{site_url}#website")}, "inLanguage": plan.country.lang()},
            ]
        })
    } else {
        let mut root = Map::new();
        root.insert("@context".into(), json!("https://schema.org"));
        root.extend(node);
        Value::Object(root)
    };
    let text = serde_json::to_string_pretty(&root).expect("JSON values serialise");
    let text = match plan.special.malformed {
        None => text,
        Some(m) => malform(&text, m),
    };
    // `</` cannot appear inside a script element; JSON allows escaping the slash.
    let text = text.replace("</", "<\\/");
    format!("<script type=\"application/ld+json\">\n{text}\n</script>\n")
}

/// Breaks valid JSON the way CMS plugins and hand edits do.
fn malform(text: &str, m: Malformation) -> String {
    match m {
        Malformation::TrailingComma => {
            // A trailing comma after the last member of the outermost object.
            match text.rfind('}') {
                Some(end) => {
                    let body = text[..end].trim_end();
                    format!("{body},\n}}")
                }
                None => text.to_string(),
            }
        }
        Malformation::Comment => text.replacen(
            "{\n",
            "{\n  // generated by SEO plugin v3.2 - do not edit\n",
            1,
        ),
        Malformation::RawNewline => text.replace("\\n", "\n"),
        Malformation::QuotEntities => text.replace('"', "&quot;"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn malformations_break_strict_json() {
        let text =
            serde_json::to_string_pretty(&json!({"name": "A", "description": "x\ny"})).unwrap();
        for m in [
            Malformation::TrailingComma,
            Malformation::Comment,
            Malformation::RawNewline,
            Malformation::QuotEntities,
        ] {
            let bad = malform(&text, m);
            assert!(
                serde_json::from_str::<Value>(&bad).is_err(),
                "{m:?} still parses: {bad}"
            );
        }
    }
}
