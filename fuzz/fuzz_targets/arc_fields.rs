//! libFuzzer entry of the `arc_fields` target; the input layout and the
//! properties are in `dkim_fuzz::arc_fields`.

#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| dkim_fuzz::arc_fields::check(data));
