//! The library crates' normal dependency trees hold no code generator and no OpenSSL.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;
use std::process::Command;

/// Crates that must never reach a downstream build through a library crate.
const FORBIDDEN: [&str; 6] = [
    "progenitor",
    "progenitor-impl",
    "progenitor-macro",
    "typify",
    "openapiv3",
    "openssl-sys",
];

/// The names of the crates in `package`'s normal (non-dev, non-build) tree.
fn normal_tree(package: &str) -> BTreeSet<String> {
    let out = Command::new(env!("CARGO"))
        .args([
            "tree", "--locked", "-e", "normal", "--prefix", "none", "--format", "{p}", "-p",
        ])
        .arg(package)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .filter_map(|line| line.split_whitespace().next())
        .map(str::to_owned)
        .collect()
}

fn assert_clean(package: &str) {
    let tree = normal_tree(package);
    assert!(
        tree.contains(package),
        "{package} missing from its own tree: {tree:?}"
    );
    assert!(
        tree.contains("reqwest") && tree.contains("rustls"),
        "{tree:?}"
    );
    let found: Vec<_> = FORBIDDEN.iter().filter(|c| tree.contains(**c)).collect();
    assert!(found.is_empty(), "{package} depends on {found:?}");
}

#[test]
fn vast_api_has_no_code_generator_or_openssl_in_its_normal_tree() {
    assert_clean("vast-api");
}

#[test]
fn vast_api_ext_has_no_code_generator_or_openssl_in_its_normal_tree() {
    assert_clean("vast-api-ext");
}

#[test]
fn vast_mock_has_no_code_generator_or_openssl_in_its_normal_tree() {
    assert_clean("vast-mock");
}

#[test]
fn the_check_sees_the_generator_where_it_is() {
    // xtask runs progenitor: the same query must find it there, or the checks above prove nothing.
    let tree = normal_tree("xtask");
    assert!(
        tree.contains("progenitor-impl") && tree.contains("typify"),
        "{tree:?}"
    );
}
