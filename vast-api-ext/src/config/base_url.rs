//! The base URL: checked once (http(s) only, `http://` only to loopback,
//! no credentials, query or fragment) and shown redacted.

use crate::{ConfigProblem, Error, UrlProblem};

/// A base URL as it may be shown in errors and `Debug`: scheme, host, port
/// and path only. A query, fragment or userinfo (`user:password@`) may hold a
/// secret, such as `?api_key=…`, so they are cut, also from text that does
/// not parse as a URL.
pub(crate) fn redact_url(url: &str) -> String {
    let url = url.trim();
    let url = &url[..url.find(['?', '#']).unwrap_or(url.len())];
    let (scheme, rest) = match url.find("://") {
        Some(i) => (&url[..i + 3], &url[i + 3..]),
        None => ("", url),
    };
    let authority_end = rest.find('/').unwrap_or(rest.len());
    let (authority, path) = rest.split_at(authority_end);
    let host = authority
        .rsplit_once('@')
        .map_or(authority, |(_, host)| host);
    format!("{scheme}{host}{path}")
}

/// Checks a base URL: http(s) only, `http://` only to loopback unless
/// allowed, no credentials, query or fragment; the trailing `/` is removed.
/// Errors show the URL without query, fragment or credentials.
pub(crate) fn check_base_url(url: &str, allow_insecure_http: bool) -> Result<String, Error> {
    let bad = |problem| -> Error {
        ConfigProblem::BaseUrl {
            url: redact_url(url),
            problem,
        }
        .into()
    };
    let parsed = reqwest::Url::parse(url.trim()).map_err(|e| {
        bad(UrlProblem::NotAUrl {
            reason: e.to_string(),
        })
    })?;
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(bad(UrlProblem::Credentials));
    }
    if parsed.query().is_some() || parsed.fragment().is_some() {
        return Err(bad(UrlProblem::QueryOrFragment));
    }
    match parsed.scheme() {
        "https" => {}
        "http" => {
            let host = parsed.host_str().unwrap_or("");
            let host = host.trim_start_matches('[').trim_end_matches(']');
            let loopback = host.eq_ignore_ascii_case("localhost")
                || host
                    .parse::<std::net::IpAddr>()
                    .is_ok_and(|ip| ip.is_loopback());
            if !loopback && !allow_insecure_http {
                return Err(bad(UrlProblem::InsecureHttp));
            }
        }
        _ => return Err(bad(UrlProblem::Scheme)),
    }
    Ok(parsed.as_str().trim_end_matches('/').to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{ClientBuilder, ErrorKind, Setting};

    #[test]
    fn base_urls_are_checked() {
        let ok = [
            ("https://console.vast.ai/", "https://console.vast.ai"),
            ("http://localhost:3000", "http://localhost:3000"),
            ("http://127.0.0.1:1/", "http://127.0.0.1:1"),
            ("http://[::1]:8080", "http://[::1]:8080"),
            ("https://proxy.example/vast/", "https://proxy.example/vast"),
        ];
        for (input, want) in ok {
            assert_eq!(check_base_url(input, false).unwrap(), want, "{input}");
        }
        let refused = [
            "http://console.vast.ai",
            "http://10.0.0.1:8080",
            "ftp://console.vast.ai",
            "https://user:pw@console.vast.ai",
            "https://console.vast.ai/?key=x",
            "console.vast.ai",
        ];
        for input in refused {
            let err = check_base_url(input, false).unwrap_err();
            assert!(
                matches!(err.kind(), ErrorKind::Config(p) if p.setting() == Setting::BaseUrl),
                "{input}"
            );
        }
        assert!(
            check_base_url("http://console.vast.ai", false)
                .unwrap_err()
                .to_string()
                .contains("allow_insecure_http(true)")
        );
        assert_eq!(
            check_base_url("http://10.0.0.1:8080", true).unwrap(),
            "http://10.0.0.1:8080"
        );
    }

    #[test]
    fn base_url_errors_and_debug_never_show_secrets() {
        let secret_urls = [
            "https://console.vast.ai/?api_key=SECRET",
            "https://console.vast.ai/api#SECRET",
            "https://u:SECRET@console.vast.ai/",
            "https://SECRET@console.vast.ai/",
            "http://u:SECRET@10.0.0.1:8080/x?api_key=SECRET",
            "ftp://u:SECRET@console.vast.ai/?k=SECRET",
            "not a url u:SECRET@host?api_key=SECRET",
            "https://u:SECRET@[bad/?api_key=SECRET",
        ];
        for url in secret_urls {
            let err = check_base_url(url, false).unwrap_err();
            let text = err.to_string();
            assert!(!text.contains("SECRET"), "{text}");
            assert!(!format!("{err:?}").contains("SECRET"), "{err:?}");
            let builder = ClientBuilder::default().api_key("k").base_url(url);
            let debug = format!("{builder:?}");
            assert!(!debug.contains("SECRET"), "{debug}");
        }
        let err = check_base_url("https://u:SECRET@console.vast.ai:8443/vast?a=SECRET", false)
            .unwrap_err();
        assert!(
            err.to_string()
                .contains("the base URL `https://console.vast.ai:8443/vast` holds credentials"),
            "{err}"
        );
        assert_eq!(
            redact_url("http://127.0.0.1:8080/base/"),
            "http://127.0.0.1:8080/base/"
        );
    }
}
