//! libFuzzer entry of the `signature` target; the input layout and the
//! properties are in `dkim_fuzz::signature`.

#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| dkim_fuzz::signature::check(data));
