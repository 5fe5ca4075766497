package aigc

// #include <stddef.h>
// #include <stdint.h>
import "C"

import (
	"bytes"
	"runtime/cgo"
	"unsafe"
)

// aigcGoCollect is the aigc_token_callback that Context.Generate passes: user_data points
// to a cgo.Handle of the *bytes.Buffer collecting the pieces. Returning 0 continues.
//
//export aigcGoCollect
func aigcGoCollect(piece *C.char, n C.size_t, token C.int32_t, userData unsafe.Pointer) C.int32_t {
	out := (*(*cgo.Handle)(userData)).Value().(*bytes.Buffer)
	out.Write(C.GoBytes(unsafe.Pointer(piece), C.int(n)))
	return 0
}
