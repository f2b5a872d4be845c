namespace Mimicry.Data;

/// <summary>The fixed feature keys every policy and dataset uses (LeRobot's naming).</summary>
public static class FeatureKeys
{
    /// <summary>Low-dimensional robot/task state (Push-T: agent x, y, block x, y, angle).</summary>
    public const string State = "observation.state";
    /// <summary>DP's low-dim Push-T observation: 9 block keypoints then the agent position (20).</summary>
    public const string Keypoints = "observation.keypoints";
    /// <summary>Camera image, height x width x 3, uint8.</summary>
    public const string Image = "observation.image";
    public const string Action = "action";
    public const string Reward = "next.reward";
    public const string Success = "next.success";
    public const string Done = "next.done";
    /// <summary>Derived: the frame's index within its episode (0, 1, ...), as LeRobot's bookkeeping column.</summary>
    public const string FrameIndex = "frame_index";
    /// <summary>Derived: the undiscounted sum of <c>next.reward</c> from this frame to the episode's end (Decision Transformer's return-to-go).</summary>
    public const string ReturnToGo = "return_to_go";
    /// <summary>Derived: the episode's highest <c>next.reward</c>, on each of its frames (for Push-T the best coverage reached:
    /// an outcome that, unlike a sum, does not punish a fast success that ends the episode early).</summary>
    public const string EpisodeMaxReward = "episode_max_reward";

    /// <summary>Whether a key names something observed at acting time (the <c>observation.</c> features).</summary>
    public static bool IsObservation(string key) => key.StartsWith("observation.", StringComparison.Ordinal);
}

/// <summary>How a feature's values are stored.</summary>
public enum FeatureDType { Float32, Bool, UInt8Image }

/// <summary>A named per-frame feature with a fixed shape.</summary>
/// <param name="Name">Key, e.g. <c>observation.state</c>.</param>
/// <param name="DType">Storage type.</param>
/// <param name="Shape">Per-frame shape (e.g. [2], or [96, 96, 3] for an image).</param>
/// <param name="Names">Optional names of the components (LeRobot's <c>names</c>).</param>
public sealed record FeatureInfo(string Name, FeatureDType DType, int[] Shape, string[]? Names = null)
{
    /// <summary>Values per frame.</summary>
    public int Size => Shape.Aggregate(1, (a, b) => a * b);

    public bool IsImage => DType == FeatureDType.UInt8Image;
}
