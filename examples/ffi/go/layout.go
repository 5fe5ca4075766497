package aigc

// #include <aigc/aigc.h>
import "C"

import (
	"fmt"
	"unsafe"
)

// Go mirrors of the params structs, laid out as C lays them out (fixed-width fields, the
// same order; pointers as uintptr so the structs hold no Go pointers and may be passed to
// C by address). The tests compare MirrorLayout and CgoLayout with the C compiler's.

type ModelParams struct {
	StructSize    uint32
	Backend       uintptr // const char *
	TokenizerPath uintptr // const char *
}

type ContextParams struct {
	StructSize uint32
	NCtx       int32
	NSeqMax    int32
	NThreads   int32
}

type SamplerParams struct {
	StructSize       uint32
	Temperature      float32
	TopK             int32
	TopP             float32
	MinP             float32
	TypicalP         float32
	PenaltyLastN     int32
	RepeatPenalty    float32
	FrequencyPenalty float32
	PresencePenalty  float32
	Seed             uint64
}

type GenerateParams struct {
	StructSize   uint32
	MaxTokens    int32
	SeqID        int32
	Append       int32
	AddBOS       int32
	ParseSpecial int32
	IgnoreEOS    int32
	Stop         uintptr // const char *const *
	NStop        uintptr // size_t
}

type GenerateResult struct {
	StructSize      uint32
	StopReason      int32
	NPromptTokens   int32
	NGenerated      int32
	PromptSeconds   float64
	GenerateSeconds float64
}

type layout struct{ lines []string }

func (l *layout) size(s string, n uintptr) { l.lines = append(l.lines, fmt.Sprintf("%s sizeof %d", s, n)) }
func (l *layout) field(s, f string, n uintptr) {
	l.lines = append(l.lines, fmt.Sprintf("%s %s %d", s, f, n))
}

// CgoLayout is the layout of the structs as cgo imports them from aigc.h.
func CgoLayout() []string {
	var l layout
	var mp C.aigc_model_params
	l.size("aigc_model_params", unsafe.Sizeof(mp))
	l.field("aigc_model_params", "struct_size", unsafe.Offsetof(mp.struct_size))
	l.field("aigc_model_params", "backend", unsafe.Offsetof(mp.backend))
	l.field("aigc_model_params", "tokenizer_path", unsafe.Offsetof(mp.tokenizer_path))
	var cp C.aigc_context_params
	l.size("aigc_context_params", unsafe.Sizeof(cp))
	l.field("aigc_context_params", "struct_size", unsafe.Offsetof(cp.struct_size))
	l.field("aigc_context_params", "n_ctx", unsafe.Offsetof(cp.n_ctx))
	l.field("aigc_context_params", "n_seq_max", unsafe.Offsetof(cp.n_seq_max))
	l.field("aigc_context_params", "n_threads", unsafe.Offsetof(cp.n_threads))
	var sp C.aigc_sampler_params
	l.size("aigc_sampler_params", unsafe.Sizeof(sp))
	l.field("aigc_sampler_params", "struct_size", unsafe.Offsetof(sp.struct_size))
	l.field("aigc_sampler_params", "temperature", unsafe.Offsetof(sp.temperature))
	l.field("aigc_sampler_params", "top_k", unsafe.Offsetof(sp.top_k))
	l.field("aigc_sampler_params", "top_p", unsafe.Offsetof(sp.top_p))
	l.field("aigc_sampler_params", "min_p", unsafe.Offsetof(sp.min_p))
	l.field("aigc_sampler_params", "typical_p", unsafe.Offsetof(sp.typical_p))
	l.field("aigc_sampler_params", "penalty_last_n", unsafe.Offsetof(sp.penalty_last_n))
	l.field("aigc_sampler_params", "repeat_penalty", unsafe.Offsetof(sp.repeat_penalty))
	l.field("aigc_sampler_params", "frequency_penalty", unsafe.Offsetof(sp.frequency_penalty))
	l.field("aigc_sampler_params", "presence_penalty", unsafe.Offsetof(sp.presence_penalty))
	l.field("aigc_sampler_params", "seed", unsafe.Offsetof(sp.seed))
	var gp C.aigc_generate_params
	l.size("aigc_generate_params", unsafe.Sizeof(gp))
	l.field("aigc_generate_params", "struct_size", unsafe.Offsetof(gp.struct_size))
	l.field("aigc_generate_params", "max_tokens", unsafe.Offsetof(gp.max_tokens))
	l.field("aigc_generate_params", "seq_id", unsafe.Offsetof(gp.seq_id))
	l.field("aigc_generate_params", "append", unsafe.Offsetof(gp.append))
	l.field("aigc_generate_params", "add_bos", unsafe.Offsetof(gp.add_bos))
	l.field("aigc_generate_params", "parse_special", unsafe.Offsetof(gp.parse_special))
	l.field("aigc_generate_params", "ignore_eos", unsafe.Offsetof(gp.ignore_eos))
	l.field("aigc_generate_params", "stop", unsafe.Offsetof(gp.stop))
	l.field("aigc_generate_params", "n_stop", unsafe.Offsetof(gp.n_stop))
	var gr C.aigc_generate_result
	l.size("aigc_generate_result", unsafe.Sizeof(gr))
	l.field("aigc_generate_result", "struct_size", unsafe.Offsetof(gr.struct_size))
	l.field("aigc_generate_result", "stop_reason", unsafe.Offsetof(gr.stop_reason))
	l.field("aigc_generate_result", "n_prompt_tokens", unsafe.Offsetof(gr.n_prompt_tokens))
	l.field("aigc_generate_result", "n_generated", unsafe.Offsetof(gr.n_generated))
	l.field("aigc_generate_result", "prompt_seconds", unsafe.Offsetof(gr.prompt_seconds))
	l.field("aigc_generate_result", "generate_seconds", unsafe.Offsetof(gr.generate_seconds))
	return l.lines
}

