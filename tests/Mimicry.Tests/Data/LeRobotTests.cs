using Mimicry.Data;
using Mimicry.Data.LeRobot;
using Parquet;
using Mimicry.Envs.PushT;

namespace Mimicry.Tests.Data;

public class LeRobotTests
{
    private static string PyarrowFixture => Path.Combine(AppContext.BaseDirectory, "Fixtures", "lerobot-pyarrow");

    [Fact]
    public void Round_trip_keeps_every_value_episode_and_statistic()
    {
        var d = DatasetFactory.Make(7, 3, 12);
        string dir = TempDirs.New();
        try
        {
            LeRobotDataset.Save(d, dir, "test", format: LeRobotFormat.V21);
            var back = LeRobotDataset.Load(dir);
            Assert.Equal(d.EpisodeEnds, back.EpisodeEnds);
            Assert.Equal(d.Fps, back.Fps);
            Assert.Equal("count", back.Task);
            foreach (var f in d.Features)
            {
                Assert.Equal(f.Shape, back.Feature(f.Name).Shape);
                Assert.Equal(f.DType, back.Feature(f.Name).DType);
                Assert.Equal(d.Values(f.Name), back.Values(f.Name));
            }
            Assert.Equal(d.Stats!.ToJson(), back.Stats!.ToJson());
            Assert.True(File.Exists(Path.Combine(dir, "data", "chunk-000", "episode_000002.parquet")));
            Assert.True(File.Exists(Path.Combine(dir, "meta", "stats.json")));
        }
        finally { TempDirs.Delete(dir); }
    }

    [Fact]
    public void Images_round_trip_as_png_structs()
    {
        // Two episodes of 8x8 RGB frames whose pixels encode (frame, row, column, channel).
        var d = DatasetFactory.Make(3, 2);
        int n = (int)d.Frames, size = 8 * 8 * 3;
        var pixels = new byte[n * size];
        for (int i = 0; i < pixels.Length; i++) pixels[i] = (byte)(i * 7 % 251);
        var withImages = new EpisodeDataset(
            d.Features.Append(new FeatureInfo(FeatureKeys.Image, FeatureDType.UInt8Image, [8, 8, 3])), d.EpisodeEnds,
            d.Features.ToDictionary(f => f.Name, f => d.Values(f.Name)), new Dictionary<string, byte[]> { [FeatureKeys.Image] = pixels },
            fps: 10, task: "count");
        string dir = TempDirs.New();
        try
        {
            LeRobotDataset.Save(withImages, dir, videoCodec: null); // images as PNG structs in the parquet (v3.0 stores them as video by default)
            var info = File.ReadAllText(Path.Combine(dir, "meta", "info.json"));
            Assert.Contains("\"dtype\": \"image\"", info);
            var back = LeRobotDataset.Load(dir);
            Assert.Equal(pixels, back.Image(FeatureKeys.Image));
            Assert.Equal(d.Values(FeatureKeys.Action), back.Values(FeatureKeys.Action));
        }
        finally { TempDirs.Delete(dir); }
    }

    [Fact]
    public async Task Written_files_have_pyarrow_shape()
    {
        var d = DatasetFactory.Make(3);
        string dir = TempDirs.New();
        try
        {
            LeRobotDataset.Save(d, dir, format: LeRobotFormat.V21);
            await using var r = await ParquetReader.CreateAsync(Path.Combine(dir, "data", "chunk-000", "episode_000000.parquet"));
            var leaves = r.Schema.GetDataFields().ToDictionary(f => f.Path.ToString());
            Assert.Equal(3, leaves["action/list/element"].MaxDefinitionLevel);
            Assert.True(leaves["episode_index"].IsNullable);
        }
        finally { TempDirs.Delete(dir); }
    }

