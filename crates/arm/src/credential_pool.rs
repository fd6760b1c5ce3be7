//! [`CredentialPool`]: one login ([`AuthSpec`]) serving many tenants and audiences, for fleet runs
//! (issue 15: an MSSP's one identity reaching customer tenants; Azure Lighthouse, multi-tenant apps).
//!
//! Owns: building one credential per (authority host, tenant) lazily, on first use, from the same
//! spec with only the tenant (and authority host) replaced; and caching tokens per
//! **(tenant, scope)** with their expiry, refreshing [`crate::token_cache::REFRESH_MARGIN`] before
//! it. Concurrent first requests for the same (tenant, scope) wait for one token request instead
//! of sending N (the per-scope [`TokenCache`] holds its lock across the fetch).
//!
//! Does not: decide which tenant a workspace is in (the environment says), or keep secrets beyond
//! the spec it was given (`Debug` shows tenants only).
//!
//! Invariant: a pooled credential never asks another tenant's credential for a token; a failed build
//! is not cached (the next call retries it and reports the same clear error).

use std::collections::BTreeMap;
use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};

use azure_core::credentials::{AccessToken, TokenCredential, TokenRequestOptions};
use url::Url;

use crate::auth::{AuthSpec, build_credential};
use crate::error::ArmError;
use crate::token_cache::TokenCache;

/// How the pool turns a per-tenant spec into a credential ([`build_credential`] by default).
pub type CredentialBuilder =
    dyn Fn(&AuthSpec) -> Result<Arc<dyn TokenCredential>, ArmError> + Send + Sync;

/// (authority host, tenant); "" for "as the spec says".
type Key = (String, String);

/// Lazily built credentials per tenant, each with a token cache per scope.
pub struct CredentialPool {
    spec: AuthSpec,
    builder: Box<CredentialBuilder>,
    credentials: Mutex<BTreeMap<Key, Arc<PooledCredential>>>,
}

impl fmt::Debug for CredentialPool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CredentialPool")
            .field("method", &self.spec.method.label())
            .field("tenants", &self.tenants())
            .finish_non_exhaustive()
    }
}

impl CredentialPool {
    /// A pool building credentials with [`build_credential`].
    pub fn new(spec: AuthSpec) -> Self {
        Self::with_builder(spec, build_credential)
    }

    /// A pool building credentials with `builder` (to wrap or substitute credentials, e.g. in tests).
    pub fn with_builder(
        spec: AuthSpec,
        builder: impl Fn(&AuthSpec) -> Result<Arc<dyn TokenCredential>, ArmError>
        + Send
        + Sync
        + 'static,
    ) -> Self {
        Self {
            spec,
            builder: Box::new(builder),
            credentials: Mutex::new(BTreeMap::new()),
        }
    }

    /// The spec every credential is built from.
    pub fn spec(&self) -> &AuthSpec {
        &self.spec
    }

    /// The credential for `tenant` at `authority_host` (`None`: the spec's own), built on first use
    /// and shared afterwards. Its tokens are cached per scope (see the module doc).
    pub fn credential(
        &self,
        tenant: Option<&str>,
        authority_host: Option<&Url>,
    ) -> Result<Arc<dyn TokenCredential>, ArmError> {
        let tenant = tenant
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(str::to_ascii_lowercase);
        let key = (
            authority_host.map(Url::to_string).unwrap_or_default(),
            tenant.clone().unwrap_or_default(),
        );
        if let Some(found) = self.lock().get(&key) {
            return Ok(found.clone());
        }
        let mut spec = self.spec.clone();
        if tenant.is_some() {
            spec.tenant_id.clone_from(&tenant);
        }
        if let Some(host) = authority_host {
            spec.authority_host = Some(host.clone());
        }
        // Built outside the lock (it may read a certificate file); a racing builder's result is
        // dropped in favour of the first one stored, so every caller shares one token cache.
        let built = Arc::new(PooledCredential {
            tenant: key.1.clone(),
            inner: (self.builder)(&spec)?,
            tokens: Mutex::new(BTreeMap::new()),
        });
        let mut credentials = self.lock();
        Ok(credentials.entry(key).or_insert(built).clone())
    }

