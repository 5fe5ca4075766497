//! Checks the Rust mirror against the C library (run by scripts/test-ffi.sh, which sets):
//!   AIGC_FFI_MODEL          stories260K.bin
//!   AIGC_FFI_LAYOUT         output of examples/ffi/layout.c (sizes and offsets from the C compiler)
//!   AIGC_FFI_EXPECT_GREEDY  bytes `aigc generate -p Once -n 32 --temp 0` printed
//!   AIGC_FFI_EXPECT_SEEDED  bytes `aigc generate -p Once -n 32 --temp 0.8 --seed 7` printed
use aigc_example::{ffi, sampler_params, Context, Model, Sampler};

const PROMPT: &str = "Once";
const N_TOKENS: i32 = 32;

fn env(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| panic!("{} is not set: run scripts/test-ffi.sh", name))
}

fn read(name: &str) -> Vec<u8> {
    let path = env(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{} ({}): {}", name, path, e))
}

fn check_text(what: &str, got: &[u8], expected: &[u8]) {
    assert!(!expected.is_empty(), "{}: the expected text is empty", what);
    assert_eq!(
        got, expected,
        "{}: Rust got {:?}, the CLI printed {:?}",
        what, String::from_utf8_lossy(got), String::from_utf8_lossy(expected)
    );
}

#[test]
fn struct_layout_matches_c() {
    let c = String::from_utf8(read("AIGC_FFI_LAYOUT")).unwrap();
    let c_lines: Vec<&str> = c.lines().collect();
    let rust_lines = aigc_example::struct_layout();
    assert_eq!(rust_lines.len(), c_lines.len(), "different number of layout lines");
    for (r, c) in rust_lines.iter().zip(c_lines.iter()) {
        assert_eq!(r, c, "layout differs (Rust vs C)");
    }
}

#[test]
fn version_matches_header() {
    assert_eq!(aigc_example::abi_version(), 1, "AIGC_ABI_VERSION the mirror was written for");
    assert!(aigc_example::version().starts_with("0."), "version {}", aigc_example::version());
}

#[test]
fn greedy_matches_cli() {
    let expected = read("AIGC_FFI_EXPECT_GREEDY");
    let model = Model::load(&env("AIGC_FFI_MODEL")).expect("load");
    let mut context = Context::new(&model).expect("context");
    let mut params = sampler_params();
    params.temperature = 0.0;
    let mut sampler = Sampler::new(&params).expect("sampler");
    let out = context.generate(PROMPT, N_TOKENS, Some(&mut sampler)).expect("generate");
    check_text("greedy (temperature 0 sampler)", &out.bytes, &expected);
    assert_eq!(out.result.n_generated, N_TOKENS);
    // No sampler is the library's greedy choice too, and the context is reusable
    // (append = 0 clears the sequence first).
    let again = context.generate(PROMPT, N_TOKENS, None).expect("generate");
    check_text("greedy (NULL sampler)", &again.bytes, &expected);
}

#[test]
fn seeded_matches_cli() {
    let expected = read("AIGC_FFI_EXPECT_SEEDED");
    let model = Model::load(&env("AIGC_FFI_MODEL")).expect("load");
    let mut context = Context::new(&model).expect("context");
    let mut params = sampler_params();
    assert_eq!((params.top_k, params.top_p, params.min_p), (40, 0.95, 0.05), "library defaults");
    params.temperature = 0.8;
    params.seed = 7;
    let mut sampler = Sampler::new(&params).expect("sampler");
    let out = context.generate(PROMPT, N_TOKENS, Some(&mut sampler)).expect("generate");
    check_text("temperature 0.8 seed 7", &out.bytes, &expected);
    sampler.reset().expect("reset");
    let again = context.generate(PROMPT, N_TOKENS, Some(&mut sampler)).expect("generate");
    check_text("same seed after aigc_sampler_reset", &again.bytes, &expected);
}

#[test]
fn missing_model_is_io_error_naming_the_path() {
    let path = "/nonexistent/aigc-ffi-rust/model.bin";
    let err = Model::load(path).err().expect("loading a missing file must fail");
    assert_eq!(err.status, ffi::AIGC_STATUS_IO_ERROR, "{}", err);
    assert!(err.message.contains(path), "message does not name the path: {}", err.message);
}