    [Fact]
    public async Task Reads_pyarrow_shaped_files()
    {
        // The fixture's schema is pyarrow's: nullable list elements at definition level 3, float64 numbers, an extra pandas column.
        await using (var r = await ParquetReader.CreateAsync(Path.Combine(PyarrowFixture, "data", "chunk-000", "episode_000001.parquet")))
        {
            var state = r.Schema.GetDataFields().Single(f => f.Path.ToString() == "observation.state/list/element");
            Assert.Equal(3, state.MaxDefinitionLevel);
            Assert.Equal(typeof(double), state.ClrType);
            Assert.Contains(r.Schema.Fields, f => f.Name == "__index_level_0__");
        }
        var d = LeRobotDataset.Load(PyarrowFixture);
        Assert.Equal(new long[] { 4, 7 }, d.EpisodeEnds);
        var state2 = d.Values(FeatureKeys.State);
        var action = d.Values(FeatureKeys.Action);
        for (int e = 0, frame = 0; e < 2; e++)
            for (int t = 0; t < d.EpisodeLength(e); t++, frame++)
            {
                Assert.Equal(e + 0.5f * t, state2[frame * 2]);
                Assert.Equal(-t, state2[frame * 2 + 1]);
                Assert.Equal(10 * e + t, action[frame * 2]);
                Assert.Equal(t / 10f, d.Values(FeatureKeys.Reward)[frame]);
                Assert.Equal(t == d.EpisodeLength(e) - 1 ? 1f : 0f, d.Values(FeatureKeys.Done)[frame]);
            }
        // Statistics are computed when stats.json is absent: action[0] = 10 e + t over the frames above.
        var a0 = Enumerable.Range(0, (int)d.Frames).Select(i => (double)action[i * 2]).ToArray();
        Assert.Equal(a0.Min(), d.Stats![FeatureKeys.Action].Min[0]);
        Assert.Equal(a0.Max(), d.Stats[FeatureKeys.Action].Max[0]);
        Assert.Equal(a0.Average(), d.Stats[FeatureKeys.Action].Mean[0], 4);
    }

