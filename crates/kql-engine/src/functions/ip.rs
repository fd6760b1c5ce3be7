//! IP address functions: `ipv4_*`, `ipv6_*`, `parse_ipv4*`/`parse_ipv6*`, `format_ipv4*`, `has_ipv4*`,
//! `ipv4_range_to_cidr_list`.
//!
//! Addresses are text with an optional `/prefix`; a comparison uses the shortest of the two addresses'
//! prefixes and the explicit prefix argument. For the IPv6 functions an IPv4 address (also written
//! `::a.b.c.d`) is the IPv4-mapped address `::ffff:a.b.c.d`, and its IPv4 prefix `n` is `96 + n` bits.
//! `ipv4_is_private` is RFC 1918 (10/8, 172.16/12, 192.168/16): `127.0.0.1` is not private (the
//! ipv4-is-private-function page). `has_ipv4*` find an address as a term: a maximal run of digits
//! and dots that is a valid address.

use super::{Cx, Func, MANY, arg, f, int, s, string, t};
use crate::error::Result;
use crate::value::{Type, Value};

pub(crate) const FUNCTIONS: &[Func] = &[
    f("ipv4_is_private", 1, 1, t(Type::Bool), |a, _| {
        Ok(v4(&a[0]).map_or(Value::Null, |(ip, _)| Value::Bool(is_private(ip))))
    }),
    f("ipv4_is_in_range", 2, 2, t(Type::Bool), |a, _| {
        Ok(in_range4(&a[0], &a[1]))
    }),
    f(
        "ipv4_is_in_any_range",
        2,
        MANY,
        t(Type::Bool),
        in_any_range4,
    ),
    f("ipv4_is_match", 2, 3, t(Type::Bool), |a, _| {
        Ok(compare4(&a[0], &a[1], arg(a, 2)).map_or(Value::Null, |o| Value::Bool(o == 0)))
    }),
    f("ipv4_compare", 2, 3, t(Type::Long), |a, _| {
        Ok(compare4(&a[0], &a[1], arg(a, 2)).map_or(Value::Null, Value::Long))
    }),
    f("ipv4_netmask_suffix", 1, 1, t(Type::Long), |a, _| {
        Ok(v4(&a[0]).map_or(Value::Null, |(_, m)| Value::Long(i64::from(m))))
    }),
    f("parse_ipv4", 1, 1, t(Type::Long), |a, _| {
        Ok(v4(&a[0]).map_or(Value::Null, |(ip, m)| Value::Long(i64::from(ip & mask4(m)))))
    }),
    f("parse_ipv4_mask", 2, 2, t(Type::Long), |a, _| {
        let (Some((ip, m)), Some(p)) = (v4(&a[0]), int(&a[1])) else {
            return Ok(Value::Null);
        };
        if !(0..=32).contains(&p) {
            return Ok(Value::Null);
        }
        let m = m.min(u8::try_from(p).unwrap_or(32));
        Ok(Value::Long(i64::from(ip & mask4(m))))
    }),
    f("format_ipv4", 1, 2, t(Type::String), |a, _| {
        Ok(format4(a, false))
    }),
    f("format_ipv4_mask", 1, 2, t(Type::String), |a, _| {
        Ok(format4(a, true))
    }),
    f("ipv6_compare", 2, 3, t(Type::Long), |a, _| {
        Ok(compare6(&a[0], &a[1], arg(a, 2)).map_or(Value::Null, Value::Long))
    }),
    f("ipv6_is_match", 2, 3, t(Type::Bool), |a, _| {
        Ok(compare6(&a[0], &a[1], arg(a, 2)).map_or(Value::Null, |o| Value::Bool(o == 0)))
    }),
    f("ipv6_is_in_range", 2, 2, t(Type::Bool), |a, _| {
        Ok(in_range6(&a[0], &a[1]))
    }),
    f(
        "ipv6_is_in_any_range",
        2,
        MANY,
        t(Type::Bool),
        in_any_range6,
    ),
    f("parse_ipv6", 1, 1, t(Type::String), |a, _| {
        Ok(v6(&s(&a[0])).map_or(Value::Null, |(ip, m)| string(format6(ip & mask6(m)))))
    }),
    f("parse_ipv6_mask", 2, 2, t(Type::String), |a, _| {
        let (Some((ip, m)), Some(p)) = (v6(&s(&a[0])), int(&a[1])) else {
            return Ok(Value::Null);
        };
        if !(0..=128).contains(&p) {
            return Ok(Value::Null);
        }
        // for an IPv4 address the prefix argument counts IPv6 bits (the parse-ipv6-mask page)
        let m = m.min(u8::try_from(p).unwrap_or(128));
        Ok(string(format6(ip & mask6(m))))
    }),
    f("has_ipv4", 2, 2, t(Type::Bool), |a, _| {
        let want = v4(&a[1]).map(|x| x.0);
        Ok(Value::Bool(want.is_some_and(|w| {
            ipv4_terms(&s(&a[0])).any(|(ip, _)| ip == w)
        })))
    }),
    f("has_ipv4_prefix", 2, 2, t(Type::Bool), |a, _| {
        Ok(Value::Bool(has_prefix(&s(&a[0]), &[s(&a[1]).into_owned()])))
    }),
    f("has_any_ipv4", 2, MANY, t(Type::Bool), |a, _| {
        let wants: Vec<u32> = list_args(&a[1..])
            .iter()
            .filter_map(|x| parse4(x).map(|p| p.0))
            .collect();
        Ok(Value::Bool(
            ipv4_terms(&s(&a[0])).any(|(ip, _)| wants.contains(&ip)),
        ))
    }),
    f("has_any_ipv4_prefix", 2, MANY, t(Type::Bool), |a, _| {
        Ok(Value::Bool(has_prefix(&s(&a[0]), &list_args(&a[1..]))))
    }),
    f("ipv4_range_to_cidr_list", 2, 2, t(Type::Dynamic), |a, _| {
        let (Some((lo, _)), Some((hi, _))) = (v4(&a[0]), v4(&a[1])) else {
            return Ok(Value::Null);
        };
        Ok(Value::array(
            cidr_list(lo, hi).into_iter().map(string).collect(),
        ))
    }),
];

