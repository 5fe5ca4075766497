//! A small safe wrapper over the aigc C ABI: `Model`, `Context` and `Sampler` own their
//! handles and free them on drop; every call returns `Result<_, AigcError>` carrying the
//! `aigc_status` and the thread-local `aigc_last_error()` message.
pub mod ffi;

use std::ffi::{CStr, CString};
use std::fmt;
use std::marker::PhantomData;
use std::mem::{size_of, MaybeUninit};
use std::os::raw::{c_char, c_void};
use std::ptr::{self, NonNull};

/// A failed call: the `aigc_status` code and `aigc_last_error()` at the time.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AigcError {
    pub status: ffi::aigc_status,
    pub message: String,
}

impl fmt::Display for AigcError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = unsafe { cstr_to_string(ffi::aigc_status_string(self.status)) };
        write!(f, "aigc: {} ({}): {}", name, self.status, self.message)
    }
}

impl std::error::Error for AigcError {}

pub type Result<T> = std::result::Result<T, AigcError>;

unsafe fn cstr_to_string(p: *const c_char) -> String {
    if p.is_null() {
        String::new()
    } else {
        CStr::from_ptr(p).to_string_lossy().into_owned()
    }
}

fn check(status: ffi::aigc_status) -> Result<()> {
    if status == ffi::AIGC_STATUS_OK {
        Ok(())
    } else {
        // Read right away: the message is thread-local and replaced by the next failure.
        let message = unsafe { cstr_to_string(ffi::aigc_last_error()) };
        Err(AigcError { status, message })
    }
}

fn c_string(s: &str) -> Result<CString> {
    CString::new(s).map_err(|_| AigcError {
        status: ffi::AIGC_STATUS_INVALID_ARGUMENT,
        message: "string contains a NUL byte".to_string(),
    })
}

/// The library actually loaded ("0.1.0").
pub fn version() -> String {
    unsafe { cstr_to_string(ffi::aigc_version()) }
}

/// AIGC_ABI_VERSION the loaded library was built with.
pub fn abi_version() -> u32 {
    unsafe { ffi::aigc_abi_version() }
}

/// A loaded model: immutable, so it may be shared by threads (`Sync`).
pub struct Model {
    raw: NonNull<ffi::aigc_model>,
}

unsafe impl Send for Model {}
unsafe impl Sync for Model {}

impl Model {
    /// Loads a GGUF / safetensors / llama2.c model with the default params (cpu backend).
    pub fn load(path: &str) -> Result<Model> {
        let c_path = c_string(path)?;
        let mut params = MaybeUninit::<ffi::aigc_model_params>::uninit();
        let mut raw: *mut ffi::aigc_model = ptr::null_mut();
        unsafe {
            check(ffi::aigc_model_params_init(params.as_mut_ptr(), size_of::<ffi::aigc_model_params>() as u32))?;
            check(ffi::aigc_model_load(c_path.as_ptr(), params.as_ptr(), &mut raw))?;
        }
        Ok(Model { raw: NonNull::new(raw).expect("aigc_model_load returned OK and NULL") })
    }

    pub fn as_ptr(&self) -> *const ffi::aigc_model {
        self.raw.as_ptr()
    }
}

impl Drop for Model {
    fn drop(&mut self) {
        unsafe { ffi::aigc_model_free(self.raw.as_ptr()) }
    }
}

/// Defaults from `aigc_sampler_params_init` (temperature 0.8, top-k 40, top-p 0.95, ...).
pub fn sampler_params() -> ffi::aigc_sampler_params {
    let mut p = MaybeUninit::<ffi::aigc_sampler_params>::uninit();
    unsafe {
        check(ffi::aigc_sampler_params_init(p.as_mut_ptr(), size_of::<ffi::aigc_sampler_params>() as u32))
            .expect("aigc_sampler_params_init");
        p.assume_init()
    }
}

/// The standard sampler chain for some params (temperature 0: greedy).
pub struct Sampler {
    raw: NonNull<ffi::aigc_sampler>,
}

unsafe impl Send for Sampler {}

impl Sampler {
    pub fn new(params: &ffi::aigc_sampler_params) -> Result<Sampler> {
        let mut raw: *mut ffi::aigc_sampler = ptr::null_mut();
        unsafe { check(ffi::aigc_sampler_new(params, &mut raw))? };
        Ok(Sampler { raw: NonNull::new(raw).expect("aigc_sampler_new returned OK and NULL") })
    }

    /// Clears the penalty history and re-seeds the RNG.
    pub fn reset(&mut self) -> Result<()> {
        unsafe { check(ffi::aigc_sampler_reset(self.raw.as_ptr())) }
    }
}

impl Drop for Sampler {
    fn drop(&mut self) {
        unsafe { ffi::aigc_sampler_free(self.raw.as_ptr()) }
    }
}

