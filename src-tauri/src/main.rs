//! The Ardoise desktop app: platform workarounds, then [`ardoise_app::run`].
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    // WebKitGTK shows a blank window with some GPU drivers (NVIDIA, some Wayland setups)
    // unless the DMA-BUF renderer is off. A value the user set wins. Set before any thread.
    #[cfg(target_os = "linux")]
    if std::env::var_os("WEBKIT_DISABLE_DMABUF_RENDERER").is_none() {
        std::env::set_var("WEBKIT_DISABLE_DMABUF_RENDERER", "1");
    }
    ardoise_app::run()
}
