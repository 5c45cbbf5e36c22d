//! [`Cloud`]: which Exchange Online and Entra ID hosts a tenant lives on.

use std::fmt;
use std::net::{Ipv4Addr, Ipv6Addr};
use std::str::FromStr;

use url::{Host, Url};

use crate::{Error, Result};

/// The national cloud of a tenant: where its Exchange Online gateway and its Entra ID token
/// endpoint are.
///
/// | cloud | Exchange Online (gateway host and token resource) | Entra ID authority |
/// |---|---|---|
/// | `Commercial` (also GCC) | `https://outlook.office365.com` | `https://login.microsoftonline.com` |
/// | `GccHigh` | `https://outlook.office365.us` | `https://login.microsoftonline.us` |
/// | `DoD` | `https://outlook-dod.office365.us` | `https://login.microsoftonline.us` |
/// | `China` (21Vianet) | `https://partner.outlook.cn` (**unconfirmed**) | `https://login.chinacloudapi.cn` |
///
/// The China gateway host is not confirmed: the Exchange Online PowerShell module's environment
/// table uses `partner.outlook.cn`, while Microsoft's Admin API documentation lists
/// `outlook.office365.cn`. Use [`Cloud::Custom`] (or [`Cloud::custom`]) to point the client at
/// another host, for this or any other reason (a regional host, the emulator).
///
/// Only `https` endpoints are accepted, except on loopback hosts (`127.0.0.0/8`, `::1`,
/// `localhost`), which may use `http` (the emulator and test servers).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Cloud {
    /// The worldwide cloud, and GCC.
    #[default]
    Commercial,
    /// US Government Community Cloud High.
    GccHigh,
    /// US Department of Defense.
    DoD,
    /// Operated by 21Vianet. The gateway host is unconfirmed (see the type's documentation).
    China,
    /// Explicit endpoints.
    Custom {
        /// The Exchange Online base URL: `{exchange}/adminapi/beta/{tenant}/InvokeCommand` is
        /// the gateway and `{exchange}/.default` the token scope.
        exchange: Url,
        /// The Entra ID authority: `{login}/{tenant}/oauth2/v2.0/token` is the token endpoint.
        login: Url,
    },
}

impl Cloud {
    /// A cloud with explicit endpoints, validated (see [`Cloud::validate`]).
    pub fn custom(exchange: &str, login: &str) -> Result<Cloud> {
        let parse = |what: &str, text: &str| {
            Url::parse(text)
                .map_err(|e| Error::invalid_input(what, format!("{text:?} is not a URL: {e}")))
        };
        let cloud = Cloud::Custom {
            exchange: parse("Exchange Online endpoint", exchange)?,
            login: parse("Entra ID authority", login)?,
        };
        cloud.validate()?;
        Ok(cloud)
    }

    /// The Exchange Online base URL (scheme, host and port; no trailing slash).
    pub fn exchange_url(&self) -> Result<Url> {
        match self {
            Cloud::Custom { exchange, .. } => Ok(exchange.clone()),
            builtin => builtin_url(builtin.hosts().0),
        }
    }

    /// The Entra ID authority URL.
    pub fn login_url(&self) -> Result<Url> {
        match self {
            Cloud::Custom { login, .. } => Ok(login.clone()),
            builtin => builtin_url(builtin.hosts().1),
        }
    }

    /// The token scope of the Exchange Online resource: `{exchange}/.default`.
    pub fn scope(&self) -> Result<String> {
        Ok(format!("{}/.default", trimmed(&self.exchange_url()?)))
    }

    /// The token endpoint of `tenant`: `{login}/{tenant}/oauth2/v2.0/token`.
    pub fn token_endpoint(&self, tenant: &str) -> Result<Url> {
        check_tenant(tenant)?;
        let login = self.login_url()?;
        let text = format!("{}/{tenant}/oauth2/v2.0/token", trimmed(&login));
        Url::parse(&text)
            .map_err(|e| Error::invalid_input("Entra ID token endpoint", format!("{text:?}: {e}")))
    }

    /// Checks both endpoints: `https`, or `http` on a loopback host; a host; no user name,
    /// password, query or fragment.
    pub fn validate(&self) -> Result<()> {
        check_endpoint("Exchange Online endpoint", &self.exchange_url()?)?;
        check_endpoint("Entra ID authority", &self.login_url()?)
    }

    fn hosts(&self) -> (&'static str, &'static str) {
        match self {
            Cloud::Commercial | Cloud::Custom { .. } => (
                "https://outlook.office365.com",
                "https://login.microsoftonline.com",
            ),
            Cloud::GccHigh => (
                "https://outlook.office365.us",
                "https://login.microsoftonline.us",
            ),
            Cloud::DoD => (
                "https://outlook-dod.office365.us",
                "https://login.microsoftonline.us",
            ),
            Cloud::China => (
                "https://partner.outlook.cn",
                "https://login.chinacloudapi.cn",
            ),
        }
    }
}

impl fmt::Display for Cloud {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Cloud::Commercial => f.write_str("Commercial"),
            Cloud::GccHigh => f.write_str("GccHigh"),
            Cloud::DoD => f.write_str("DoD"),
            Cloud::China => f.write_str("China"),
            Cloud::Custom { exchange, login } => {
                write!(f, "Custom({}, {})", trimmed(exchange), trimmed(login))
            }
        }
    }
}

impl FromStr for Cloud {
    type Err = Error;

