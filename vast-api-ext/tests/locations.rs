//! The location parser: a table of good and bad locations with the exact
//! error text, and a property test that it never panics and round-trips.
#![allow(clippy::unwrap_used)]

use proptest::prelude::*;
use vast_api_ext::{InstanceId, Location};

#[test]
fn good_locations_parse_to_instance_and_path() {
    let long = format!("/{}", "a".repeat(4095));
    let rows: Vec<(&str, u64, &str)> = vec![
        ("C.123:/workspace", 123, "/workspace"),
        ("123:/workspace/", 123, "/workspace/"),
        ("C.6003036:data/x", 6003036, "data/x"),
        ("C.1:a", 1, "a"),
        ("C.1:/a/b/c/", 1, "/a/b/c/"),
        ("C.1:/ü/日本語/файл", 1, "/ü/日本語/файл"),
        ("C.1:/with space/x y", 1, "/with space/x y"),
        ("C.1: leading space", 1, " leading space"),
        ("C.1:/a/../b", 1, "/a/../b"),
        ("C.1:..", 1, ".."),
        ("C.1:.", 1, "."),
        ("007:/x", 7, "/x"),
        ("C.18446744073709551615:/x", u64::MAX, "/x"),
        ("C.5:/emoji/🚀", 5, "/emoji/🚀"),
    ];
    for (text, id, path) in rows {
        let loc: Location = text.parse().unwrap_or_else(|e| panic!("{text}: {e}"));
        assert_eq!(loc.instance(), InstanceId::new(id).unwrap(), "{text}");
        assert_eq!(loc.path(), path, "{text}");
    }
    let loc: Location = format!("C.2:{long}").parse().unwrap();
    assert_eq!(loc.path().len(), 4096);
}

#[test]
fn bad_locations_say_what_is_wrong() {
    let no_colon = |s: &str| {
        format!("`{s}` has no `:`: write `<instance>:<path>`, such as `C.123:/workspace`")
    };
    let empty_path = "the path is empty: write one after the `:`, such as `C.123:/workspace`";
    let two_colons =
        "the location holds more than one `:`: write `<instance>:<path>` with no `:` in the path";
    let not_number = |id: &str| {
        format!("the instance id `{id}` is not a number: expected decimal digits such as 6003036")
    };
    let not_instance = |l: &str| {
        format!(
            "`{l}` is not an instance (`C.<id>` or `<id>`); cloud connections such as `s3.101` \
             cannot be used with copy: use cloud copy (CloudCopy) for cloud storage"
        )
    };
    let too_long = format!("C.1:/{}", "a".repeat(4096));
    let rows: Vec<(String, String)> = vec![
        ("".into(), no_colon("")),
        ("C.123".into(), no_colon("C.123")),
        ("/workspace".into(), no_colon("/workspace")),
        ("C.123:".into(), empty_path.into()),
        ("C.1:/a:b".into(), two_colons.into()),
        ("C.1::/a".into(), two_colons.into()),
        ("C.1:/a/b:c:d".into(), two_colons.into()),
        (":/x".into(), "the instance before `:` is empty: write `C.<id>` or `<id>`, such as `C.123:/workspace`".into()),
        ("C.:/x".into(), "the instance id is empty".into()),
        ("C.-1:/x".into(), not_number("-1")),
        ("C.abc:/x".into(), not_number("abc")),
        ("C.1.5:/x".into(), not_number("1.5")),
        ("C.+5:/x".into(), not_number("+5")),
        ("C.1 :/x".into(), not_number("1 ")),
        ("C.١٢٣:/x".into(), not_number("١٢٣")),
        ("C.0:/x".into(), "the instance id 0 names no instance".into()),
        ("C.18446744073709551616:/x".into(), "the instance id `18446744073709551616` is too large".into()),
        ("C.1:/".into(), "the path `/` names no file or directory: give one, such as `/workspace`".into()),
        ("C.1://x".into(), "the path `//x` holds an empty segment (`//`)".into()),
        ("C.1:/a//b".into(), "the path `/a//b` holds an empty segment (`//`)".into()),
        ("C.1:/a/\0b".into(), "the path holds a NUL character".into()),
        (too_long, "the path is 4097 bytes long; at most 4096 are allowed".into()),
        ("local:/tmp/x".into(), "`local:` paths cannot be copied by this endpoint: it copies between instances (the official CLI moves local files itself with rsync over ssh)".into()),
        ("V.1234:/f".into(), "`V.1234` is a volume; this endpoint copies between instances only".into()),
        ("s3.101:/p".into(), not_instance("s3.101")),
        ("drive:/p".into(), not_instance("drive")),
        ("c.123:/x".into(), not_instance("c.123")),
        (" C.1:/x".into(), not_instance(" C.1")),
        ("+5:/x".into(), not_instance("+5")),
        ("-1:/x".into(), not_instance("-1")),
    ];
    assert!(rows.len() >= 30);
    for (text, want) in rows {
        let err = text.parse::<Location>().unwrap_err();
        assert!(matches!(
            err.kind(),
            vast_api_ext::ErrorKind::InvalidInput(_)
        ));
        assert_eq!(
            err.to_string(),
            format!("invalid input: {want}"),
            "{text:?}"
        );
    }
}

