//! Both languages complete (issue 9): every key in `_locales/en` is in `_locales/es` and back, with the
//! same placeholders; every key the code asks for exists; and no words are typed into the UI code
//! instead of `_locales`. Pure file reading: no browser, so it also runs in the bench.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde_json::Value;

/// The languages the extension ships; `en` is `default_locale`.
pub const LANGUAGES: &[&str] = &["en", "es"];

/// Attributes a person hears or reads: a literal value in a `view!` is a hard-coded string.
const SPOKEN_ATTRIBUTES: &[&str] = &[
    "aria-label",
    "aria-description",
    "aria-roledescription",
    "aria-placeholder",
    "title",
    "placeholder",
    "alt",
];

/// What is wrong, one line per problem, and how many keys are missing (the bench's figure).
#[derive(Debug, Default)]
pub struct LocaleReport {
    pub problems: Vec<String>,
    pub missing_keys: usize,
    pub keys_used: usize,
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Reads `_locales/<lang>/messages.json` into key → (message, placeholder names).
pub fn load(lang: &str) -> Result<BTreeMap<String, (String, BTreeSet<String>)>, String> {
    let path = root().join(format!("extension/_locales/{lang}/messages.json"));
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let json: Value =
        serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    let obj = json.as_object().ok_or("messages.json is not an object")?;
    Ok(obj
        .iter()
        .map(|(k, v)| {
            let message = v["message"].as_str().unwrap_or_default().to_owned();
            let placeholders = v["placeholders"]
                .as_object()
                .map(|p| p.keys().map(|k| k.to_lowercase()).collect())
                .unwrap_or_default();
            (k.clone(), (message, placeholders))
        })
        .collect())
}

/// `$1`..`$9` and `$name$` references in a message, for comparing languages.
fn substitutions(message: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let chars: Vec<char> = message.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        if chars[i] == '$' {
            if let Some(d) = chars.get(i + 1).filter(|c| c.is_ascii_digit()) {
                out.insert(format!("${d}"));
                i += 2;
                continue;
            }
            if let Some(end) = chars[i + 1..].iter().position(|c| *c == '$') {
                let name: String = chars[i + 1..i + 1 + end].iter().collect();
                if !name.is_empty() && name.chars().all(|c| c.is_alphanumeric() || c == '_') {
                    out.insert(format!("${}$", name.to_lowercase()));
                    i += end + 2;
                    continue;
                }
            }
        }
        i += 1;
    }
    out
}

fn walk(dir: &Path, ext: &str, acc: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            walk(&path, ext, acc);
        } else if path.extension().and_then(|e| e.to_str()) == Some(ext) {
            acc.push(path);
        }
    }
}

/// The string literal starting at `chars[start]` (a `"`), and the index after it.
fn literal(chars: &[char], start: usize) -> (String, usize) {
    let mut s = String::new();
    let mut i = start + 1;
    while i < chars.len() {
        match chars[i] {
            '\\' => {
                if let Some(c) = chars.get(i + 1) {
                    s.push(*c);
                }
                i += 2;
            }
            '"' => return (s, i + 1),
            c => {
                s.push(c);
                i += 1;
            }
        }
    }
    (s, i)
}

/// Keys passed as literals to `t`, `t1`, `t2` (and `getMessage`) in `text`.
pub fn keys_in_code(text: &str) -> Vec<String> {
    let mut keys = Vec::new();
    for call in ["t(\"", "t1(\"", "t2(\"", "getMessage(\"", "getMessage('"] {
        let mut rest = text;
        while let Some(at) = rest.find(call) {
            // A whole identifier: `t(` but not `set(` or `start(`.
            let before = rest[..at].chars().last();
            let quote = call.chars().last().unwrap_or('"');
            let after = &rest[at + call.len()..];
            if !before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
                if let Some(end) = after.find(quote) {
                    keys.push(after[..end].to_owned());
                }
            }
            rest = after;
        }
    }
    keys
}

/// `__MSG_key__` references (manifest, HTML).
pub fn msg_refs(text: &str) -> Vec<String> {
    between(text, "__MSG_", "__")
}

