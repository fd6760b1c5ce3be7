//! The docs-examples oracle as a test: Microsoft's documented KQL examples must mostly agree with the
//! engine, and the agreement must not regress (targets: at least 400 supported, 97 % of those agree).

#[path = "support/conformance.rs"]
mod conformance;

#[test]
fn documented_examples_agree() {
    let report = conformance::Report::run_all();
    let (agree, supported) = (report.agree(), report.supported());
    let md = report.markdown();
    assert!(
        supported >= 400,
        "only {supported} documented examples are supported (target 400)\n{md}"
    );
    assert!(
        agree * 100 >= supported * 97,
        "{agree} of {supported} supported examples agree (target 97 %)\n{md}"
    );
}