    /// The tenants a credential was built for so far ("" for the spec's own).
    pub fn tenants(&self) -> Vec<String> {
        self.lock().keys().map(|(_, t)| t.clone()).collect()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<Key, Arc<PooledCredential>>> {
        self.credentials
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

/// One [`CredentialPool`] per login of a run: environments whose specs differ only in tenant and
/// authority host share one pool, so a fleet reached through one identity signs in once per
/// (tenant, audience), however many workspaces it has.
#[derive(Debug, Default)]
pub struct CredentialPools {
    pools: Mutex<Vec<Arc<CredentialPool>>>,
}

impl CredentialPools {
    /// An empty set.
    pub fn new() -> Self {
        Self::default()
    }

    /// The credential for `spec`: from the pool of its login (built on first use), for its tenant
    /// and authority host.
    pub fn credential(&self, spec: &AuthSpec) -> Result<Arc<dyn TokenCredential>, ArmError> {
        let mut login = spec.clone();
        login.tenant_id = None;
        login.authority_host = None;
        let pool = {
            let mut pools = self.pools.lock().unwrap_or_else(PoisonError::into_inner);
            if let Some(p) = pools.iter().find(|p| p.spec == login) {
                p.clone()
            } else {
                let p = Arc::new(CredentialPool::new(login));
                pools.push(p.clone());
                p
            }
        };
        pool.credential(spec.tenant_id.as_deref(), spec.authority_host.as_ref())
    }

    /// The logins seen so far and the tenants each built a credential for.
    pub fn tenants(&self) -> Vec<Vec<String>> {
        self.pools
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .iter()
            .map(|p| p.tenants())
            .collect()
    }
}

/// One tenant's credential with a token cache per scope.
struct PooledCredential {
    tenant: String,
    inner: Arc<dyn TokenCredential>,
    tokens: Mutex<BTreeMap<String, Arc<TokenCache>>>,
}

impl fmt::Debug for PooledCredential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PooledCredential")
            .field("tenant", &self.tenant)
            .finish_non_exhaustive()
    }
}

#[async_trait::async_trait]
impl TokenCredential for PooledCredential {
    async fn get_token(
        &self,
        scopes: &[&str],
        options: Option<TokenRequestOptions<'_>>,
    ) -> azure_core::Result<AccessToken> {
        let [scope] = scopes else {
            // Several scopes at once is not a shape this crate asks for; do not cache it.
            return self.inner.get_token(scopes, options).await;
        };
        let cache = {
            let mut tokens = self.tokens.lock().unwrap_or_else(PoisonError::into_inner);
            tokens
                .entry((*scope).to_owned())
                .or_insert_with(|| {
                    Arc::new(TokenCache::new(self.inner.clone(), (*scope).to_owned()))
                })
                .clone()
        };
        cache.token().await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::AuthMethod;
    use azure_core::time::{Duration as Span, OffsetDateTime};
    use std::sync::atomic::{AtomicU32, Ordering};

    /// Counts token requests per (tenant, scope) and builds per tenant.
    #[derive(Debug, Default)]
    struct Ledger {
        builds: Mutex<Vec<String>>,
        fetches: Mutex<Vec<(String, String)>>,
        lifetime_minutes: AtomicU32,
    }

    #[derive(Debug)]
    struct Fake {
        tenant: String,
        ledger: Arc<Ledger>,
    }

    #[async_trait::async_trait]
    impl TokenCredential for Fake {
        async fn get_token(
            &self,
            scopes: &[&str],
            _: Option<TokenRequestOptions<'_>>,
        ) -> azure_core::Result<AccessToken> {
            // Slow enough that concurrent callers overlap.
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
            let mut fetches = self.ledger.fetches.lock().unwrap();
            fetches.push((self.tenant.clone(), scopes.join(" ")));
            let minutes = i64::from(self.ledger.lifetime_minutes.load(Ordering::SeqCst));
            Ok(AccessToken::new(
                format!("{}-{}-{}", self.tenant, scopes[0], fetches.len()),
                OffsetDateTime::now_utc() + Span::minutes(minutes),
            ))
        }
    }

    fn pool(lifetime_minutes: u32) -> (Arc<Ledger>, CredentialPool) {
        let ledger = Arc::new(Ledger::default());
        ledger
            .lifetime_minutes
            .store(lifetime_minutes, Ordering::SeqCst);
        let for_builder = ledger.clone();
        let mut spec = AuthSpec::new(AuthMethod::WorkloadIdentity);
        spec.tenant_id = Some("home".into());
        let pool = CredentialPool::with_builder(spec, move |s| {
            let tenant = s.tenant_id.clone().unwrap_or_default();
            if tenant == "broken" {
                return Err(ArmError::Auth {
                    method: "workload-identity".into(),
                    reason: "no federated token file given".into(),
                });
            }
            for_builder.builds.lock().unwrap().push(tenant.clone());
            Ok(Arc::new(Fake {
                tenant,
                ledger: for_builder.clone(),
            }))
        });
        (ledger, pool)
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_first_requests_fetch_one_token_per_tenant_and_scope() {
        let (ledger, pool) = pool(60);
        let pool = Arc::new(pool);
        let mut tasks = Vec::new();
        for i in 0..24 {
            let pool = pool.clone();
            tasks.push(tokio::spawn(async move {
                let tenant = ["t-a", "T-A", "t-b"][i % 3];
                let scope = if i % 2 == 0 {
                    "arm/.default"
                } else {
                    "la/.default"
                };
                let credential = pool.credential(Some(tenant), None).unwrap();
                credential.get_token(&[scope], None).await.unwrap()
            }));
        }
        for t in tasks {
            t.await.unwrap();
        }
        let mut fetches = ledger.fetches.lock().unwrap().clone();
        fetches.sort();
        assert_eq!(
            fetches,
            [
                ("t-a".to_owned(), "arm/.default".to_owned()),
                ("t-a".to_owned(), "la/.default".to_owned()),
                ("t-b".to_owned(), "arm/.default".to_owned()),
                ("t-b".to_owned(), "la/.default".to_owned()),
            ],
            "one token per (tenant, scope); tenant ids compare case-insensitively"
        );
        let mut tenants = pool.tenants();
        tenants.sort();
        assert_eq!(tenants, ["t-a", "t-b"]);
        assert!(ledger.builds.lock().unwrap().len() >= 2);
        let debug = format!("{pool:?}");
        assert!(
            debug.contains("t-a") && debug.contains("workload-identity"),
            "{debug}"
        );
    }

    #[tokio::test]
    async fn tokens_expire_per_scope_and_the_spec_tenant_is_the_default() {
        let (ledger, pool) = pool(2); // inside the refresh margin: every call refreshes
        let home = pool.credential(None, None).unwrap();
        home.get_token(&["arm"], None).await.unwrap();
        home.get_token(&["arm"], None).await.unwrap();
        assert_eq!(ledger.fetches.lock().unwrap().len(), 2);
        assert_eq!(ledger.fetches.lock().unwrap()[0].0, "home");
        ledger.lifetime_minutes.store(60, Ordering::SeqCst);
        let fresh = pool.credential(Some("other"), None).unwrap();
        fresh.get_token(&["arm"], None).await.unwrap();
        fresh.get_token(&["arm"], None).await.unwrap();
        assert_eq!(ledger.fetches.lock().unwrap().len(), 3);
    }

    #[test]
    fn a_failed_build_is_reported_and_not_cached() {
        let (_, pool) = pool(60);
        for _ in 0..2 {
            let err = pool.credential(Some("broken"), None).unwrap_err();
            assert!(err.to_string().contains("no federated token file"), "{err}");
        }
        assert!(pool.tenants().is_empty());
        let gov = Url::parse("https://login.microsoftonline.us").unwrap();
        pool.credential(Some("t"), Some(&gov)).unwrap();
        pool.credential(Some("t"), None).unwrap();
        assert_eq!(pool.tenants().len(), 2, "one per (authority host, tenant)");
    }

    #[test]
    fn logins_differing_only_in_tenant_share_one_pool_and_others_do_not() {
        let spec = |tenant: &str, client: &str| {
            let mut s = AuthSpec::new(AuthMethod::ClientSecret);
            s.tenant_id = Some(tenant.into());
            s.client_id = Some(client.into());
            s.secret = Some(crate::auth::Secret::new("s"));
            s
        };
        let pools = CredentialPools::new();
        for (tenant, client) in [("t1", "app"), ("t2", "app"), ("T1", "app"), ("t1", "other")] {
            pools.credential(&spec(tenant, client)).unwrap();
        }
        assert_eq!(
            pools.tenants(),
            vec![
                vec!["t1".to_string(), "t2".to_string()],
                vec!["t1".to_string()]
            ]
        );
    }
}