/// Strings from arguments that may be strings or dynamic arrays of strings.
fn list_args(a: &[Value]) -> Vec<String> {
    let mut out = Vec::new();
    for v in a {
        match v {
            Value::Array(items) => out.extend(items.iter().map(|x| s(x).into_owned())),
            other => out.push(s(other).into_owned()),
        }
    }
    out
}

/// `a.b.c.d[/n]` → (address, prefix).
pub(crate) fn parse4(text: &str) -> Option<(u32, u8)> {
    let text = text.trim();
    let (addr, mask) = match text.split_once('/') {
        Some((a, m)) => (a, m.trim().parse::<u8>().ok().filter(|m| *m <= 32)?),
        None => (text, 32),
    };
    let mut n: u32 = 0;
    let mut parts = 0;
    for p in addr.split('.') {
        if p.is_empty() || p.len() > 3 || !p.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let v: u32 = p.parse().ok()?;
        if v > 255 {
            return None;
        }
        n = (n << 8) | v;
        parts += 1;
    }
    (parts == 4).then_some((n, mask))
}

fn v4(v: &Value) -> Option<(u32, u8)> {
    parse4(&s(v))
}

fn mask4(m: u8) -> u32 {
    if m == 0 {
        0
    } else {
        u32::MAX << (32 - u32::from(m.min(32)))
    }
}

fn is_private(ip: u32) -> bool {
    let in_net = |net: u32, bits: u8| ip & mask4(bits) == net;
    in_net(0x0A00_0000, 8) || in_net(0xAC10_0000, 12) || in_net(0xC0A8_0000, 16)
}

fn in_range4(ip: &Value, range: &Value) -> Value {
    match (v4(ip), v4(range)) {
        (Some((a, _)), Some((r, m))) => Value::Bool(a & mask4(m) == r & mask4(m)),
        _ => Value::Null,
    }
}

fn in_any_range4(a: &[Value], _: &Cx<'_>) -> Result<Value> {
    let Some((ip, _)) = v4(&a[0]) else {
        return Ok(Value::Null);
    };
    Ok(Value::Bool(
        list_args(&a[1..])
            .iter()
            .filter_map(|r| parse4(r))
            .any(|(r, m)| ip & mask4(m) == r & mask4(m)),
    ))
}

