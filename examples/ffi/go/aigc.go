// Package aigc calls the aigc C ABI (include/aigc/aigc.h) through cgo: Model, Context and
// Sampler own their handles (Close frees them), errors carry the aigc_status and the
// aigc_last_error() message.
//
// Build flags come from pkg-config (PKG_CONFIG_PATH=<prefix>/lib/pkgconfig, as
// `cmake --install` writes aigc.pc); add CGO_LDFLAGS=-Wl,-rpath,<prefix>/lib or set
// LD_LIBRARY_PATH to run without installing to a system path.
package aigc

/*
#cgo pkg-config: aigc
#include <stdlib.h>
#include <aigc/aigc.h>

// Exported from Go in callback.go.
int32_t aigcGoCollect(char *piece, size_t len, int32_t token, void *user_data);
*/
import "C"

import (
	"bytes"
	"fmt"
	"runtime"
	"runtime/cgo"
	"unsafe"
)

// Status is aigc_status.
type Status int32

const (
	StatusOK              Status = C.AIGC_STATUS_OK
	StatusInvalidArgument Status = C.AIGC_STATUS_INVALID_ARGUMENT
	StatusIOError         Status = C.AIGC_STATUS_IO_ERROR
	StatusCancelled       Status = C.AIGC_STATUS_CANCELLED
)

func (s Status) String() string { return C.GoString(C.aigc_status_string(C.aigc_status(s))) }

// Error is a failed call: its status and aigc_last_error() right after it.
type Error struct {
	Status  Status
	Message string
}

func (e *Error) Error() string { return fmt.Sprintf("aigc: %v (%d): %s", e.Status, int32(e.Status), e.Message) }

// check turns a status into an error. The message is thread-local in the library and a
// goroutine may move between OS threads between two cgo calls, so every wrapper that can
// fail holds runtime.LockOSThread() from the call until check has read the message.
func check(status C.aigc_status) error {
	if status == C.AIGC_STATUS_OK {
		return nil
	}
	return &Error{Status: Status(status), Message: C.GoString(C.aigc_last_error())}
}

// Version is the library actually loaded ("0.1.0").
func Version() string { return C.GoString(C.aigc_version()) }

// ABIVersion is the AIGC_ABI_VERSION the loaded library was built with.
func ABIVersion() uint32 { return uint32(C.aigc_abi_version()) }

// Model is immutable once loaded and may be shared by goroutines.
type Model struct{ raw *C.aigc_model }

// LoadModel loads a GGUF, safetensors or llama2.c model with the default params (cpu).
func LoadModel(path string) (*Model, error) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	cpath := C.CString(path)
	defer C.free(unsafe.Pointer(cpath))
	var params ModelParams
	if err := check(C.aigc_model_params_init((*C.aigc_model_params)(unsafe.Pointer(&params)), C.uint32_t(unsafe.Sizeof(params)))); err != nil {
		return nil, err
	}
	m := &Model{}
	if err := check(C.aigc_model_load(cpath, (*C.aigc_model_params)(unsafe.Pointer(&params)), &m.raw)); err != nil {
		return nil, err
	}
	return m, nil
}

// Close frees the model (free its contexts first). Calling it twice is harmless.
func (m *Model) Close() {
	C.aigc_model_free(m.raw)
	m.raw = nil
}

// Context holds a KV cache; use it from one goroutine at a time.
type Context struct{ raw *C.aigc_context }

// NewContext makes a context with the default params (n_ctx: min(model's, 4096)).
func NewContext(m *Model) (*Context, error) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	var params ContextParams
	if err := check(C.aigc_context_params_init((*C.aigc_context_params)(unsafe.Pointer(&params)), C.uint32_t(unsafe.Sizeof(params)))); err != nil {
		return nil, err
	}
	c := &Context{}
	if err := check(C.aigc_context_new(m.raw, (*C.aigc_context_params)(unsafe.Pointer(&params)), &c.raw)); err != nil {
		return nil, err
	}
	return c, nil
}

func (c *Context) Close() {
	C.aigc_context_free(c.raw)
	c.raw = nil
}

// DefaultSamplerParams is what aigc_sampler_params_init fills (temperature 0.8, top-k 40,
// top-p 0.95, min-p 0.05, ...).
func DefaultSamplerParams() SamplerParams {
	var p SamplerParams
	if err := check(C.aigc_sampler_params_init((*C.aigc_sampler_params)(unsafe.Pointer(&p)), C.uint32_t(unsafe.Sizeof(p)))); err != nil {
		panic(err) // only fails for a wrong struct_size
	}
	return p
}

// Sampler is the standard sampler chain for some params (temperature 0: greedy).
type Sampler struct{ raw *C.aigc_sampler }

func NewSampler(p SamplerParams) (*Sampler, error) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	s := &Sampler{}
	// The Go mirror has the C layout (checked by the tests), so a pointer to it is passed.
	if err := check(C.aigc_sampler_new((*C.aigc_sampler_params)(unsafe.Pointer(&p)), &s.raw)); err != nil {
		return nil, err
	}
	return s, nil
}

// Reset clears the penalty history and re-seeds the RNG.
func (s *Sampler) Reset() error {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	return check(C.aigc_sampler_reset(s.raw))
}

func (s *Sampler) Close() {
	C.aigc_sampler_free(s.raw)
	s.raw = nil
}

// Generate continues prompt for up to maxTokens tokens on sequence 0 (cleared first) and
// returns the exact bytes streamed. sampler nil: the library's greedy choice.
func (c *Context) Generate(prompt string, maxTokens int, sampler *Sampler) ([]byte, GenerateResult, error) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	var result GenerateResult
	result.StructSize = uint32(unsafe.Sizeof(result))
	var params GenerateParams
	if err := check(C.aigc_generate_params_init((*C.aigc_generate_params)(unsafe.Pointer(&params)), C.uint32_t(unsafe.Sizeof(params)))); err != nil {
		return nil, result, err
	}
	params.MaxTokens = int32(maxTokens)
	cprompt := C.CString(prompt)
	defer C.free(unsafe.Pointer(cprompt))
	var rawSampler *C.aigc_sampler
	if sampler != nil {
		rawSampler = sampler.raw
	}
	// The callback finds the buffer through a cgo.Handle: C may not keep Go pointers, and
	// the handle itself is a plain integer that lives on this frame for the call.
	var out bytes.Buffer
	handle := cgo.NewHandle(&out)
	defer handle.Delete()
	status := C.aigc_generate(c.raw, cprompt, (*C.aigc_generate_params)(unsafe.Pointer(&params)), rawSampler,
		(C.aigc_token_callback)(unsafe.Pointer(C.aigcGoCollect)), unsafe.Pointer(&handle),
		(*C.aigc_generate_result)(unsafe.Pointer(&result)))
	if err := check(status); err != nil {
		return nil, result, err
	}
	return out.Bytes(), result, nil
}
