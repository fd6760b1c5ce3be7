//! [`DefaultChain`]: the "just work" credential, trying several credentials in order and sticking to
//! the first that returns a token (like the Azure SDKs' DefaultAzureCredential).
//!
//! Owns: the try-in-order logic, remembering the winner, and one combined error that lists why each
//! member failed (so "not logged in" shows every option the user has).
//!
//! Does not: choose the members (`auth.rs` does, from the `AuthSpec`) or cache tokens (members do).
//!
//! Invariant: once a member has returned a token, only that member is asked again; members are never
//! asked concurrently by one `get_token` call.

use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};

use azure_core::credentials::{AccessToken, TokenCredential, TokenRequestOptions};
use azure_core::error::{Error, ErrorKind};

use crate::auth::describe_credential_error;

/// One labelled member of the chain.
pub type ChainMember = (&'static str, Arc<dyn TokenCredential>);

/// Tries each labelled credential in order; the first success wins for the life of the chain.
pub struct DefaultChain {
    members: Vec<ChainMember>,
    chosen: Mutex<Option<usize>>,
}

impl DefaultChain {
    /// A chain over `members`, tried in the given order.
    pub fn new(members: Vec<ChainMember>) -> Self {
        Self {
            members,
            chosen: Mutex::new(None),
        }
    }

    /// Labels of the members, in order.
    pub fn labels(&self) -> Vec<&'static str> {
        self.members.iter().map(|(label, _)| *label).collect()
    }
}

impl fmt::Debug for DefaultChain {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DefaultChain")
            .field("members", &self.labels())
            .finish_non_exhaustive()
    }
}

#[async_trait::async_trait]
impl TokenCredential for DefaultChain {
    async fn get_token(
        &self,
        scopes: &[&str],
        options: Option<TokenRequestOptions<'_>>,
    ) -> azure_core::Result<AccessToken> {
        let chosen = *self.chosen.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(index) = chosen {
            return self.members[index].1.get_token(scopes, options).await;
        }
        let mut failures = Vec::new();
        for (index, (label, credential)) in self.members.iter().enumerate() {
            match credential.get_token(scopes, options.clone()).await {
                Ok(token) => {
                    *self.chosen.lock().unwrap_or_else(PoisonError::into_inner) = Some(index);
                    tracing::debug!(target: "sentinel_arm::auth", credential = label, "default credential chain picked a credential");
                    return Ok(token);
                }
                Err(e) => failures.push(format!("{label}: {}", describe_credential_error(&e))),
            }
        }
        Err(Error::with_message(
            ErrorKind::Credential,
            format!(
                "no credential in the default chain worked ({})",
                failures.join("; ")
            ),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU32, Ordering};

    #[derive(Debug)]
    struct Fake {
        token: Option<&'static str>,
        calls: AtomicU32,
    }

    #[async_trait::async_trait]
    impl TokenCredential for Fake {
        async fn get_token(
            &self,
            _: &[&str],
            _: Option<TokenRequestOptions<'_>>,
        ) -> azure_core::Result<AccessToken> {
            self.calls.fetch_add(1, Ordering::SeqCst);
            match self.token {
                Some(t) => Ok(AccessToken::new(
                    t.to_owned(),
                    azure_core::time::OffsetDateTime::now_utc(),
                )),
                None => Err(Error::with_message(ErrorKind::Credential, "not logged in")),
            }
        }
    }

    fn fake(token: Option<&'static str>) -> Arc<Fake> {
        Arc::new(Fake {
            token,
            calls: AtomicU32::new(0),
        })
    }

    #[tokio::test]
    async fn first_working_member_wins_and_sticks() {
        let (a, b, c) = (fake(None), fake(Some("tb")), fake(Some("tc")));
        let chain = DefaultChain::new(vec![("a", a.clone()), ("b", b.clone()), ("c", c.clone())]);
        assert_eq!(
            chain.get_token(&["s"], None).await.unwrap().token.secret(),
            "tb"
        );
        assert_eq!(
            chain.get_token(&["s"], None).await.unwrap().token.secret(),
            "tb"
        );
        assert_eq!(
            a.calls.load(Ordering::SeqCst),
            1,
            "a failed once and is not asked again"
        );
        assert_eq!(b.calls.load(Ordering::SeqCst), 2);
        assert_eq!(c.calls.load(Ordering::SeqCst), 0);
    }

    #[tokio::test]
    async fn all_failures_are_listed() {
        let chain = DefaultChain::new(vec![
            ("azure-cli", fake(None)),
            ("managed-identity", fake(None)),
        ]);
        let err = chain.get_token(&["s"], None).await.unwrap_err().to_string();
        assert!(err.contains("azure-cli: not logged in"), "{err}");
        assert!(err.contains("managed-identity: not logged in"), "{err}");
    }
}
