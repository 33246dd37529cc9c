//! Least privilege (issue 9): the manifest asks only for what an allow-list names, each entry with its
//! reason; the README justifies each in its "Permissions" section; extension pages carry a strict CSP.

use std::path::PathBuf;

use serde_json::Value;

/// API permissions the extension may ask for, and why.
pub const PERMISSIONS: &[(&str, &str)] = &[
    (
        "storage",
        "the connection, sync settings and UI choices live in chrome.storage.local",
    ),
    (
        "identity",
        "launchWebAuthFlow: the agent signs in to the company server with Kustomer's OAuth",
    ),
];

/// Hosts the extension may ask for at run time, and why.
pub const OPTIONAL_HOSTS: &[(&str, &str)] = &[(
    "https://*/*",
    "the company server's one origin, asked for at sign-in (or granted by policy)",
)];

/// Hosts the extension may reach or run on, and why.
pub const HOSTS: &[(&str, &str)] = &[
    (
        "https://*.kustomerapp.com/*",
        "the Kustomer page the adapter runs in (the extension calls no Kustomer API: issue 16)",
    ),
    (
        "http://127.0.0.1/*",
        "the sandbox for the demo and the tests",
    ),
    (
        "http://localhost/*",
        "the sandbox for the demo and the tests",
    ),
];

/// Vendor API hosts the extension must not name anywhere in its manifest (issue 16: it talks only to
/// the company server, which holds the vendors' credentials).
pub const VENDOR_API_HOSTS: &[&str] = &["ccaiplatform.com", "api.kustomerapp.com"];

/// Where the manifest names a vendor API host (host permissions, CSP): empty when it names none.
pub fn vendor_hosts_named() -> Vec<String> {
    let Ok(manifest) = load() else {
        return vec!["manifest.json cannot be read".into()];
    };
    let mut out = Vec::new();
    let places = [
        ("host_permissions", manifest["host_permissions"].to_string()),
        (
            "content_security_policy",
            manifest["content_security_policy"].to_string(),
        ),
    ];
    for (place, text) in places {
        for host in VENDOR_API_HOSTS.iter().filter(|h| text.contains(**h)) {
            out.push(format!("{place} names {host}"));
        }
    }
    // `https://*.kustomerapp.com` in `connect-src` would let the pages fetch Kustomer's API.
    let csp = manifest["content_security_policy"]["extension_pages"]
        .as_str()
        .unwrap_or_default();
    for (name, values) in csp_directives(csp) {
        if name == "connect-src" && values.iter().any(|v| v.contains("kustomerapp.com")) {
            out.push("connect-src names kustomerapp.com".into());
        }
    }
    out
}

/// The only page other origins may load: the adapter frame.
pub const WEB_ACCESSIBLE: &[&str] = &["adapter.html"];

/// Manifest keys that would widen what the extension can do or who can talk to it.
pub const FORBIDDEN_KEYS: &[(&str, &str)] = &[
    (
        "externally_connectable",
        "pages must not reach chrome.runtime: the port is ours alone",
    ),
    (
        "optional_permissions",
        "nothing beyond the allow-list, even on request",
    ),
    (
        "background",
        "no service worker: the adapter frame does the work",
    ),
    ("sandbox", "no sandboxed pages with their own CSP"),
];

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

