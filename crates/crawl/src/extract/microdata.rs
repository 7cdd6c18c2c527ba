//! Microdata (`itemscope`/`itemprop`) items, built incrementally while the streaming pass opens and closes
//! elements, then rendered as `{"type", "properties"}` JSON and as JSON-LD-shaped nodes for the schema reader.

use serde_json::{Map, Value};

use super::text::{floor_boundary, push_collapsed, squish};

/// Deeper nesting than this is ignored; real pages stay far below it.
const MAX_FRAMES: usize = 64;
const MAX_ITEMS: usize = 256;
const MAX_PROP_TEXT: usize = 2_000;

#[derive(Debug, Default, Clone, PartialEq)]
pub(crate) struct Item {
    pub itemtype: Option<String>,
    pub props: Vec<(String, PropValue)>,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum PropValue {
    Text(String),
    Item(Item),
}

#[derive(Debug)]
enum Frame {
    Scope { id: u32, names: Vec<String>, item: Item },
    Prop { id: u32, names: Vec<String>, buf: String },
}

impl Frame {
    fn id(&self) -> u32 {
        match self {
            Frame::Scope { id, .. } | Frame::Prop { id, .. } => *id,
        }
    }
}

/// Tracks open scopes and text-valued properties; frames are closed by id so that an end tag the parser
/// never reports (implicitly closed elements) cannot leave the stack out of step.
#[derive(Debug, Default)]
pub(crate) struct MicrodataBuilder {
    frames: Vec<Frame>,
    open_props: usize,
    next_id: u32,
    pub items: Vec<Item>,
}

/// Splits an `itemprop` attribute into property names.
pub(crate) fn prop_names(attr: &str) -> Vec<String> {
    attr.split_ascii_whitespace().take(8).map(str::to_string).collect()
}

impl MicrodataBuilder {
    pub fn is_active(&self) -> bool {
        !self.frames.is_empty()
    }

    /// Opens a scope that will be closed by [`Self::close`]; `None` when nesting is too deep.
    pub fn open_scope(&mut self, itemtype: Option<String>, names: Vec<String>) -> Option<u32> {
        if self.frames.len() >= MAX_FRAMES {
            return None;
        }
        self.next_id += 1;
        let item = Item { itemtype, props: Vec::new() };
        self.frames.push(Frame::Scope { id: self.next_id, names, item });
        Some(self.next_id)
    }

    /// A scope on an element that has no content (`<meta itemscope>`): opened and closed at once.
    pub fn empty_scope(&mut self, itemtype: Option<String>, names: Vec<String>) {
        if let Some(id) = self.open_scope(itemtype, names) {
            self.close(id);
        }
    }

    /// Opens a property whose value is the element's text.
    pub fn open_prop(&mut self, names: Vec<String>) -> Option<u32> {
        if self.frames.len() >= MAX_FRAMES || !self.has_scope() {
            return None;
        }
        self.next_id += 1;
        self.open_props += 1;
        self.frames.push(Frame::Prop { id: self.next_id, names, buf: String::new() });
        Some(self.next_id)
    }

    /// A property whose value came from an attribute (`content`, `href`, …).
    pub fn add_value(&mut self, names: &[String], value: &str) {
        let value = squish(value);
        self.attach(names, PropValue::Text(value));
    }

    /// Visible text goes to every open text-valued property.
    pub fn push_text(&mut self, text: &str) {
        if self.open_props == 0 {
            return;
        }
        for frame in &mut self.frames {
            if let Frame::Prop { buf, .. } = frame
                && buf.len() < MAX_PROP_TEXT
            {
                let room = MAX_PROP_TEXT - buf.len();
                push_collapsed(buf, &text[..floor_boundary(text, room)]);
            }
        }
    }

    /// A block boundary inside open properties reads as a space.
    pub fn push_space(&mut self) {
        if self.open_props == 0 {
            return;
        }
        for frame in &mut self.frames {
            if let Frame::Prop { buf, .. } = frame
                && !buf.is_empty()
                && !buf.ends_with(' ')
            {
                buf.push(' ');
            }
        }
    }

    /// Closes the frame `id` and everything opened after it.
    pub fn close(&mut self, id: u32) {
        if !self.frames.iter().any(|f| f.id() == id) {
            return;
        }
        while let Some(frame) = self.frames.pop() {
            let done = frame.id() == id;
            self.finish_frame(frame);
            if done {
                break;
            }
        }
    }

    /// Closes whatever is still open at the end of the document.
    pub fn finish(&mut self) {
        while let Some(frame) = self.frames.pop() {
            self.finish_frame(frame);
        }
    }

