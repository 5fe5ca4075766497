// Checks the P/Invoke mirror against the C library; exit code 1 on any failure. Run by
// scripts/test-ffi.sh, which sets AIGC_FFI_MODEL, AIGC_FFI_LAYOUT, AIGC_FFI_EXPECT_GREEDY,
// AIGC_FFI_EXPECT_SEEDED (see examples/ffi/rust/tests/generate.rs for their meaning).
using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Text;
using Aigc;

static class Tests
{
    const string Prompt = "Once";
    const int NTokens = 32;

    class Failure : Exception { public Failure(string m) : base(m) { } }

    static void Require(bool ok, string message) { if (!ok) throw new Failure(message); }

    static string Env(string name)
    {
        var v = Environment.GetEnvironmentVariable(name);
        Require(!string.IsNullOrEmpty(v), name + " is not set: run scripts/test-ffi.sh");
        return v;
    }

    static void CheckText(string what, byte[] got, byte[] expected)
    {
        Require(expected.Length > 0, what + ": the expected text is empty");
        Require(got.SequenceEqual(expected), string.Format("{0}: C# got \"{1}\", the CLI printed \"{2}\"", what,
                Encoding.UTF8.GetString(got), Encoding.UTF8.GetString(expected)));
    }

    // The mirrors' layout as Marshal computes it, in the order and format of layout.c.
    static List<string> MarshalLayout()
    {
        var types = new[] {
            Tuple.Create("aigc_model_params", typeof(ModelParams)),
            Tuple.Create("aigc_context_params", typeof(ContextParams)),
            Tuple.Create("aigc_sampler_params", typeof(SamplerParams)),
            Tuple.Create("aigc_generate_params", typeof(GenerateParams)),
            Tuple.Create("aigc_generate_result", typeof(GenerateResult)),
        };
        var lines = new List<string>();
        foreach (var t in types)
        {
            lines.Add(string.Format("{0} sizeof {1}", t.Item1, Marshal.SizeOf(t.Item2)));
            var fields = t.Item2.GetFields(BindingFlags.Public | BindingFlags.Instance).OrderBy(f => f.MetadataToken);
            foreach (var f in fields)
                lines.Add(string.Format("{0} {1} {2}", t.Item1, f.Name, Marshal.OffsetOf(t.Item2, f.Name).ToInt64()));
        }
        return lines;
    }

    static void StructLayoutMatchesC()
    {
        var c = File.ReadAllLines(Env("AIGC_FFI_LAYOUT")).Where(l => l.Length > 0).ToList();
        var cs = MarshalLayout();
        Require(cs.Count == c.Count, string.Format("{0} layout lines, C has {1}", cs.Count, c.Count));
        for (int i = 0; i < c.Count; i++)
            Require(cs[i] == c[i], string.Format("layout differs: C# \"{0}\", C \"{1}\"", cs[i], c[i]));
    }

    static void VersionMatches()
    {
        Require(Library.AbiVersion == 1, "ABI version " + Library.AbiVersion + ", the mirrors were written for 1");
        Require(Library.Version.StartsWith("0."), "version " + Library.Version);
    }

    static void GreedyMatchesCli()
    {
        var expected = File.ReadAllBytes(Env("AIGC_FFI_EXPECT_GREEDY"));
        var sp = Library.DefaultSamplerParams();
        sp.temperature = 0f;
        using (var model = new Model(Env("AIGC_FFI_MODEL")))
        using (var context = new Context(model))
        using (var sampler = new Sampler(sp))
        {
            GenerateResult r;
            CheckText("greedy (temperature 0 sampler)", context.Generate(Prompt, NTokens, sampler, out r), expected);
            Require(r.n_generated == NTokens, "n_generated " + r.n_generated);
            CheckText("greedy (null sampler)", context.Generate(Prompt, NTokens, null, out r), expected);
        }
    }

    static void SeededMatchesCli()
    {
        var expected = File.ReadAllBytes(Env("AIGC_FFI_EXPECT_SEEDED"));
        var sp = Library.DefaultSamplerParams();
        Require(sp.top_k == 40 && sp.top_p == 0.95f && sp.min_p == 0.05f, "library defaults changed");
        sp.temperature = 0.8f;
        sp.seed = 7;
        using (var model = new Model(Env("AIGC_FFI_MODEL")))
        using (var context = new Context(model))
        using (var sampler = new Sampler(sp))
        {
            GenerateResult r;
            CheckText("temperature 0.8 seed 7", context.Generate(Prompt, NTokens, sampler, out r), expected);
            sampler.Reset();
            CheckText("same seed after Reset", context.Generate(Prompt, NTokens, sampler, out r), expected);
        }
    }

    static void MissingModelIsIoErrorNamingThePath()
    {
        const string path = "/nonexistent/aigc-ffi-csharp/model.bin";
        try
        {
            using (new Model(path)) { }
        }
        catch (AigcException e)
        {
            Require(e.Status == Status.IoError, "status " + e.Status + ": " + e.Message);
            Require(e.NativeMessage.Contains(path), "message does not name the path: " + e.NativeMessage);
            return;
        }
        throw new Failure("loading a missing file did not fail");
    }

    static int Main()
    {
        var tests = new Dictionary<string, Action> {
            { "struct_layout_matches_c", StructLayoutMatchesC },
            { "version_matches", VersionMatches },
            { "greedy_matches_cli", GreedyMatchesCli },
            { "seeded_matches_cli", SeededMatchesCli },
            { "missing_model_is_io_error_naming_the_path", MissingModelIsIoErrorNamingThePath },
        };
        int failed = 0;
        foreach (var t in tests)
        {
            try
            {
                t.Value();
                Console.WriteLine("ok   " + t.Key);
            }
            catch (Exception e)
            {
                failed++;
                Console.WriteLine("FAIL " + t.Key + ": " + (e is Failure ? e.Message : e.ToString()));
            }
        }
        Console.WriteLine("csharp: {0} passed, {1} failed", tests.Count - failed, failed);
        return failed == 0 ? 0 : 1;
    }
}
