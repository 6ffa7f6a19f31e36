//! libFuzzer entry of the `verify` target; the input layout and the
//! properties are in `dkim_fuzz::verify`.

#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| dkim_fuzz::verify::check(data));