// MirrorLayout is the layout of the Go mirrors above, in the same order and names.
func MirrorLayout() []string {
	var l layout
	var mp ModelParams
	l.size("aigc_model_params", unsafe.Sizeof(mp))
	l.field("aigc_model_params", "struct_size", unsafe.Offsetof(mp.StructSize))
	l.field("aigc_model_params", "backend", unsafe.Offsetof(mp.Backend))
	l.field("aigc_model_params", "tokenizer_path", unsafe.Offsetof(mp.TokenizerPath))
	var cp ContextParams
	l.size("aigc_context_params", unsafe.Sizeof(cp))
	l.field("aigc_context_params", "struct_size", unsafe.Offsetof(cp.StructSize))
	l.field("aigc_context_params", "n_ctx", unsafe.Offsetof(cp.NCtx))
	l.field("aigc_context_params", "n_seq_max", unsafe.Offsetof(cp.NSeqMax))
	l.field("aigc_context_params", "n_threads", unsafe.Offsetof(cp.NThreads))
	var sp SamplerParams
	l.size("aigc_sampler_params", unsafe.Sizeof(sp))
	l.field("aigc_sampler_params", "struct_size", unsafe.Offsetof(sp.StructSize))
	l.field("aigc_sampler_params", "temperature", unsafe.Offsetof(sp.Temperature))
	l.field("aigc_sampler_params", "top_k", unsafe.Offsetof(sp.TopK))
	l.field("aigc_sampler_params", "top_p", unsafe.Offsetof(sp.TopP))
	l.field("aigc_sampler_params", "min_p", unsafe.Offsetof(sp.MinP))
	l.field("aigc_sampler_params", "typical_p", unsafe.Offsetof(sp.TypicalP))
	l.field("aigc_sampler_params", "penalty_last_n", unsafe.Offsetof(sp.PenaltyLastN))
	l.field("aigc_sampler_params", "repeat_penalty", unsafe.Offsetof(sp.RepeatPenalty))
	l.field("aigc_sampler_params", "frequency_penalty", unsafe.Offsetof(sp.FrequencyPenalty))
	l.field("aigc_sampler_params", "presence_penalty", unsafe.Offsetof(sp.PresencePenalty))
	l.field("aigc_sampler_params", "seed", unsafe.Offsetof(sp.Seed))
	var gp GenerateParams
	l.size("aigc_generate_params", unsafe.Sizeof(gp))
	l.field("aigc_generate_params", "struct_size", unsafe.Offsetof(gp.StructSize))
	l.field("aigc_generate_params", "max_tokens", unsafe.Offsetof(gp.MaxTokens))
	l.field("aigc_generate_params", "seq_id", unsafe.Offsetof(gp.SeqID))
	l.field("aigc_generate_params", "append", unsafe.Offsetof(gp.Append))
	l.field("aigc_generate_params", "add_bos", unsafe.Offsetof(gp.AddBOS))
	l.field("aigc_generate_params", "parse_special", unsafe.Offsetof(gp.ParseSpecial))
	l.field("aigc_generate_params", "ignore_eos", unsafe.Offsetof(gp.IgnoreEOS))
	l.field("aigc_generate_params", "stop", unsafe.Offsetof(gp.Stop))
	l.field("aigc_generate_params", "n_stop", unsafe.Offsetof(gp.NStop))
	var gr GenerateResult
	l.size("aigc_generate_result", unsafe.Sizeof(gr))
	l.field("aigc_generate_result", "struct_size", unsafe.Offsetof(gr.StructSize))
	l.field("aigc_generate_result", "stop_reason", unsafe.Offsetof(gr.StopReason))
	l.field("aigc_generate_result", "n_prompt_tokens", unsafe.Offsetof(gr.NPromptTokens))
	l.field("aigc_generate_result", "n_generated", unsafe.Offsetof(gr.NGenerated))
	l.field("aigc_generate_result", "prompt_seconds", unsafe.Offsetof(gr.PromptSeconds))
	l.field("aigc_generate_result", "generate_seconds", unsafe.Offsetof(gr.GenerateSeconds))
	return l.lines
}
