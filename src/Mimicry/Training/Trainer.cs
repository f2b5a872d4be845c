using System.Diagnostics;
using System.Text.Json;
using Mimicry.Configuration;
using Mimicry.Data;
using Mimicry.Data.Sampling;
using Mimicry.Policies;
using TorchSharp;
using TorchSharp.Modules;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace Mimicry.Training;

/// <summary>What the trainer reports after each step.</summary>
public sealed record TrainProgress(int Step, int TotalSteps, double Loss, double Lr, double StepsPerSecond, TimeSpan Elapsed, TimeSpan Eta);

/// <summary>One line of <c>metrics.jsonl</c>: means over the steps since the previous line.</summary>
/// <param name="Terms">The loss's named terms (e.g. "l1", "kl"), when the policy reports any.</param>
public sealed record TrainMetrics(int Step, double Loss, double Lr, double EmaDecay, double StepsPerSecond, double ElapsedSeconds, double? ValLoss = null,
    double? EvalAvgMaxReward = null, double? EvalSuccessRate = null, IReadOnlyDictionary<string, double>? Terms = null);

/// <summary>
/// Trains any registered <see cref="IPolicy"/>: AdamW over the policy's parameter groups, a warm-up then
/// cosine or constant schedule, gradient clipping, EMA, seeded batches, noise and dropout. Every step runs in its own dispose scope, so native memory stays flat. Writes
/// <c>metrics.jsonl</c>, a training-curve PNG, and an atomic checkpoint every <c>checkpoint_every</c>
/// steps; <see cref="Run"/> with resume continues from the last checkpoint to the same weights an
/// uninterrupted run reaches (same batches, noise, dropout masks and optimizer state).
/// </summary>
public sealed class Trainer : IDisposable
{
    private readonly RunConfig _config;
    private readonly string _runDir;
    private readonly BatchLoader _train;
    private readonly BatchLoader? _val;
    private readonly IPolicy _policy;
    private readonly nn.Module? _emaNet;
    private readonly Ema? _ema;
    private readonly AdamW _optimizer;
    private readonly Generator _generator;
    private readonly Device _device;

    public IPolicy Policy => _policy;
    /// <summary>The weights to act with: the EMA copy when EMA is on.</summary>
    public nn.Module ActingNetwork => _emaNet ?? _policy.Network;
    public int Step { get; private set; }
    public double ElapsedSeconds { get; private set; }
    public string CheckpointDir => Path.Combine(_runDir, "checkpoint");
    public string MetricsPath => Path.Combine(_runDir, "metrics.jsonl");

    public Trainer(RunConfig config, EpisodeDataset dataset, string runDir)
    {
        config.Validate();
        _config = config;
        _runDir = runDir;
        _device = torch.device(config.Device);
        if (config.Train.Threads > 0) torch.set_num_threads(config.Train.Threads);
        torch.manual_seed(config.Train.Seed);
        var window = config.Policy.TrainingWindow;
        DerivedFeatures.Ensure(dataset, window.Features.Select(f => f.Key));
        dataset.Stats ??= DatasetStats.Compute(dataset);
        var normalizers = PolicyNormalizers.From(dataset.Stats, config.Policy);
        var split = EpisodeSplit.Create(dataset.Episodes, config.Train.ValFraction, config.Train.Seed);
        _train = new BatchLoader(dataset, split.Train, window, normalizers.All(), config.Train.BatchSize, config.Train.Seed, _device);
        if (split.Validation.Length > 0)
            _val = new BatchLoader(dataset, split.Validation, window, normalizers.All(), config.Train.BatchSize, config.Train.Seed + 1, _device);
        _policy = PolicyRegistry.Create(config.Policy, normalizers, _device);
        if (config.Train.UseEma)
        {
            _emaNet = _policy.CreateNetwork();
            _ema = new Ema(_emaNet, _policy.Network, config.Train);
        }
        _optimizer = CreateOptimizer(_policy, config.Train);
        _generator = new Generator((ulong)config.Train.Seed, _device);
    }

    /// <summary>AdamW over the policy's parameter groups; train.weight_decay applies to the groups that decay.</summary>
    private static AdamW CreateOptimizer(IPolicy policy, TrainConfig tc)
    {
        var groups = policy.ParameterGroups().Where(g => g.Parameters.Count > 0).ToList();
        if (groups.Count == 1 && groups[0].WeightDecay)
            return optim.AdamW(groups[0].Parameters, tc.Lr, tc.Beta1, tc.Beta2, tc.AdamEps, tc.WeightDecay);
        return optim.AdamW(groups.Select(g => new AdamW.ParamGroup(g.Parameters, new AdamW.Options { weight_decay = g.WeightDecay ? tc.WeightDecay : 0 })),
            tc.Lr, tc.Beta1, tc.Beta2, tc.AdamEps, tc.WeightDecay);
    }

