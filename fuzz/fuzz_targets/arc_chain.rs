//! libFuzzer entry of the `arc_chain` target; the input layout and the
//! properties are in `dkim_fuzz::arc_chain`.

#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| dkim_fuzz::arc_chain::check(data));
