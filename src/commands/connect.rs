//! The ARM flags every command that talks to a workspace takes, mapped onto the operations'
//! [`ConnectOptions`] (clap types stop here), with the invoker's allowances from the session.

use anyhow::Context as _;
use url::Url;

use crate::args::ArmArgs;
use crate::model::environment::AuthMethod;
use crate::ops::ConnectOptions;
use crate::session::Session;

/// The ARM flags and the invoker's variables → the operations' connect options.
pub fn connect_options(
    cx: &Session,
    arm: &ArmArgs,
    concurrency: usize,
) -> anyhow::Result<ConnectOptions> {
    let url = |t: &Option<String>| {
        t.as_deref()
            .map(Url::parse)
            .transpose()
            .context("not a valid URL")
    };
    let auth = arm.auth.as_deref().map(|name| {
        let names = AuthMethod::names().join(", ");
        AuthMethod::parse(name)
            .with_context(|| format!("unknown auth method `{name}` (expected {names})"))
    });
    Ok(ConnectOptions {
        arm_endpoint: url(&arm.arm_endpoint).context("--arm-endpoint")?,
        authority_host: url(&arm.authority_host).context("--authority-host")?,
        ca_file: arm.ca_file.clone(),
        allow_http: arm.allow_http,
        auth: auth.transpose()?,
        allowed_hosts: sentinel_arm::EndpointAllowList::parse(
            &[&arm.allow_endpoints[..], &cx.allowed_endpoints]
                .concat()
                .join(","),
        )
        .context("--allow-endpoint / SENTINELCTL_ALLOW_ENDPOINTS")?,
        allowed_secret_envs: [&arm.allow_secret_envs[..], &cx.allowed_secret_envs].concat(),
        client_certificate: arm
            .client_certificate
            .clone()
            .or_else(|| cx.client_certificate.clone()),
        concurrency,
        ..ConnectOptions::default()
    })
}
