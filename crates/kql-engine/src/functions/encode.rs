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
use std::fmt::Write as _;

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
    f("punycode_from_string", 1, 1, t(Type::String), |a, _| {
        Ok(punycode_encode(&s(&a[0])).map_or(Value::Null, string))
    }),
    f("punycode_to_string", 1, 1, t(Type::String), |a, _| {
        Ok(punycode_decode(&s(&a[0])).map_or(Value::Null, string))
    }),
    f(
        "punycode_domain_to_string",
        1,
        1,
        t(Type::String),
        |a, _| Ok(domain_map(&s(&a[0]), true).map_or(Value::Null, string)),
    ),
    f(
        "punycode_domain_from_string",
        1,
        1,
        t(Type::String),
        |a, _| Ok(domain_map(&s(&a[0]), false).map_or(Value::Null, string)),
    ),
    f(
        "zlib_compress_to_base64_string",
        1,
        1,
        t(Type::String),
        |a, _| Ok(string(b64(&zlib_stored(s(&a[0]).as_bytes())))),
    ),
    f(
        "gzip_compress_to_base64_string",
        1,
        1,
        t(Type::String),
        |a, _| Ok(string(b64(&gzip_stored(s(&a[0]).as_bytes())))),
    ),
    f(
        "zlib_decompress_from_base64_string",
        1,
        1,
        t(Type::String),
        |a, _| {
            Ok(decode_b64(&s(&a[0]))
                .and_then(|b| miniz_oxide::inflate::decompress_to_vec_zlib(&b).ok())
                .and_then(|b| String::from_utf8(b).ok())
                .map_or(Value::Null, string))
        },
    ),
    f(
        "gzip_decompress_from_base64_string",
        1,
        1,
        t(Type::String),
        |a, _| {
            Ok(decode_b64(&s(&a[0]))
                .and_then(|b| gunzip(&b))
                .and_then(|b| String::from_utf8(b).ok())
                .map_or(Value::Null, string))
        },
    ),
];

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// Deflate `data` as stored (uncompressed) blocks, which is what Kusto's documented output shows
/// (`zlib_compress_to_base64_string("1234567890qwertyuiop")` is one stored block).
fn deflate_stored(data: &[u8], out: &mut Vec<u8>) {
    let mut chunks = data.chunks(0xFFFF).peekable();
    if chunks.peek().is_none() {
        out.extend_from_slice(&[1, 0, 0, 0xFF, 0xFF]);
    }
    while let Some(c) = chunks.next() {
        out.push(u8::from(chunks.peek().is_none()));
        #[allow(clippy::cast_possible_truncation)]
        let len = c.len() as u16;
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(&(!len).to_le_bytes());
        out.extend_from_slice(c);
    }
}

fn zlib_stored(data: &[u8]) -> Vec<u8> {
    let mut out = vec![0x78, 0x01];
    deflate_stored(data, &mut out);
    let mut a = adler2::Adler32::new();
    a.write_slice(data);
    out.extend_from_slice(&a.checksum().to_be_bytes());
    out
}

fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

fn gzip_stored(data: &[u8]) -> Vec<u8> {
    let mut out = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff];
    deflate_stored(data, &mut out);
    out.extend_from_slice(&crc32(data).to_le_bytes());
    #[allow(clippy::cast_possible_truncation)]
    out.extend_from_slice(&(data.len() as u32).to_le_bytes());
    out
}

/// Inflates one gzip member (RFC 1952), checking its CRC and length.
fn gunzip(b: &[u8]) -> Option<Vec<u8>> {
    if b.len() < 18 || b[0] != 0x1f || b[1] != 0x8b || b[2] != 8 {
        return None;
    }
    let flags = b[3];
    let mut i = 10usize;
    if flags & 4 != 0 {
        let xlen = usize::from(u16::from_le_bytes([*b.get(i)?, *b.get(i + 1)?]));
        i += 2 + xlen;
    }
    for bit in [8u8, 16] {
        if flags & bit != 0 {
            i += b.get(i..)?.iter().position(|&c| c == 0)? + 1;
        }
    }
    if flags & 2 != 0 {
        i += 2;
    }
    let body = b.get(i..b.len().checked_sub(8)?)?;
    let out = miniz_oxide::inflate::decompress_to_vec(body).ok()?;
    let tail = &b[b.len() - 8..];
    let crc = u32::from_le_bytes([tail[0], tail[1], tail[2], tail[3]]);
    (crc == crc32(&out)).then_some(out)
}

const BASE: u32 = 36;
const T_MIN: u32 = 1;
const T_MAX: u32 = 26;
const SKEW: u32 = 38;
const DAMP: u32 = 700;
const INITIAL_BIAS: u32 = 72;
const INITIAL_N: u32 = 128;

