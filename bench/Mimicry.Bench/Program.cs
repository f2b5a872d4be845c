using Mimicry.Bench;

// Mimicry benchmarks. Each writes its figures to a JSON file under bench/results/ (or --out).
//   dotnet run -c Release --project bench/Mimicry.Bench -- pusht-env [--actions N] [--out FILE]
var benches = new Dictionary<string, Func<BenchArgs, int>>
{
    ["pusht-env"] = PushTEnvBench.Run,
    ["sampler"] = SamplerBench.Run,
    ["diffusion"] = DiffusionBench.Run,
    ["act"] = ActBench.Run,
    ["guidance"] = GuidanceBench.Run,
    ["latency"] = LatencyBench.Run,
    ["train-step"] = TrainStepBench.Run,
    ["video"] = VideoBench.Run,
    ["pusht-render"] = PushTRenderBench.Run,
    ["image-step"] = ImageStepBench.Run,
    ["serve"] = ServeBench.Run,
    ["make-pyarrow-fixture"] = Mimicry.Bench.Tools.PyarrowFixture.Run,
};
if (args.Length == 0 || !benches.ContainsKey(args[0]))
{
    Console.Error.WriteLine($"usage: Mimicry.Bench <{string.Join("|", benches.Keys)}> [--key value ...]");
    return 2;
}
return benches[args[0]](BenchArgs.Parse(args[1..]));
