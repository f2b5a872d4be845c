using System.Diagnostics;
using Mimicry.Configuration;
using Mimicry.Data;
using Mimicry.Numerics;
using Mimicry.Data.Sampling;
using Mimicry.Policies;
using Mimicry.Training.Checkpoints;
using Mimicry.Training.Optim;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Mimicry.Training;

/// <summary>What the trainer reports after each step.</summary>
public sealed record TrainProgress(int Step, int TotalSteps, double Loss, double Lr, double StepsPerSecond, TimeSpan Elapsed, TimeSpan Eta);

/// <summary>What an evaluation during training reports back (the layer above runs the rollouts).</summary>
public sealed record ActingScore(double AvgMaxReward, double SuccessRate);

/// <summary>One line of <c>metrics.jsonl</c>: means over the steps since the previous line.</summary>
/// <param name="Terms">The loss's named terms (e.g. "l1", "kl"), when the policy reports any.</param>
/// <param name="ValMetrics">The policy's validation measures on the acting weights (<see cref="IPolicy.ValidationMetrics"/>), at checkpoints.</param>
public sealed record TrainMetrics(int Step, double Loss, double Lr, double EmaDecay, double StepsPerSecond, double ElapsedSeconds, double? ValLoss = null,
    double? EvalAvgMaxReward = null, double? EvalSuccessRate = null, IReadOnlyDictionary<string, double>? Terms = null,
    IReadOnlyDictionary<string, double>? ValMetrics = null);

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
    private readonly RunFolder _run;
    private readonly BatchLoader _train;
    private readonly BatchLoader? _val;
    private readonly IPolicy _policy;
    private readonly nn.Module? _emaNet;
    private readonly Ema? _ema;
    private readonly FlatAdamW _optimizer;
    private readonly Generator _generator;
    private readonly Device _device;
    private readonly string _datasetFingerprint;

    public IPolicy Policy => _policy;
    /// <summary>The weights to act with: the EMA copy when EMA is on.</summary>
    public nn.Module ActingNetwork => _emaNet ?? _policy.Network;
    public int Step { get; private set; }
    public double ElapsedSeconds { get; private set; }
    /// <summary>The run's length: the configured one, or with train.minutes the one fitted to the run's own step rate (null until fitted).</summary>
    public TrainLength? Length { get; private set; }
    public string CheckpointDir => _run.CheckpointDir;
    public string MetricsPath => _run.MetricsPath;
    /// <summary>Where notes for the user go (a recovered checkpoint, a checkpoint saved on stop).</summary>
    public Action<string>? Log { get; init; }
    /// <summary>The command line that started the run, written to <c>RUN/command.txt</c> once the run folder is accepted.</summary>
    public string? CommandLine { get; init; }
    /// <summary>Whether the last <see cref="Run"/> stopped early on cancellation (after saving a checkpoint).</summary>
    public bool Stopped { get; private set; }

    /// <summary>Episodes the training windows come from (after the split and any return filter).</summary>
    public int TrainEpisodes { get; private set; }

    public Trainer(RunConfig config, EpisodeDataset dataset, string runDir)
    {
        config.Validate();
        _config = config;
        _run = new RunFolder(runDir);
        _device = Devices.Parse(config.Device);
        if (config.Train.Threads > 0) torch.set_num_threads(config.Train.Threads);
        torch.manual_seed(config.Train.Seed);
        var window = config.Policy.TrainingWindow;
        config.Policy.CheckData(dataset, dataset.Source ?? config.Dataset);
        _datasetFingerprint = dataset.Fingerprint; // before derived features are added
        DerivedFeatures.Ensure(dataset, window.Features.Select(f => f.Key));
        dataset.Stats ??= DatasetStats.Compute(dataset);
        var normalizers = PolicyNormalizers.From(dataset.Stats, config.Policy);
        var split = EpisodeSplit.Create(config.Train.Split, dataset.Episodes, config.Train.ValFraction, config.Train.Seed, config.Train.MaxTrainEpisodes,
            dataset.Source ?? config.Dataset);
        var trainEpisodes = split.Train;
        if (config.Train.MinEpisodeReturn is { } minReturn)
        {
            var returns = DerivedFeatures.EpisodeReturns(dataset);
            trainEpisodes = trainEpisodes.Where(e => returns[e] >= minReturn).ToArray();
            if (trainEpisodes.Length == 0)
                throw new ArgumentException($"train.min_episode_return {minReturn}: no training episode of {dataset.Source ?? config.Dataset} has that return (best: {split.Train.Max(e => returns[e]):F3})");
        }
        TrainEpisodes = trainEpisodes.Length;
        _train = new BatchLoader(dataset, trainEpisodes, window, normalizers.All(), config.Train.BatchSize, config.Train.Seed, _device);
        if (split.Validation.Length > 0)
            _val = new BatchLoader(dataset, split.Validation, window, normalizers.All(), config.Train.BatchSize, config.Train.Seed + 1, _device);
        _policy = PolicyRegistry.Create(config.Policy, normalizers, _device);
        if (_policy is IFittedPolicy fitted) fitted.Fit(dataset, trainEpisodes); // deterministic: a resumed run fits the same
        var groups = FlatParameterGroup.Create(_policy.Network, _policy.ParameterGroups().Where(g => g.Parameters.Count > 0));
        var tc = config.Train;
        _optimizer = new FlatAdamW(groups, tc.Lr, tc.Beta1, tc.Beta2, tc.AdamEps, tc.WeightDecay);
        if (config.Train.UseEma)
        {
            // The copy's initialization draws nothing from the default generator (it is overwritten at once): with or without
            // EMA, training sees the same dropout masks, so an EMA run's trained weights are the run without EMA (--weights raw).
            using (var before = torch.random.get_rng_state())
            {
                _emaNet = _policy.CreateNetwork();
                torch.random.set_rng_state(before);
            }
            _ema = new Ema(_emaNet, _policy.Network, groups, config.Train);
        }
        _generator = RandomDraws.Seeded(config.Train.Seed);
        if (config.Train.BestOn is { } best)
        {
            if (best != BestOnValLoss && !_policy.ValidationMetricNames.Contains(best))
                throw new ArgumentException($"train.best_on {best}: a {config.Policy.Name} policy reports {string.Join(", ", [BestOnValLoss, .. _policy.ValidationMetricNames])}");
            if (_val == null) throw new ArgumentException($"train.best_on {best} needs validation episodes (train.val_fraction > 0)");
        }
    }

    /// <summary><c>train.best_on</c>'s name for the validation loss.</summary>
    public const string BestOnValLoss = "val_loss";

    /// <summary>The optimizer's groups: name, whether train.weight_decay applies, and how many values each holds.</summary>
    public IReadOnlyList<(string Name, bool WeightDecay, long Values)> OptimizerGroups => _optimizer.Groups.Select(g => (g.Name, g.WeightDecay, g.Count)).ToList();

    /// <summary>Parameters of the policy network.</summary>
    public long ParameterCount => _policy.ParameterCount();

    /// <summary>
    /// Trains up to <c>train.steps</c> into the run folder, which it locks. A fresh run refuses a folder that
    /// already holds one (unless <paramref name="overwrite"/>); <paramref name="resume"/> needs a checkpoint,
    /// restores it exactly, and validates it before anything in the folder is changed. Cancellation
    /// (Ctrl-C) stops after the current step and saves a checkpoint first. <paramref name="evaluate"/>, when given, is called every
    /// <c>train.eval_every</c> steps with the acting weights loaded into a policy.
    /// </summary>
    public void Run(bool resume = false, Action<TrainProgress>? progress = null, Func<IPolicy, ActingScore>? evaluate = null,
        CancellationToken cancel = default, bool overwrite = false)
    {
        using var runLock = RunLock.Acquire(_run.Dir);
        if (IO.AtomicFile.Recover(CheckpointDir) is { } note) Log?.Invoke(note);
        RunFolder.Check(_run.Dir, resume, overwrite);
        var tc = _config.Train;
        Length = tc.Minutes > 0 ? null : TrainLength.Configured(tc);
        if (resume)
        {
            (Step, ElapsedSeconds, var saved) = TrainingCheckpoint.Restore(CheckpointDir, Parts); // validated against this config before anything is written
            if (tc.Minutes > 0) Length = saved;
        }
        else _run.ClearPreviousRun();
        _run.Describe(_config, CommandLine, resume);
        _run.TrimMetrics(Step);
        Stopped = false;
        int savedStep = resume ? Step : -1;

        var clock = Stopwatch.StartNew();
        double startElapsed = ElapsedSeconds, lossSum = 0, evalSeconds = 0;
        var termSums = new Dictionary<string, double>();
        int lossCount = 0, windowStart = Step;
        var windowClock = Stopwatch.StartNew();
        // train.minutes: the run's own rate over steps [timedFrom, timedTo) of this call fits its length (train.steps until then).
        int timedFrom = Step + TrainLength.UntimedSteps, timedTo = timedFrom + TrainLength.TimedSteps(tc);
        double timedStart = 0;
        while ((Length == null || Step < Length.Steps) && !cancel.IsCancellationRequested)
        {
            var plan = Length ?? TrainLength.Configured(tc);
            double lr = tc.Lr * LrSchedule.Factor(tc.LrScheduler, Step, plan.WarmupSteps, plan.Steps);
            _optimizer.LearningRate = lr;
            double loss;
            using (var scope = torch.NewDisposeScope())
            {
                using var batch = _train.Next();
                _optimizer.ZeroGrad();
                var output = _policy.ComputeLoss(batch, _generator);
                output.Loss.backward();
                if (tc.GradClipNorm > 0) _optimizer.ClipGradNorm(tc.GradClipNorm);
                _optimizer.Step();
                _ema?.Step();
                loss = output.Loss.item<float>();
                foreach (var (name, term) in output.Terms) termSums[name] = termSums.GetValueOrDefault(name) + term.item<float>();
            }
            if (!double.IsFinite(loss))
                throw new TrainingDivergedException($"training diverged: the loss is {loss} at step {Step + 1}; " +
                    (savedStep >= 0 ? $"{CheckpointDir} keeps step {savedStep}. " : "no checkpoint was written. ") +
                    "Lower train.lr, or check the dataset for extreme values");
            Step++;
            lossSum += loss;
            lossCount++;
            ElapsedSeconds = startElapsed + clock.Elapsed.TotalSeconds - evalSeconds; // training time only
            if (Length == null && Step == timedFrom) timedStart = ElapsedSeconds;
            if (Length == null && Step == timedTo)
            {
                Length = TrainLength.Fit(tc, Step, ElapsedSeconds, (ElapsedSeconds - timedStart) / (timedTo - timedFrom));
                plan = Length;
                Log?.Invoke($"train.minutes {tc.Minutes:0.##}: {Length.SecondsPerStep:F3} s per step over steps {timedFrom}-{timedTo} → {Length.Steps:N0} steps " +
                    $"(planned {tc.Steps:N0}), warm-up {Length.WarmupSteps}, checkpoints every {Length.CheckpointEvery}");
            }
            int total = Length?.Steps ?? -1; // no final step before the length is fitted
            double sps = (Step - windowStart) / Math.Max(1e-9, windowClock.Elapsed.TotalSeconds);
            progress?.Invoke(new TrainProgress(Step, plan.Steps, loss, lr, sps, TimeSpan.FromSeconds(ElapsedSeconds),
                TimeSpan.FromSeconds((plan.Steps - Step) / Math.Max(1e-9, sps))));

            bool log = Step % tc.LogEvery == 0 || Step == total;
            bool checkpoint = Step % plan.CheckpointEvery == 0 || Step == total;
            bool eval = evaluate != null && ((tc.EvalEvery > 0 && Step % tc.EvalEvery == 0) || Step == total);
            double? valLoss = null;
            IReadOnlyDictionary<string, double>? valMetrics = null;
            if (log || checkpoint || eval)
            {
                valLoss = checkpoint || eval ? ValidationLoss() : null;
                valMetrics = checkpoint || eval ? ValidationMetrics() : null;
                ActingScore? result = null;
                if (eval)
                {
                    var evalClock = Stopwatch.StartNew();
                    result = EvaluateActing(evaluate!);
                    evalSeconds += evalClock.Elapsed.TotalSeconds;
                    windowClock.Restart();
                    windowStart = Step;
                }
                var terms = termSums.Count == 0 ? null : termSums.ToDictionary(kv => kv.Key, kv => kv.Value / Math.Max(1, lossCount));
                _run.AppendMetrics(new TrainMetrics(Step, lossSum / Math.Max(1, lossCount), lr, _ema?.Decay ?? 0, Math.Round(sps, 3), Math.Round(ElapsedSeconds, 2),
                    valLoss, result?.AvgMaxReward, result?.SuccessRate, terms, valMetrics));
                lossSum = 0;
                lossCount = 0;
                termSums.Clear();
            }
            if (checkpoint)
            {
                Save();
                savedStep = Step;
                KeepIfBest(valLoss, valMetrics);
            }
        }
        if (cancel.IsCancellationRequested && (Length == null || Step < Length.Steps))
        {
            if (savedStep != Step) Save();
            Stopped = true;
            Log?.Invoke($"stopped at step {Step}; checkpoint saved in {CheckpointDir} (continue with --resume)");
        }
        TrainingCurve.TryWrite(MetricsPath, _run.TrainingCurvePath);
    }

    /// <summary>What a run folder allows (<see cref="RunFolder.Check"/>).</summary>
    public static void CheckRunFolder(string runDir, bool resume, bool overwrite) => RunFolder.Check(runDir, resume, overwrite);

    /// <summary>The policy's validation measures (<see cref="IPolicy.ValidationMetrics"/>) over the validation windows, on the acting
    /// weights, with a fixed noise seed; null when it reports none or nothing is held out.</summary>
    public IReadOnlyDictionary<string, double>? ValidationMetrics()
    {
        if (_val == null || _policy.ValidationMetricNames.Count == 0) return null;
        return EvaluateActing(policy =>
        {
            using var noGrad = torch.no_grad();
            using var gen = RandomDraws.Seeded(_config.Train.Seed + 11);
            var sums = new Dictionary<string, double>();
            long count = 0;
            policy.Network.eval();
            try
            {
                foreach (var batch in _val.All())
                {
                    using (batch)
                    using (torch.NewDisposeScope())
                    {
                        foreach (var (name, value) in policy.ValidationMetrics(batch, gen)) sums[name] = sums.GetValueOrDefault(name) + value * batch.Size;
                        count += batch.Size;
                    }
                }
            }
            finally { policy.Network.train(); }
            return (IReadOnlyDictionary<string, double>)sums.ToDictionary(kv => kv.Key, kv => kv.Value / Math.Max(1, count));
        });
    }

    /// <summary>train.best_on: keeps this checkpoint as RUN/checkpoints/best/ when its measure is the lowest so far.</summary>
    private void KeepIfBest(double? valLoss, IReadOnlyDictionary<string, double>? valMetrics)
    {
        if (_config.Train.BestOn is not { } measure) return;
        double? value = measure == BestOnValLoss ? valLoss : valMetrics?.GetValueOrDefault(measure);
        if (value is not { } v || !double.IsFinite(v)) return;
        if (TrainingCheckpoint.SavedBest(_run) is { } best && best.Value <= v) return;
        TrainingCheckpoint.KeepBest(_run, Step, new BestCheckpoint(measure, v, Step), withRawWeights: _emaNet != null);
    }

    private T EvaluateActing<T>(Func<IPolicy, T> evaluate)
    {
        if (_emaNet == null) return evaluate(_policy);
        // Act with the EMA weights: load them into a second policy object that shares nothing with training. Its initialization
        // draws nothing from the default generator (overwritten at once), so measuring a run does not change its dropout masks.
        IPolicy acting;
        using (var before = torch.random.get_rng_state())
        {
            acting = PolicyRegistry.Create(_config.Policy, _policy.Normalizers, _device);
            torch.random.set_rng_state(before);
        }
        if (_policy is IFittedPolicy fitted) ((IFittedPolicy)acting).LoadFitted(fitted.SaveFitted(), "the training policy");
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
        using var gen = RandomDraws.Seeded(_config.Train.Seed + 7);
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

    private TrainerParts Parts => new(_config, _policy, ActingNetwork, _emaNet, _ema, _optimizer, _generator, _train, _datasetFingerprint);

    /// <summary>The step and training seconds a checkpoint folder was saved at (<see cref="TrainingCheckpoint.SavedProgress"/>).</summary>
    public static (int Step, double ElapsedSeconds)? SavedProgress(string checkpointDir) => TrainingCheckpoint.SavedProgress(checkpointDir);

    /// <summary>How many steps the checkpoint's run trains in all: train.steps, or the length train.minutes fitted (null: not fitted yet).</summary>
    public static int? PlannedSteps(string checkpointDir, TrainConfig tc) => tc.Minutes > 0 ? TrainingCheckpoint.SavedLength(checkpointDir)?.Steps : tc.Steps;

    /// <summary>Whether the checkpoint holds the run's final step.</summary>
    public static bool Finished(string checkpointDir, TrainConfig tc) =>
        SavedProgress(checkpointDir) is { } saved && PlannedSteps(checkpointDir, tc) is { } total && saved.Step == total;

    /// <summary>Writes the acting checkpoint and the training state, atomically; keeps a copy when <c>train.keep_checkpoints</c> asks.</summary>
    public void Save()
    {
        TrainingCheckpoint.Save(CheckpointDir, Parts, Step, ElapsedSeconds, _config.Train.Minutes > 0 ? Length : null);
        if (_config.Train.KeepCheckpoints > 0) TrainingCheckpoint.Keep(_run, Step, _config.Train.KeepCheckpoints, withRawWeights: _emaNet != null);
    }

    /// <summary>The folder of the kept acting checkpoints (<c>train.keep_checkpoints</c>).</summary>
    public string KeptCheckpointsDir => _run.KeptCheckpointsDir;

    public void Dispose()
    {
        _policy.Dispose();
        _emaNet?.Dispose();
        _optimizer.Dispose();
        _ema?.Dispose();
        foreach (var g in _optimizer.Groups) g.Dispose();
        _generator.Dispose();
    }
}

/// <summary>The loss became NaN or infinite: training stops, the last checkpoint is kept.</summary>
public sealed class TrainingDivergedException(string message) : Exception(message);
