//! libFuzzer entry of the `dns_response` target; the input layout and the
//! properties are in `dkim_fuzz::dns_response`.

#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| dkim_fuzz::dns_response::check(data));
