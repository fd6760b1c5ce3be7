//! Hashing and encoding: `hash`/`hash_xxhash64`, `hash_md5`, `hash_sha1`, `hash_sha256`, `hash_combine`,
//! `base64_*`, `url_encode`/`url_encode_component`/`url_decode`, `new_guid`.
//!
//! `hash`/`hash_xxhash64` hash the value's bytes as Kusto lays them out: UTF-8 for strings, the
//! little-endian 64-bit tick count (from year 1) for datetimes and timespans, little-endian integers
//! and IEEE doubles for numbers (`hash(datetime("2015-01-01")) == 1380966698541616202`). The digests
//! (`hash_md5`, `hash_sha1`, `hash_sha256`) hash the UTF-8 of the value's `tostring()`. Both checked
//! against the hash function pages. `hash_combine` is not implemented: its mixing function is not
//! documented. `url_encode` writes lowercase percent escapes and `+` for space
//! (`https%3a%2f%2f…hello+world`); `url_encode_component` writes `%20`.

use base64::Engine as _;

use super::{Cx, Func, arg, f, impure, int, s, string, t};
use crate::error::Result;
use crate::value::{Guid, Type, Value};

pub(crate) const FUNCTIONS: &[Func] = &[
    f("hash", 1, 2, t(Type::Long), hash),
    f("hash_xxhash64", 1, 2, t(Type::Long), hash),
    f("hash_md5", 1, 1, t(Type::String), |a, _| {
        Ok(digest::<md5::Md5>(&a[0]))
    }),
    f("hash_sha256", 1, 1, t(Type::String), |a, _| {
        Ok(digest::<sha2::Sha256>(&a[0]))
    }),
    f("hash_sha1", 1, 1, t(Type::String), |a, _| {
        Ok(match text_bytes(&a[0]) {
            Some(b) => string(sha1_smol::Sha1::from(&b).digest().to_string()),
            None => Value::Null,
        })
    }),
    f("base64_encode_tostring", 1, 1, t(Type::String), |a, _| {
        Ok(string(
            base64::engine::general_purpose::STANDARD.encode(s(&a[0]).as_bytes()),
        ))
    }),
    f("base64_encodestring", 1, 1, t(Type::String), |a, _| {
        Ok(string(
            base64::engine::general_purpose::STANDARD.encode(s(&a[0]).as_bytes()),
        ))
    }),
    f("base64_decode_tostring", 1, 1, t(Type::String), |a, _| {
        Ok(match decode_b64(&s(&a[0])) {
            Some(b) => String::from_utf8(b).map_or(Value::Null, string),
            None => Value::Null,
        })
    }),
    f("base64_decodestring", 1, 1, t(Type::String), |a, _| {
        Ok(match decode_b64(&s(&a[0])) {
            Some(b) => String::from_utf8(b).map_or(Value::Null, string),
            None => Value::Null,
        })
    }),
    f("base64_decode_toarray", 1, 1, t(Type::Dynamic), |a, _| {
        Ok(match decode_b64(&s(&a[0])) {
            Some(b) => Value::array(b.into_iter().map(|x| Value::Long(i64::from(x))).collect()),
            None => Value::Null,
        })
    }),
    f("base64_encode_fromarray", 1, 1, t(Type::String), |a, _| {
        let Value::Array(items) = &a[0] else {
            return Ok(Value::Null);
        };
        let mut bytes = Vec::with_capacity(items.len());
        for v in items.iter() {
            match int(v).and_then(|i| u8::try_from(i).ok()) {
                Some(b) => bytes.push(b),
                None => return Ok(Value::Null),
            }
        }
        Ok(string(
            base64::engine::general_purpose::STANDARD.encode(bytes),
        ))
    }),
    f("base64_encode_fromguid", 1, 1, t(Type::String), |a, _| {
        Ok(match &a[0] {
            Value::Guid(g) => {
                string(base64::engine::general_purpose::STANDARD.encode(g.to_bytes_le()))
            }
            _ => Value::Null,
        })
    }),
    f("base64_decode_toguid", 1, 1, t(Type::Guid), |a, _| {
        Ok(
            match decode_b64(&s(&a[0])).and_then(|b| <[u8; 16]>::try_from(b).ok()) {
                Some(b) => Value::Guid(Guid::from_bytes_le(b)),
                None => Value::Null,
            },
        )
    }),
    f("url_encode", 1, 1, t(Type::String), |a, _| {
        Ok(string(url_encode(&s(&a[0]), true)))
    }),
    f("url_encode_component", 1, 1, t(Type::String), |a, _| {
        Ok(string(url_encode(&s(&a[0]), false)))
    }),
    f("url_decode", 1, 1, t(Type::String), |a, _| {
        Ok(string(url_decode_str(&s(&a[0]))))
    }),
    impure("new_guid", 0, 0, t(Type::Guid), new_guid),
];