    /// `Commercial` (or `Global`, `GCC`), `GccHigh` (`USGovernment`), `DoD` (`USGovernmentDoD`),
    /// `China` (`21Vianet`), ignoring case and `-`/`_`.
    fn from_str(s: &str) -> Result<Self> {
        let key: String = s
            .chars()
            .filter(|c| !matches!(c, '-' | '_' | ' '))
            .collect::<String>()
            .to_ascii_lowercase();
        match key.as_str() {
            "commercial" | "global" | "worldwide" | "gcc" | "o365default" => Ok(Cloud::Commercial),
            "gcchigh" | "usgovernment" | "o365usgovgcchigh" => Ok(Cloud::GccHigh),
            "dod" | "usgovernmentdod" | "o365usgovdod" => Ok(Cloud::DoD),
            "china" | "21vianet" | "o365china" => Ok(Cloud::China),
            _ => Err(Error::invalid_input(
                "cloud name",
                format!("{s:?} is not one of Commercial, GccHigh, DoD, China"),
            )),
        }
    }
}

fn builtin_url(text: &str) -> Result<Url> {
    Url::parse(text).map_err(|e| Error::invalid_input("built-in endpoint", e.to_string()))
}

/// The URL without its trailing slash.
pub(crate) fn trimmed(url: &Url) -> &str {
    url.as_str().trim_end_matches('/')
}

/// Whether `host` is a loopback host: `127.0.0.0/8`, `::1` or `localhost`.
pub(crate) fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(Host::Ipv4(ip)) => ip.is_loopback(),
        Some(Host::Ipv6(ip)) => {
            ip == Ipv6Addr::LOCALHOST
                || ip
                    .to_ipv4_mapped()
                    .is_some_and(|v4: Ipv4Addr| v4.is_loopback())
        }
        Some(Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        None => false,
    }
}

/// `https`, or `http` on loopback; a host; no credentials, query or fragment.
pub(crate) fn check_endpoint(what: &str, url: &Url) -> Result<()> {
    let shown = trimmed(url);
    if url.host().is_none() {
        return Err(Error::invalid_input(what, format!("{shown:?} has no host")));
    }
    match url.scheme() {
        "https" => {}
        "http" if is_loopback(url) => {}
        "http" => {
            return Err(Error::invalid_input(
                what,
                format!(
                    "{shown:?} uses http: only https is accepted, except on loopback hosts (127.0.0.0/8, ::1, localhost)"
                ),
            ));
        }
        other => {
            return Err(Error::invalid_input(
                what,
                format!("{shown:?} uses the scheme {other:?}: only https is accepted"),
            ));
        }
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(Error::invalid_input(
            what,
            "the URL carries a user name or password; credentials go in a TokenCredential",
        ));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(Error::invalid_input(
            what,
            format!("{shown:?} has a query or fragment: give the base URL only"),
        ));
    }
    Ok(())
}

/// A tenant (GUID or domain) is one path segment: no `/`, `?`, `#`, `%`, `@` or whitespace.
pub(crate) fn check_tenant(tenant: &str) -> Result<()> {
    if tenant.is_empty() {
        return Err(Error::invalid_input(
            "tenant",
            "empty: give the tenant ID (a GUID) or its domain (contoso.onmicrosoft.com)",
        ));
    }
    if let Some(c) = tenant
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_')))
    {
        return Err(Error::invalid_input(
            "tenant",
            format!(
                "{tenant:?} contains {c:?}: a tenant is a GUID or a domain name (letters, digits, '-', '.', '_')"
            ),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_clouds_are_https() {
        for cloud in [Cloud::Commercial, Cloud::GccHigh, Cloud::DoD, Cloud::China] {
            cloud.validate().unwrap();
            assert!(cloud.scope().unwrap().starts_with("https://"));
        }
        assert_eq!(
            Cloud::DoD.scope().unwrap(),
            "https://outlook-dod.office365.us/.default"
        );
        assert_eq!(
            Cloud::GccHigh
                .token_endpoint("contoso.onmicrosoft.com")
                .unwrap()
                .as_str(),
            "https://login.microsoftonline.us/contoso.onmicrosoft.com/oauth2/v2.0/token"
        );
    }

    #[test]
    fn http_only_on_loopback() {
        for ok in [
            "http://127.0.0.1:8080",
            "http://127.8.9.10",
            "http://[::1]:99",
            "http://localhost:1",
            "https://example.com",
        ] {
            Cloud::custom(ok, ok).unwrap();
        }
        for bad in [
            "http://example.com",
            "http://10.0.0.1",
            "http://192.168.1.1",
            "ftp://127.0.0.1",
            "http://localhost.example.com",
            "https://user:pw@example.com",
            "https://example.com/?a=b",
        ] {
            let e = Cloud::custom(bad, "https://login.example.com").unwrap_err();
            assert!(matches!(e, Error::InvalidInput { .. }), "{bad}: {e}");
        }
    }

    #[test]
    fn tenants_are_one_segment() {
        check_tenant("00000000-1111-2222-3333-444444444444").unwrap();
        check_tenant("contoso.onmicrosoft.com").unwrap();
        for bad in ["", "a/b", "a?b", "a b", "a%2f", "x@y"] {
            check_tenant(bad).unwrap_err();
        }
    }

    #[test]
    fn names_parse() {
        assert_eq!("gcc-high".parse::<Cloud>().unwrap(), Cloud::GccHigh);
        assert_eq!("DoD".parse::<Cloud>().unwrap(), Cloud::DoD);
        assert!("mars".parse::<Cloud>().is_err());
    }
}
