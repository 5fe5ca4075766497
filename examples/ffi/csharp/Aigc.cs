// Calling the aigc C ABI (include/aigc/aigc.h) from C# through P/Invoke.
// Native: the [StructLayout(Sequential)] mirrors (field names as in C, so the tests can
// compare each offset with the C compiler's) and the DllImport declarations.
// Model, Context, Sampler: SafeHandle-backed wrappers (Dispose frees; the finalizer too).
// Strings cross as NUL-terminated UTF-8 byte arrays, never through the platform's "ANSI".
using System;
using System.IO;
using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Win32.SafeHandles;

namespace Aigc
{
    public enum Status : int
    {
        Ok = 0, InvalidArgument = 1, OutOfMemory = 2, IoError = 3, InvalidFormat = 4,
        Unsupported = 5, ShapeMismatch = 6, BackendUnavailable = 7, BufferTooSmall = 8,
        ContextFull = 9, Cancelled = 10, DeviceError = 11, Internal = 12
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct ModelParams
    {
        public uint struct_size;
        public IntPtr backend;          // const char *
        public IntPtr tokenizer_path;   // const char *
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct ContextParams
    {
        public uint struct_size;
        public int n_ctx;
        public int n_seq_max;
        public int n_threads;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct SamplerParams
    {
        public uint struct_size;
        public float temperature;
        public int top_k;
        public float top_p;
        public float min_p;
        public float typical_p;
        public int penalty_last_n;
        public float repeat_penalty;
        public float frequency_penalty;
        public float presence_penalty;
        public ulong seed;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct GenerateParams
    {
        public uint struct_size;
        public int max_tokens;
        public int seq_id;
        public int append;
        public int add_bos;
        public int parse_special;
        public int ignore_eos;
        public IntPtr stop;             // const char *const *
        public UIntPtr n_stop;          // size_t
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct GenerateResult
    {
        public uint struct_size;
        public int stop_reason;
        public int n_prompt_tokens;
        public int n_generated;
        public double prompt_seconds;
        public double generate_seconds;
    }

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    public delegate int TokenCallback(IntPtr piece, UIntPtr len, int token, IntPtr userData);

    public sealed class ModelHandle : SafeHandleZeroOrMinusOneIsInvalid
    {
        public ModelHandle() : base(true) { }
        protected override bool ReleaseHandle() { Native.aigc_model_free(handle); return true; }
    }

    public sealed class ContextHandle : SafeHandleZeroOrMinusOneIsInvalid
    {
        public ContextHandle() : base(true) { }
        protected override bool ReleaseHandle() { Native.aigc_context_free(handle); return true; }
    }

    public sealed class SamplerHandle : SafeHandleZeroOrMinusOneIsInvalid
    {
        public SamplerHandle() : base(true) { }
        protected override bool ReleaseHandle() { Native.aigc_sampler_free(handle); return true; }
    }

    public static class Native
    {
        const string Lib = "aigc";  // libaigc.so, found through LD_LIBRARY_PATH / the loader path

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)] public static extern IntPtr aigc_version();
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)] public static extern uint aigc_abi_version();
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)] public static extern IntPtr aigc_last_error();
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)] public static extern IntPtr aigc_status_string(Status status);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        public static extern Status aigc_model_params_init(ref ModelParams p, uint structSize);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        public static extern Status aigc_model_load(byte[] path, ref ModelParams p, out ModelHandle model);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        public static extern void aigc_model_free(IntPtr model);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        public static extern Status aigc_context_params_init(ref ContextParams p, uint structSize);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        public static extern Status aigc_context_new(ModelHandle model, ref ContextParams p, out ContextHandle context);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        public static extern void aigc_context_free(IntPtr context);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        public static extern Status aigc_sampler_params_init(ref SamplerParams p, uint structSize);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        public static extern Status aigc_sampler_new(ref SamplerParams p, out SamplerHandle sampler);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        public static extern Status aigc_sampler_reset(SamplerHandle sampler);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        public static extern void aigc_sampler_free(IntPtr sampler);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        public static extern Status aigc_generate_params_init(ref GenerateParams p, uint structSize);
        // sampler is a raw pointer so that NULL (greedy) can be passed.
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        public static extern Status aigc_generate(ContextHandle context, byte[] prompt, ref GenerateParams p,
                                                  IntPtr sampler, TokenCallback callback, IntPtr userData,
                                                  ref GenerateResult result);

        public static byte[] Utf8Z(string s)
        {
            var n = Encoding.UTF8.GetByteCount(s);
            var b = new byte[n + 1];
            Encoding.UTF8.GetBytes(s, 0, s.Length, b, 0);
            return b;
        }

        public static string FromUtf8Z(IntPtr p)
        {
            if (p == IntPtr.Zero) return "";
            int n = 0;
            while (Marshal.ReadByte(p, n) != 0) n++;
            var b = new byte[n];
            Marshal.Copy(p, b, 0, n);
            return Encoding.UTF8.GetString(b);
        }

        // The message is thread-local: read it on the thread of the failed call, right away.
        public static void Check(Status s)
        {
            if (s != Status.Ok) throw new AigcException(s, FromUtf8Z(aigc_last_error()));
        }

        public static uint SizeOf<T>() { return (uint)Marshal.SizeOf(typeof(T)); }
    }

    public class AigcException : Exception
    {
        public Status Status { get; private set; }
        public string NativeMessage { get; private set; }
        public AigcException(Status status, string message)
            : base(string.Format("aigc: {0} ({1}): {2}", Native.FromUtf8Z(Native.aigc_status_string(status)), (int)status, message))
        {
            Status = status;
            NativeMessage = message;
        }
    }

    public static class Library
    {
        public static string Version { get { return Native.FromUtf8Z(Native.aigc_version()); } }
        public static uint AbiVersion { get { return Native.aigc_abi_version(); } }

        public static SamplerParams DefaultSamplerParams()
        {
            var p = new SamplerParams();
            Native.Check(Native.aigc_sampler_params_init(ref p, Native.SizeOf<SamplerParams>()));
            return p;
        }
    }

    /// An immutable loaded model; may be shared by threads.
    public sealed class Model : IDisposable
    {
        internal readonly ModelHandle Handle;

        public Model(string path)
        {
            var p = new ModelParams();
            Native.Check(Native.aigc_model_params_init(ref p, Native.SizeOf<ModelParams>()));
            Native.Check(Native.aigc_model_load(Native.Utf8Z(path), ref p, out Handle));
        }

        public void Dispose() { Handle.Dispose(); }
    }

    public sealed class Sampler : IDisposable
    {
        internal readonly SamplerHandle Handle;

        public Sampler(SamplerParams p) { Native.Check(Native.aigc_sampler_new(ref p, out Handle)); }
        public void Reset() { Native.Check(Native.aigc_sampler_reset(Handle)); }
        public void Dispose() { Handle.Dispose(); }
    }

    /// A KV cache for one thread at a time. Keeps its Model referenced.
    public sealed class Context : IDisposable
    {
        readonly ContextHandle handle;
        readonly Model model;

        public Context(Model model)
        {
            this.model = model;
            var p = new ContextParams();
            Native.Check(Native.aigc_context_params_init(ref p, Native.SizeOf<ContextParams>()));
            Native.Check(Native.aigc_context_new(model.Handle, ref p, out handle));
        }

        /// Continues prompt for up to maxTokens tokens on sequence 0 (cleared first) and returns
        /// the exact bytes streamed. sampler null: the library's greedy choice.
        public byte[] Generate(string prompt, int maxTokens, Sampler sampler, out GenerateResult result)
        {
            var p = new GenerateParams();
            Native.Check(Native.aigc_generate_params_init(ref p, Native.SizeOf<GenerateParams>()));
            p.max_tokens = maxTokens;
            result = new GenerateResult { struct_size = Native.SizeOf<GenerateResult>() };
            var output = new MemoryStream();
            Exception failure = null;
            // No exception may unwind through the C frames: catch, stop (non-zero), rethrow after.
            TokenCallback callback = (piece, len, token, userData) =>
            {
                try
                {
                    var bytes = new byte[(int)len.ToUInt64()];
                    Marshal.Copy(piece, bytes, 0, bytes.Length);
                    output.Write(bytes, 0, bytes.Length);
                    return 0;
                }
                catch (Exception e) { failure = e; return 1; }
            };
            bool added = false;
            try
            {
                IntPtr rawSampler = IntPtr.Zero;
                if (sampler != null)
                {
                    sampler.Handle.DangerousAddRef(ref added);
                    rawSampler = sampler.Handle.DangerousGetHandle();
                }
                var status = Native.aigc_generate(handle, Native.Utf8Z(prompt), ref p, rawSampler, callback,
                                                  IntPtr.Zero, ref result);
                if (failure != null) throw failure;
                Native.Check(status);
            }
            finally
            {
                if (added) sampler.Handle.DangerousRelease();
                GC.KeepAlive(callback);  // the delegate must outlive the native call
            }
            return output.ToArray();
        }

        public void Dispose() { handle.Dispose(); GC.KeepAlive(model); }
    }
}
