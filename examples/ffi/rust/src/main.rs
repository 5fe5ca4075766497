//! aigc-example MODEL [PROMPT] [N_TOKENS] [TEMPERATURE] [SEED]: prints the continuation.
use std::io::Write;
use std::process::ExitCode;

fn run() -> aigc_example::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let model_path = args.get(1).map(String::as_str).unwrap_or("stories260K.bin");
    let prompt = args.get(2).map(String::as_str).unwrap_or("Once");
    let n: i32 = args.get(3).and_then(|s| s.parse().ok()).unwrap_or(32);
    let mut params = aigc_example::sampler_params();
    params.temperature = args.get(4).and_then(|s| s.parse().ok()).unwrap_or(0.0);
    params.seed = args.get(5).and_then(|s| s.parse().ok()).unwrap_or(0);

    let model = aigc_example::Model::load(model_path)?;
    let mut context = aigc_example::Context::new(&model)?;
    let mut sampler = aigc_example::Sampler::new(&params)?;
    let out = context.generate(prompt, n, Some(&mut sampler))?;
    std::io::stdout().write_all(&out.bytes).expect("stdout");
    eprintln!("\n[aigc {}: {} prompt tokens, {} generated]", aigc_example::version(),
              out.result.n_prompt_tokens, out.result.n_generated);
    Ok(())
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{}", e);
            ExitCode::from(1)
        }
    }
}
