//! The one way this crate builds an HTTP client: reqwest over rustls with the ring provider, trusting
//! the platform's roots plus an optional extra CA file (the emulator's self-signed CA, or a corporate
//! TLS-inspection CA).
//!
//! Owns: loading PEM CA files, the rustls `ClientConfig`, and reqwest's timeouts/redirect policy.
//! Used for ARM calls (`client.rs`) *and* for token requests (`identity_transport.rs`), so a custom
//! authority host such as the emulator's token endpoint is trusted the same way as the ARM endpoint.
//!
//! Does not: decide which hosts may be reached over plain HTTP (`request_url.rs`) or retry anything.
//!
//! Invariants: no aws-lc (ring only); redirects are never followed (ARM does not use them and a
//! redirect could carry the bearer token to another host).

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;

use crate::error::ArmError;

/// TCP+TLS connect timeout.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(20);
/// Timeout between two reads of a response (a stalled server is a transport error, retried).
const READ_TIMEOUT: Duration = Duration::from_secs(60);

/// Reads every certificate in a PEM file; at least one is required.
pub(crate) fn load_ca_file(path: &Path) -> Result<Vec<CertificateDer<'static>>, ArmError> {
    let shown = path.display();
    let certs = CertificateDer::pem_file_iter(path)
        .map_err(|e| ArmError::Config {
            reason: format!("cannot read CA file `{shown}`: {e}"),
        })?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| ArmError::Config {
            reason: format!("invalid PEM in CA file `{shown}`: {e}"),
        })?;
    if certs.is_empty() {
        return Err(ArmError::Config {
            reason: format!("CA file `{shown}` holds no certificate"),
        });
    }
    Ok(certs)
}

/// A rustls config that trusts the platform roots plus `extra_roots`.
pub(crate) fn rustls_config(
    extra_roots: Vec<CertificateDer<'static>>,
) -> Result<rustls::ClientConfig, ArmError> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let verifier =
        rustls_platform_verifier::Verifier::new_with_extra_roots(extra_roots, provider.clone())
            .map_err(|e| ArmError::Config {
                reason: format!("cannot load trusted root certificates: {e}"),
            })?;
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| ArmError::Config {
            reason: format!("cannot configure TLS: {e}"),
        })?
        .dangerous() // a custom verifier, not a weaker one: platform roots + the given CA
        .with_custom_certificate_verifier(Arc::new(verifier))
        .with_no_client_auth();
    Ok(config)
}

/// The reqwest client used for ARM and token requests.
pub(crate) fn build_http_client(
    ca_file: Option<&Path>,
    user_agent: &str,
) -> Result<reqwest::Client, ArmError> {
    let extra = match ca_file {
        Some(path) => load_ca_file(path)?,
        None => Vec::new(),
    };
    reqwest::Client::builder()
        .tls_backend_preconfigured(rustls_config(extra)?)
        .user_agent(user_agent)
        .connect_timeout(CONNECT_TIMEOUT)
        .read_timeout(READ_TIMEOUT)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|e| ArmError::Config {
            reason: format!("cannot build the HTTP client: {e}"),
        })
}

/// Phrases rustls puts in its errors; matched on the error chain's text because hyper-util and
/// reqwest box the connector error in ways that hide the `rustls::Error` from `downcast_ref`.
const TLS_PHRASES: &[&str] = &[
    "invalid peer certificate",
    "received fatal alert",
    "peer is incompatible",
    "peer misbehaved",
];

/// True when a request failed because the server's certificate was not trusted (or TLS failed
/// otherwise): retrying cannot help, and the fix is `--ca-file` or the endpoint.
pub(crate) fn is_tls_failure(e: &reqwest::Error) -> bool {
    let mut source: Option<&(dyn std::error::Error + 'static)> = std::error::Error::source(e);
    while let Some(s) = source {
        if s.downcast_ref::<rustls::Error>().is_some() {
            return true;
        }
        let text = s.to_string();
        if TLS_PHRASES.iter().any(|p| text.contains(p)) {
            return true;
        }
        source = s.source();
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_or_empty_ca_files_are_clear_errors() {
        let err = load_ca_file(Path::new("/nonexistent/ca.pem"))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("cannot read CA file `/nonexistent/ca.pem`"),
            "{err}"
        );
        let dir = std::env::temp_dir().join(format!("sentinel_arm_tls_{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let empty = dir.join("empty.pem");
        std::fs::write(&empty, "not a certificate\n").unwrap();
        let err = load_ca_file(&empty).unwrap_err().to_string();
        assert!(err.contains("holds no certificate"), "{err}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn builds_a_client_without_extra_roots() {
        assert!(build_http_client(None, "sentinelctl-test").is_ok());
    }
}