/// What `Context::generate` produced: the exact bytes streamed and the library's counts.
pub struct Generation {
    pub bytes: Vec<u8>,
    pub result: ffi::aigc_generate_result,
}

impl Generation {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.bytes).into_owned()
    }
}

/// A context (KV cache, scratch): used by one thread at a time (`Send`, not `Sync`); it
/// borrows its model so the model outlives it.
pub struct Context<'m> {
    raw: NonNull<ffi::aigc_context>,
    _model: PhantomData<&'m Model>,
}

unsafe impl Send for Context<'_> {}

unsafe extern "C" fn collect_piece(piece: *const c_char, len: usize, _token: i32, user_data: *mut c_void) -> i32 {
    // No panics may cross the C frame: extend_from_slice only aborts on out-of-memory.
    let out = &mut *(user_data as *mut Vec<u8>);
    out.extend_from_slice(std::slice::from_raw_parts(piece as *const u8, len));
    0
}

impl<'m> Context<'m> {
    /// A context with the default params (n_ctx: min(model's, 4096), one sequence).
    pub fn new(model: &'m Model) -> Result<Context<'m>> {
        let mut params = MaybeUninit::<ffi::aigc_context_params>::uninit();
        let mut raw: *mut ffi::aigc_context = ptr::null_mut();
        unsafe {
            check(ffi::aigc_context_params_init(params.as_mut_ptr(), size_of::<ffi::aigc_context_params>() as u32))?;
            check(ffi::aigc_context_new(model.as_ptr(), params.as_ptr(), &mut raw))?;
        }
        Ok(Context { raw: NonNull::new(raw).expect("aigc_context_new returned OK and NULL"), _model: PhantomData })
    }

    /// Continues `prompt` for up to `max_tokens` tokens (sequence 0, cleared first).
    /// `sampler` None: the library's greedy choice.
    pub fn generate(&mut self, prompt: &str, max_tokens: i32, sampler: Option<&mut Sampler>) -> Result<Generation> {
        let c_prompt = c_string(prompt)?;
        let mut params = MaybeUninit::<ffi::aigc_generate_params>::uninit();
        let mut bytes: Vec<u8> = Vec::new();
        let mut result = ffi::aigc_generate_result {
            struct_size: size_of::<ffi::aigc_generate_result>() as u32,
            ..Default::default()
        };
        let sampler_ptr = sampler.map_or(ptr::null_mut(), |s| s.raw.as_ptr());
        unsafe {
            check(ffi::aigc_generate_params_init(params.as_mut_ptr(), size_of::<ffi::aigc_generate_params>() as u32))?;
            let mut params = params.assume_init();
            params.max_tokens = max_tokens;
            check(ffi::aigc_generate(
                self.raw.as_ptr(),
                c_prompt.as_ptr(),
                &params,
                sampler_ptr,
                Some(collect_piece),
                &mut bytes as *mut Vec<u8> as *mut c_void,
                &mut result,
            ))?;
        }
        Ok(Generation { bytes, result })
    }
}

impl Drop for Context<'_> {
    fn drop(&mut self) {
        unsafe { ffi::aigc_context_free(self.raw.as_ptr()) }
    }
}

/// Offset of a field computed from a pointer into an uninitialised value (no crate, no
/// reference to uninitialised memory: `addr_of!` only computes the address).
macro_rules! offset_of_field {
    ($t:ty, $f:ident) => {{
        let value = MaybeUninit::<$t>::uninit();
        let base = value.as_ptr();
        let field = unsafe { ptr::addr_of!((*base).$f) };
        (field as *const u8 as usize) - (base as *const u8 as usize)
    }};
}

macro_rules! layout_lines {
    ($out:ident, $t:ident, [$($f:ident),*]) => {{
        $out.push(format!("{} sizeof {}", stringify!($t), size_of::<ffi::$t>()));
        $($out.push(format!("{} {} {}", stringify!($t), stringify!($f), offset_of_field!(ffi::$t, $f)));)*
    }};
}

/// The mirrored structs' layout in the format of examples/ffi/layout.c ("STRUCT FIELD N").
pub fn struct_layout() -> Vec<String> {
    let mut out = Vec::new();
    layout_lines!(out, aigc_model_params, [struct_size, backend, tokenizer_path]);
    layout_lines!(out, aigc_context_params, [struct_size, n_ctx, n_seq_max, n_threads]);
    layout_lines!(out, aigc_sampler_params, [struct_size, temperature, top_k, top_p, min_p, typical_p,
        penalty_last_n, repeat_penalty, frequency_penalty, presence_penalty, seed]);
    layout_lines!(out, aigc_generate_params, [struct_size, max_tokens, seq_id, append, add_bos,
        parse_special, ignore_eos, stop, n_stop]);
    layout_lines!(out, aigc_generate_result, [struct_size, stop_reason, n_prompt_tokens, n_generated,
        prompt_seconds, generate_seconds]);
    out
}
