//! The Ardoise desktop app: platform workarounds, then [`ardoise_app::run`].
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    // WebKitGTK shows a blank window with some GPU drivers (NVIDIA, some Wayland setups)
    // unless the DMA-BUF renderer is off. A value the user set wins. Set before any thread.
    #[cfg(target_os = "linux")]
    if std::env::var_os("WEBKIT_DISABLE_DMABUF_RENDERER").is_none() {
        std::env::set_var("WEBKIT_DISABLE_DMABUF_RENDERER", "1");
    }
    // GTK's own windows (the save dialog) in French until the UI says which language the
    // user chose (`set_language`, before any dialog can open).
    #[cfg(target_os = "linux")]
    ardoise_app::locale::apply("fr");
    ardoise_app::run()
}