#[test]
fn a_copy_says_which_of_its_locations_was_wrong() {
    use vast_api_ext::{Argument, CopySide, ErrorKind, Request, Rule};
    let good = "C.1:/data";
    for (bad, argument, rule) in [
        ("local:/tmp", Argument::Location, Rule::Local),
        ("C.x:/a", Argument::Instance, Rule::NotANumber),
        ("C.2:/a//b", Argument::LocationPath, Rule::EmptySegment),
        ("C.2:", Argument::LocationPath, Rule::Empty),
        ("C.0:/a", Argument::Instance, Rule::Zero),
    ] {
        // The same refusal on either side, told apart by its side.
        let alone = bad.parse::<Location>().unwrap_err().to_string();
        let alone = alone.strip_prefix("invalid input: ").unwrap();
        for (src, dst, side, named) in [
            (bad, good, CopySide::Source, "copy source"),
            (good, bad, CopySide::Destination, "copy destination"),
        ] {
            let error = Request::parse_copy(src, dst).unwrap_err();
            let ErrorKind::InvalidInput(invalid) = error.kind() else {
                panic!("{error:?}")
            };
            assert_eq!(
                (invalid.copy_side(), invalid.argument(), invalid.rule()),
                (Some(side), argument, rule),
                "{src} -> {dst}"
            );
            assert_eq!(invalid.to_string(), format!("{named}: {alone}"));
            assert_eq!(
                error.to_string(),
                format!("invalid input: {named}: {alone}")
            );
        }
    }
    // The source is read first: both wrong names the source.
    let both = Request::parse_copy("local:/a", "local:/b").unwrap_err();
    assert!(both.to_string().starts_with("invalid input: copy source: "));
    // A location read alone says no side.
    let ErrorKind::InvalidInput(alone) = "local:/a".parse::<Location>().unwrap_err().into_kind()
    else {
        panic!("not invalid input")
    };
    assert_eq!(alone.copy_side(), None);
    assert_eq!(
        Request::parse_copy("C.1:/a", "2:/b/").unwrap(),
        Request::Copy {
            src: "C.1:/a".parse().unwrap(),
            dst: "C.2:/b/".parse().unwrap(),
        }
    );
}

#[test]
fn location_new_applies_the_same_path_rule() {
    assert_eq!(
        Location::new(5u64, "/data").unwrap().to_string(),
        "C.5:/data"
    );
    assert!(Location::new(5u64, "a//b").is_err());
    assert!(Location::new(5u64, "").is_err());
    let zero = Location::new(0u64, "/x").unwrap_err();
    assert_eq!(
        zero.to_string(),
        "invalid input: the instance id 0 names no instance"
    );
}

proptest! {
    #[test]
    fn parsing_never_panics_and_accepted_locations_round_trip(s in any::<String>()) {
        if let Ok(loc) = s.parse::<Location>() {
            prop_assert_eq!(loc.to_string().parse::<Location>().unwrap(), loc);
        }
    }

    #[test]
    fn built_locations_round_trip(id in any::<u64>(), path in "(/?[^/:\0]{1,8}){1,4}/?|.{0,12}") {
        match Location::new(id, path.clone()) {
            Ok(loc) => {
                prop_assert!(id != 0);
                prop_assert_eq!(loc.to_string().parse::<Location>().unwrap(), loc);
            }
            Err(_) => {
                let text = format!("C.{id}:{path}");
                prop_assert!(text.parse::<Location>().is_err(), "{} parses but was refused", text);
            }
        }
    }

    #[test]
    fn built_locations_of_instance_zero_are_refused(path in ".{0,12}") {
        prop_assert!(Location::new(0u64, path).is_err());
    }

    #[test]
    fn likely_locations_round_trip(s in "(C\\.)?[0-9]{1,6}:/?([^/:\0]{1,8}/?){1,4}") {
        let loc = s.parse::<Location>();
        if s.split_once(':').is_some_and(|(id, _)| id.trim_start_matches("C.").bytes().all(|b| b == b'0')) {
            prop_assert!(loc.is_err(), "instance 0 is refused");
        } else {
            let loc = loc.unwrap();
            prop_assert_eq!(loc.to_string().parse::<Location>().unwrap(), loc);
        }
    }
}
