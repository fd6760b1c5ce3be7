//! [`TokenCache`]: the ARM client's own cache of its one bearer token.
//!
//! Why: not every azure_identity credential caches (`AzureCliCredential` runs `az` on every call,
//! which would cost about a second per ARM request), and a plan over hundreds of resources makes
//! hundreds of requests. One cache in front of any credential makes every method equally cheap.
//!
//! Owns: reuse of the token until [`REFRESH_MARGIN`] before it expires, a single in-flight refresh
//! (concurrent requests wait for it instead of each asking the credential), and
//! [`TokenCache::invalidate`] for the client's one retry after a 401.
//!
//! Does not: know scopes beyond the one it was built with, or log the token.
//!
//! Invariant: the cached `AccessToken` never leaves this module except as the `Secret` header value
//! the client builds from it.

use std::sync::Arc;
use std::time::Duration;

use azure_core::credentials::{AccessToken, TokenCredential};
use azure_core::time::OffsetDateTime;
use tokio::sync::Mutex;

/// A token is refreshed when it expires within this margin (clock skew, long requests).
pub(crate) const REFRESH_MARGIN: Duration = Duration::from_secs(300);

/// Caches the token for one scope in front of any credential.
pub(crate) struct TokenCache {
    credential: Arc<dyn TokenCredential>,
    scope: String,
    current: Mutex<Option<AccessToken>>,
}

impl TokenCache {
    pub(crate) fn new(credential: Arc<dyn TokenCredential>, scope: String) -> Self {
        Self {
            credential,
            scope,
            current: Mutex::new(None),
        }
    }

    /// The scope tokens are requested for.
    pub(crate) fn scope(&self) -> &str {
        &self.scope
    }

    /// A token valid for at least [`REFRESH_MARGIN`], asking the credential only when needed.
    pub(crate) async fn token(&self) -> azure_core::Result<AccessToken> {
        let mut current = self.current.lock().await;
        if let Some(token) = current
            .as_ref()
            .filter(|t| is_fresh(t, OffsetDateTime::now_utc()))
        {
            return Ok(token.clone());
        }
        let token = self
            .credential
            .get_token(&[self.scope.as_str()], None)
            .await?;
        *current = Some(token.clone());
        Ok(token)
    }

    /// Drops the cached token (after ARM rejected it with 401).
    pub(crate) async fn invalidate(&self) {
        *self.current.lock().await = None;
    }
}

fn is_fresh(token: &AccessToken, now: OffsetDateTime) -> bool {
    token.expires_on - now > REFRESH_MARGIN
}

#[cfg(test)]
mod tests {
    use super::*;
    use azure_core::credentials::TokenRequestOptions;
    use azure_core::time::Duration as Span;
    use std::sync::atomic::{AtomicU32, Ordering};

    #[derive(Debug)]
    struct Counting {
        calls: AtomicU32,
        lifetime: Span,
    }

    #[async_trait::async_trait]
    impl TokenCredential for Counting {
        async fn get_token(
            &self,
            scopes: &[&str],
            _: Option<TokenRequestOptions<'_>>,
        ) -> azure_core::Result<AccessToken> {
            assert_eq!(scopes, ["https://management.azure.com/.default"]);
            let n = self.calls.fetch_add(1, Ordering::SeqCst);
            Ok(AccessToken::new(
                format!("t{n}"),
                OffsetDateTime::now_utc() + self.lifetime,
            ))
        }
    }

    fn cache(lifetime: Span) -> (Arc<Counting>, TokenCache) {
        let cred = Arc::new(Counting {
            calls: AtomicU32::new(0),
            lifetime,
        });
        (
            cred.clone(),
            TokenCache::new(cred, "https://management.azure.com/.default".into()),
        )
    }

    #[tokio::test]
    async fn reuses_a_fresh_token_and_refreshes_after_invalidate() {
        let (cred, cache) = cache(Span::hours(1));
        assert_eq!(cache.token().await.unwrap().token.secret(), "t0");
        assert_eq!(cache.token().await.unwrap().token.secret(), "t0");
        assert_eq!(cred.calls.load(Ordering::SeqCst), 1);
        cache.invalidate().await;
        assert_eq!(cache.token().await.unwrap().token.secret(), "t1");
    }

    #[tokio::test]
    async fn a_token_close_to_expiry_is_refreshed() {
        let (cred, cache) = cache(Span::minutes(2));
        cache.token().await.unwrap();
        cache.token().await.unwrap();
        assert_eq!(
            cred.calls.load(Ordering::SeqCst),
            2,
            "inside the refresh margin every call refreshes"
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_callers_share_one_refresh() {
        let (cred, cache) = cache(Span::hours(1));
        let cache = Arc::new(cache);
        let tasks: Vec<_> = (0..16)
            .map(|_| {
                let c = cache.clone();
                tokio::spawn(async move { c.token().await.unwrap().token.secret().to_owned() })
            })
            .collect();
        for t in tasks {
            assert_eq!(t.await.unwrap(), "t0");
        }
        assert_eq!(cred.calls.load(Ordering::SeqCst), 1);
    }
}
