//! The language of the windows GTK draws itself (the file dialogs: « Enregistrer »,
//! « Annuler », the folder names): gettext follows `LANGUAGE`, not the app's choice, and
//! ignores it altogether under the C locale that a bare session (or a service) runs with.
//! So the app sets `LANGUAGE` to its own language, and gives messages a UTF-8 locale when
//! they had none.

/// The environment changes that make GTK's own windows speak `lang` (`fr` or `en`), given
/// how the variables are now (`get`).
pub fn messages_env(
    lang: &str,
    get: impl Fn(&str) -> Option<String>,
) -> Vec<(&'static str, String)> {
    let mut out = vec![("LANGUAGE", lang.to_string())];
    let set = |name: &str| get(name).filter(|v| !v.is_empty());
    let effective = set("LC_ALL")
        .or_else(|| set("LC_MESSAGES"))
        .or_else(|| set("LANG"));
    if matches!(effective.as_deref(), None | Some("C" | "POSIX")) {
        // LC_ALL, when set, is what counts; otherwise LC_MESSAGES is enough.
        let name = if set("LC_ALL").is_some() {
            "LC_ALL"
        } else {
            "LC_MESSAGES"
        };
        out.push((name, "C.UTF-8".to_string()));
    }
    out
}

/// Applies [`messages_env`] to this process. Called once at start, before any thread, and
/// again (on the main thread, where GTK reads it) when the user changes the language:
/// `LANGUAGE` then exists already, and is replaced in place.
pub fn apply(lang: &str) {
    for (name, value) in messages_env(lang, |n| std::env::var(n).ok()) {
        std::env::set_var(name, value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env<'a>(vars: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |name| {
            vars.iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| v.to_string())
        }
    }

    #[test]
    fn a_french_teacher_on_an_english_desktop_gets_french_dialogs() {
        let changes = messages_env("fr", env(&[("LANG", "en_US.UTF-8")]));
        assert_eq!(changes, [("LANGUAGE", "fr".to_string())]);
    }

    #[test]
    fn without_a_locale_messages_get_a_utf8_one_or_gettext_would_ignore_language() {
        assert_eq!(
            messages_env("fr", env(&[])),
            [
                ("LANGUAGE", "fr".to_string()),
                ("LC_MESSAGES", "C.UTF-8".to_string())
            ]
        );
        assert_eq!(
            messages_env("en", env(&[("LC_ALL", "C"), ("LANG", "fr_FR.UTF-8")])),
            [
                ("LANGUAGE", "en".to_string()),
                ("LC_ALL", "C.UTF-8".to_string())
            ]
        );
        assert_eq!(
            messages_env("fr", env(&[("LANG", "POSIX"), ("LC_MESSAGES", "")])),
            [
                ("LANGUAGE", "fr".to_string()),
                ("LC_MESSAGES", "C.UTF-8".to_string())
            ]
        );
    }
}
