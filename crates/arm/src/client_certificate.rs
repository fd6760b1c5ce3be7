//! Client-certificate authentication (service principal with a PEM certificate and RSA key).
//!
//! `azure_identity`'s own `ClientCertificateCredential` needs OpenSSL, which this project does not
//! build. This module owns the replacement: a `ClientAssertionCredential` whose assertion is a JWT
//! (RFC 7523) signed RS256 with ring, carrying the certificate's SHA-1 (`x5t`) and SHA-256
//! (`x5t#S256`) thumbprints, the audience `{authority}/{tenant}/oauth2/v2.0/token`, and a 10-minute
//! lifetime. A fresh assertion is signed for every token request.
//!
//! Does not: read password-protected keys, PFX files or EC keys (Entra certificate credentials are
//! RSA); those fail at build time with a clear error.
//!
//! Invariants: the key is parsed once, when the credential is built; `Debug` never shows it.

use std::fmt;
use std::path::Path;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use azure_core::base64::encode_url_safe;
use azure_core::credentials::TokenCredential;
use azure_core::error::{Error, ErrorKind};
use azure_core::http::{ClientMethodOptions, ClientOptions};
use azure_identity::{
    ClientAssertion, ClientAssertionCredential, ClientAssertionCredentialOptions,
};
use ring::rand::{SecureRandom, SystemRandom};
use ring::signature::{RSA_PKCS1_SHA256, RsaKeyPair};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use serde_json::json;

use crate::auth::AuthSpec;
use crate::error::ArmError;

/// Lifetime of one assertion; Entra only needs it for the token request itself.
const ASSERTION_LIFETIME_SECS: u64 = 600;
const PUBLIC_AUTHORITY: &str = "https://login.microsoftonline.com";
const LABEL: &str = "client-certificate";

/// Signs client assertions with the service principal's certificate key.
struct CertificateAssertion {
    key: RsaKeyPair,
    x5t: String,
    x5t_s256: String,
    audience: String,
    client_id: String,
    rng: SystemRandom,
}

impl fmt::Debug for CertificateAssertion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CertificateAssertion")
            .field("x5t", &self.x5t)
            .field("audience", &self.audience)
            .finish_non_exhaustive()
    }
}

fn fail(reason: String) -> ArmError {
    ArmError::Auth {
        method: LABEL.to_owned(),
        reason,
    }
}

/// Builds the certificate credential for `spec` from the PEM at `certificate_path`.
pub(crate) fn credential(
    spec: &AuthSpec,
    certificate_path: &Path,
    options: ClientOptions,
) -> Result<Arc<dyn TokenCredential>, ArmError> {
    let tenant = spec
        .tenant_id
        .clone()
        .filter(|t| !t.is_empty())
        .ok_or_else(|| fail("no tenant id given".into()))?;
    let client_id = spec
        .client_id
        .clone()
        .filter(|c| !c.is_empty())
        .ok_or_else(|| fail("no client id given".into()))?;
    let authority = spec
        .authority_host
        .as_ref()
        .map_or(PUBLIC_AUTHORITY, |u| u.as_str())
        .trim_end_matches('/');
    let audience = format!("{authority}/{tenant}/oauth2/v2.0/token");
    let assertion =
        CertificateAssertion::from_pem_file(certificate_path, audience, client_id.clone())?;
    let options = ClientAssertionCredentialOptions {
        client_options: options,
    };
    let credential = ClientAssertionCredential::new(tenant, client_id, assertion, Some(options))
        .map_err(|e| fail(crate::auth::describe_credential_error(&e)))?;
    Ok(credential)
}

impl CertificateAssertion {
    fn from_pem_file(path: &Path, audience: String, client_id: String) -> Result<Self, ArmError> {
        let shown = path.display();
        let cert = CertificateDer::pem_file_iter(path)
            .map_err(|e| fail(format!("cannot read certificate file `{shown}`: {e}")))?
            .next()
            .ok_or_else(|| fail(format!("`{shown}` holds no CERTIFICATE block")))?
            .map_err(|e| fail(format!("invalid PEM in `{shown}`: {e}")))?;
        let key = PrivateKeyDer::from_pem_file(path)
            .map_err(|e| fail(format!("`{shown}` holds no unencrypted private key: {e}")))?;
        let key = match &key {
            PrivateKeyDer::Pkcs8(der) => RsaKeyPair::from_pkcs8(der.secret_pkcs8_der()),
            PrivateKeyDer::Pkcs1(der) => RsaKeyPair::from_der(der.secret_pkcs1_der()),
            _ => return Err(fail(format!("the key in `{shown}` is not an RSA key"))),
        }
        .map_err(|e| fail(format!("the key in `{shown}` is not a usable RSA key: {e}")))?;
        let sha1 = ring::digest::digest(&ring::digest::SHA1_FOR_LEGACY_USE_ONLY, cert.as_ref());
        let sha256 = ring::digest::digest(&ring::digest::SHA256, cert.as_ref());
        Ok(Self {
            key,
            x5t: encode_url_safe(sha1.as_ref()),
            x5t_s256: encode_url_safe(sha256.as_ref()),
            audience,
            client_id,
            rng: SystemRandom::new(),
        })
    }

