fn main() { ardoise_app::run() }
