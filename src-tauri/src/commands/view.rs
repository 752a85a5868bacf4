//! The page zoom (Ctrl + / Ctrl - / Ctrl 0 in the UI): real webview zoom, so the layout
//! reflows as it would at 200 % in a browser, for people who need larger text. And the
//! webview's language, which follows the app's (its date fields show 30/11/2026 in French).

use crate::error::{CmdResult, CommandError};
use ardoise_protocol::ErrorCode;

/// The zoom factors offered: 50 % to 300 %.
const RANGE: std::ops::RangeInclusive<f64> = 0.5..=3.0;

/// Sets the window's page zoom (1.0 = 100 %), kept within 50–300 %; returns the factor set.
#[tauri::command]
pub fn set_zoom(window: tauri::WebviewWindow, factor: f64) -> CmdResult<f64> {
    if !factor.is_finite() {
        return Err(CommandError::new(
            ErrorCode::AppInvalidZoom,
            format!("zoom invalide : {factor}"),
        ));
    }
    let factor = factor.clamp(*RANGE.start(), *RANGE.end());
    window
        .set_zoom(factor)
        .map_err(|e| CommandError::new(ErrorCode::AppZoom, e.to_string()))?;
    Ok(factor)
}

/// Makes the webview speak the app's language (`fr` or `en`): its date fields, number
/// formats and `navigator.language` follow (fr-FR, en-GB: day before month in both); so do
/// the file dialogs GTK draws (`crate::locale`). Runs on the main thread, as GTK does.
#[tauri::command]
pub fn set_language(window: tauri::WebviewWindow, lang: String) -> CmdResult<()> {
    let tag = match lang.as_str() {
        "fr" => "fr-FR",
        "en" => "en-GB",
        _ => {
            return Err(CommandError::new(
                ErrorCode::AppInvalidChoice,
                format!("langue inconnue : {lang}"),
            ))
        }
    };
    #[cfg(target_os = "linux")]
    window
        .with_webview(move |webview| {
            use webkit2gtk::{WebContextExt, WebViewExt};
            if let Some(context) = webview.inner().context() {
                context.set_preferred_languages(&[tag]);
            }
        })
        .map_err(|e| CommandError::new(ErrorCode::AppLanguage, e.to_string()))?;
    #[cfg(target_os = "linux")]
    crate::locale::apply(&lang);
    #[cfg(not(target_os = "linux"))]
    let _ = (window, tag);
    Ok(())
}