    /// <summary>Parameters of the policy network.</summary>
    public long ParameterCount => _policy.ParameterCount();

    /// <summary>
    /// Trains up to <c>train.steps</c>. <paramref name="evaluate"/>, when given, is called every
    /// <c>train.eval_every</c> steps with the acting weights loaded into a policy.
    /// </summary>
    public void Run(bool resume = false, Action<TrainProgress>? progress = null, Func<IPolicy, Evaluation.EvalResult>? evaluate = null,
        CancellationToken cancel = default)
    {
        Directory.CreateDirectory(_runDir);
        ConfigJson.Save(_config, Path.Combine(_runDir, Checkpoint.ConfigFile));
        if (resume && Directory.Exists(CheckpointDir)) Restore();
        else if (File.Exists(MetricsPath)) File.Delete(MetricsPath);
        TrimMetrics();

        var tc = _config.Train;
        var clock = Stopwatch.StartNew();
        double startElapsed = ElapsedSeconds, lossSum = 0, evalSeconds = 0;
        var termSums = new Dictionary<string, double>();
        int lossCount = 0, windowStart = Step;
        var windowClock = Stopwatch.StartNew();
        while (Step < tc.Steps && !cancel.IsCancellationRequested)
        {
            double lr = tc.Lr * LrSchedule.Factor(tc.LrScheduler, Step, tc.WarmupSteps, tc.Steps);
            foreach (var g in _optimizer.ParamGroups) g.LearningRate = lr;
            double loss;
            using (var scope = torch.NewDisposeScope())
            {
                using var batch = _train.Next();
                _optimizer.zero_grad();
                var output = _policy.ComputeLoss(batch, _generator);
                output.Loss.backward();
                if (tc.GradClipNorm > 0) nn.utils.clip_grad_norm_(_policy.Network.parameters(), tc.GradClipNorm);
                _optimizer.step();
                _ema?.Step();
                loss = output.Loss.item<float>();
                foreach (var (name, term) in output.Terms) termSums[name] = termSums.GetValueOrDefault(name) + term.item<float>();
            }
            if (!double.IsFinite(loss)) throw new InvalidOperationException($"training diverged: loss is {loss} at step {Step}");
            Step++;
            lossSum += loss;
            lossCount++;
            ElapsedSeconds = startElapsed + clock.Elapsed.TotalSeconds - evalSeconds; // training time only
            double sps = (Step - windowStart) / Math.Max(1e-9, windowClock.Elapsed.TotalSeconds);
            progress?.Invoke(new TrainProgress(Step, tc.Steps, loss, lr, sps, TimeSpan.FromSeconds(ElapsedSeconds),
                TimeSpan.FromSeconds((tc.Steps - Step) / Math.Max(1e-9, sps))));

            bool log = Step % tc.LogEvery == 0 || Step == tc.Steps;
            bool checkpoint = Step % tc.CheckpointEvery == 0 || Step == tc.Steps;
            bool eval = evaluate != null && ((tc.EvalEvery > 0 && Step % tc.EvalEvery == 0) || Step == tc.Steps);
            if (log || checkpoint || eval)
            {
                double? valLoss = checkpoint || eval ? ValidationLoss() : null;
                Evaluation.EvalResult? result = null;
                if (eval)
                {
                    var evalClock = Stopwatch.StartNew();
                    result = EvaluateActing(evaluate!);
                    evalSeconds += evalClock.Elapsed.TotalSeconds;
                    windowClock.Restart();
                    windowStart = Step;
                }
                var terms = termSums.Count == 0 ? null : termSums.ToDictionary(kv => kv.Key, kv => kv.Value / Math.Max(1, lossCount));
                AppendMetrics(new TrainMetrics(Step, lossSum / Math.Max(1, lossCount), lr, _ema?.Decay ?? 0, Math.Round(sps, 3), Math.Round(ElapsedSeconds, 2),
                    valLoss, result?.AvgMaxReward, result?.SuccessRate, terms));
                lossSum = 0;
                lossCount = 0;
                termSums.Clear();
            }
            if (checkpoint) Save();
        }
        TrainingCurve.TryWrite(MetricsPath, Path.Combine(_runDir, "training_curve.png"));
    }

    private Evaluation.EvalResult EvaluateActing(Func<IPolicy, Evaluation.EvalResult> evaluate)
    {
        if (_emaNet == null) return evaluate(_policy);
        // Act with the EMA weights: load them into a second policy object that shares nothing with training.
        var acting = PolicyRegistry.Create(_config.Policy, _policy.Normalizers, _device);
        try
        {
            var source = _emaNet.state_dict();
            acting.Network.load_state_dict(source);
            return evaluate(acting);
        }
        finally { acting.Dispose(); }
    }

