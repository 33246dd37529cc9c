//! Guard: both languages complete, no words typed into the UI code (issue 9). Reads files only.

use e2e::guard::locales;

#[test]
fn every_key_exists_in_both_languages_and_every_used_key_exists() {
    let report = locales::check();
    assert!(
        report.keys_used > 50,
        "the scan found only {} keys in use: is it still reading src/ and extension/?",
        report.keys_used
    );
    assert!(
        report.problems.is_empty(),
        "{} locale problem(s), {} missing key(s):\n{}",
        report.problems.len(),
        report.missing_keys,
        report.problems.join("\n")
    );
    assert_eq!(report.missing_keys, 0);
}

#[test]
fn the_adapter_and_the_options_page_set_lang_from_the_messages() {
    // `getUILanguage` can say en-US while the messages shown are Spanish (found on the options page):
    // both pages take `lang` from the message `optLang`, so it names the language of the words shown.
    for lang in locales::LANGUAGES {
        let catalog = locales::load(lang).expect("messages.json");
        let (value, _) = catalog.get("optLang").expect("optLang");
        assert_eq!(value, lang, "optLang in _locales/{lang}");
    }
    for page in ["src/adapter/mod.rs", "src/options/mod.rs"] {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("..")
            .join(page);
        let code = std::fs::read_to_string(&path).expect("page source");
        assert!(
            code.contains("set_attribute(\"lang\", &t(\"optLang\"))"),
            "{page} sets <html lang> from the optLang message"
        );
    }
}
