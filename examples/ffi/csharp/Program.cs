// aigc-example.exe MODEL [PROMPT] [N_TOKENS] [TEMPERATURE] [SEED]: prints the continuation.
using System;
using System.Globalization;
using Aigc;

static class Program
{
    static int Main(string[] args)
    {
        try
        {
            string path = args.Length > 0 ? args[0] : "stories260K.bin";
            string prompt = args.Length > 1 ? args[1] : "Once";
            int n = args.Length > 2 ? int.Parse(args[2]) : 32;
            var sp = Library.DefaultSamplerParams();
            sp.temperature = args.Length > 3 ? float.Parse(args[3], CultureInfo.InvariantCulture) : 0f;
            sp.seed = args.Length > 4 ? ulong.Parse(args[4]) : 0;
            using (var model = new Model(path))
            using (var context = new Context(model))
            using (var sampler = new Sampler(sp))
            {
                GenerateResult r;
                byte[] text = context.Generate(prompt, n, sampler, out r);
                using (var stdout = Console.OpenStandardOutput()) stdout.Write(text, 0, text.Length);
                Console.Error.WriteLine("\n[aigc {0}: {1} prompt tokens, {2} generated]", Library.Version,
                                        r.n_prompt_tokens, r.n_generated);
            }
            return 0;
        }
        catch (AigcException e)
        {
            Console.Error.WriteLine(e.Message);
            return 1;
        }
    }
}
