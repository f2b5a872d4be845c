using Mimicry.Data;
using Mimicry.Data.LeRobot;
using Mimicry.Envs.PushT;

namespace Mimicry.Envs;

/// <summary>Opens a dataset by path: a LeRobot v2.x folder (meta/info.json) or a Diffusion Policy Push-T zarr.</summary>
public static class DatasetLoader
{
    public static EpisodeDataset Load(string path, IProgress<int>? progress = null)
    {
        if (string.IsNullOrWhiteSpace(path)) throw new ArgumentException("no dataset given");
        if (File.Exists(path)) throw new IOException($"{path} is a file: a dataset is a folder, a LeRobot dataset (meta/info.json) or a Diffusion Policy zarr store (.zgroup)");
        if (File.Exists(Path.Combine(path, LeRobotLayout.InfoPath))) return LeRobotDataset.Load(path, progress);
        if (File.Exists(Path.Combine(path, ".zgroup"))) return PushTImport.FromZarr(path, progress: progress);
        if (!Directory.Exists(path)) throw new DirectoryNotFoundException($"dataset not found: {path}");
        throw new InvalidDataException($"{path} is neither a LeRobot dataset (no {LeRobotLayout.InfoPath}) nor a zarr store (no .zgroup)");
    }
}
