//! libFuzzer entry of the `auth_results` target; the input layout and the
//! properties are in `dkim_fuzz::auth_results`.

#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| dkim_fuzz::auth_results::check(data));
