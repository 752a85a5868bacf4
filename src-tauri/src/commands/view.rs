//! The page zoom (Ctrl + / Ctrl - / Ctrl 0 in the UI): real webview zoom, so the layout
//! reflows as it would at 200 % in a browser, for people who need larger text.

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
