//! libFuzzer entry of the `tag_list` target; the input layout and the
//! properties are in `dkim_fuzz::tag_list`.

#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| dkim_fuzz::tag_list::check(data));
