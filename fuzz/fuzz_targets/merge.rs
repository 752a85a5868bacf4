#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| ardoise_fuzz::merge(data));
