//! Raw declarations of the parts of `include/aigc/aigc.h` this example uses, written by
//! hand (no bindgen, no crates). The `#[repr(C)]` structs mirror the C layout field by
//! field; `tests/generate.rs` checks their sizes and offsets against the C compiler's.
//! Types: C `int32_t`/`uint32_t`/`uint64_t`/`float`/`double` map to i32/u32/u64/f32/f64,
//! `size_t` to usize, `const char *` to `*const c_char`, and the C enums (int-sized on
//! every platform aigc supports) to i32.
#![allow(non_camel_case_types)]

use std::os::raw::{c_char, c_void};

pub type aigc_status = i32;
pub const AIGC_STATUS_OK: aigc_status = 0;
pub const AIGC_STATUS_INVALID_ARGUMENT: aigc_status = 1;
pub const AIGC_STATUS_IO_ERROR: aigc_status = 3;
pub const AIGC_STATUS_CANCELLED: aigc_status = 10;

/// Opaque handles: only ever used behind pointers.
#[repr(C)]
pub struct aigc_model {
    _private: [u8; 0],
}
#[repr(C)]
pub struct aigc_context {
    _private: [u8; 0],
}
#[repr(C)]
pub struct aigc_sampler {
    _private: [u8; 0],
}

#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct aigc_model_params {
    pub struct_size: u32,
    pub backend: *const c_char,
    pub tokenizer_path: *const c_char,
}

#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct aigc_context_params {
    pub struct_size: u32,
    pub n_ctx: i32,
    pub n_seq_max: i32,
    pub n_threads: i32,
}

#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct aigc_sampler_params {
    pub struct_size: u32,
    pub temperature: f32,
    pub top_k: i32,
    pub top_p: f32,
    pub min_p: f32,
    pub typical_p: f32,
    pub penalty_last_n: i32,
    pub repeat_penalty: f32,
    pub frequency_penalty: f32,
    pub presence_penalty: f32,
    pub seed: u64,
}

#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct aigc_generate_params {
    pub struct_size: u32,
    pub max_tokens: i32,
    pub seq_id: i32,
    pub append: i32,
    pub add_bos: i32,
    pub parse_special: i32,
    pub ignore_eos: i32,
    pub stop: *const *const c_char,
    pub n_stop: usize,
}

#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct aigc_generate_result {
    pub struct_size: u32,
    pub stop_reason: i32,
    pub n_prompt_tokens: i32,
    pub n_generated: i32,
    pub prompt_seconds: f64,
    pub generate_seconds: f64,
}

/// `aigc_token_callback`: `None` is a NULL function pointer.
pub type aigc_token_callback = Option<
    unsafe extern "C" fn(piece: *const c_char, len: usize, token: i32, user_data: *mut c_void) -> i32,
>;

extern "C" {
    pub fn aigc_version() -> *const c_char;
    pub fn aigc_abi_version() -> u32;
    pub fn aigc_last_error() -> *const c_char;
    pub fn aigc_status_string(status: aigc_status) -> *const c_char;

    pub fn aigc_model_params_init(params: *mut aigc_model_params, struct_size: u32) -> aigc_status;
    pub fn aigc_model_load(
        path: *const c_char,
        params: *const aigc_model_params,
        model: *mut *mut aigc_model,
    ) -> aigc_status;
    pub fn aigc_model_free(model: *mut aigc_model);

    pub fn aigc_context_params_init(params: *mut aigc_context_params, struct_size: u32) -> aigc_status;
    pub fn aigc_context_new(
        model: *const aigc_model,
        params: *const aigc_context_params,
        context: *mut *mut aigc_context,
    ) -> aigc_status;
    pub fn aigc_context_free(context: *mut aigc_context);

    pub fn aigc_sampler_params_init(params: *mut aigc_sampler_params, struct_size: u32) -> aigc_status;
    pub fn aigc_sampler_new(params: *const aigc_sampler_params, sampler: *mut *mut aigc_sampler) -> aigc_status;
    pub fn aigc_sampler_reset(sampler: *mut aigc_sampler) -> aigc_status;
    pub fn aigc_sampler_free(sampler: *mut aigc_sampler);

    pub fn aigc_generate_params_init(params: *mut aigc_generate_params, struct_size: u32) -> aigc_status;
    pub fn aigc_generate(
        context: *mut aigc_context,
        prompt: *const c_char,
        params: *const aigc_generate_params,
        sampler: *mut aigc_sampler,
        callback: aigc_token_callback,
        user_data: *mut c_void,
        result: *mut aigc_generate_result,
    ) -> aigc_status;
}