pub fn load() -> Result<Value, String> {
    let path = root().join("extension/manifest.json");
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .map(|a| {
            a.iter()
                .filter_map(|s| s.as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default()
}

/// The directives of a CSP: name → sources.
pub fn csp_directives(csp: &str) -> Vec<(String, Vec<String>)> {
    csp.split(';')
        .filter_map(|d| {
            let mut words = d.split_whitespace();
            let name = words.next()?.to_lowercase();
            Some((name, words.map(String::from).collect()))
        })
        .collect()
}

/// Problems with the extension pages' CSP, one sentence each.
pub fn csp_problems(csp: &str) -> Vec<String> {
    let mut problems = Vec::new();
    let directives = csp_directives(csp);
    let get = |name: &str| {
        directives
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, s)| s.clone())
    };
    match get("script-src") {
        Some(s) if s == ["'self'", "'wasm-unsafe-eval'"] => {}
        other => problems.push(format!(
            "script-src must be exactly 'self' 'wasm-unsafe-eval' (WASM needs the latter), found {other:?}"
        )),
    }
    for (name, want) in [
        ("object-src", "'none'"),
        ("base-uri", "'none'"),
        ("default-src", "'self'"),
    ] {
        if get(name).as_deref() != Some(&[want.to_owned()][..]) {
            problems.push(format!("{name} must be {want}, found {:?}", get(name)));
        }
    }
    for (name, sources) in &directives {
        for s in sources {
            // `https:` only where the company server must be reached: its address is set at run time
            // (README, Permissions); host permissions still bound what answers.
            let company_server = name == "connect-src" && s == "https:";
            let bad = !company_server
                && matches!(
                    s.as_str(),
                    "'unsafe-inline'"
                        | "'unsafe-eval'"
                        | "*"
                        | "http:"
                        | "https:"
                        | "data:"
                        | "blob:"
                );
            if bad {
                problems.push(format!("{name} allows {s}"));
            }
        }
    }
    problems
}

/// Every problem found in the manifest and the README; empty means least privilege holds.
pub fn check() -> Vec<String> {
    let mut problems = Vec::new();
    let manifest = match load() {
        Ok(m) => m,
        Err(e) => return vec![e],
    };
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap_or_default();
    let section = readme
        .split("\n## ")
        .find(|s| s.starts_with("Permissions"))
        .unwrap_or_default();
    if section.is_empty() {
        problems.push("README.md has no \"Permissions\" section".into());
    }

    for p in strings(&manifest["permissions"]) {
        if !PERMISSIONS.iter().any(|(name, _)| *name == p) {
            problems.push(format!("permission {p:?} is not in the allow-list"));
        }
        if !section.contains(&format!("`{p}`")) {
            problems.push(format!(
                "permission {p:?} has no line in README's Permissions"
            ));
        }
    }
    for h in strings(&manifest["optional_host_permissions"]) {
        if !OPTIONAL_HOSTS.iter().any(|(host, _)| *host == h) {
            problems.push(format!(
                "optional host permission {h:?} is not in the allow-list"
            ));
        }
        if !section.contains(&format!("`{h}`")) {
            problems.push(format!(
                "optional host permission {h:?} has no line in README's Permissions"
            ));
        }
    }
    for h in strings(&manifest["host_permissions"]) {
        if !HOSTS.iter().any(|(host, _)| *host == h) {
            problems.push(format!("host permission {h:?} is not in the allow-list"));
        }
        if !section.contains(&format!("`{h}`")) {
            problems.push(format!(
                "host permission {h:?} has no line in README's Permissions"
            ));
        }
    }
    for (key, why) in FORBIDDEN_KEYS {
        if manifest.get(key).is_some() {
            problems.push(format!("manifest has {key:?}: {why}"));
        }
    }
    for cs in manifest["content_scripts"].as_array().into_iter().flatten() {
        for m in strings(&cs["matches"]) {
            if !HOSTS.iter().any(|(host, _)| *host == m) {
                problems.push(format!(
                    "content script runs on {m:?}, not in the allow-list"
                ));
            }
        }
        if cs["all_frames"] == Value::Bool(true) {
            problems.push("content script runs in all frames".into());
        }
    }
    for war in manifest["web_accessible_resources"]
        .as_array()
        .into_iter()
        .flatten()
    {
        for r in strings(&war["resources"]) {
            if !WEB_ACCESSIBLE.contains(&r.as_str()) {
                problems.push(format!(
                    "web-accessible resource {r:?} is not the adapter frame"
                ));
            }
        }
        for m in strings(&war["matches"]) {
            if !HOSTS.iter().any(|(host, _)| *host == m) {
                problems.push(format!("web-accessible to {m:?}, not in the allow-list"));
            }
        }
        if war.get("extension_ids").is_some() {
            problems.push("web-accessible to other extensions".into());
        }
    }
    if !section.contains("web_accessible_resources") {
        problems.push("README's Permissions does not justify web_accessible_resources".into());
    }
    match manifest["content_security_policy"]["extension_pages"].as_str() {
        Some(csp) => problems.extend(csp_problems(csp).into_iter().map(|p| format!("CSP: {p}"))),
        None => problems.push("no content_security_policy.extension_pages".into()),
    }
    if manifest["content_security_policy"].get("sandbox").is_some() {
        problems.push("a sandbox CSP: no sandboxed pages are used".into());
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_loose_csp_is_refused() {
        assert!(csp_problems("default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; object-src 'none'; base-uri 'none'").is_empty());
        assert!(!csp_problems("default-src 'self'; script-src 'self' 'unsafe-eval'; object-src 'none'; base-uri 'none'").is_empty());
        assert!(!csp_problems("default-src *; script-src 'self' 'wasm-unsafe-eval'; object-src 'none'; base-uri 'none'").is_empty());
        assert!(!csp_problems("script-src 'self' 'wasm-unsafe-eval'").is_empty());
    }
}
