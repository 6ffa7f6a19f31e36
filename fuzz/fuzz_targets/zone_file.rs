//! libFuzzer entry of the `zone_file` target; the input layout and the
//! properties are in `dkim_fuzz::zone_file`.

#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| dkim_fuzz::zone_file::check(data));