    fn finish_frame(&mut self, frame: Frame) {
        match frame {
            Frame::Prop { names, buf, .. } => {
                self.open_props -= 1;
                self.attach(&names, PropValue::Text(buf.trim().to_string()));
            }
            Frame::Scope { names, item, .. } => {
                if names.is_empty() || !self.has_scope() {
                    if self.items.len() < MAX_ITEMS {
                        self.items.push(item);
                    }
                } else {
                    self.attach(&names, PropValue::Item(item));
                }
            }
        }
    }

    fn has_scope(&self) -> bool {
        self.frames.iter().any(|f| matches!(f, Frame::Scope { .. }))
    }

    fn attach(&mut self, names: &[String], value: PropValue) {
        if names.is_empty() {
            return;
        }
        let Some(item) = self.frames.iter_mut().rev().find_map(|f| match f {
            Frame::Scope { item, .. } => Some(item),
            Frame::Prop { .. } => None,
        }) else {
            return;
        };
        if item.props.len() >= MAX_ITEMS {
            return;
        }
        for name in names {
            item.props.push((name.clone(), value.clone()));
        }
    }
}

impl Item {
    /// `{"type": "https://schema.org/LocalBusiness", "properties": {"name": ["…"], …}}`.
    pub fn to_json(&self) -> Value {
        let mut props = Map::new();
        for (name, value) in &self.props {
            let v = match value {
                PropValue::Text(s) => Value::String(s.clone()),
                PropValue::Item(item) => item.to_json(),
            };
            match props.get_mut(name) {
                Some(Value::Array(values)) => values.push(v),
                _ => {
                    props.insert(name.clone(), Value::Array(vec![v]));
                }
            }
        }
        let mut obj = Map::new();
        if let Some(t) = &self.itemtype {
            obj.insert("type".into(), Value::String(t.clone()));
        }
        obj.insert("properties".into(), Value::Object(props));
        Value::Object(obj)
    }

    /// The item as a JSON-LD-shaped node (`@type` is the last path segment of `itemtype`), so that one
    /// interpreter reads both syntaxes.
    pub fn to_schema_node(&self) -> Value {
        let mut obj = Map::new();
        if let Some(t) = self.itemtype.as_deref().and_then(|t| t.split_ascii_whitespace().next()) {
            let short = t.trim_end_matches('/').rsplit(['/', '#']).next().unwrap_or(t);
            obj.insert("@type".into(), Value::String(short.to_string()));
        }
        for (name, value) in &self.props {
            let v = match value {
                PropValue::Text(s) => Value::String(s.clone()),
                PropValue::Item(item) => item.to_schema_node(),
            };
            match obj.get_mut(name) {
                Some(Value::Array(values)) => values.push(v),
                Some(existing) => {
                    let first = existing.take();
                    *existing = Value::Array(vec![first, v]);
                }
                None => {
                    obj.insert(name.clone(), v);
                }
            }
        }
        Value::Object(obj)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(s: &str) -> Vec<String> {
        prop_names(s)
    }

    #[test]
    fn nested_scopes_and_text_props() {
        let mut b = MicrodataBuilder::default();
        let org = b.open_scope(Some("https://schema.org/Dentist".into()), vec![]).unwrap();
        let name = b.open_prop(names("name")).unwrap();
        b.push_text("Bright ");
        b.push_text("Smile");
        b.close(name);
        let addr = b.open_scope(Some("https://schema.org/PostalAddress".into()), names("address")).unwrap();
        b.add_value(&names("postalCode"), " 62704 ");
        let street = b.open_prop(names("streetAddress")).unwrap();
        b.push_text("12 Main St");
        // The street's end tag is never reported: closing the address closes it too.
        b.close(addr);
        let _ = street;
        b.close(org);
        assert_eq!(b.items.len(), 1);
        let json = b.items[0].to_json();
        assert_eq!(json["type"], "https://schema.org/Dentist");
        assert_eq!(json["properties"]["name"][0], "Bright Smile");
        assert_eq!(json["properties"]["address"][0]["properties"]["streetAddress"][0], "12 Main St");
        let node = b.items[0].to_schema_node();
        assert_eq!(node["@type"], "Dentist");
        assert_eq!(node["address"]["postalCode"], "62704");
    }

    #[test]
    fn props_outside_scopes_are_ignored_and_unclosed_scopes_finish() {
        let mut b = MicrodataBuilder::default();
        assert!(b.open_prop(names("name")).is_none());
        b.add_value(&names("name"), "x");
        b.open_scope(None, vec![]);
        b.add_value(&names("telephone"), "555");
        b.add_value(&names("telephone"), "556");
        b.finish();
        assert_eq!(b.items[0].to_schema_node()["telephone"], serde_json::json!(["555", "556"]));
        assert!(b.items[0].to_json().get("type").is_none());
    }

    #[test]
    fn nesting_is_capped() {
        let mut b = MicrodataBuilder::default();
        for _ in 0..1000 {
            b.open_scope(None, names("x"));
        }
        b.finish();
        assert_eq!(b.items.len(), 1);
    }
}
