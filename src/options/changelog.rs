//! SPEC P1: the version and the changelog, visible on the page. The changelog is the repository's
//! `CHANGELOG.md`, embedded at build time and shown as text (headings and items, nothing as HTML).

use leptos::prelude::*;

use crate::chrome::i18n::{t, t1};
use crate::settings::SCHEMA;

const CHANGELOG: &str = include_str!("../../CHANGELOG.md");

#[component]
pub fn Version() -> impl IntoView {
    view! {
        <p class="version" id="version">
            {t1("versionLabel", env!("CARGO_PKG_VERSION"))}
            " · "
            {t1("optSchemaLabel", &SCHEMA.to_string())}
        </p>
    }
}

/// The changelog's releases: `## ` lines start a release, `- ` lines are its items. Other lines
/// (the title, prose) are skipped; the file is written for this.
fn releases() -> Vec<(&'static str, Vec<&'static str>)> {
    let mut out: Vec<(&str, Vec<&str>)> = Vec::new();
    for line in CHANGELOG.lines() {
        if let Some(h) = line.strip_prefix("## ") {
            out.push((h.trim(), Vec::new()));
        } else if let (Some(item), Some(last)) = (line.strip_prefix("- "), out.last_mut()) {
            last.1.push(item.trim());
        }
    }
    out
}

#[component]
pub fn Changelog() -> impl IntoView {
    view! {
        <section id="changelog" aria-labelledby="changelog-title">
            <h2 id="changelog-title">{t("optChangelogTitle")}</h2>
            {releases()
                .into_iter()
                .map(|(title, items)| {
                    view! {
                        <h3>{title}</h3>
                        <ul>{items.into_iter().map(|i| view! { <li>{i}</li> }).collect_view()}</ul>
                    }
                })
                .collect_view()}
        </section>
    }
}
