//! libFuzzer entry of the `body_canon` target; the input layout and the
//! properties are in `dkim_fuzz::body_canon`.

#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| dkim_fuzz::body_canon::check(data));