/// Keys the adapter's markup names for `src/ui`'s `localize` (`data-t`, `data-t-label`,
/// `data-t-placeholder`).
pub fn data_t_refs(text: &str) -> Vec<String> {
    ["data-t=\"", "data-t-label=\"", "data-t-placeholder=\""]
        .into_iter()
        .flat_map(|attribute| between(text, attribute, "\""))
        .collect()
}

/// Every text that stands between `start` and the next `end` in `text`.
fn between(text: &str, start: &str, end: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find(start) {
        let after = &rest[at + start.len()..];
        if let Some(stop) = after.find(end) {
            found.push(after[..stop].to_owned());
        }
        rest = after;
    }
    found
}

/// Spoken attributes with words typed into the markup instead of a `data-t-*` key or `__MSG_`.
pub fn hard_coded_in_markup(text: &str) -> Vec<String> {
    SPOKEN_ATTRIBUTES
        .iter()
        .flat_map(|name| {
            between(text, &format!(" {name}=\""), "\"")
                .into_iter()
                .filter(|value| has_words(value) && !value.contains("__MSG_"))
                .map(move |value| format!("{name}={value:?}"))
        })
        .collect()
}

/// Words a person would read, as opposed to symbols ("▾", "✓", "·", "—") and numbers.
fn has_words(s: &str) -> bool {
    s.chars().filter(|c| c.is_alphabetic()).count() >= 2
}

/// String literals that are text nodes or spoken attributes inside `view! { … }` in `text`.
pub fn hard_coded(text: &str) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    let needle: Vec<char> = "view!".chars().collect();
    let mut found = Vec::new();
    let mut at = 0;
    while at + needle.len() <= chars.len() {
        if chars[at..at + needle.len()] != needle[..] {
            at += 1;
            continue;
        }
        // The macro's body: from its first `{` to the matching `}`.
        let Some(open) = chars[at..].iter().position(|c| *c == '{').map(|p| at + p) else {
            break;
        };
        let mut depth = 0usize;
        let mut i = open;
        while i < chars.len() {
            match chars[i] {
                '"' => {
                    let (lit, next) = literal(&chars, i);
                    if let Some(problem) = classify(&chars, i, next, &lit) {
                        found.push(problem);
                    }
                    i = next;
                    continue;
                }
                '{' => depth += 1,
                '}' => {
                    depth = depth.saturating_sub(1);
                    if depth == 0 {
                        break;
                    }
                }
                _ => {}
            }
            i += 1;
        }
        at = i.max(at + 1);
    }
    found
}

/// A literal is a text node when a tag closes right before it or opens right after it; an attribute
/// value when `name=` precedes it.
fn classify(chars: &[char], start: usize, next: usize, lit: &str) -> Option<String> {
    if !has_words(lit) {
        return None;
    }
    let before = chars[..start]
        .iter()
        .rev()
        .find(|c| !c.is_whitespace())
        .copied();
    let after = chars[next..].iter().find(|c| !c.is_whitespace()).copied();
    if before == Some('>') || after == Some('<') {
        return Some(format!("text node {lit:?}"));
    }
    if before == Some('=') {
        let name: String = chars[..start - 1]
            .iter()
            .rev()
            .skip_while(|c| c.is_whitespace() || **c == '=')
            .take_while(|c| c.is_alphanumeric() || **c == '-' || **c == ':')
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        if SPOKEN_ATTRIBUTES.contains(&name.as_str()) {
            return Some(format!("{name}={lit:?}"));
        }
    }
    None
}

