using Mimicry.Data;
using Mimicry.Data.Zarr;

namespace Mimicry.Envs.PushT;

/// <summary>
/// Converts the Diffusion Policy Push-T replay buffer into an <see cref="EpisodeDataset"/>:
/// <c>observation.state</c> (5: agent x, y, block x, y, angle), <c>observation.keypoints</c> (20: DP's
/// low-dim observation, 9 block keypoints then the agent position), optionally <c>observation.image</c>
/// (96x96x3 uint8), <c>action</c> (2), and <c>next.reward</c>, <c>next.success</c>, <c>next.done</c>.
/// Rewards come from replaying each episode's actions from its reset seed (within 1.5e-5 of the
/// recorded states), so <c>next.reward</c> is the environment's own reward after each action.
/// Unlike lerobot/pusht, whose <c>observation.state</c> is the agent position only, the state here is
/// DP's full 5-number state, so every environment observation has a dataset feature of the same name.
/// </summary>
public static class PushTImport
{
    /// <summary>LeRobot's robot_type for Push-T datasets.</summary>
    public const string RobotType = "2d pointer";

    public const string Task = "Push the T-shaped block onto the T-shaped target.";

    public static EpisodeDataset FromZarr(string zarrPath, bool includeImages = false, IProgress<int>? progress = null, bool allowMissingChunks = false)
    {
        var demos = PushTReplayBuffer.Load(zarrPath, allowMissingChunks);
        int n = demos.Steps;
        var keypoints = new float[n * 20];
        for (int t = 0; t < n; t++)
        {
            Array.Copy(demos.Keypoint, t * 18, keypoints, t * 20, 18);
            keypoints[t * 20 + 18] = demos.State[t * 5];
            keypoints[t * 20 + 19] = demos.State[t * 5 + 1];
        }
        var reward = new float[n];
        var success = new float[n];
        var done = new float[n];
        PushTReplay.ReplayAll(demos, Enumerable.Range(0, demos.Episodes).ToArray(), (e, step, s) =>
        {
            if (step == 0) return; // the reset; step k follows recorded action k-1
            long t = demos.EpisodeStart(e) + step - 1;
            reward[t] = (float)s.Reward;
            success[t] = s.Success ? 1 : 0;
        }, progress);
        for (int e = 0; e < demos.Episodes; e++) done[demos.EpisodeEnds[e] - 1] = 1;

        var features = new List<FeatureInfo>
        {
            new(FeatureKeys.State, FeatureDType.Float32, [5], ["agent_x", "agent_y", "block_x", "block_y", "block_angle"]),
            new(FeatureKeys.Keypoints, FeatureDType.Float32, [20]),
            new(FeatureKeys.Action, FeatureDType.Float32, [2], ["target_x", "target_y"]),
            new(FeatureKeys.Reward, FeatureDType.Float32, [1]),
            new(FeatureKeys.Success, FeatureDType.Bool, [1]),
            new(FeatureKeys.Done, FeatureDType.Bool, [1]),
        };
        var values = new Dictionary<string, float[]>
        {
            [FeatureKeys.State] = demos.State,
            [FeatureKeys.Keypoints] = keypoints,
            [FeatureKeys.Action] = demos.Action,
            [FeatureKeys.Reward] = reward,
            [FeatureKeys.Success] = success,
            [FeatureKeys.Done] = done,
        };
        var images = new Dictionary<string, byte[]>();
        if (includeImages)
        {
            features.Insert(2, new FeatureInfo(FeatureKeys.Image, FeatureDType.UInt8Image, [96, 96, 3]));
            images[FeatureKeys.Image] = ReadImages(zarrPath, n, allowMissingChunks);
        }
        var dataset = new EpisodeDataset(features, demos.EpisodeEnds, values, images, PushTGeometry.ControlHz, Task, zarrPath) { EnvTask = Envs.Tasks.PushT };
        dataset.Stats = DatasetStats.Compute(dataset);
        return dataset;
    }

    /// <summary>Reads <c>data/img</c> (float 0..255) chunk by chunk into uint8.</summary>
    internal static byte[] ReadImages(string zarrPath, int frames, bool allowMissingChunks)
    {
        var g = ZarrGroup.Open(zarrPath, allowMissingChunks);
        if (!g.Contains("data/img")) throw new InvalidDataException($"{zarrPath} has no data/img array (the bundled copy is low-dimensional only; pass the full replay buffer)");
        var img = g["data/img"];
        if (img.Shape.Length != 4 || img.Shape[0] != frames || img.Shape[1] != 96 || img.Shape[2] != 96 || img.Shape[3] != 3)
            throw new InvalidDataException($"{zarrPath}: data/img has shape ({string.Join(",", img.Shape)}), expected ({frames},96,96,3)");
        var result = new byte[(long)frames * 96 * 96 * 3];
        int rows = img.Chunks[0];
        for (int start = 0; start < frames; start += rows)
        {
            int count = Math.Min(rows, frames - start);
            var block = img.ReadFloat32Rows(start, count);
            long offset = (long)start * 96 * 96 * 3;
            for (int i = 0; i < block.Length; i++)
            {
                float v = block[i];
                if (!float.IsFinite(v)) throw new InvalidDataException($"{zarrPath}: data/img frame {start + i / (96 * 96 * 3)} holds {v}");
                result[offset + i] = (byte)Math.Clamp(MathF.Round(v), 0, 255);
            }
        }
        return result;
    }
}
