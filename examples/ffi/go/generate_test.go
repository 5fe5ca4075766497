package aigc

// Checks the cgo package against the C library (run by scripts/test-ffi.sh, which sets
// AIGC_FFI_MODEL, AIGC_FFI_LAYOUT, AIGC_FFI_EXPECT_GREEDY, AIGC_FFI_EXPECT_SEEDED; see
// examples/ffi/rust/tests/generate.rs for their meaning).

import (
	"bytes"
	"errors"
	"os"
	"strings"
	"testing"
)

const (
	prompt  = "Once"
	nTokens = 32
)

func env(t *testing.T, name string) string {
	t.Helper()
	v := os.Getenv(name)
	if v == "" {
		t.Fatalf("%s is not set: run scripts/test-ffi.sh", name)
	}
	return v
}

func readEnvFile(t *testing.T, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(env(t, name))
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return data
}

func checkText(t *testing.T, what string, got, expected []byte) {
	t.Helper()
	if len(expected) == 0 {
		t.Fatalf("%s: the expected text is empty", what)
	}
	if !bytes.Equal(got, expected) {
		t.Fatalf("%s: Go got %q, the CLI printed %q", what, got, expected)
	}
}

func compareLayout(t *testing.T, what string, got, expected []string) {
	t.Helper()
	if len(got) != len(expected) {
		t.Fatalf("%s: %d layout lines, C has %d", what, len(got), len(expected))
	}
	for i := range got {
		if got[i] != expected[i] {
			t.Errorf("%s layout differs: %q, C: %q", what, got[i], expected[i])
		}
	}
}

func TestStructLayoutMatchesC(t *testing.T) {
	c := strings.Split(strings.TrimRight(string(readEnvFile(t, "AIGC_FFI_LAYOUT")), "\n"), "\n")
	compareLayout(t, "cgo", CgoLayout(), c)
	compareLayout(t, "Go mirror", MirrorLayout(), c)
}

func TestVersion(t *testing.T) {
	if ABIVersion() != 1 {
		t.Fatalf("ABI version %d, the mirrors were written for 1", ABIVersion())
	}
	if !strings.HasPrefix(Version(), "0.") {
		t.Fatalf("version %q", Version())
	}
}

func generate(t *testing.T, params *SamplerParams) ([]byte, *Context, *Sampler, func()) {
	t.Helper()
	model, err := LoadModel(env(t, "AIGC_FFI_MODEL"))
	if err != nil {
		t.Fatal(err)
	}
	ctx, err := NewContext(model)
	if err != nil {
		t.Fatal(err)
	}
	sampler, err := NewSampler(*params)
	if err != nil {
		t.Fatal(err)
	}
	text, result, err := ctx.Generate(prompt, nTokens, sampler)
	if err != nil {
		t.Fatal(err)
	}
	if result.NGenerated != nTokens {
		t.Fatalf("n_generated %d, want %d", result.NGenerated, nTokens)
	}
	return text, ctx, sampler, func() { sampler.Close(); ctx.Close(); model.Close() }
}

func TestGreedyMatchesCLI(t *testing.T) {
	expected := readEnvFile(t, "AIGC_FFI_EXPECT_GREEDY")
	params := DefaultSamplerParams()
	params.Temperature = 0
	text, ctx, _, done := generate(t, &params)
	defer done()
	checkText(t, "greedy (temperature 0 sampler)", text, expected)
	again, _, err := ctx.Generate(prompt, nTokens, nil)
	if err != nil {
		t.Fatal(err)
	}
	checkText(t, "greedy (nil sampler)", again, expected)
}

func TestSeededMatchesCLI(t *testing.T) {
	expected := readEnvFile(t, "AIGC_FFI_EXPECT_SEEDED")
	params := DefaultSamplerParams()
	if params.TopK != 40 || params.TopP != 0.95 || params.MinP != 0.05 {
		t.Fatalf("library defaults changed: %+v", params)
	}
	params.Temperature = 0.8
	params.Seed = 7
	text, ctx, sampler, done := generate(t, &params)
	defer done()
	checkText(t, "temperature 0.8 seed 7", text, expected)
	if err := sampler.Reset(); err != nil {
		t.Fatal(err)
	}
	again, _, err := ctx.Generate(prompt, nTokens, sampler)
	if err != nil {
		t.Fatal(err)
	}
	checkText(t, "same seed after Reset", again, expected)
}

func TestMissingModelIsIOErrorNamingThePath(t *testing.T) {
	path := "/nonexistent/aigc-ffi-go/model.bin"
	_, err := LoadModel(path)
	var aerr *Error
	if !errors.As(err, &aerr) {
		t.Fatalf("want *aigc.Error, got %v", err)
	}
	if aerr.Status != StatusIOError {
		t.Fatalf("status %v, want %v: %v", aerr.Status, StatusIOError, aerr)
	}
	if !strings.Contains(aerr.Message, path) {
		t.Fatalf("message does not name the path: %q", aerr.Message)
	}
}