fn adapt(mut delta: u32, points: u32, first: bool) -> u32 {
    delta /= if first { DAMP } else { 2 };
    delta += delta / points;
    let mut k = 0;
    while delta > ((BASE - T_MIN) * T_MAX) / 2 {
        delta /= BASE - T_MIN;
        k += BASE;
    }
    k + (BASE - T_MIN + 1) * delta / (delta + SKEW)
}

fn digit(d: u32) -> char {
    char::from(if d < 26 {
        b'a' + d as u8
    } else {
        b'0' + (d - 26) as u8
    })
}

/// RFC 3492 Punycode encoding of `input` (no `xn--` prefix, no case folding); `None` on overflow.
pub(crate) fn punycode_encode(input: &str) -> Option<String> {
    let cps: Vec<u32> = input.chars().map(u32::from).collect();
    let mut out: String = input.chars().filter(char::is_ascii).collect();
    let basic = u32::try_from(out.len()).ok()?;
    let mut h = basic;
    if basic > 0 {
        out.push('-');
    }
    let (mut n, mut delta, mut bias) = (INITIAL_N, 0u32, INITIAL_BIAS);
    let total = u32::try_from(cps.len()).ok()?;
    while h < total {
        let m = cps.iter().copied().filter(|&c| c >= n).min()?;
        delta = delta.checked_add((m - n).checked_mul(h + 1)?)?;
        n = m;
        for &c in &cps {
            if c < n {
                delta = delta.checked_add(1)?;
            }
            if c == n {
                let mut q = delta;
                let mut k = BASE;
                loop {
                    let t = if k <= bias {
                        T_MIN
                    } else if k >= bias + T_MAX {
                        T_MAX
                    } else {
                        k - bias
                    };
                    if q < t {
                        break;
                    }
                    out.push(digit(t + (q - t) % (BASE - t)));
                    q = (q - t) / (BASE - t);
                    k += BASE;
                }
                out.push(digit(q));
                bias = adapt(delta, h + 1, h == basic);
                delta = 0;
                h += 1;
            }
        }
        delta += 1;
        n += 1;
    }
    Some(out)
}

/// RFC 3492 Punycode decoding; `None` for malformed input.
pub(crate) fn punycode_decode(input: &str) -> Option<String> {
    if !input.is_ascii() {
        return None;
    }
    let (basic, rest) = match input.rfind('-') {
        Some(i) => (&input[..i], &input[i + 1..]),
        None => ("", input),
    };
    let mut out: Vec<u32> = basic.chars().map(u32::from).collect();
    let (mut n, mut i, mut bias) = (INITIAL_N, 0u32, INITIAL_BIAS);
    let mut it = rest.bytes().peekable();
    while it.peek().is_some() {
        let old_i = i;
        let mut w = 1u32;
        let mut k = BASE;
        loop {
            let c = it.next()?;
            let d = match c {
                b'a'..=b'z' => u32::from(c - b'a'),
                b'A'..=b'Z' => u32::from(c - b'A'),
                b'0'..=b'9' => u32::from(c - b'0') + 26,
                _ => return None,
            };
            i = i.checked_add(d.checked_mul(w)?)?;
            let t = if k <= bias {
                T_MIN
            } else if k >= bias + T_MAX {
                T_MAX
            } else {
                k - bias
            };
            if d < t {
                break;
            }
            w = w.checked_mul(BASE - t)?;
            k += BASE;
        }
        let len = u32::try_from(out.len()).ok()? + 1;
        bias = adapt(i - old_i, len, old_i == 0);
        n = n.checked_add(i / len)?;
        i %= len;
        out.insert(i as usize, n);
        i += 1;
    }
    out.into_iter().map(char::from_u32).collect()
}

/// Maps each label of a domain (split at `.`, `。`, `．`, `｡`) to or from `xn--` Punycode; labels
/// that need no change are kept.
fn domain_map(domain: &str, encode: bool) -> Option<String> {
    let labels: Vec<&str> = domain
        .split(['.', '\u{3002}', '\u{FF0E}', '\u{FF61}'])
        .collect();
    let mut out = Vec::with_capacity(labels.len());
    for l in labels {
        if encode {
            if l.is_ascii() {
                out.push(l.to_string());
            } else {
                out.push(format!("xn--{}", punycode_encode(l)?));
            }
        } else if let Some(rest) = l.strip_prefix("xn--").or_else(|| l.strip_prefix("XN--")) {
            out.push(punycode_decode(rest)?);
        } else {
            out.push(l.to_string());
        }
    }
    Some(out.join("."))
}

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
            let mut hex = String::with_capacity(out.len() * 2);
            for x in &out {
                let _ = write!(hex, "{x:02x}");
            }
            string(hex)
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