fn compare4(x: &Value, y: &Value, prefix: &Value) -> Option<i64> {
    let ((a, ma), (b, mb)) = (v4(x)?, v4(y)?);
    let mut m = ma.min(mb);
    if !prefix.is_null() {
        let p = int(prefix)?;
        if !(0..=32).contains(&p) {
            return None;
        }
        m = m.min(u8::try_from(p).ok()?);
    }
    let (a, b) = (a & mask4(m), b & mask4(m));
    Some(match a.cmp(&b) {
        std::cmp::Ordering::Less => -1,
        std::cmp::Ordering::Equal => 0,
        std::cmp::Ordering::Greater => 1,
    })
}

fn format4(a: &[Value], with_mask: bool) -> Value {
    let Some((ip, m)) = (match &a[0] {
        Value::Int(_) | Value::Long(_) => int(&a[0])
            .and_then(|i| u32::try_from(i).ok())
            .map(|i| (i, 32)),
        other => v4(other),
    }) else {
        return string("");
    };
    let p = if a.len() > 1 { int(&a[1]) } else { Some(32) };
    let Some(p) = p.filter(|p| (0..=32).contains(p)) else {
        return string("");
    };
    let m = m.min(u8::try_from(p).unwrap_or(32));
    let n = ip & mask4(m);
    let text = format!(
        "{}.{}.{}.{}",
        n >> 24,
        (n >> 16) & 255,
        (n >> 8) & 255,
        n & 255
    );
    string(if with_mask {
        format!("{text}/{m}")
    } else {
        text
    })
}

/// Every valid IPv4 address appearing as a term in `text`.
fn ipv4_terms(text: &str) -> impl Iterator<Item = (u32, std::ops::Range<usize>)> + '_ {
    let b = text.as_bytes();
    let mut i = 0;
    std::iter::from_fn(move || {
        while i < b.len() {
            if b[i].is_ascii_digit()
                && (i == 0 || !(b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'.'))
            {
                let start = i;
                while i < b.len() && (b[i].is_ascii_digit() || b[i] == b'.') {
                    i += 1;
                }
                let end = i;
                if end < b.len() && b[end].is_ascii_alphabetic() {
                    continue;
                }
                if let Some((ip, _)) = parse4(&text[start..end]) {
                    return Some((ip, start..end));
                }
            } else {
                i += 1;
            }
        }
        None
    })
}

/// True when some address term of `text` starts with one of the prefixes, which must be whole octets
/// (`127.0.` or a complete address).
fn has_prefix(text: &str, prefixes: &[String]) -> bool {
    let valid: Vec<&String> = prefixes
        .iter()
        .filter(|p| {
            let p = p.trim();
            let body = p.strip_suffix('.').unwrap_or(p);
            let parts: Vec<&str> = body.split('.').collect();
            (p.ends_with('.') || parts.len() == 4)
                && parts.iter().all(|x| {
                    !x.is_empty()
                        && x.len() <= 3
                        && x.bytes().all(|c| c.is_ascii_digit())
                        && x.parse::<u32>().is_ok_and(|v| v <= 255)
                })
        })
        .collect();
    ipv4_terms(text).any(|(_, r)| valid.iter().any(|p| text[r.clone()].starts_with(p.trim())))
}

/// IPv6 (or IPv4, mapped) with prefix.
pub(crate) fn v6(text: &str) -> Option<(u128, u8)> {
    let text = text.trim();
    if let Some((ip, m)) = parse4(text) {
        return Some((0xffff_0000_0000 | u128::from(ip), 96 + m));
    }
    let (addr, mask) = match text.split_once('/') {
        Some((a, m)) => (a, Some(m.trim().parse::<u8>().ok()?)),
        None => (text, None),
    };
    // `::a.b.c.d` is read as IPv4-mapped, its prefix in IPv4 bits
    if let Some(rest) = addr.strip_prefix("::")
        && let Some((ip, _)) = parse4(rest)
    {
        let m = mask.map_or(128, |m| 96 + m.min(32));
        return Some((0xffff_0000_0000 | u128::from(ip), m));
    }
    let parsed: std::net::Ipv6Addr = addr.parse().ok()?;
    let m = mask.unwrap_or(128);
    if m > 128 {
        return None;
    }
    Some((u128::from(parsed), m))
}

