//! Both languages all the way: every page a person meets, rendered in Spanish, holds none of the
//! interface's English strings, and in English none of its Spanish ones. The oracle is the
//! interface itself: every `{% if es %}…{% else %}…{% endif %}` of the templates and every
//! `page.t("…", "…")` of the page handlers.

use std::collections::BTreeSet;
use std::path::Path;

use factoria_tests::{Backend, TestApp};
use reqwest::Method;
use sea_orm::ConnectionTrait;
use serde_json::json;

use crate::fixtures;

/// The interface's strings in each language, as fragments of at least three words (shorter
/// ones, such as "TRL" or "Email", are the same in both or too common to tell).
struct Oracle {
    spanish: BTreeSet<String>,
    english: BTreeSet<String>,
}

/// The literal pieces of a template string: what lies between its expressions and tags.
fn fragments(text: &str) -> Vec<String> {
    let pieces = regex::Regex::new(r"\{\{.*?\}\}|\{%.*?%\}|<[^>]*>|&[a-z#0-9]+;")
        .unwrap_or_else(|e| panic!("{e}"));
    pieces
        .split(text)
        .map(|p| p.split_whitespace().collect::<Vec<_>>().join(" "))
        .map(|p| {
            p.trim_matches(|c: char| {
                c.is_ascii_punctuation() || c == '¿' || c == '¡' || c == '«' || c == '»'
            })
            .to_owned()
        })
        .filter(|p| {
            p.split_whitespace()
                .filter(|w| w.chars().any(char::is_alphabetic))
                .count()
                >= 3
        })
        .collect()
}