/// The bytes Kusto hashes for a value; `None` for null.
pub(crate) fn bytes_of(v: &Value) -> Option<Vec<u8>> {
    Some(match v {
        Value::Null => return None,
        Value::String(x) => x.as_bytes().to_vec(),
        Value::Bool(b) => vec![u8::from(*b)],
        Value::Int(i) => i.to_le_bytes().to_vec(),
        Value::Long(l) => l.to_le_bytes().to_vec(),
        Value::Real(r) => r.to_le_bytes().to_vec(),
        Value::Decimal(d) => d.serialize().to_vec(),
        Value::DateTime(d) => d.ticks_since_year_1().to_le_bytes().to_vec(),
        Value::TimeSpan(ts) => ts.0.to_le_bytes().to_vec(),
        Value::Guid(g) => g.to_bytes_le().to_vec(),
        Value::Array(_) | Value::Bag(_) => v.to_kusto_string().into_bytes(),
    })
}

fn hash(a: &[Value], _: &Cx<'_>) -> Result<Value> {
    let Some(b) = bytes_of(&a[0]) else {
        return Ok(Value::Null);
    };
    #[allow(clippy::cast_possible_wrap)]
    let h = xxhash_rust::xxh64::xxh64(&b, 0) as i64;
    Ok(match int(arg(a, 1)) {
        Some(m) if m > 0 => Value::Long(h.rem_euclid(m)),
        Some(_) => Value::Null,
        None => Value::Long(h),
    })
}

/// The text the digest functions hash: a string's UTF-8, any other value's `tostring()` (the
/// hash-md5-function page: `hash_md5(datetime(2020-01-01))` hashes `2020-01-01T00:00:00.0000000Z`).
fn text_bytes(v: &Value) -> Option<Vec<u8>> {
    match v {
        Value::Null => None,
        other => Some(crate::scalar_ops::text_of(other).as_bytes().to_vec()),
    }
}

fn digest<D: md5::Digest>(v: &Value) -> Value {
    match text_bytes(v) {
        Some(b) => {
            let out = D::digest(&b);
            string(out.iter().map(|x| format!("{x:02x}")).collect::<String>())
        }
        None => Value::Null,
    }
}

fn decode_b64(text: &str) -> Option<Vec<u8>> {
    let t = text.trim();
    // .NET's decoder, which Kusto uses, requires the padding (the base64-encode-fromarray page's
    // unpadded input decodes to nothing)
    base64::engine::general_purpose::STANDARD.decode(t).ok()
}

/// Percent-encodes everything but unreserved characters, lowercase hex; `plus` writes space as `+`.
fn url_encode(text: &str, plus: bool) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        match b {
            b'A'..=b'Z'
            | b'a'..=b'z'
            | b'0'..=b'9'
            | b'-'
            | b'_'
            | b'.'
            | b'!'
            | b'*'
            | b'('
            | b')' => {
                out.push(char::from(b));
            }
            b' ' if plus => out.push('+'),
            _ => out.push_str(&format!("%{b:02x}")),
        }
    }
    out
}

/// Decodes `%xx` escapes and `+` (as space).
pub(crate) fn url_decode_str(text: &str) -> String {
    let replaced = text.replace('+', " ");
    percent_encoding::percent_decode_str(&replaced)
        .decode_utf8_lossy()
        .into_owned()
}

fn new_guid(_: &[Value], cx: &Cx<'_>) -> Result<Value> {
    let mut bytes = [0u8; 16];
    for chunk in bytes.chunks_mut(8) {
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let r = (cx.next_random() * 18_446_744_073_709_551_615.0) as u64;
        chunk.copy_from_slice(&r.to_le_bytes());
    }
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    Ok(Value::Guid(Guid::from_bytes(bytes)))
}