    private static string CopyOfFixture()
    {
        string dir = TempDirs.New();
        foreach (var f in Directory.GetFiles(PyarrowFixture, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(dir, Path.GetRelativePath(PyarrowFixture, f));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(f, target);
        }
        return dir;
    }

    [Fact]
    public void Missing_episode_file_is_named()
    {
        string dir = CopyOfFixture();
        try
        {
            File.Delete(Path.Combine(dir, "data", "chunk-000", "episode_000001.parquet"));
            var e = Assert.ThrowsAny<IOException>(() => LeRobotDataset.Load(dir));
            Assert.Contains("episode_000001.parquet", e.Message);
            Assert.Contains("episode 1", e.Message);
        }
        finally { TempDirs.Delete(dir); }
    }

    [Fact]
    public void Corrupt_parquet_names_the_file()
    {
        string dir = CopyOfFixture();
        try
        {
            string file = Path.Combine(dir, "data", "chunk-000", "episode_000000.parquet");
            var bytes = File.ReadAllBytes(file);
            File.WriteAllBytes(file, bytes[..(bytes.Length / 3)]);
            var e = Assert.Throws<InvalidDataException>(() => LeRobotDataset.Load(dir));
            Assert.Contains("episode_000000.parquet", e.Message);
        }
        finally { TempDirs.Delete(dir); }
    }

    [Fact]
    public void Shape_mismatch_names_file_frame_and_feature()
    {
        string dir = CopyOfFixture();
        try
        {
            string info = Path.Combine(dir, "meta", "info.json");
            File.WriteAllText(info, File.ReadAllText(info).Replace("\"action\": {\"dtype\": \"float32\", \"shape\": [2]", "\"action\": {\"dtype\": \"float32\", \"shape\": [3]"));
            var e = Assert.Throws<InvalidDataException>(() => LeRobotDataset.Load(dir));
            Assert.Contains("feature 'action'", e.Message);
            Assert.Contains("episode_00000", e.Message);
            Assert.Contains("expected 3", e.Message);
        }
        finally { TempDirs.Delete(dir); }
    }

    [Fact]
    public void Missing_column_and_bad_json_are_named()
    {
        string dir = CopyOfFixture();
        try
        {
            string info = Path.Combine(dir, "meta", "info.json");
            string original = File.ReadAllText(info);
            File.WriteAllText(info, original.Replace("\"next.done\": {", "\"observation.velocity\": {\"dtype\": \"float32\", \"shape\": [2], \"names\": null},\n\"next.done\": {"));
            var e = Assert.Throws<InvalidDataException>(() => LeRobotDataset.Load(dir));
            Assert.Contains("'observation.velocity'", e.Message);

            File.WriteAllText(info, original.Replace("\"fps\": 10,", "\"fps\": \"ten\","));
            var e2 = Assert.Throws<InvalidDataException>(() => LeRobotDataset.Load(dir));
            Assert.Contains("info.json", e2.Message);
            Assert.Contains("'fps'", e2.Message);
        }
        finally { TempDirs.Delete(dir); }
    }

    [Fact]
    public async Task NaN_in_a_feature_names_episode_frame_and_feature()
    {
        var d = DatasetFactory.Make(5, 5);
        string dir = TempDirs.New();
        try
        {
            LeRobotDataset.Save(d, dir, format: LeRobotFormat.V21);
            // Poke a NaN into episode 1's actions after validation: Save refuses it, naming where it is ...
            var values = d.Values(FeatureKeys.Action);
            values[(5 + 3) * 2 + 1] = float.NaN;
            var onSave = Assert.Throws<InvalidDataException>(() => LeRobotDataset.Save(d, dir, overwrite: true, format: LeRobotFormat.V21));
            Assert.Contains("episode 1, frame 3, feature 'action'[1]", onSave.Message);
            Assert.NotNull(LeRobotDataset.Load(dir)); // ... and the dataset already there is untouched.

            // A file that holds a NaN (as another writer could leave it) is rejected on load: first by the checksums
            // Mimicry recorded, and in a dataset written by another tool (no checksums) by the value check.
            await LeRobotDataset.WriteEpisode(d, 1, Path.Combine(dir, LeRobotLayout.EpisodeFile(1)));
            Assert.Contains("episode_000001.parquet: contents changed", Assert.Throws<InvalidDataException>(() => LeRobotDataset.Load(dir)).Message);
            File.Delete(Path.Combine(dir, Mimicry.IO.FolderChecksums.Dataset.FileName));
            var fromFile = Assert.Throws<InvalidDataException>(() => LeRobotDataset.Load(dir));
            Assert.Contains("episode_000001.parquet (episode 1), frame 3, feature 'action'[1]", fromFile.Message);

            // The same array handed to a new dataset in memory is rejected too.
            var e = Assert.Throws<InvalidDataException>(() => new EpisodeDataset(d.Features, d.EpisodeEnds,
                d.Features.ToDictionary(f => f.Name, f => d.Values(f.Name))));
            Assert.Contains("episode 1, frame 3, feature 'action'[1]", e.Message);
        }
        finally { TempDirs.Delete(dir); }
    }

    [Fact]
    public void An_interrupted_write_leaves_nothing_that_loads()
    {
        var d = DatasetFactory.Make(4, 4, 4, 4);
        string dir = TempDirs.New();
        var failAfterTwo = new FailingProgress(2);
        Assert.Throws<InvalidOperationException>(() => LeRobotDataset.Save(d, dir, progress: failAfterTwo));
        Assert.False(Directory.Exists(dir));
        var parent = Path.GetDirectoryName(dir)!;
        Assert.Empty(Directory.GetDirectories(parent, Path.GetFileName(dir) + "*"));

        // An existing dataset survives a failed overwrite untouched.
        LeRobotDataset.Save(d, dir);
        Assert.Throws<InvalidOperationException>(() => LeRobotDataset.Save(DatasetFactory.Make(9), dir, overwrite: true, progress: new FailingProgress(0)));
        Assert.Equal(d.EpisodeEnds, LeRobotDataset.Load(dir).EpisodeEnds);
        TempDirs.Delete(dir);
    }

    private sealed class FailingProgress(int after) : IProgress<int>
    {
        public void Report(int value) { if (value > after) throw new InvalidOperationException("interrupted"); }
    }

    [Fact]
    public void Pusht_import_has_keypoints_state_and_replayed_rewards()
    {
        var d = PushTImport.FromZarr(TestData.BundledPushT);
        Assert.Equal(206, d.Episodes);
        Assert.Equal(25650, d.Frames);
        Assert.Equal(20, d.Feature(FeatureKeys.Keypoints).Size);
        // Rewards and success flags of the same frames agree (a column shifted by a frame would not):
        // success means coverage > 0.95, where the reward clip(coverage / 0.95) is 1.
        var reward = d.Values(FeatureKeys.Reward);
        var success = d.Values(FeatureKeys.Success);
        for (int t = 0; t < reward.Length; t++)
        {
            if (success[t] > 0) Assert.Equal(1f, reward[t]);
            if (reward[t] < 0.999f) Assert.Equal(0f, success[t]);
        }
        // 7 of 206 demonstrations end above 0.95 coverage.
        int episodesWithSuccess = Enumerable.Range(0, 206).Count(e => Enumerable.Range((int)d.EpisodeStart(e), d.EpisodeLength(e)).Any(t => success[t] > 0));
        Assert.InRange(episodesWithSuccess, 5, 20);
        var done = d.Values(FeatureKeys.Done);
        Assert.Equal(d.EpisodeEnds.Select(e => e - 1), Enumerable.Range(0, done.Length).Where(t => done[t] > 0).Select(t => (long)t));
    }
}