fn read_tree(dir: &Path, extension: &str, into: &mut Vec<String>) {
    for entry in std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .flatten()
    {
        let path = entry.path();
        if path.is_dir() {
            read_tree(&path, extension, into);
        } else if path.extension().is_some_and(|e| e == extension) {
            into.push(std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{e}")));
        }
    }
}

fn oracle() -> Oracle {
    let root = factoria_tests::crate_dir().join("..");
    let mut templates = Vec::new();
    read_tree(
        &root.join("frontend/templates/pages"),
        "html",
        &mut templates,
    );
    templates.push(
        std::fs::read_to_string(root.join("frontend/templates/base.html"))
            .unwrap_or_else(|e| panic!("{e}")),
    );
    let mut handlers = Vec::new();
    read_tree(&root.join("backend/src/http/pages"), "rs", &mut handlers);

    let (mut spanish, mut english) = (BTreeSet::new(), BTreeSet::new());
    // Only pairs with nothing nested inside, so that each side is one language.
    let paired = regex::Regex::new(
        r"(?s)\{% if (?:frame\.)?es %\}((?:[^{]|\{[^%])*?)\{% else %\}((?:[^{]|\{[^%])*?)\{% endif %\}",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    for text in &templates {
        for pair in paired.captures_iter(text) {
            spanish.extend(fragments(&pair[1]));
            english.extend(fragments(&pair[2]));
        }
    }
    let translated =
        regex::Regex::new(r#"(?s)\.t\(\s*"((?:[^"\\]|\\.)*)",\s*"((?:[^"\\]|\\.)*)",?\s*\)"#)
            .unwrap_or_else(|e| panic!("{e}"));
    for text in &handlers {
        for pair in translated.captures_iter(text) {
            spanish.extend(fragments(&pair[1]));
            english.extend(fragments(&pair[2]));
        }
    }
    // The domain's English messages and their Spanish, as the pages translate them.
    let messages = std::fs::read_to_string(root.join("backend/src/http/pages/spanish.rs"))
        .unwrap_or_else(|e| panic!("{e}"));
    let translation =
        regex::Regex::new(r#"(?s)"((?:[^"\\]|\\.)*)"\s*=>\s*(?:Some\()?\{?\s*"((?:[^"\\]|\\.)*)""#)
            .unwrap_or_else(|e| panic!("{e}"));
    for pair in translation.captures_iter(&messages) {
        english.extend(fragments(&pair[1]));
        spanish.extend(fragments(&pair[2]));
    }
    // A fragment both languages write the same way (a name, a code) tells nothing.
    let both: BTreeSet<String> = spanish.intersection(&english).cloned().collect();
    spanish.retain(|s| !both.contains(s));
    english.retain(|s| !both.contains(s));
    Oracle { spanish, english }
}

/// The text a person reads on a page: without tags, scripts and styles, entities decoded.
fn readable(html: &str) -> String {
    let hidden = regex::Regex::new(r"(?s)<script.*?</script>|<style.*?</style>|<[^>]*>")
        .unwrap_or_else(|e| panic!("{e}"));
    let text = hidden
        .replace_all(html, " ")
        .replace("&#39;", "'")
        .replace("&quot;", "\"")
        .replace("&#34;", "\"")
        .replace("&amp;", "&")
        .replace("&#38;", "&")
        .replace("&nbsp;", " ");
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

async fn fetch(app: &TestApp, path: &str, cookie: &str) -> String {
    let response = app
        .http
        .get(app.at(path))
        .header("cookie", cookie)
        .send()
        .await
        .unwrap_or_else(|e| panic!("{path}: {e}"));
    let status = response.status().as_u16();
    let html = response.text().await.unwrap_or_default();
    assert!(status < 400, "{path}: {status}\n{html}");
    html
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_page_speaks_the_readers_language_only() {
    let oracle = oracle();
    assert!(
        oracle.english.len() > 150 && oracle.spanish.len() > 150,
        "the oracle found too few strings to judge by: {} English, {} Spanish",
        oracle.english.len(),
        oracle.spanish.len()
    );

    let app = TestApp::spawn(Backend::Sqlite).await;
    app.import(
        &[fixtures::company_es(), fixtures::company_en()],
        &[
            fixtures::challenge("ch-water", "published"),
            fixtures::challenge_en("ch-museums"),
        ],
    )
    .await;
    let officer = app
        .user_token(
            "jefa@canal.example",
            false,
            None,
            Some("Canal de Isabel II"),
        )
        .await;
    let member = app
        .user_token("lucia@fugascero.example", false, Some("co-test-es"), None)
        .await;
    let now = app.ctx.clock.now();
    let (status, body) = app
        .send(
            Method::PUT,
            "/api/v1/challenges/ch-water/call",
            &json!({
                "criteria": [{"name": "Calidad técnica", "weight": 100}],
                "questions_deadline": (now + chrono::Duration::days(2)).to_rfc3339(),
                "proposals_deadline": (now + chrono::Duration::days(5)).to_rfc3339(),
                "panel": ["jefa@canal.example"],
            }),
            Some(&officer),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    app.send(
        Method::POST,
        "/api/v1/challenges/ch-water/proposals",
        &json!({}),
        Some(&member),
    )
    .await;

    let public = [
        "/",
        "/challenges?q=fugas+de+agua",
        "/challenges?q=xyzzy+qwerty+blorf",
        "/challenges/ch-water",
        "/challenges/ch-museums",
        "/login",
        "/signup",
        "/accessibility",
    ];
    let startup = [
        "/for-you",
        "/following",
        "/company/profile",
        "/challenges/ch-water/proposal",
        "/account",
        "/account/alerts",
    ];
    let officer_pages = [
        "/officer",
        "/officer/challenges/new",
        "/officer/challenges/ch-water/edit",
        "/officer/challenges/ch-water/matches",
        "/officer/challenges/ch-water/call",
        "/officer/challenges/ch-water/evaluation",
        "/officer/challenges/ch-water/pipeline",
    ];

    let mut faults = Vec::new();
    for (lang, own, other) in [
        ("es", &oracle.spanish, &oracle.english),
        ("en", &oracle.english, &oracle.spanish),
    ] {
        app.ctx
            .db
            .execute_unprepared(&format!("UPDATE users SET locale = '{lang}'"))
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let (member_cookie, _) = app.session_of("lucia@fugascero.example").await;
        let (officer_cookie, _) = app.session_of("jefa@canal.example").await;
        let anonymous = format!("factoria_lang={lang}");
        let (mut own_found, mut visited) = (0, 0);
        let visits = public
            .iter()
            .map(|p| (*p, anonymous.as_str()))
            .chain(startup.iter().map(|p| (*p, member_cookie.as_str())))
            .chain(officer_pages.iter().map(|p| (*p, officer_cookie.as_str())));
        for (path, cookie) in visits {
            let text = readable(&fetch(&app, path, cookie).await);
            for phrase in other.iter().filter(|p| text.contains(p.as_str())) {
                faults.push(format!("{lang} {path}: «{phrase}»"));
            }
            own_found += own.iter().filter(|p| text.contains(p.as_str())).count();
            visited += 1;
        }
        // The control: the oracle finds the pages' own strings (several per page), so finding
        // none of the other language's is not an accident of the matching.
        if own_found < 3 * visited {
            faults.push(format!(
                "{lang}: only {own_found} of its own interface strings found on {visited} pages"
            ));
        }
    }
    assert!(
        faults.is_empty(),
        "interface strings of the other language:\n{}",
        faults.join("\n")
    );
}

/// The text of a template that sits outside every `{% if es %}` block, where only words both
/// languages share may be.
fn untranslated(template: &str) -> Vec<String> {
    let comments = regex::Regex::new(r"(?s)\{#.*?#\}").unwrap_or_else(|e| panic!("{e}"));
    let template = &comments.replace_all(template, " ");
    let tags = regex::Regex::new(r"(?s)\{%-?\s*(.*?)\s*-?%\}").unwrap_or_else(|e| panic!("{e}"));
    let mut stack: Vec<bool> = Vec::new();
    let mut outside = String::new();
    let mut last = 0;
    for tag in tags.captures_iter(template) {
        let whole = tag.get(0).unwrap_or_else(|| panic!("a match has a whole"));
        if !stack.contains(&true) {
            outside.push_str(&template[last..whole.start()]);
            outside.push('\n');
        }
        last = whole.end();
        let words: Vec<&str> = tag[1].split_whitespace().collect();
        match words.first().copied() {
            Some("if") => stack.push(
                words.len() == 2 && matches!(words[1], "es" | "frame.es" | "*es" | "page.es"),
            ),
            Some("for" | "block" | "match" | "macro" | "filter" | "raw") => stack.push(false),
            Some(
                "endif" | "endfor" | "endblock" | "endmatch" | "endmacro" | "endfilter" | "endraw",
            ) => {
                stack.pop();
            }
            _ => {}
        }
    }
    outside.push_str(&template[last..]);
    fragments(&outside)
}

#[test]
fn every_interface_string_of_the_templates_has_both_languages() {
    let root = factoria_tests::crate_dir().join("../frontend/templates");
    let mut faults = Vec::new();
    for folder in ["pages", "emails", "email_pages"] {
        let mut files = Vec::new();
        collect_paths(&root.join(folder), &mut files);
        for path in files {
            let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{e}"));
            for fragment in untranslated(&text) {
                faults.push(format!("{}: «{fragment}»", path.display()));
            }
        }
    }
    let base = std::fs::read_to_string(root.join("base.html")).unwrap_or_else(|e| panic!("{e}"));
    for fragment in untranslated(&base) {
        faults.push(format!("base.html: «{fragment}»"));
    }
    assert!(
        faults.is_empty(),
        "text in one language only:\n{}",
        faults.join("\n")
    );
}

fn collect_paths(dir: &Path, into: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect_paths(&path, into);
        } else {
            into.push(path);
        }
    }
}
