//! CCAI Manager API pagination (API-NOTES A5): `page` and `per` (at most 100). The vendor's pages
//! disagree on whether a `Link` header says there is more, so the client rule is: follow `rel="next"`
//! when a `Link` header is present, otherwise stop on a page shorter than `per`.

/// The largest page CCAI serves (A5); a larger `per` is cut to this.
pub const MAX_PER: usize = 100;

/// Whether to ask for the page after one that had `got` items out of `per`, given its `Link` header.
pub fn has_next(link: Option<&str>, got: usize, per: usize) -> bool {
    match link {
        Some(link) => link_has_next(link),
        None => got >= per.min(MAX_PER) && got > 0,
    }
}

/// True when an RFC 8288 `Link` header value has a link with `rel="next"` (or `rel=next`).
fn link_has_next(link: &str) -> bool {
    link.split(',').any(|part| {
        part.split(';').skip(1).any(|param| {
            let Some((name, value)) = param.split_once('=') else {
                return false;
            };
            name.trim().eq_ignore_ascii_case("rel")
                && value
                    .trim()
                    .trim_matches('"')
                    .split_ascii_whitespace()
                    .any(|r| r.eq_ignore_ascii_case("next"))
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_client_rule() {
        let cases: &[(Option<&str>, usize, usize, bool)] = &[
            // Link present: it decides, whatever the count.
            (
                Some(
                    r#"<https://x/agents?page=2>; rel="next", <https://x/agents?page=9>; rel="last""#,
                ),
                3,
                100,
                true,
            ),
            (
                Some(r#"<https://x/agents?page=9>; rel="last""#),
                100,
                100,
                false,
            ),
            (Some("<https://x/agents?page=2>; rel=next"), 0, 100, true),
            (
                Some(r#"<https://x/a?page=2>; rel="prev next""#),
                1,
                100,
                true,
            ),
            // No Link: a full page means maybe more, a short one means the end.
            (None, 100, 100, true),
            (None, 99, 100, false),
            (None, 0, 100, false),
            // `per` above the maximum is served as 100 per page.
            (None, 100, 200, true),
        ];
        for &(link, got, per, want) in cases {
            assert_eq!(has_next(link, got, per), want, "{link:?} {got}/{per}");
        }
    }
}
