//! libFuzzer entry of the `key_record` target; the input layout and the
//! properties are in `dkim_fuzz::key_record`.

#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| dkim_fuzz::key_record::check(data));
