//! The admin API's token: generated at start (or fixed by [`crate::Config::admin_token`]), compared in
//! constant time against `Authorization: Bearer …` or `x-emulator-admin-token: …`, and never printed by
//! `Debug`. Owns only the secret and the check; the admin endpoints live in `admin`.

use std::fmt;

use hyper::HeaderMap;

use crate::guid::hex;
use crate::random::random_bytes;

/// The secret that unlocks `/_emulator/*`.
#[derive(Clone)]
pub(crate) struct AdminToken(String);

impl fmt::Debug for AdminToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AdminToken(<redacted>)")
    }
}

impl AdminToken {
    /// The configured token, or 32 random hex characters.
    pub(crate) fn new(fixed: Option<&str>) -> Self {
        Self(fixed.map_or_else(|| hex(&random_bytes::<16>()), str::to_string))
    }

    pub(crate) fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether the request carries this token in either header.
    pub(crate) fn accepts(&self, headers: &HeaderMap) -> bool {
        let bearer = headers
            .get_all("authorization")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .filter_map(|v| {
                let (scheme, rest) = v.trim().split_once(' ')?;
                scheme.eq_ignore_ascii_case("bearer").then(|| rest.trim())
            });
        let custom = headers
            .get_all("x-emulator-admin-token")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .map(str::trim);
        bearer
            .chain(custom)
            .any(|presented| constant_time_eq(presented.as_bytes(), self.0.as_bytes()))
    }
}

/// Compares without an early exit on the first differing byte (the length is not secret).
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(*k, v.parse().unwrap());
        }
        h
    }

    #[test]
    fn accepts_either_header_and_nothing_else() {
        let t = AdminToken::new(Some("s3cret"));
        assert!(t.accepts(&headers(&[("authorization", "Bearer s3cret")])));
        assert!(t.accepts(&headers(&[("authorization", "bearer  s3cret ")])));
        assert!(t.accepts(&headers(&[("x-emulator-admin-token", "s3cret")])));
        assert!(!t.accepts(&headers(&[])));
        assert!(!t.accepts(&headers(&[("authorization", "Bearer s3cre")])));
        assert!(!t.accepts(&headers(&[("authorization", "Basic s3cret")])));
        assert!(!t.accepts(&headers(&[("x-emulator-admin-token", "")])));
    }

    #[test]
    fn generated_tokens_are_random_and_redacted() {
        let (a, b) = (AdminToken::new(None), AdminToken::new(None));
        assert_eq!(a.as_str().len(), 32);
        assert_ne!(a.as_str(), b.as_str());
        assert!(!format!("{a:?}").contains(a.as_str()));
    }
}
