//! The checks made on a URL before any connection: scheme, credentials, port, and a host
//! that is neither a forbidden IP literal nor a local or internal name.

use std::net::IpAddr;

use url::{Host, Url};

use super::{OutboundError, forbidden_reason};

/// What outbound requests may reach beyond the public internet.
///
/// Built from the operator's allowlist: entries are `host` or `host:port` (IPv6 as
/// `[::1]:8080`), e.g. `"127.0.0.1:4010"` or `"localhost"`. An allowlisted host (on that
/// port, when one is given) may be reached even though it is private; that is how
/// on-premises services and tests are reached. Entries that cannot be parsed allow nothing.
#[derive(Debug, Clone, Default)]
pub struct OutboundPolicy {
    allow: Vec<AllowEntry>,
}

#[derive(Debug, Clone, PartialEq)]
struct AllowEntry {
    host: AllowedHost,
    /// `None` allows every port.
    port: Option<u16>,
}

#[derive(Debug, Clone, PartialEq)]
enum AllowedHost {
    Ip(IpAddr),
    /// Lowercase, without a trailing dot.
    Name(String),
}

impl AllowedHost {
    fn parse(host: &str) -> Option<Self> {
        if host.is_empty() {
            return None;
        }
        Some(match host.parse::<IpAddr>() {
            Ok(ip) => Self::Ip(ip),
            Err(_) => Self::Name(normalise_name(host)),
        })
    }

    fn of(host: &Host<&str>) -> Self {
        match host {
            Host::Ipv4(ip) => Self::Ip(IpAddr::V4(*ip)),
            Host::Ipv6(ip) => Self::Ip(IpAddr::V6(*ip)),
            Host::Domain(name) => Self::Name(normalise_name(name)),
        }
    }
}

impl OutboundPolicy {
    pub fn new(allow: &[String]) -> Self {
        Self {
            allow: allow
                .iter()
                .filter_map(|entry| parse_entry(entry))
                .collect(),
        }
    }

    /// Parses `raw` and checks everything that can be checked before DNS: only http and
    /// https, no credentials, no port 0, and no forbidden IP literal or local name unless
    /// allowlisted. Names that pass are checked again, by address, when they resolve.
    pub fn check_url(&self, raw: &str) -> Result<Url, OutboundError> {
        let url = Url::parse(raw).map_err(|error| OutboundError::InvalidUrl {
            reason: error.to_string(),
        })?;
        self.check(&url)?;
        Ok(url)
    }

    pub(super) fn check(&self, url: &Url) -> Result<(), OutboundError> {
        if !matches!(url.scheme(), "http" | "https") {
            return Err(OutboundError::SchemeNotAllowed {
                scheme: url.scheme().to_owned(),
            });
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(OutboundError::CredentialsInUrl);
        }
        let port = url.port_or_known_default();
        if port == Some(0) {
            return Err(OutboundError::InvalidUrl {
                reason: "port 0 cannot be connected to".to_owned(),
            });
        }
        let host = url.host().ok_or_else(|| OutboundError::InvalidUrl {
            reason: "the URL has no host".to_owned(),
        })?;
        let wanted = AllowedHost::of(&host);
        let allowlisted = self
            .allow
            .iter()
            .any(|entry| entry.host == wanted && (entry.port.is_none() || entry.port == port));
        if allowlisted {
            return Ok(());
        }
        let forbidden = |reason: String| OutboundError::ForbiddenDestination {
            host: host.to_string(),
            reason,
        };
        match wanted {
            AllowedHost::Ip(ip) => match forbidden_reason(ip) {
                Some(reason) => Err(forbidden(format!("{reason} address"))),
                None => Ok(()),
            },
            // The resolver exempts allowlisted names whatever the port (it never sees
            // ports), so a port restriction on a name must be enforced here.
            AllowedHost::Name(name) if self.allows_name(&name) => Err(forbidden(
                "the allowlist permits this host only on other ports".to_owned(),
            )),
            AllowedHost::Name(name) if is_local_name(&name) => {
                Err(forbidden("local or internal host name".to_owned()))
            }
            AllowedHost::Name(_) => Ok(()),
        }
    }

