//! Where the API key comes from: the builder, `VAST_API_KEY`, then the key
//! files; and [`Env`], the environment captured once for the lookup.

use crate::{ApiKey, ConfigProblem, Error, KeySource};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The environment a key and URL are looked up in; captured once so the
/// lookup can be tested without touching the process environment.
#[derive(Clone, Debug, Default)]
pub(crate) struct Env {
    pub(crate) vast_api_key: Option<String>,
    pub(crate) vast_url: Option<String>,
    pub(crate) xdg_config_home: Option<PathBuf>,
    pub(crate) home: Option<PathBuf>,
}

impl Env {
    pub(crate) fn from_process() -> Self {
        let var = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty());
        Self {
            vast_api_key: var("VAST_API_KEY").map(|v| v.to_string_lossy().into_owned()),
            vast_url: var("VAST_URL").map(|v| v.to_string_lossy().into_owned()),
            xdg_config_home: var("XDG_CONFIG_HOME").map(PathBuf::from),
            home: var("HOME")
                .or_else(|| var("USERPROFILE"))
                .map(PathBuf::from),
        }
    }
}

/// Finds the key: explicit, env `VAST_API_KEY`, `$XDG_CONFIG_HOME/vastai/vast_api_key`
/// (default `~/.config/vastai/vast_api_key`), legacy `~/.vast_api_key`.
pub(crate) fn resolve_api_key(explicit: Option<&str>, env: &Env) -> Result<ApiKey, Error> {
    if let Some(key) = explicit {
        return ApiKey::from_source(key, KeySource::Builder);
    }
    if let Some(key) = &env.vast_api_key {
        return ApiKey::from_source(key, KeySource::Environment);
    }
    let config_dir = env
        .xdg_config_home
        .clone()
        .or_else(|| env.home.as_ref().map(|h| h.join(".config")));
    let mut files = Vec::new();
    if let Some(dir) = config_dir {
        files.push(dir.join("vastai").join("vast_api_key"));
    }
    if let Some(home) = &env.home {
        files.push(home.join(".vast_api_key"));
    }
    for file in &files {
        if let Some(text) = read_key_file(file)? {
            return ApiKey::from_source(&text, KeySource::File(file.clone()));
        }
    }
    Err(ConfigProblem::NoApiKey.into())
}

fn read_key_file(path: &Path) -> Result<Option<String>, Error> {
    match std::fs::read_to_string(path) {
        Ok(text) => Ok(Some(text)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(ConfigProblem::UnreadableKeyFile {
            path: path.to_owned(),
            source: Arc::new(e),
        }
        .into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{ErrorKind, Setting};

    fn temp_home(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "vast-api-ext-{name}-{}-{}",
            std::process::id(),
            fastrand::u64(..)
        ));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn write(path: &Path, text: &str) {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    #[test]
    fn key_order_is_explicit_env_xdg_file_legacy_file() {
        let home = temp_home("order");
        let xdg = home.join("xdg");
        write(&home.join(".vast_api_key"), "legacy\n");
        let mut env = Env {
            home: Some(home.clone()),
            ..Env::default()
        };
        assert_eq!(resolve_api_key(None, &env).unwrap().expose(), "legacy");
        write(&home.join(".config/vastai/vast_api_key"), "  dotconfig  ");
        assert_eq!(resolve_api_key(None, &env).unwrap().expose(), "dotconfig");
        env.xdg_config_home = Some(xdg.clone());
        // $XDG_CONFIG_HOME replaces ~/.config: its file is missing, so legacy wins.
        assert_eq!(resolve_api_key(None, &env).unwrap().expose(), "legacy");
        write(&xdg.join("vastai/vast_api_key"), "xdg\n");
        assert_eq!(resolve_api_key(None, &env).unwrap().expose(), "xdg");
        env.vast_api_key = Some(" from-env ".into());
        assert_eq!(resolve_api_key(None, &env).unwrap().expose(), "from-env");
        assert_eq!(
            resolve_api_key(Some("explicit"), &env).unwrap().expose(),
            "explicit"
        );
        std::fs::remove_dir_all(&home).unwrap();
    }

    #[test]
    fn an_empty_key_is_an_error_naming_its_source() {
        let home = temp_home("empty");
        write(&home.join(".vast_api_key"), " \n");
        let mut env = Env {
            home: Some(home.clone()),
            ..Env::default()
        };
        let file = home.join(".vast_api_key");
        assert_eq!(
            resolve_api_key(None, &env).unwrap_err().to_string(),
            format!(
                "cannot configure the Vast.ai client: the API key from the file {} is empty",
                file.display()
            )
        );
        env.vast_api_key = Some("\t".into());
        assert_eq!(
            resolve_api_key(None, &env).unwrap_err().to_string(),
            "cannot configure the Vast.ai client: the API key from the VAST_API_KEY environment variable is empty"
        );
        assert_eq!(
            resolve_api_key(Some(""), &env).unwrap_err().to_string(),
            "cannot configure the Vast.ai client: the API key from ClientBuilder::api_key is empty"
        );
        std::fs::remove_dir_all(&home).unwrap();
    }

    #[test]
    fn no_key_anywhere_says_where_to_put_one() {
        let home = temp_home("none");
        let env = Env {
            home: Some(home.clone()),
            ..Env::default()
        };
        let err = resolve_api_key(None, &env).unwrap_err();
        assert!(matches!(
            err.kind(),
            ErrorKind::Config(ConfigProblem::NoApiKey)
        ));
        assert!(matches!(err.kind(), ErrorKind::Config(p) if p.setting() == Setting::ApiKey));
        assert!(err.to_string().contains("set VAST_API_KEY"), "{err}");
        std::fs::remove_dir_all(&home).unwrap();
    }
}
