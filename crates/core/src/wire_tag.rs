//! Internally tagged JSON (`{"type": "claim", "epoch": 3}`) for the wire enums, from serde's
//! externally tagged code (`{"claim": {"epoch": 3}}`).
//!
//! Why: serde's own `#[serde(tag = "…")]` buffers every message into its private `Content` and reads
//! each variant from there, so every type inside a tagged enum is compiled once more per deserializer.
//! In the adapter's WASM this saves 30 KB of 276.5 KB gzip (README, "Size"); the content script's
//! protocol keeps serde's tag, for speed (`protocol.rs`). Here each enum derives the
//! externally tagged form as inherent functions (`#[serde(remote = "Self")]`) and
//! [`internally_tagged!`] implements `Serialize`/`Deserialize` by moving the tag through a
//! `serde_json::Value`, the variant made and read in one format ([`buffer`]): the JSON on the wire and
//! in storage is unchanged (only its key order), and each variant's code is compiled for that one
//! format instead of once more for `Content`.
//!
//! The internal form is written as a map, not a struct: to JavaScript, serialize with
//! `serde_wasm_bindgen::Serializer::json_compatible()`, or a message becomes a `Map` no reader expects.
//!
//! ```ignore
//! #[derive(Serialize, Deserialize)]
//! #[serde(remote = "Self")]
//! pub enum Msg { Claim { epoch: u64 }, Leave }
//! crate::internally_tagged!(Msg, "type");
//! ```

use serde_json::{Map, Value};

/// `Serialize`/`Deserialize` for an enum whose externally tagged derive is `#[serde(remote = "Self")]`,
/// with its variant's name under `$tag` beside the variant's fields, as `#[serde(tag = $tag)]` writes.
#[macro_export]
macro_rules! internally_tagged {
    ($ty:ty, $tag:literal) => {
        impl serde::Serialize for $ty {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                use $crate::wire_tag::buffer;
                let external = buffer::read(<$ty>::serialize(self, buffer::SERIALIZER))
                    .and_then(|external| $crate::wire_tag::to_internal(external, $tag))
                    .map_err(<S::Error as serde::ser::Error>::custom)?;
                serde::Serialize::serialize(&external, s)
            }
        }
        impl<'de> serde::Deserialize<'de> for $ty {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                use $crate::wire_tag::buffer;
                let internal = <serde_json::Value as serde::Deserialize>::deserialize(d)?;
                $crate::wire_tag::from_internal(internal, $tag, |external| {
                    <$ty>::deserialize(buffer::write(external)?).map_err(|e| e.to_string())
                })
                .map_err(<D::Error as serde::de::Error>::custom)
            }
        }
    };
}

/// Where the externally tagged form is made and read. In the adapter's WASM it is a JavaScript value
/// through `serde_wasm_bindgen`, the format the adapter reads and writes everything else in, so each
/// variant's code is compiled for that one format (through `serde_json::Value` it would be compiled
/// again, for `Value`: a third of the gain lost, measured). Natively it is a `serde_json::Value`.
#[cfg(target_arch = "wasm32")]
#[doc(hidden)]
pub mod buffer {
    use serde::{Deserialize, Serialize};
    use serde_json::Value;
    use serde_wasm_bindgen::{Deserializer, Serializer};
    use wasm_bindgen::JsValue;

    pub const SERIALIZER: &Serializer = &Serializer::json_compatible();

    pub fn read(external: Result<JsValue, serde_wasm_bindgen::Error>) -> Result<Value, String> {
        let external = external.map_err(|e| e.to_string())?;
        Value::deserialize(Deserializer::from(external)).map_err(|e| e.to_string())
    }

    pub fn write(external: Value) -> Result<Deserializer, String> {
        let js = external.serialize(SERIALIZER).map_err(|e| e.to_string())?;
        Ok(Deserializer::from(js))
    }
}

#[cfg(not(target_arch = "wasm32"))]
#[doc(hidden)]
pub mod buffer {
    use serde_json::Value;

    pub const SERIALIZER: serde_json::value::Serializer = serde_json::value::Serializer;

    pub fn read(external: Result<Value, serde_json::Error>) -> Result<Value, String> {
        external.map_err(|e| e.to_string())
    }

    pub fn write(external: Value) -> Result<Value, String> {
        Ok(external)
    }
}

/// `"Leave"` → `{tag: "Leave"}`; `{"Claim": {"epoch": 3}}` → `{tag: "Claim", "epoch": 3}`.
pub fn to_internal(external: Value, tag: &str) -> Result<Value, String> {
    match external {
        Value::String(variant) => Ok(Value::Object(Map::from_iter([(
            tag.to_owned(),
            Value::String(variant),
        )]))),
        Value::Object(outer) if outer.len() == 1 => {
            let (variant, fields) = outer.into_iter().next().expect("one entry");
            let mut fields = match fields {
                Value::Object(fields) => fields,
                Value::Null => Map::new(),
                other => {
                    return Err(format!(
                        "variant {variant} holds {other}, not fields: it cannot carry `{tag}`"
                    ))
                }
            };
            if fields.contains_key(tag) {
                return Err(format!(
                    "variant {variant} has a field named like its tag `{tag}`"
                ));
            }
            fields.insert(tag.to_owned(), Value::String(variant));
            Ok(Value::Object(fields))
        }
        other => Err(format!("not an enum's value: {other}")),
    }
}

