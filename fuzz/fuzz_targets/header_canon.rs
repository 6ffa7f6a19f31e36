//! libFuzzer entry of the `header_canon` target; the input layout and the
//! properties are in `dkim_fuzz::header_canon`.

#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| dkim_fuzz::header_canon::check(data));