fn mask6(m: u8) -> u128 {
    if m == 0 {
        0
    } else {
        u128::MAX << (128 - u32::from(m.min(128)))
    }
}

fn format6(ip: u128) -> String {
    let groups: Vec<String> = (0..8)
        .rev()
        .map(|i| format!("{:04x}", (ip >> (i * 16)) & 0xffff))
        .collect();
    groups.join(":")
}

fn compare6(x: &Value, y: &Value, prefix: &Value) -> Option<i64> {
    let ((a, ma), (b, mb)) = (v6(&s(x))?, v6(&s(y))?);
    let mut m = ma.min(mb);
    if !prefix.is_null() {
        let p = int(prefix)?;
        if !(0..=128).contains(&p) {
            return None;
        }
        m = m.min(u8::try_from(p).ok()?);
    }
    let (a, b) = (a & mask6(m), b & mask6(m));
    Some(match a.cmp(&b) {
        std::cmp::Ordering::Less => -1,
        std::cmp::Ordering::Equal => 0,
        std::cmp::Ordering::Greater => 1,
    })
}

fn in_range6(ip: &Value, range: &Value) -> Value {
    match (v6(&s(ip)), v6(&s(range))) {
        (Some((a, _)), Some((r, m))) => Value::Bool(a & mask6(m) == r & mask6(m)),
        _ => Value::Null,
    }
}

fn in_any_range6(a: &[Value], _: &Cx<'_>) -> Result<Value> {
    let Some((ip, _)) = v6(&s(&a[0])) else {
        return Ok(Value::Null);
    };
    Ok(Value::Bool(
        list_args(&a[1..])
            .iter()
            .filter_map(|r| v6(r))
            .any(|(r, m)| ip & mask6(m) == r & mask6(m)),
    ))
}

/// The smallest list of CIDR blocks covering `[lo, hi]`.
fn cidr_list(lo: u32, hi: u32) -> Vec<String> {
    let mut out = Vec::new();
    let (mut cur, hi) = (u64::from(lo), u64::from(hi));
    while cur <= hi {
        let mut size = if cur == 0 {
            32
        } else {
            cur.trailing_zeros().min(32)
        };
        while size > 0 && cur + (1u64 << size) - 1 > hi {
            size -= 1;
        }
        #[allow(clippy::cast_possible_truncation)]
        let c = cur as u32;
        out.push(format!(
            "{}.{}.{}.{}/{}",
            c >> 24,
            (c >> 16) & 255,
            (c >> 8) & 255,
            c & 255,
            32 - size
        ));
        cur += 1u64 << size;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_and_ranges() {
        assert!(is_private(parse4("192.168.1.1/24").unwrap().0));
        assert!(!is_private(parse4("127.0.0.1").unwrap().0));
        assert!(matches!(
            in_range4(
                &Value::string("192.168.1.1"),
                &Value::string("192.168.1.255/24")
            ),
            Value::Bool(true)
        ));
        assert_eq!(
            cidr_list(
                parse4("1.1.128.0").unwrap().0,
                parse4("1.1.140.255").unwrap().0
            ),
            ["1.1.128.0/21", "1.1.136.0/22", "1.1.140.0/24"]
        );
    }

    #[test]
    fn prefixes_are_whole_terms() {
        let line = "05:04:54 127.0.0.1 GET /favicon.ico 404";
        assert!(has_prefix(line, &["127.0.".into()]));
        assert!(!has_prefix(line, &["127.0".into()]));
        assert!(!has_prefix("05:04:54127.0.0.1 GET", &["127.0.".into()]));
        assert!(!has_prefix("x 127.0.0.256 y", &["127.0.".into()]));
    }

    #[test]
    fn ipv6_forms() {
        assert_eq!(
            format6(
                v6("192.168.255.255/24")
                    .map(|(ip, m)| ip & mask6(m))
                    .unwrap()
            ),
            "0000:0000:0000:0000:0000:ffff:c0a8:ff00"
        );
        let c = compare6(
            &Value::string("::192.168.1.1/30"),
            &Value::string("192.168.1.255/24"),
            &Value::Null,
        );
        assert_eq!(c, Some(0));
    }
}