/// `{tag: "Claim", "epoch": 3}` → `{"Claim": {"epoch": 3}}` read by `external`; a unit variant is read
/// from `"Claim"`.
pub fn from_internal<T>(
    internal: Value,
    tag: &str,
    external: impl Fn(Value) -> Result<T, String>,
) -> Result<T, String> {
    let mut read = None;
    reshape_and_read(internal, tag, &mut |form| {
        read = Some(external(form)?);
        Ok(())
    })?;
    read.ok_or_else(|| "not read".to_owned())
}

/// [`from_internal`]'s work, compiled once for every enum (only the read is the enum's own).
fn reshape_and_read(
    internal: Value,
    tag: &str,
    read: &mut dyn FnMut(Value) -> Result<(), String>,
) -> Result<(), String> {
    let Value::Object(mut fields) = internal else {
        return Err(format!("expected an object with `{tag}`"));
    };
    let variant = match fields.remove(tag) {
        Some(Value::String(variant)) => variant,
        Some(_) => return Err(format!("`{tag}` is not a string")),
        None => return Err(format!("missing field `{tag}`")),
    };
    // A unit variant ignores the object's other fields, as serde's tag does (`{"outcome": "Queued",
    // "epoch": 3}` is a `Queued`); one without fields may also be a variant whose fields all default.
    if fields.is_empty() && read(Value::String(variant.clone())).is_ok() {
        return Ok(());
    }
    let unit = Value::String(variant.clone());
    read(Value::Object(Map::from_iter([(
        variant,
        Value::Object(fields),
    )])))
    .or_else(|with_fields| read(unit).map_err(|_| with_fields))
}

#[cfg(test)]
mod tests {
    use serde::{Deserialize, Serialize};
    use serde_json::json;

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    #[serde(remote = "Self", rename_all = "snake_case")]
    enum Msg {
        Leave,
        Claim {
            epoch: u64,
        },
        Quiet {
            #[serde(default)]
            for_ms: u64,
        },
        Inner(Inner),
    }
    crate::internally_tagged!(Msg, "type");

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    #[serde(remote = "Self")]
    enum Inner {
        Row { row: u32 },
    }
    crate::internally_tagged!(Inner, "kind");

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    #[serde(tag = "type", rename_all = "snake_case")]
    enum SerdeMsg {
        Leave,
        Claim {
            epoch: u64,
        },
        Quiet {
            #[serde(default)]
            for_ms: u64,
        },
        Inner(SerdeInner),
    }

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    #[serde(tag = "kind")]
    enum SerdeInner {
        Row { row: u32 },
    }

    fn both(ours: Msg, serdes: SerdeMsg) {
        let written = serde_json::to_value(&ours).expect("json");
        assert_eq!(
            written,
            serde_json::to_value(&serdes).expect("json"),
            "writes what serde's tag writes"
        );
        assert_eq!(
            serde_json::from_value::<Msg>(written.clone()).expect("json"),
            ours
        );
        let text = serde_json::to_string(&serdes).expect("json");
        assert_eq!(
            serde_json::from_str::<Msg>(&text).expect("json"),
            ours,
            "reads what serde's tag wrote"
        );
    }

    #[test]
    fn every_variant_kind_reads_and_writes_as_serdes_internal_tag() {
        both(Msg::Leave, SerdeMsg::Leave);
        both(Msg::Claim { epoch: 3 }, SerdeMsg::Claim { epoch: 3 });
        both(Msg::Quiet { for_ms: 0 }, SerdeMsg::Quiet { for_ms: 0 });
        both(
            Msg::Inner(Inner::Row { row: 2 }),
            SerdeMsg::Inner(SerdeInner::Row { row: 2 }),
        );
        assert_eq!(
            serde_json::to_value(Msg::Inner(Inner::Row { row: 2 })).expect("json"),
            json!({"type": "inner", "kind": "Row", "row": 2})
        );
    }

    #[test]
    fn defaults_apply_to_a_variant_written_without_its_fields() {
        assert_eq!(
            serde_json::from_value::<Msg>(json!({"type": "quiet"})).expect("json"),
            Msg::Quiet { for_ms: 0 }
        );
    }

    #[test]
    fn other_fields_are_ignored_as_serdes_tag_ignores_them() {
        let read = |v| serde_json::from_value::<Msg>(v).expect("reads");
        assert_eq!(read(json!({"type": "leave", "epoch": 3})), Msg::Leave);
        assert_eq!(
            read(json!({"type": "claim", "epoch": 3, "by": "t1"})),
            Msg::Claim { epoch: 3 }
        );
        let serdes = |v| serde_json::from_value::<SerdeMsg>(v).expect("reads");
        assert_eq!(
            serdes(json!({"type": "leave", "epoch": 3})),
            SerdeMsg::Leave
        );
    }

    #[test]
    fn bad_input_is_refused_with_the_reason() {
        let err = |v| {
            serde_json::from_value::<Msg>(v)
                .expect_err("refused")
                .to_string()
        };
        assert!(err(json!({"epoch": 3})).contains("missing field `type`"));
        assert!(err(json!({"type": 7})).contains("`type` is not a string"));
        assert!(err(json!({"type": "fly"})).contains("unknown variant `fly`"));
        assert!(err(json!({"type": "claim"})).contains("missing field `epoch`"));
        assert!(err(json!([1])).contains("expected an object with `type`"));
    }
}