    /// Whether `name` is allowlisted on some port. The resolver then returns its addresses
    /// unchecked; [`Self::check`] has already enforced the port.
    pub(super) fn allows_name(&self, name: &str) -> bool {
        let wanted = AllowedHost::Name(normalise_name(name));
        self.allow.iter().any(|entry| entry.host == wanted)
    }
}

fn parse_entry(entry: &str) -> Option<AllowEntry> {
    let entry = entry.trim();
    let (host, port) = if let Some(rest) = entry.strip_prefix('[') {
        let (host, after) = rest.split_once(']')?;
        match after {
            "" => (host, None),
            _ => (host, Some(after.strip_prefix(':')?)),
        }
    } else if entry.matches(':').count() == 1 {
        let (host, port) = entry.split_once(':')?;
        (host, Some(port))
    } else {
        // A bare name, IPv4 address or unbracketed IPv6 address.
        (entry, None)
    };
    let port = match port {
        Some(port) => Some(port.parse::<u16>().ok()?),
        None => None,
    };
    Some(AllowEntry {
        host: AllowedHost::parse(host)?,
        port,
    })
}

/// DNS names are case-insensitive and `localhost.` is `localhost`.
fn normalise_name(name: &str) -> String {
    name.trim_end_matches('.').to_ascii_lowercase()
}

