//! `soa_core::pwsh`: every string a generated script holds is pure ASCII, on one line, and
//! evaluates back to the value exactly (under the evaluator of the emitted subset).
#![no_main]

use libfuzzer_sys::fuzz_target;
use soa_core::model::AttributeValue;
use soa_core::pwsh;
use soa_core_fuzz::evaluate;

fn check_expression(value: &str, q: &str) {
    assert!(q.is_ascii(), "quote({value:?}) is not ASCII: {q}");
    assert!(
        !q.contains(['\r', '\n', '\0']),
        "quote({value:?}) holds CR, LF or NUL: {q:?}"
    );
    assert_eq!(
        evaluate(q).as_deref(),
        Some(value),
        "quote({value:?}) = {q} does not evaluate back to the value"
    );
}

fuzz_target!(|data: &str| {
    let q = pwsh::quote(data);
    check_expression(data, &q);
    assert_eq!(pwsh::literal(&AttributeValue::String(data.to_owned())), q);

    let c = pwsh::comment(data);
    assert!(
        c.is_ascii() && !c.contains(['\r', '\n', '\0']),
        "comment({data:?}) = {c:?} leaves one ASCII line"
    );

    let k = pwsh::key(data);
    assert!(
        k.is_ascii() && !k.contains(['\r', '\n', '\0']),
        "key({data:?}) = {k:?}"
    );
    if k != data {
        check_expression(data, &k);
    }

    let bytes = pwsh::script_bytes(&q);
    assert!(bytes.starts_with(pwsh::UTF8_BOM));

    // Lists: each element is a quoted expression, separated by commas outside the literals.
    let items: Vec<&str> = data.split('\u{1f}').collect();
    let array = pwsh::array(&items);
    assert!(array.is_ascii() && !array.contains(['\r', '\n', '\0']));
    let expected: String = items
        .iter()
        .map(|s| pwsh::quote(s))
        .collect::<Vec<_>>()
        .join(",");
    assert_eq!(array, format!("@({expected})"));
});
