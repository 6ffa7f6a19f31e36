//! `TagList::parse` on arbitrary bytes. A list that parses is written out
//! again as `name=value; ...` and must parse to the same tags; every offset
//! must point at what it names.

use dkim_core::tag_list::TagList;

/// The property check of one input.
pub fn check(data: &[u8]) {
    let Ok(list) = TagList::parse(data) else { return };
    let mut again = Vec::with_capacity(data.len());
    for (i, tag) in list.iter().enumerate() {
        assert!(data[tag.name_offset()..].starts_with(tag.name().as_bytes()), "name offset of {tag:?}");
        assert!(data[tag.value_offset()..].starts_with(tag.value()), "value offset of {tag:?}");
        assert_eq!(tag.value_str().as_bytes(), tag.value(), "value of {tag:?} is not ASCII");
        let ws = |b: &u8| matches!(b, b' ' | b'\t' | b'\r' | b'\n');
        assert!(!tag.value().first().is_some_and(ws) && !tag.value().last().is_some_and(ws), "untrimmed {tag:?}");
        assert!(list.get(tag.name()).is_some_and(|t| t == tag), "get({:?}) finds another tag", tag.name());
        if i > 0 {
            again.extend_from_slice(b"; ");
        }
        again.extend_from_slice(tag.name().as_bytes());
        again.push(b'=');
        again.extend_from_slice(tag.value());
    }
    let reparsed = match TagList::parse(&again) {
        Ok(l) => l,
        Err(e) => panic!("re-formatted list {:?} does not parse: {e}", String::from_utf8_lossy(&again)),
    };
    let pairs = |l: &TagList<'_>| l.iter().map(|t| (t.name().to_owned(), t.value().to_vec())).collect::<Vec<_>>();
    assert_eq!(pairs(&list), pairs(&reparsed));
}
