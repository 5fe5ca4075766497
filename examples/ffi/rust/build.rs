// Links the installed C library: AIGC_PREFIX is the prefix `cmake --install` wrote
// (lib/libaigc.so, include/aigc/aigc.h). An rpath to its lib/ lets the test and example
// binaries run without LD_LIBRARY_PATH. Without AIGC_PREFIX the system linker paths are used.
use std::env;

fn main() {
    println!("cargo:rerun-if-env-changed=AIGC_PREFIX");
    println!("cargo:rerun-if-changed=build.rs");
    match env::var("AIGC_PREFIX") {
        Ok(prefix) if !prefix.is_empty() => {
            let lib = format!("{}/lib", prefix.trim_end_matches('/'));
            println!("cargo:rustc-link-search=native={}", lib);
            println!("cargo:rustc-link-arg=-Wl,-rpath,{}", lib);
        }
        _ => println!(
            "cargo:warning=AIGC_PREFIX is not set: linking -laigc from the system library paths"
        ),
    }
    println!("cargo:rustc-link-lib=dylib=aigc");
}