/// Runs every check over the repository's files.
pub fn check() -> LocaleReport {
    let mut report = LocaleReport::default();
    let mut catalogs = BTreeMap::new();
    for lang in LANGUAGES {
        match load(lang) {
            Ok(c) => {
                catalogs.insert(*lang, c);
            }
            Err(e) => {
                report.problems.push(e);
                report.missing_keys += 1;
            }
        }
    }
    let all_keys: BTreeSet<&String> = catalogs.values().flat_map(|c| c.keys()).collect();
    for key in &all_keys {
        let mut subs: Option<(&str, BTreeSet<String>)> = None;
        for (lang, catalog) in &catalogs {
            match catalog.get(*key) {
                None => {
                    report
                        .problems
                        .push(format!("{key}: missing in _locales/{lang}"));
                    report.missing_keys += 1;
                }
                Some((message, _)) if message.trim().is_empty() => {
                    report
                        .problems
                        .push(format!("{key}: empty message in _locales/{lang}"));
                    report.missing_keys += 1;
                }
                Some((message, _)) => {
                    let here = substitutions(message);
                    match &subs {
                        None => subs = Some((lang, here)),
                        Some((first, theirs)) if *theirs != here => report.problems.push(format!(
                            "{key}: substitutions {theirs:?} in {first} but {here:?} in {lang}"
                        )),
                        _ => {}
                    }
                }
            }
        }
    }

    // Keys the code uses.
    let mut used: Vec<(String, String)> = Vec::new();
    let mut rs = Vec::new();
    walk(&root().join("src"), "rs", &mut rs);
    for path in &rs {
        let text = std::fs::read_to_string(path).unwrap_or_default();
        let rel = path
            .strip_prefix(root())
            .unwrap_or(path)
            .display()
            .to_string();
        used.extend(keys_in_code(&text).into_iter().map(|k| (k, rel.clone())));
        for hit in hard_coded(&text) {
            report
                .problems
                .push(format!("{rel}: hard-coded {hit}: put it in _locales"));
        }
    }
    let mut pages = Vec::new();
    for ext in ["js", "html", "json"] {
        walk(&root().join("extension"), ext, &mut pages);
    }
    for path in pages
        .iter()
        .filter(|p| !p.starts_with(root().join("extension/_locales")))
    {
        let text = std::fs::read_to_string(path).unwrap_or_default();
        let rel = path
            .strip_prefix(root())
            .unwrap_or(path)
            .display()
            .to_string();
        used.extend(keys_in_code(&text).into_iter().map(|k| (k, rel.clone())));
        used.extend(msg_refs(&text).into_iter().map(|k| (k, rel.clone())));
        used.extend(data_t_refs(&text).into_iter().map(|k| (k, rel.clone())));
        for hit in hard_coded_in_markup(&text) {
            report
                .problems
                .push(format!("{rel}: hard-coded {hit}: put it in _locales"));
        }
    }
    report.keys_used = used.iter().map(|(k, _)| k).collect::<BTreeSet<_>>().len();
    for (key, file) in used {
        for (lang, catalog) in &catalogs {
            if !catalog.contains_key(&key) {
                report
                    .problems
                    .push(format!("{file} uses {key:?}, absent from _locales/{lang}"));
                report.missing_keys += 1;
            }
        }
    }
    report
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_keys_and_ignores_lookalike_calls() {
        let code = r#"t("a"); t1("b", x); set("c"); start("d"); chrome.i18n.getMessage('e')"#;
        assert_eq!(keys_in_code(code), ["a", "b", "e"]);
    }

    #[test]
    fn flags_words_in_view_text_and_spoken_attributes_only() {
        let code = r#"view! { <p class="x">"Hello there"</p> <span>"▾"</span>
            <b aria-label="Close it" id="close">{t("k")}</b> <i title=t("k")>"·"</i> }"#;
        assert_eq!(
            hard_coded(code),
            ["text node \"Hello there\"", "aria-label=\"Close it\""]
        );
        assert!(hard_coded(r#"let s = "Hello there"; view! { <p>{s}</p> }"#).is_empty());
    }

    #[test]
    fn reads_the_markups_keys_and_flags_its_typed_words() {
        let html = r#"<h1 data-t="title"></h1><ul data-t-label="list" aria-label="Pick one">
            <input data-t-placeholder="hint" title="__MSG_x__" aria-label="▾"></ul>"#;
        assert_eq!(data_t_refs(html), ["title", "list", "hint"]);
        assert_eq!(hard_coded_in_markup(html), ["aria-label=\"Pick one\""]);
    }

    #[test]
    fn substitutions_compare_numbers_and_names() {
        assert_eq!(
            substitutions("a $1 b $NAME$ $$"),
            ["$1", "$name$"].map(String::from).into()
        );
    }
}