    /// A signed JWT valid from now for [`ASSERTION_LIFETIME_SECS`].
    fn sign(&self, now: u64) -> Result<String, Error> {
        let mut jti = [0u8; 16];
        self.rng.fill(&mut jti).map_err(|_| {
            Error::with_message(ErrorKind::Credential, "no randomness for the assertion id")
        })?;
        let header =
            json!({"alg": "RS256", "typ": "JWT", "x5t": self.x5t, "x5t#S256": self.x5t_s256});
        let claims = json!({
            "aud": self.audience,
            "iss": self.client_id,
            "sub": self.client_id,
            "jti": encode_url_safe(jti),
            "nbf": now,
            "iat": now,
            "exp": now + ASSERTION_LIFETIME_SECS,
        });
        let signing_input = format!(
            "{}.{}",
            encode_url_safe(header.to_string()),
            encode_url_safe(claims.to_string())
        );
        let mut signature = vec![0; self.key.public().modulus_len()];
        self.key
            .sign(
                &RSA_PKCS1_SHA256,
                &self.rng,
                signing_input.as_bytes(),
                &mut signature,
            )
            .map_err(|_| {
                Error::with_message(ErrorKind::Credential, "signing the client assertion failed")
            })?;
        Ok(format!("{signing_input}.{}", encode_url_safe(signature)))
    }
}

#[async_trait::async_trait]
impl ClientAssertion for CertificateAssertion {
    async fn secret(
        &self,
        _options: Option<ClientMethodOptions<'_>>,
    ) -> azure_core::Result<String> {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        self.sign(now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use azure_core::base64::decode_url_safe;
    use ring::signature::{RSA_PKCS1_2048_8192_SHA256, UnparsedPublicKey};
    use std::path::PathBuf;

    fn fixture() -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/test-service-principal.pem")
    }

    fn part(jwt: &str, index: usize) -> serde_json::Value {
        let bytes = decode_url_safe(jwt.split('.').nth(index).unwrap()).unwrap();
        serde_json::from_slice(&bytes).unwrap()
    }

    #[test]
    fn signs_a_verifiable_rs256_assertion() {
        let a = CertificateAssertion::from_pem_file(
            &fixture(),
            "https://login.example/t/oauth2/v2.0/token".into(),
            "app".into(),
        )
        .unwrap();
        let jwt = a.sign(1_700_000_000).unwrap();
        let header = part(&jwt, 0);
        assert_eq!(header["alg"], "RS256");
        assert_eq!(
            header["x5t"].as_str().unwrap().len(),
            27,
            "base64url of a SHA-1 digest"
        );
        let claims = part(&jwt, 1);
        assert_eq!(claims["aud"], "https://login.example/t/oauth2/v2.0/token");
        assert_eq!(
            (claims["iss"].as_str(), claims["sub"].as_str()),
            (Some("app"), Some("app"))
        );
        assert_eq!(
            claims["exp"].as_u64().unwrap() - claims["nbf"].as_u64().unwrap(),
            ASSERTION_LIFETIME_SECS
        );
        let (input, sig) = jwt.rsplit_once('.').unwrap();
        let public = UnparsedPublicKey::new(&RSA_PKCS1_2048_8192_SHA256, a.key.public().as_ref());
        assert!(
            public
                .verify(input.as_bytes(), &decode_url_safe(sig).unwrap())
                .is_ok()
        );
        assert_ne!(
            part(&a.sign(1).unwrap(), 1)["jti"],
            claims["jti"],
            "fresh id per assertion"
        );
        assert!(!format!("{a:?}").contains("PRIVATE"));
    }

    #[test]
    fn unusable_files_are_clear_errors() {
        let err = CertificateAssertion::from_pem_file(
            Path::new("/nonexistent.pem"),
            String::new(),
            String::new(),
        )
        .unwrap_err();
        assert!(
            err.to_string().contains("cannot read certificate file"),
            "{err}"
        );
        let dir = std::env::temp_dir().join(format!("sentinel_arm_cert_{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let only_cert = dir.join("cert-only.pem");
        let text = std::fs::read_to_string(fixture()).unwrap();
        std::fs::write(
            &only_cert,
            &text[..text.find("-----BEGIN PRIVATE KEY").unwrap()],
        )
        .unwrap();
        let err = CertificateAssertion::from_pem_file(&only_cert, String::new(), String::new())
            .unwrap_err();
        assert!(
            err.to_string().contains("no unencrypted private key"),
            "{err}"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
