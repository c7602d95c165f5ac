//! What each feature set of the published crates pulls into a downstream
//! build (`cargo tree -e normal`, so nothing is built): never a code
//! generator; `aws-lc-sys` only with `rustls` (the default), `openssl-sys`
//! only with `native-tls`; schemars only with `schemars`; and vast-mock
//! without the HTTP client; xtask without any crate it generates.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;
use std::process::Command;

/// Crates that must never reach a downstream build through a library crate.
const GENERATORS: [&str; 5] = [
    "progenitor",
    "progenitor-impl",
    "progenitor-macro",
    "typify",
    "openapiv3",
];

/// The crates with a TLS feature.
const TLS_CRATES: [&str; 3] = ["vast-api", "vast-api-ext", "vast-cli"];

/// The names of the crates in `package`'s normal (non-dev, non-build) tree
/// with its default features.
fn default_tree(package: &str) -> BTreeSet<String> {
    tree_of(package, None)
}

/// The same with the default features off and `features` on.
fn normal_tree(package: &str, features: &[&str]) -> BTreeSet<String> {
    tree_of(package, Some(features))
}

fn tree_of(package: &str, features: Option<&[&str]>) -> BTreeSet<String> {
    let mut command = Command::new(env!("CARGO"));
    command
        .args([
            "tree", "--locked", "-e", "normal", "--prefix", "none", "--format", "{p}", "-p",
        ])
        .arg(package)
        .current_dir(env!("CARGO_MANIFEST_DIR"));
    if let Some(features) = features {
        command.arg("--no-default-features");
        if !features.is_empty() {
            command.arg("--features").arg(features.join(","));
        }
    }
    let out = command.output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let tree: BTreeSet<String> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .filter_map(|line| line.split_whitespace().next())
        .map(str::to_owned)
        .collect();
    assert!(
        tree.contains(package),
        "{package} missing from its own tree: {tree:?}"
    );
    tree
}

/// Fails naming the crates of `unwanted` found in the tree.
fn assert_without(tree: &BTreeSet<String>, unwanted: &[&str], what: &str) {
    let found: Vec<_> = unwanted.iter().filter(|c| tree.contains(**c)).collect();
    assert!(found.is_empty(), "{what} depends on {found:?}");
}

fn assert_with(tree: &BTreeSet<String>, wanted: &[&str], what: &str) {
    let missing: Vec<_> = wanted.iter().filter(|c| !tree.contains(**c)).collect();
    assert!(missing.is_empty(), "{what} lacks {missing:?}: {tree:?}");
}

#[test]
fn the_default_build_is_rustls_with_aws_lc_without_openssl_schemars_or_a_generator() {
    for package in TLS_CRATES {
        let tree = default_tree(package);
        assert_with(&tree, &["reqwest", "rustls", "aws-lc-sys"], package);
        assert_without(&tree, &GENERATORS, package);
        assert_without(&tree, &["openssl-sys", "schemars", "h2"], package);
    }
}

#[test]
fn rustls_ring_has_neither_aws_lc_nor_openssl() {
    for package in TLS_CRATES {
        let tree = normal_tree(package, &["rustls-ring"]);
        let what = format!("{package} with rustls-ring");
        assert_with(&tree, &["reqwest", "rustls", "ring"], &what);
        assert_without(&tree, &["aws-lc-sys", "aws-lc-rs", "openssl-sys"], &what);
        assert_without(&tree, &GENERATORS, &what);
    }
}

#[test]
fn native_tls_has_openssl_and_no_aws_lc_or_rustls() {
    for package in TLS_CRATES {
        let tree = normal_tree(package, &["native-tls"]);
        let what = format!("{package} with native-tls");
        assert_with(&tree, &["reqwest", "native-tls", "openssl-sys"], &what);
        assert_without(&tree, &["aws-lc-sys", "rustls"], &what);
        assert_without(&tree, &GENERATORS, &what);
    }
}

#[test]
fn schemars_comes_only_with_its_feature() {
    let tree = normal_tree("vast-api", &["rustls", "schemars"]);
    assert_with(&tree, &["schemars"], "vast-api with schemars");
    assert_without(&tree, &GENERATORS, "vast-api with schemars");
}

#[test]
fn vast_api_without_features_is_the_spec_alone() {
    let tree = normal_tree("vast-api", &["client"]);
    assert_with(&tree, &["reqwest", "progenitor-client"], "vast-api client");
    assert_without(&tree, &["rustls", "native-tls"], "vast-api client (no TLS)");
    let tree = normal_tree("vast-api", &[]);
    assert_eq!(tree, BTreeSet::from(["vast-api".to_owned()]));
}

#[test]
fn vast_mock_has_no_http_client_tls_or_generator_in_its_normal_tree() {
    let tree = default_tree("vast-mock");
    assert_with(&tree, &["vast-api", "hyper"], "vast-mock");
    assert_without(
        &tree,
        &[
            "reqwest",
            "progenitor-client",
            "hyper-rustls",
            "rustls",
            "aws-lc-sys",
            "openssl-sys",
        ],
        "vast-mock",
    );
    assert_without(&tree, &GENERATORS, "vast-mock");
}

#[test]
fn the_check_sees_the_generator_where_it_is() {
    // xtask runs progenitor: the same query must find it there, or the checks above prove nothing.
    let tree = default_tree("xtask");
    assert!(
        tree.contains("progenitor-impl") && tree.contains("typify"),
        "{tree:?}"
    );
}

#[test]
fn xtask_depends_on_no_crate_it_generates_or_that_uses_generated_code() {
    // A regeneration that breaks the crates above vast-api must leave
    // `cargo xtask` able to build, to regenerate back.
    let tree = default_tree("xtask");
    assert_without(
        &tree,
        &["vast-api", "vast-api-ext", "vast-cli", "vast-mock"],
        "xtask",
    );
    assert_with(&tree, &["progenitor"], "xtask");
}