    /// <summary>Mean loss over the validation windows, in eval mode (no dropout) with a fixed noise seed (comparable across steps).</summary>
    public double? ValidationLoss()
    {
        if (_val == null) return null;
        using var noGrad = torch.no_grad();
        using var gen = new Generator((ulong)_config.Train.Seed + 7, _device);
        double sum = 0;
        long count = 0;
        _policy.Network.eval();
        try
        {
            foreach (var batch in _val.All())
            {
                using var scope = torch.NewDisposeScope();
                sum += _policy.ComputeLoss(batch, gen).Loss.item<float>() * batch.Size;
                count += batch.Size;
                batch.Dispose();
            }
        }
        finally { _policy.Network.train(); }
        return sum / Math.Max(1, count);
    }

    private sealed record TrainerState(int Step, long EmaStep, double ElapsedSeconds, BatchLoader.State Sampler);

    /// <summary>Writes the acting checkpoint and the training state, atomically.</summary>
    public void Save()
    {
        IO.AtomicFile.WriteDirectory(CheckpointDir, dir =>
        {
            Checkpoint.SavePolicyFiles(dir, _config, ActingNetwork, _policy.Normalizers);
            string training = Path.Combine(dir, Checkpoint.TrainingDir);
            Directory.CreateDirectory(training);
            _policy.Network.save_safetensors(Path.Combine(training, Checkpoint.RawModelFile));
            _optimizer.save_state_dict(Path.Combine(training, Checkpoint.OptimizerFile));
            using (var state = _generator.get_state()) File.WriteAllBytes(Path.Combine(training, Checkpoint.GeneratorFile), state.bytes.ToArray());
            using (var state = torch.random.get_rng_state()) File.WriteAllBytes(Path.Combine(training, Checkpoint.DefaultGeneratorFile), state.bytes.ToArray());
            File.WriteAllText(Path.Combine(training, Checkpoint.StateFile),
                JsonSerializer.Serialize(new TrainerState(Step, _ema?.OptimizationStep ?? 0, ElapsedSeconds, _train.SaveState()), ConfigJson.Options));
        });
    }

    private void Restore()
    {
        string dir = CheckpointDir, training = Path.Combine(dir, Checkpoint.TrainingDir);
        var saved = ConfigJson.Load<RunConfig>(Path.Combine(dir, Checkpoint.ConfigFile));
        Checkpoint.EnsureSamePolicy(_config, saved, dir);
        Checkpoint.LoadWeights(_policy.Network, Path.Combine(training, Checkpoint.RawModelFile), saved);
        if (_emaNet != null) Checkpoint.LoadWeights(_emaNet, Path.Combine(dir, Checkpoint.ModelFile), saved);
        _optimizer.load_state_dict(Path.Combine(training, Checkpoint.OptimizerFile));
        var bytes = File.ReadAllBytes(Path.Combine(training, Checkpoint.GeneratorFile));
        using (var state = torch.tensor(bytes, dtype: ScalarType.Byte)) _generator.set_state(state);
        // The default generator draws dropout masks; checkpoints from before it was saved resume without it.
        string defaultGenerator = Path.Combine(training, Checkpoint.DefaultGeneratorFile);
        if (File.Exists(defaultGenerator))
            using (var state = torch.tensor(File.ReadAllBytes(defaultGenerator), dtype: ScalarType.Byte)) torch.random.set_rng_state(state);
        var s = ConfigJson.Load<TrainerState>(Path.Combine(training, Checkpoint.StateFile));
        Step = s.Step;
        ElapsedSeconds = s.ElapsedSeconds;
        if (_ema != null) _ema.OptimizationStep = s.EmaStep;
        _train.RestoreState(s.Sampler);
    }

    private void AppendMetrics(TrainMetrics m) =>
        File.AppendAllText(MetricsPath, JsonSerializer.Serialize(m, ConfigJson.Compact) + "\n");

    /// <summary>On resume, drops metric lines written after the checkpoint, so the file reads as one run.</summary>
    private void TrimMetrics()
    {
        if (!File.Exists(MetricsPath)) return;
        var kept = File.ReadAllLines(MetricsPath).Where(l =>
        {
            try { return JsonSerializer.Deserialize<TrainMetrics>(l, ConfigJson.Compact)!.Step <= Step; }
            catch (JsonException) { return false; }
        }).ToArray();
        File.WriteAllLines(MetricsPath, kept);
    }

    public void Dispose()
    {
        _policy.Dispose();
        _emaNet?.Dispose();
        _optimizer.Dispose();
        _generator.Dispose();
    }
}
