// generate MODEL [PROMPT] [N_TOKENS] [TEMPERATURE] [SEED]: prints the continuation.
package main

import (
	"fmt"
	"os"
	"strconv"

	"aigc.example/aigc"
)

func arg(i int, def string) string {
	if len(os.Args) > i {
		return os.Args[i]
	}
	return def
}

func main() {
	n, _ := strconv.Atoi(arg(3, "32"))
	temp, _ := strconv.ParseFloat(arg(4, "0"), 32)
	seed, _ := strconv.ParseUint(arg(5, "0"), 10, 64)

	model, err := aigc.LoadModel(arg(1, "stories260K.bin"))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	defer model.Close()
	ctx, err := aigc.NewContext(model)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	defer ctx.Close()
	params := aigc.DefaultSamplerParams()
	params.Temperature = float32(temp)
	params.Seed = seed
	sampler, err := aigc.NewSampler(params)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	defer sampler.Close()
	text, result, err := ctx.Generate(arg(2, "Once"), n, sampler)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Stdout.Write(text)
	fmt.Fprintf(os.Stderr, "\n[aigc %s: %d prompt tokens, %d generated]\n", aigc.Version(), result.NPromptTokens, result.NGenerated)
}
