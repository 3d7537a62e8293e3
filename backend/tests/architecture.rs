//! The layering rules of `ARCHITECTURE.md`, checked on the source itself so that they stay true:
//! handlers under `src/http/` and the commands of `src/cli/` translate and render only — every
//! query and every access decision lives in `src/domain/`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// What betrays database access: the ORM, the generated entities, raw SQL, the pool itself.
const DATABASE_ACCESS: [&str; 6] = [
    "sea_orm",
    "db::entities",
    "Entity::find",
    "execute_raw",
    "ctx.db",
    "db::statement",
];

fn sources_under(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(dir) = pending.pop() {
        let entries = std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        for entry in entries {
            let path = entry.unwrap_or_else(|e| panic!("{e}")).path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                found.push(path);
            }
        }
    }
    found.sort();
    found
}

fn src(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("src")
        .join(relative)
}

/// `file:line: text` for every line of `files` that mentions one of `needles` outside comments.
fn mentions(files: &[PathBuf], needles: &[&str]) -> Vec<String> {
    let mut found = Vec::new();
    for file in files {
        let text =
            std::fs::read_to_string(file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        for (n, line) in text.lines().enumerate() {
            let code = line.split("//").next().unwrap_or_default();
            if needles.iter().any(|needle| code.contains(needle)) {
                found.push(format!("{}:{}: {}", file.display(), n + 1, line.trim()));
            }
        }
    }
    found
}

#[test]
fn handlers_never_touch_the_database() {
    let files = sources_under(&src("http"));
    assert!(files.len() > 10, "the http sources were found");
    let found = mentions(&files, &DATABASE_ACCESS);
    assert!(
        found.is_empty(),
        "database access under src/http (move it into src/domain):\n{}",
        found.join("\n")
    );
}

/// What betrays a query in a command: the commands hold a connection (they open it and pass it
/// to the domain), so only the ORM's items, entities and raw SQL count.
const QUERIES: [&str; 5] = [
    "sea_orm::",
    "db::entities",
    "Entity::find",
    "execute_raw",
    "db::statement",
];

#[test]
fn commands_never_query_the_database() {
    let files = sources_under(&src("cli"));
    assert!(files.len() >= 2, "the cli sources were found");
    let found = mentions(&files, &QUERIES);
    assert!(
        found.is_empty(),
        "queries under src/cli (move them into src/domain):\n{}",
        found.join("\n")
    );
}

#[test]
fn the_check_would_see_database_access() {
    let dir = std::env::temp_dir().join(format!("factoria-architecture-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
    let file = dir.join("handler.rs");
    std::fs::write(
        &file,
        "use sea_orm::EntityTrait; // a comment mentioning ctx.db\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let found = mentions(&[file], &DATABASE_ACCESS);
    std::fs::remove_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(found.len(), 1, "{found:?}");
}

#[test]
fn pages_stay_small_enough_to_read() {
    let long: Vec<String> = sources_under(&src("http"))
        .into_iter()
        .filter_map(|file| {
            let lines = std::fs::read_to_string(&file).ok()?.lines().count();
            (lines > 600).then(|| format!("{}: {lines} lines", file.display()))
        })
        .collect();
    assert!(long.is_empty(), "split by journey:\n{}", long.join("\n"));
}

/// The modules a source refers to as `prefix::name` or `prefix::{name, …}`, outside comments and
/// the test module at its end.
fn references(text: &str, prefix: &str) -> BTreeSet<String> {
    let code: String = text
        .split("#[cfg(test)]\nmod tests")
        .next()
        .unwrap_or_default()
        .lines()
        .map(|line| line.split("//").next().unwrap_or_default())
        .collect::<Vec<_>>()
        .join("\n");
    let name_at = |rest: &str| -> String {
        rest.chars()
            .take_while(|c| c.is_ascii_lowercase() || *c == '_' || c.is_ascii_digit())
            .collect()
    };
    let mut found = BTreeSet::new();
    let marker = format!("{prefix}::");
    for (at, _) in code.match_indices(&marker) {
        let rest = &code[at + marker.len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let group = group.split('}').next().unwrap_or_default();
            found.extend(group.split(',').map(|part| name_at(part.trim())));
        } else {
            found.insert(name_at(rest));
        }
    }
    found.retain(|name| !name.is_empty());
    found
}

/// A circle among `graph`'s nodes, if there is one.
fn circle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(start) = path.iter().position(|n| n == node) {
            let mut found = path[start..].to_vec();
            found.push(node.to_owned());
            return Some(found);
        }
        if done.contains(node) {
            return None;
        }
        path.push(node.to_owned());
        for next in graph.get(node).into_iter().flatten() {
            if let Some(found) = visit(next, graph, path, done) {
                return Some(found);
            }
        }
        path.pop();
        done.insert(node.to_owned());
        None
    }
    let mut done = BTreeSet::new();
    graph
        .keys()
        .find_map(|node| visit(node, graph, &mut Vec::new(), &mut done))
}

/// Modules of `dir` (a file `x.rs` or a folder `x/`) and, for each, the others it refers to.
fn module_graph(dir: &Path, prefix: &str) -> BTreeMap<String, BTreeSet<String>> {
    let mut graph = BTreeMap::new();
    for entry in std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.unwrap_or_else(|e| panic!("{e}")).path();
        let name = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        if ["lib", "main", "mod"].contains(&name.as_str()) {
            continue;
        }
        let files = if path.is_dir() {
            sources_under(&path)
        } else {
            vec![path]
        };
        let mut refs = BTreeSet::new();
        for file in files {
            let text = std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("{e}"));
            refs.extend(references(&text, prefix));
        }
        refs.remove(&name);
        graph.insert(name, refs);
    }
    let names: BTreeSet<String> = graph.keys().cloned().collect();
    for refs in graph.values_mut() {
        refs.retain(|r| names.contains(r));
    }
    graph
}

#[test]
fn modules_depend_on_each_other_one_way_only() {
    let crate_graph = module_graph(&src(""), "crate");
    assert!(crate_graph.contains_key("domain") && crate_graph["http"].contains("domain"));
    assert_eq!(
        circle(&crate_graph),
        None,
        "modules of the crate import each other in a circle"
    );
    let domain_graph = module_graph(&src("domain"), "super");
    assert!(domain_graph.contains_key("challenges"));
    assert_eq!(
        circle(&domain_graph),
        None,
        "domain modules import each other in a circle"
    );
}

#[test]
fn the_circle_check_sees_a_circle() {
    let graph: BTreeMap<String, BTreeSet<String>> = [
        ("a", vec!["b"]),
        ("b", vec!["c"]),
        ("c", vec!["a"]),
        ("d", vec![]),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.into_iter().map(str::to_owned).collect()))
    .collect();
    assert_eq!(circle(&graph).map(|c| c.len()), Some(4));
    assert_eq!(
        references(
            "use crate::{config::Config, db};\nlet x = crate::http::x; // crate::cli",
            "crate"
        ),
        ["config", "db", "http"]
            .into_iter()
            .map(str::to_owned)
            .collect()
    );
}