/// Names that only mean something inside our own network. The resolver would catch them
/// by address too; refusing them by name as well costs nothing and covers resolvers that
/// answer oddly (e.g. search domains, split-horizon DNS).
fn is_local_name(name: &str) -> bool {
    name == "localhost"
        || name == "metadata"
        || [".localhost", ".internal", ".local"]
            .iter()
            .any(|suffix| name.ends_with(suffix))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refusal(policy: &OutboundPolicy, url: &str) -> String {
        match policy.check_url(url) {
            Ok(_) => panic!("{url} was allowed"),
            Err(error) => error.to_string(),
        }
    }

    #[test]
    fn refuses_forbidden_destinations_in_every_textual_form() {
        let policy = OutboundPolicy::default();
        let cases = [
            ("http://127.0.0.1/", "127.0.0.1", "loopback"),
            ("http://2130706433/", "127.0.0.1", "loopback"),
            ("http://0x7f000001/", "127.0.0.1", "loopback"),
            ("http://0x7f.1/", "127.0.0.1", "loopback"),
            ("http://0177.0.0.1/", "127.0.0.1", "loopback"),
            ("http://127.1/", "127.0.0.1", "loopback"),
            ("http://127.0.0.1./", "127.0.0.1", "loopback"),
            ("http://１２７.０.０.１/", "127.0.0.1", "loopback"),
            ("http://0/", "0.0.0.0", "unspecified"),
            ("http://[::1]/", "[::1]", "loopback"),
            ("http://[::]/", "[::]", "unspecified"),
            ("http://[::ffff:7f00:1]/", "[::ffff:7f00:1]", "loopback"),
            ("http://[::ffff:127.0.0.1]/", "[::ffff:7f00:1]", "loopback"),
            ("http://[::127.0.0.1]/", "[::7f00:1]", "loopback"),
            ("http://[64:ff9b::7f00:1]/", "[64:ff9b::7f00:1]", "loopback"),
            ("http://[2002:7f00:1::]/", "[2002:7f00:1::]", "loopback"),
            ("http://[fd00:ec2::254]/", "[fd00:ec2::254]", "unique-local"),
            ("http://[fe80::1]/", "[fe80::1]", "link-local"),
            (
                "http://169.254.169.254/latest/meta-data/",
                "169.254.169.254",
                "link-local",
            ),
            ("http://0xa9fea9fe/", "169.254.169.254", "link-local"),
            ("http://10.0.0.1:8080/", "10.0.0.1", "private"),
            ("https://192.168.0.1/", "192.168.0.1", "private"),
            ("http://100.64.0.1/", "100.64.0.1", "carrier-grade NAT"),
        ];
        for (url, host, reason) in cases {
            assert_eq!(
                refusal(&policy, url),
                format!(
                    "refused to connect to {host} ({reason} address): outbound requests \
                     may only reach public internet addresses"
                ),
                "{url}"
            );
        }
    }

    #[test]
    fn refuses_local_and_internal_names() {
        let policy = OutboundPolicy::default();
        for url in [
            "http://localhost/",
            "http://LOCALHOST:8080/",
            "http://localhost./",
            // IDNA maps these circled letters to plain "localhost".
            "http://ⓛⓞⓒⓐⓛⓗⓞⓢⓣ/",
            "http://foo.localhost/",
            "http://metadata/",
            "http://metadata.google.internal/computeMetadata/v1/",
            "http://db.internal/",
            "http://printer.local/",
        ] {
            assert!(
                refusal(&policy, url).contains("(local or internal host name)"),
                "{url}"
            );
        }
    }

    #[test]
    fn refuses_other_schemes_credentials_and_port_zero() {
        let policy = OutboundPolicy::default();
        assert_eq!(
            refusal(&policy, "ftp://example.com/file"),
            "the URL scheme 'ftp' is not allowed: only http and https are"
        );
        assert_eq!(
            refusal(&policy, "file:///etc/passwd"),
            "the URL scheme 'file' is not allowed: only http and https are"
        );
        assert!(refusal(&policy, "gopher://127.0.0.1:6379/_INFO").contains("'gopher'"));
        assert_eq!(
            refusal(&policy, "http://user:pw@example.com/"),
            "URLs with credentials (user:password@) are not allowed; send them in a header"
        );
        assert!(refusal(&policy, "http://user@example.com/").starts_with("URLs with"));
        assert_eq!(
            refusal(&policy, "http://example.com:0/"),
            "invalid URL: port 0 cannot be connected to"
        );
        assert!(refusal(&policy, "not a url").starts_with("invalid URL: "));
        assert!(refusal(&policy, "http://256.0.0.1/").starts_with("invalid URL: "));
    }

    #[test]
    fn public_destinations_pass_the_url_check() {
        let policy = OutboundPolicy::default();
        for url in [
            "http://93.184.216.34/",
            "https://example.com/path?q=1",
            "http://[2606:4700:4700::1111]/",
            "https://api.openai.com:443/v1",
        ] {
            assert!(policy.check_url(url).is_ok(), "{url}");
        }
    }

    #[test]
    fn allowlist_entries_match_host_and_port() {
        let policy = OutboundPolicy::new(&[
            "127.0.0.1:4010".to_owned(),
            "localhost".to_owned(),
            "[::1]:8080".to_owned(),
            "Onprem.Example.".to_owned(),
            "build.internal:8443".to_owned(),
        ]);
        for url in [
            "http://127.0.0.1:4010/",
            "http://localhost:9999/",
            "http://[::1]:8080/",
            "https://onprem.example/",
            "https://build.internal:8443/",
        ] {
            assert!(policy.check_url(url).is_ok(), "{url}");
        }
        assert!(refusal(&policy, "http://127.0.0.1:4011/").contains("(loopback address)"));
        assert!(refusal(&policy, "http://[::1]:8081/").contains("(loopback address)"));
        assert!(refusal(&policy, "https://build.internal/").contains("only on other ports"));
        assert!(policy.allows_name("LOCALHOST."));
        assert!(policy.allows_name("build.internal"));
        assert!(!policy.allows_name("127.0.0.1"));
    }

    #[test]
    fn malformed_allowlist_entries_allow_nothing() {
        let entries = ["127.0.0.1:http", "[::1", "", ":80", "[::1]x"].map(String::from);
        assert!(OutboundPolicy::new(&entries).allow.is_empty());
        assert_eq!(
            parse_entry("::1"),
            Some(AllowEntry {
                host: AllowedHost::Ip("::1".parse().unwrap()),
                port: None
            })
        );
    }
}
